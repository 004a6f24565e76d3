"""Reading a push file: YAML or JSON, the metadata taken out, and a clear word on what is wrong.
The command itself runs against a real server in `tests/http/test_push_cli.py`."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.push import PushFileError, read_push_file

DEFINITION = {"auth": {"type": "oauth2"}, "actions": [{"id": "list_contacts"}]}
DOCUMENT = {"key": "crm", "version": "1.2.0", **DEFINITION}
YAML = """\
key: crm
version: 1.2.0
auth:
  type: oauth2
actions:
  - id: list_contacts
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("crm.yaml", YAML),
        ("crm.yml", YAML),
        ("crm.JSON", json.dumps(DOCUMENT)),
        ("crm.definition", json.dumps(DOCUMENT)),  # no known extension: JSON first
        ("crm.definition", YAML),  # then YAML
        ("crm", YAML),
    ],
)
def test_yaml_and_json_files_give_the_same_push(tmp_path: Path, name: str, text: str) -> None:
    pushed = read_push_file(write(tmp_path, name, text))

    assert (pushed.key, pushed.version, pushed.definition) == ("crm", "1.2.0", DEFINITION)


def test_metadata_is_taken_out_and_everything_else_is_the_definition(tmp_path: Path) -> None:
    document = {
        **DOCUMENT,
        "name": "CRM",
        "description": "Contacts",
        "readme": "# CRM",
        "config": {"execution": {"timeout": 30}},
        "pagination": "cursor",  # misplaced: the server reports it at its path
    }
    pushed = read_push_file(write(tmp_path, "crm.json", json.dumps(document)))

    assert pushed.definition == {**DEFINITION, "pagination": "cursor"}
    assert pushed.variables(force=True) == {
        "input": {
            "connectorKey": "crm",
            "version": "1.2.0",
            "definition": {**DEFINITION, "pagination": "cursor"},
            "force": True,
            "name": "CRM",
            "description": "Contacts",
            "readme": "# CRM",
            "config": {"execution": {"timeout": 30}},
        }
    }


def test_metadata_left_out_is_left_to_the_server(tmp_path: Path) -> None:
    pushed = read_push_file(write(tmp_path, "crm.yaml", YAML))

    assert pushed.variables(force=False)["input"] == {
        "connectorKey": "crm",
        "version": "1.2.0",
        "definition": DEFINITION,
        "force": False,
    }


def test_yaml_dates_stay_the_strings_json_would_carry(tmp_path: Path) -> None:
    text = YAML + "    params:\n      - {name: since, type: date, default: 2024-01-31}\n"

    pushed = read_push_file(write(tmp_path, "crm.yaml", text))

    assert pushed.definition["actions"][0]["params"][0]["default"] == "2024-01-31"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("crm.json", '{"key": "crm",}', "not valid JSON (line 1, column 15: Expecting property"),
        ("crm.yaml", "key: crm\nauth: [\n", "not valid YAML (line 3, column 1: expected the node"),
        ("crm.yaml", "", "the file must hold a mapping with key, version, auth and actions"),
        ("crm.yaml", "- key: crm\n", "the file must hold a mapping"),
        ("crm.yaml", "version: 1.0.0\n", "key is missing (e.g. key: crm)"),
        ("crm.yaml", "key: crm\n", 'version is missing (e.g. version: "1.0.0")'),
        ("crm.yaml", "key: crm\nversion: 1.0\n", 'version must be text, not 1.0 (e.g. version: "1'),
        ("crm.yaml", "key: ''\nversion: 1.0.0\n", "key must be text, not ''"),
        ("crm.yaml", "key: crm\nversion: 1.0.0\nname: 7\n", "name must be text"),
        (
            "crm.yaml",
            "key: crm\nversion: 1.0.0\nauth: {on: x}\n",
            "auth has a key that is not text",
        ),
        ("crm.yaml", "key: crm\nversion: 1.0.0\nx: [.nan]\n", "x[0] is nan, which JSON cannot"),
        ("crm.yaml", "key: crm\nversion: 1.0.0\nx: !!binary aGk=\n", "x holds a bytes, which JSON"),
    ],
)
def test_a_file_that_cannot_be_pushed_says_why(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path, name, text)

    with pytest.raises(PushFileError) as raised:
        read_push_file(path)

    assert str(raised.value).startswith(f"{path}: {message}")


def test_a_missing_file_or_a_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(PushFileError, match="no such file"):
        read_push_file(tmp_path / "missing.yaml")
    with pytest.raises(PushFileError, match="is a directory"):
        read_push_file(tmp_path)
    binary = tmp_path / "crm.yaml"
    binary.write_bytes(b"\xff\xfe\x00key")
    with pytest.raises(PushFileError, match="not a UTF-8 text file"):
        read_push_file(binary)


# The command's own checks of its options, before any request is made


def run_push(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["push", *args], env={**NO_PUSH_ENV, **(env or {})})


NO_PUSH_ENV: dict[str, str | None] = {
    "CONNECTOR_REGISTRY_URL": None,
    "CONNECTOR_REGISTRY_API_KEY": None,
}


def test_a_url_that_cannot_be_used_exits_2(tmp_path: Path) -> None:
    file = write(tmp_path, "crm.yaml", YAML)

    result = run_push(str(file), "--api-key", "crk_x", "--url", "localhost:8000")

    assert result.exit_code == 2
    assert result.stderr.startswith("connector-registry: the URL must be http:// or https://")


def test_an_api_key_is_required(tmp_path: Path) -> None:
    result = run_push(str(write(tmp_path, "crm.yaml", YAML)))

    assert result.exit_code == 2
    assert result.stderr == (
        "connector-registry: push needs an API key: --api-key or CONNECTOR_REGISTRY_API_KEY\n"
    )
