"""End to end: the real CLI and a real uvicorn server over HTTP, on a fresh database (the server
is shared with the other tests under tests/http; see conftest.py)."""

import os
import re
from pathlib import Path

import pytest

from tests.databases import fresh_database
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.projects.documents import CREATE_PROJECT
from tests.http.server import graphql, run_cli

pytestmark = pytest.mark.slow


def test_a_platform_key_from_the_cli_drives_a_real_server(
    running_server: str, server_env: dict[str, str]
) -> None:
    # given a platform key issued by the CLI
    issued = run_cli("create-platform-key", "--name", "e2e", env=server_env)
    assert issued.returncode == 0, issued.stderr
    match = re.search(r"(crk_\S+)", issued.stdout)
    assert match, issued.stdout
    platform_key = match.group(1)

    # when requests arrive without a key, with it, and with the project's key
    assert graphql(running_server, None, "{ viewer { role } }", {}).status_code == 401
    created = graphql(
        running_server,
        platform_key,
        CREATE_PROJECT,
        {"input": {"slug": "e2e", "name": "End to end"}},
    ).json()["data"]["createProject"]
    assert created["__typename"] == "CreateProjectSuccess"
    admin_key = created["secret"]
    connector = graphql(
        running_server, admin_key, CREATE_CONNECTOR, {"input": {"key": "crm", "name": "CRM"}}
    ).json()["data"]["createConnector"]

    # then the server answers over real HTTP with the data it stored
    assert connector["__typename"] == "CreateConnectorSuccess"
    viewer = graphql(
        running_server,
        admin_key,
        "{ viewer { role project { slug } } connectors { totalCount } }",
        {},
    ).json()["data"]
    assert viewer["viewer"] == {"role": "ADMIN", "project": {"slug": "e2e"}}
    assert viewer["connectors"]["totalCount"] == 1


def test_create_project_from_the_cli_prints_a_working_admin_key(
    running_server: str, server_env: dict[str, str]
) -> None:
    created = run_cli("create-project", "cli-made", "--name", "Made by the CLI", env=server_env)
    assert created.returncode == 0, created.stderr
    match = re.search(r"(crk_\S+)", created.stdout)
    assert match, created.stdout
    body = graphql(
        running_server, match.group(1), "{ viewer { role project { name } } }", {}
    ).json()
    assert body["data"]["viewer"] == {"role": "ADMIN", "project": {"name": "Made by the CLI"}}

    again = run_cli("create-project", "cli-made", "--name", "Twice", env=server_env)
    assert again.returncode == 1
    assert "ALREADY_EXISTS" in again.stderr


async def test_serve_refuses_a_postgresql_database_that_is_not_migrated(
    backend: str, database_workdir: Path
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite is migrated by `serve` itself")
    async with fresh_database(backend, database_workdir) as url:
        env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
        result = run_cli("serve", env=env)
    assert result.returncode == 1
    assert "connector-registry migrate" in result.stderr
