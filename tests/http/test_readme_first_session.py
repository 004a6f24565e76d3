"""The README's first GraphQL session runs as written, read from the README itself: after
`connector-registry demo`, against a real server, every document in order, none answered with an
error the README does not announce."""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from tests.databases import fresh_database
from tests.http.server import graphql, run_cli, serving

README = Path(__file__).resolve().parents[2] / "README.md"
SESSION_START = "## A first GraphQL session"
SESSION_END = "\n## "  # the next top-level section ends it
BLOCK = re.compile(r"```(?P<lang>\w*)\n(?P<body>.*?)```", re.DOTALL)
ANNOUNCED_CODE = re.compile(r"`([A-Z][A-Z_]+)`")

# Where each placeholder's value comes from: the first result of a mutation (of an object with
# that runtime, when one is named), at a path.
PLACEHOLDERS: dict[str, tuple[str, tuple[str, str], str | None]] = {
    "<the auth config's id>": ("createAuthConfig", ("authConfig", "id"), None),
    "<the key's id>": ("createApiKey", ("apiKey", "id"), None),
    "<the IMAGE connector's id>": ("createConnector", ("connector", "id"), "IMAGE"),
    "<the IMAGE version's id>": ("createVersion", ("version", "id"), None),
    "<the pushed version's id>": ("pushVersion", ("version", "id"), None),
}


@dataclass
class Step:
    document: str
    field: str
    announced: set[str]  # error codes the README's text after the block names


def session_steps() -> list[Step]:
    """The session's GraphQL operations in order, each with the codes announced after it."""
    text = README.read_text()
    start = text.index(SESSION_START)
    session = text[start : text.index(SESSION_END, start + len(SESSION_START))]
    blocks = list(BLOCK.finditer(session))
    steps = []
    for index, block in enumerate(blocks):
        if block["lang"] != "graphql":
            continue
        following = session[
            block.end() : blocks[index + 1].start() if index + 1 < len(blocks) else None
        ]
        announced = set(ANNOUNCED_CODE.findall(following))
        for definition in parse(block["body"]).definitions:
            assert isinstance(definition, OperationDefinitionNode)
            fields = definition.selection_set.selections
            steps.append(Step(print_ast(definition), fields[0].name.value, announced))  # type: ignore[attr-defined]
    return steps


def _fill(document: str, found: dict[str, str]) -> str:
    for placeholder in re.findall(r'"(<[^">]+>)"', document):
        assert placeholder in found, f"the README's {placeholder} comes from no earlier result"
        document = document.replace(placeholder, found[placeholder])
    return document


def test_the_session_is_what_the_readme_shows() -> None:
    fields = [step.field for step in session_steps()]
    assert fields[0] == "createProject"
    assert "recordDeploymentStep" in fields
    assert {"createConnector", "createAuthConfig", "linkAccount", "pushVersion"} <= set(fields)


@pytest.mark.slow
async def test_the_first_session_runs_as_written_after_demo(tmp_path: Path, backend: str) -> None:
    async with fresh_database(backend, tmp_path) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "LOG_LEVEL": "warning",
        }
        # given the demo's data and its platform key, as a newcomer has them
        demo = run_cli("demo", env=env)
        assert demo.returncode == 0, demo.stderr
        (platform_key,) = re.findall(r"PLATFORM_ADMIN\s+(\S+)", demo.stdout)

        with serving(env, tmp_path / "server.log", workers=1) as base_url:
            key, ran = platform_key, []
            found: dict[str, str] = {}
            for step in session_steps():
                # when each document runs, in order, with the key the README says to use
                response = graphql(base_url, key, _fill(step.document, found))
                assert response.status_code == 200, (step.field, response.text)
                body = response.json()
                assert not body.get("errors"), (step.field, body)
                data: dict[str, Any] = body["data"]
                result = data[step.field]
                ran.append(step.field)
                # then none gives an error the README does not announce after it
                if isinstance(result, dict) and result.get("__typename", "").endswith("Error"):
                    assert result.get("code") in step.announced, (step.field, result)
                    continue
                if step.field == "createProject":
                    key = result["secret"]  # "With it:" the project's ADMIN key
                _remember(step.field, result, found)
            assert ran == [step.field for step in session_steps()]


def _remember(field: str, result: Any, found: dict[str, str]) -> None:
    for placeholder, (source, (name, id_field), runtime) in PLACEHOLDERS.items():
        if field != source or placeholder in found:
            continue
        if runtime is not None and result[name].get("runtime") != runtime:
            continue
        found[placeholder] = result[name][id_field]
