"""`connector-registry push FILE` against a real server: the command in a process of its own,
talking HTTP to the shared uvicorn server (see conftest.py), as a developer would run it."""

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.graphql.versions.documents import VERSION_BY_NUMBER
from tests.http.server import Project, create_project, free_port, graphql, run_cli

pytestmark = pytest.mark.slow

Json = dict[str, Any]

DEFINITION: Json = {
    "auth": {"type": "oauth2", "scopes": ["contacts.read"]},
    "actions": [
        {
            "id": "list_contacts",
            "description": "List contacts",
            "params": [{"name": "limit", "type": "integer", "default": 50}],
            "response": [
                {"name": "id", "type": "string", "required": True},
                {"name": "email", "type": "string"},
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def project(running_server: str, platform_key: str) -> Project:
    """A project with immutable versioning on (the default), shared by this module's tests."""
    return Project(running_server, create_project(running_server, platform_key))


@pytest.fixture(scope="module")
def mutable_project(running_server: str, platform_key: str) -> Project:
    """A project that turned immutable versioning off, so a forced push may overwrite."""
    return Project(
        running_server, create_project(running_server, platform_key, immutable_versioning=False)
    )


def push_file(directory: Path, name: str, key: str, version: str, **extra: Any) -> Path:
    """A push file: YAML or JSON by the name's extension."""
    document = {"key": key, "version": version, **copy.deepcopy(DEFINITION), **extra}
    path = directory / name
    if path.suffix == ".json":
        path.write_text(json.dumps(document, indent=2))
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def push(
    file: Path, *options: str, project: Project | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`connector-registry push FILE` with the project's URL and key as options (unless env)."""
    connection = [] if project is None else ["--url", project.graphql_url, "--api-key", project.key]
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("CONNECTOR_")
    }
    return run_cli("push", str(file), *connection, *options, env={**environment, **(env or {})})


def read_version(project: Project, key: str, number: str) -> Json:
    response = graphql(
        project.base_url, project.key, VERSION_BY_NUMBER, {"key": key, "number": number}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["connector"]  # type: ignore[no-any-return]


def test_a_first_push_publishes_the_version_and_it_is_readable(
    project: Project, tmp_path: Path
) -> None:
    # given a new connector and a YAML file for its version 1.0.0
    key = project.connector()
    file = push_file(tmp_path, "crm.yaml", key, "1.0.0", description="Contacts from the CRM")

    # when it is pushed
    result = push(file, project=project)

    # then the command says so and the server has the version, published
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Published {key} 1.0.0.",
        "No earlier published version to compare it with.",
    ]
    assert result.stderr == ""
    stored = read_version(project, key, "1.0.0")["version"]
    assert stored["published"] is True
    assert stored["revision"] == 1
    assert stored["description"] == "Contacts from the CRM"
    assert stored["name"] == key.upper()  # the connector's name when the file has none
    assert stored["definition"]["actions"][0]["id"] == "list_contacts"


def test_pushing_the_same_file_again_changes_nothing(project: Project, tmp_path: Path) -> None:
    key = project.connector()
    file = push_file(tmp_path, "crm.yaml", key, "1.0.0")
    assert push(file, project=project).returncode == 0
    before = read_version(project, key, "1.0.0")

    again = push(file, project=project)

    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"Unchanged: {key} 1.0.0 is already published with this content (changed: false)."
    ]
    assert read_version(project, key, "1.0.0") == before


def test_a_json_file_and_then_a_yaml_file_publish_in_turn(project: Project, tmp_path: Path) -> None:
    # given 1.0.0 pushed from a JSON file
    key = project.connector()
    first = push(push_file(tmp_path, "crm.json", key, "1.0.0"), project=project)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"Published {key} 1.0.0.")

    # when 1.1.0 adds an action, from a YAML file with the .yml extension
    actions = [*DEFINITION["actions"], {"id": "get_contact", "description": "One contact"}]
    second = push(push_file(tmp_path, "crm.yml", key, "1.1.0", actions=actions), project=project)

    # then it is published, with the change it makes and the bump that needs
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [
        f"Published {key} 1.1.0.",
        "Changes since 1.0.0 (they need MINOR):",
        "  MINOR  actions[get_contact]: action 'get_contact' was added",
    ]
    assert read_version(project, key, "1.1.0")["version"]["published"] is True


def test_a_breaking_change_pushed_as_a_minor_is_refused_with_each_change(
    project: Project, tmp_path: Path
) -> None:
    # given 1.0.0
    key = project.connector()
    assert push(push_file(tmp_path, "v1.yaml", key, "1.0.0"), project=project).returncode == 0

    # when 1.1.0 removes a response field and adds another
    actions = copy.deepcopy(DEFINITION["actions"])
    actions[0]["response"][1] = {"name": "mail", "type": "string"}
    result = push(push_file(tmp_path, "v2.yaml", key, "1.1.0", actions=actions), project=project)

    # then the push is refused with the code and each change with its bump; nothing is stored
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{key} 1.1.0 was not pushed: INSUFFICIENT_VERSION_BUMP"
    assert lines[1].startswith("1.1.0 declares MINOR over 1.0.0, but the changes need MAJOR")
    field = "actions[list_contacts].response"
    assert lines[2:] == [
        "Each change since 1.0.0, with the bump it needs:",
        f"  MAJOR  {field}[email]: response field 'email' of action 'list_contacts' was removed",
        f"  MINOR  {field}[mail]: response field 'mail' of action 'list_contacts' was added",
    ]
    assert read_version(project, key, "1.1.0") == {"version": None, "versions": {"totalCount": 1}}


def test_an_invalid_definition_is_refused_with_each_problem_path(
    project: Project, tmp_path: Path
) -> None:
    key = project.connector()
    actions = copy.deepcopy(DEFINITION["actions"])
    actions[0]["params"][0]["type"] = "int"
    actions[0]["colour"] = "blue"
    file = push_file(tmp_path, "crm.yaml", key, "1.0.0", actions=actions, pagination="cursor")

    result = push(file, project=project)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"{key} 1.0.0 was not pushed: INVALID_DEFINITION"
    problems = lines[lines.index("Problems, by path in the definition:") + 1 :]
    paths = [line.strip().split(":")[0] for line in problems]
    assert paths == ["actions[0].colour", "actions[0].params[0].type", "pagination"]
    assert read_version(project, key, "1.0.0")["version"] is None


def test_a_definition_beyond_the_servers_limits_is_refused_with_the_limit(
    project: Project, tmp_path: Path
) -> None:
    # given a file of 501 actions, one more than the server takes by default
    key = project.connector()
    actions = [{"id": f"action_{index}"} for index in range(501)]
    file = push_file(tmp_path, "crm.json", key, "1.0.0", actions=actions)

    # when it is pushed, then the server's refusal is shown with the limit at its path
    result = push(file, project=project)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"{key} 1.0.0 was not pushed: INVALID_DEFINITION"
    problems = lines[lines.index("Problems, by path in the definition:") + 1 :]
    assert [line.strip() for line in problems] == ["actions: at most 500, got 501"]
    assert read_version(project, key, "1.0.0")["version"] is None


def test_a_key_the_server_does_not_know_gets_its_401_message(
    project: Project, tmp_path: Path
) -> None:
    file = push_file(tmp_path, "crm.yaml", project.connector(), "1.0.0")
    stranger = Project(project.base_url, "crk_not-a-key-this-server-issued")

    result = push(file, project=stranger)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "connector-registry: the registry answered HTTP 401 Unauthorized: the API key is not valid"
    ]


def test_environment_variables_stand_in_for_the_options(project: Project, tmp_path: Path) -> None:
    # given the URL as a bare address (the command adds /graphql) and the key, in the environment
    key = project.connector()
    file = push_file(tmp_path, "crm.yaml", key, "1.0.0")
    env = {"CONNECTOR_REGISTRY_URL": project.base_url, "CONNECTOR_REGISTRY_API_KEY": project.key}

    result = push(file, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Published {key} 1.0.0.")
    assert read_version(project, key, "1.0.0")["version"]["published"] is True


def test_force_cannot_overwrite_while_immutable_versioning_is_on(
    project: Project, tmp_path: Path
) -> None:
    key = project.connector()
    assert push(push_file(tmp_path, "v1.yaml", key, "1.0.0"), project=project).returncode == 0
    before = read_version(project, key, "1.0.0")

    changed = push_file(tmp_path, "v1b.yaml", key, "1.0.0", description="Other content")
    result = push(changed, "--force", project=project)

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"{key} 1.0.0 was not pushed: VERSION_IMMUTABLE"
    assert "force has no effect" in result.stderr
    assert read_version(project, key, "1.0.0") == before


def test_force_overwrites_when_immutable_versioning_is_off(
    mutable_project: Project, tmp_path: Path
) -> None:
    # given 1.0.0, and a file with other content under the same number
    project = mutable_project
    key = project.connector()
    assert push(push_file(tmp_path, "v1.yaml", key, "1.0.0"), project=project).returncode == 0
    changed = push_file(tmp_path, "v1b.yaml", key, "1.0.0", description="Other content")

    # when it is pushed without --force, then with it
    refused = push(changed, project=project)
    forced = push(changed, "--force", project=project)

    # then only the forced push overwrites, as revision 2
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[0] == f"{key} 1.0.0 was not pushed: VERSION_EXISTS"
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.splitlines()[0] == (
        f"Overwrote {key} 1.0.0: now revision 2; "
        "the content it replaced is kept in the version's revisions."
    )
    stored = read_version(project, key, "1.0.0")["version"]
    assert (stored["revision"], stored["description"]) == (2, "Other content")


# Failures before any answer from a registry: no server needed.


def test_a_missing_file_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"

    result = push(missing, "--api-key", "crk_anything")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"connector-registry: {missing}: no such file"]


def test_a_file_that_does_not_parse_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "crm.yaml"
    broken.write_text("key: crm\nversion: 1.0.0\nauth: [\n")

    result = push(broken, "--api-key", "crk_anything")

    assert result.returncode == 2
    assert result.stderr.startswith(f"connector-registry: {broken}: not valid YAML (line 4")


def test_an_unreachable_server_is_one_line_and_exit_1(tmp_path: Path) -> None:
    file = push_file(tmp_path, "crm.yaml", "crm", "1.0.0")
    nobody = f"http://127.0.0.1:{free_port()}/graphql"

    result = push(file, "--url", nobody, "--api-key", "crk_anything")

    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"connector-registry: cannot reach the registry at {nobody}: ")
