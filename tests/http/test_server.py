"""End to end: the real CLI and a real uvicorn server over HTTP, on a fresh database."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.databases import fresh_database

START_TIMEOUT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
async def server_url(backend: str, database_workdir: Path) -> AsyncIterator[URL]:
    async with fresh_database(backend, database_workdir) as url:
        yield url


@pytest.fixture(scope="module")
def server_env(server_url: URL) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": server_url.render_as_string(hide_password=False),
        "LOG_LEVEL": "warning",
    }


@pytest.fixture(scope="module")
def running_server(server_env: dict[str, str], database_workdir: Path) -> Iterator[str]:
    """One server per backend for this module, with two worker processes sharing the database."""
    migrated = _cli("migrate", env=server_env)
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    log = (database_workdir / f"server-{port}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited during start-up"
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not become healthy in {START_TIMEOUT_SECONDS}s")


def _graphql(
    base_url: str, key: str | None, query: str, variables: dict[str, object]
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(
        f"{base_url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )


def test_a_platform_key_from_the_cli_drives_a_real_server(
    running_server: str, server_env: dict[str, str]
) -> None:
    # given a platform key issued by the CLI
    issued = _cli("create-platform-key", "--name", "e2e", env=server_env)
    assert issued.returncode == 0, issued.stderr
    match = re.search(r"(crk_\S+)", issued.stdout)
    assert match, issued.stdout
    platform_key = match.group(1)

    # when requests arrive without a key, with it, and with the project's key
    assert _graphql(running_server, None, "{ viewer { role } }", {}).status_code == 401
    created = _graphql(
        running_server,
        platform_key,
        "mutation ($input: CreateProjectInput!) { createProject(input: $input) { __typename "
        "... on CreateProjectSuccess { secret project { slug } } } }",
        {"input": {"slug": "e2e", "name": "End to end"}},
    ).json()["data"]["createProject"]
    assert created["__typename"] == "CreateProjectSuccess"
    admin_key = created["secret"]
    connector = _graphql(
        running_server,
        admin_key,
        'mutation { createConnector(input: {key: "crm", name: "CRM"}) { __typename } }',
        {},
    ).json()["data"]["createConnector"]

    # then the server answers over real HTTP with the data it stored
    assert connector["__typename"] == "CreateConnectorSuccess"
    viewer = _graphql(
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
    created = _cli("create-project", "cli-made", "--name", "Made by the CLI", env=server_env)
    assert created.returncode == 0, created.stderr
    match = re.search(r"(crk_\S+)", created.stdout)
    assert match, created.stdout
    body = _graphql(
        running_server, match.group(1), "{ viewer { role project { name } } }", {}
    ).json()
    assert body["data"]["viewer"] == {"role": "ADMIN", "project": {"name": "Made by the CLI"}}

    again = _cli("create-project", "cli-made", "--name", "Twice", env=server_env)
    assert again.returncode == 1
    assert "ALREADY_EXISTS" in again.stderr


async def test_serve_refuses_a_postgresql_database_that_is_not_migrated(
    backend: str, database_workdir: Path
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite is migrated by `serve` itself")
    async with fresh_database(backend, database_workdir) as url:
        env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
        result = _cli("serve", env=env)
    assert result.returncode == 1
    assert "connector-registry migrate" in result.stderr
