"""`connector-registry impact FILE` against a real server: what pushing the file would do, asked
by a command in a process of its own, with nothing pushed."""

import copy
import os
import subprocess
from pathlib import Path

import pytest

from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, LINK_ACCOUNT
from tests.http.server import Project, create_project, mutate, run_cli
from tests.http.test_push_cli import DEFINITION, push, push_file, read_version

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(running_server: str, platform_key: str) -> Project:
    return Project(running_server, create_project(running_server, platform_key))


def impact(file: Path, project: Project) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("CONNECTOR_")
    }
    options = ["--url", project.graphql_url, "--api-key", project.key]
    return run_cli("impact", str(file), *options, env=environment)


def auth_config(project: Project, key: str, name: str, pin: str | None, accounts: int) -> None:
    created = mutate(
        project.base_url,
        project.key,
        CREATE_AUTH_CONFIG,
        {"connectorKey": key, "name": name, "pin": pin},
    )
    assert created["__typename"] == "CreateAuthConfigSuccess", created
    for index in range(accounts):
        input = {"authConfigId": created["authConfig"]["id"], "externalId": f"{name}-{index}"}
        linked = mutate(project.base_url, project.key, LINK_ACCOUNT, input)
        assert linked["__typename"] == "LinkAccountSuccess", linked


def test_impact_prints_the_moves_and_pushes_nothing(project: Project, tmp_path: Path) -> None:
    # given 1.0.0; "Floating" on latest with two accounts, "Held" on 1.x.x with one
    key = project.connector()
    assert push(push_file(tmp_path, "v1.yaml", key, "1.0.0"), project=project).returncode == 0
    auth_config(project, key, "Floating", None, 2)
    auth_config(project, key, "Held", "1.x.x", 1)

    # when asked what pushing 2.0.0, whose auth adds a scope, would do
    auth = copy.deepcopy(DEFINITION["auth"])
    auth["scopes"] = [*auth["scopes"], "contacts.write"]
    result = impact(push_file(tmp_path, "v2.yaml", key, "2.0.0", auth=auth), project)

    # then it prints the one move as a table, and 2.0.0 is not pushed
    assert result.returncode == 0, result.stderr
    title, header, row = result.stdout.splitlines()
    assert title == (
        f"Pushing {key} 2.0.0 would move 1 auth config(s) with 2 linked account(s), 2 of them "
        "newly needing re-authentication:"
    )
    assert header.split() == ["AUTH", "CONFIG", "FROM", "TO", "ACCOUNTS", "RE-AUTH"]
    assert row.split() == ["Floating", "1.0.0", "(DEFAULT)", "2.0.0", "(DEFAULT)", "2", "2"]
    assert read_version(project, key, "2.0.0")["version"] is None


def test_impact_of_a_refused_push_prints_the_refusal_and_fails(
    project: Project, tmp_path: Path
) -> None:
    # given 1.0.0
    key = project.connector()
    assert push(push_file(tmp_path, "v1.yaml", key, "1.0.0"), project=project).returncode == 0
    # when asked about 1.1.0 removing a response field (a MAJOR change)
    actions = copy.deepcopy(DEFINITION["actions"])
    del actions[0]["response"][1]
    result = impact(push_file(tmp_path, "v2.yaml", key, "1.1.0", actions=actions), project)
    # then it prints the push's refusal with each change, and exits 1
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{key} 1.1.0 would not be pushed: INSUFFICIENT_VERSION_BUMP"
    assert lines[2] == "Each change since 1.0.0, with the bump it needs:"
    assert lines[3].startswith("  MAJOR  actions[list_contacts].response[email]")
