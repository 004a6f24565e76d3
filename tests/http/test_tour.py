"""The tour (docs/tour.md) runs as written, read from the page itself: every block in order,
through a real server, from its first command to its last.

- `sh` blocks: each line is a `connector-registry` command (`serve` starts the server) or an
  `export` of the key the tour has reached; every command must succeed.
- a block with a `title="FILE"` is written to FILE, for the commands that name it.
- `graphql` blocks: each operation runs with the key the tour says to use (the platform key,
  then the project's ADMIN key once `createProject` gives it); none may answer with an error the
  text after the block does not announce.
- a `json` block after a `graphql` block is the last operation's `data`; a `text` block after an
  `sh` block is the last command's output. Both must match exactly.
"""

import itertools
import json
import os
import re
import shlex
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from tests.databases import fresh_database
from tests.http.server import graphql, run_cli, serving

TOUR = Path(__file__).resolve().parents[2] / "docs" / "tour.md"
BLOCK = re.compile(
    r'^```(?P<lang>\w*)(?: title="(?P<title>[^"]+)")?\n(?P<body>.*?)^```$', re.DOTALL | re.MULTILINE
)
ANNOUNCED_CODE = re.compile(r"`([A-Z][A-Z_]+)`")
COMMAND = "uv run connector-registry "
KEY_PLACEHOLDER = "crk_…"
OUTPUTS = {"json", "text"}  # what a block answers, shown after it

# Where each placeholder's value comes from: the first result of a mutation (of an object with
# that runtime, when one is named), at a path.
PLACEHOLDERS: dict[str, tuple[str, tuple[str, str], str | None]] = {
    "<the auth config's id>": ("createAuthConfig", ("authConfig", "id"), None),
    "<the account's id>": ("linkAccount", ("linkedAccount", "id"), None),
    "<the key's id>": ("createApiKey", ("apiKey", "id"), None),
    "<the IMAGE connector's id>": ("createConnector", ("connector", "id"), "IMAGE"),
    "<the IMAGE version's id>": ("createVersion", ("version", "id"), None),
    "<the pushed version's id>": ("pushVersion", ("version", "id"), None),
}


@dataclass
class Block:
    lang: str
    body: str
    title: str | None
    announced: set[str] = field(default_factory=set)  # error codes named after it


def tour_blocks() -> list[Block]:
    """The tour's fenced blocks in order, each with the codes named before the next that runs."""
    text = TOUR.read_text()
    matches = list(BLOCK.finditer(text))
    blocks = []
    for index, match in enumerate(matches):
        # up to the next block that runs: the answer shown after a block, and the text after it
        runs = [later for later in matches[index + 1 :] if later["lang"] not in OUTPUTS]
        following = text[match.end() : runs[0].start() if runs else None]
        blocks.append(
            Block(
                match["lang"],
                match["body"],
                match["title"],
                set(ANNOUNCED_CODE.findall(following)),
            )
        )
    return blocks


def operations(body: str) -> list[tuple[str, str]]:
    """Each operation of a `graphql` block: (its first field, its document)."""
    found = []
    for definition in parse(body).definitions:
        assert isinstance(definition, OperationDefinitionNode)
        first = definition.selection_set.selections[0]
        found.append((first.name.value, print_ast(definition)))  # type: ignore[attr-defined]
    return found


def commands(body: str) -> list[list[str]]:
    """Each line of an `sh` block, as words, without its comment."""
    return [shlex.split(line, comments=True) for line in body.splitlines() if line.strip()]


def test_the_tour_is_one_story_from_an_empty_database_to_a_completed_rollout() -> None:
    blocks = tour_blocks()
    assert {block.lang for block in blocks} <= {"sh", "graphql", "json", "text", "yaml"}
    assert blocks[0].lang == "sh"
    assert commands(blocks[0].body) == [["uv", "run", "connector-registry", "serve"]]
    fields = [
        name for block in blocks if block.lang == "graphql" for name, _ in operations(block.body)
    ]
    assert fields[0] == "createProject"
    assert {
        "createConnector",
        "createAuthConfig",
        "linkAccount",
        "pushVersion",
        "pinAuthConfig",
        "impact",
        "recordDeploymentStep",
        "assignVersion",
        "startRollout",
        "setRolloutPercent",
        "abortRollout",
        "completeRollout",
    } <= set(fields)
    # every output block follows what it shows the output of
    for before, block in itertools.pairwise(blocks):
        if block.lang == "json":
            assert before.lang == "graphql"
        if block.lang == "text":
            assert before.lang == "sh"


@dataclass
class Tour:
    """What the tour has reached: the server, the key in use, ids and files it named."""

    env: dict[str, str]
    workdir: Path
    backend: str
    servers: ExitStack
    base_url: str | None = None
    key: str | None = None
    found: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    last_output: str | None = None
    last_data: Any = None

    def run(self, words: list[str]) -> None:
        if words[0] == "export":
            (assignment,) = words[1:]
            name, value = assignment.split("=", 1)
            assert value == KEY_PLACEHOLDER, words
            assert self.key is not None, words
            self.env[name] = self.key
            return
        assert " ".join(words).startswith(COMMAND.strip()), f"not a command the tour runs: {words}"
        args = [str(self.files.get(word, word)) for word in words[3:]]
        if args == ["serve"]:
            self.serve()
            return
        done = run_cli(*args, env=self.env)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        self.last_output = done.stdout
        if args[0] == "create-platform-key":
            (self.key,) = re.findall(r"PLATFORM_ADMIN key \(shown once\): (\S+)", done.stdout)

    def serve(self) -> None:
        if self.backend == "postgres":
            # On PostgreSQL the schema is migrated first, as the tour's note says
            migrated = run_cli("migrate", env=self.env)
            assert migrated.returncode == 0, migrated.stderr
        self.base_url = self.servers.enter_context(
            serving(self.env, self.workdir / "server.log", workers=1)
        )
        self.env["CONNECTOR_REGISTRY_URL"] = f"{self.base_url}/graphql"

    def query(self, field_name: str, document: str, announced: set[str]) -> None:
        assert self.base_url is not None, "the tour queries before it starts the server"
        response = graphql(self.base_url, self.key, self.fill(document))
        assert response.status_code == 200, (field_name, response.text)
        body = response.json()
        assert not body.get("errors"), (field_name, body)
        self.last_data = body["data"]
        result = body["data"][field_name]
        # none gives an error the tour does not announce after it
        if isinstance(result, dict) and result.get("__typename", "").endswith("Error"):
            assert result.get("code") in announced, (field_name, result)
            return
        if field_name == "createProject":
            self.key = result["secret"]  # the project's ADMIN key from here on
        self.remember(field_name, result)

    def fill(self, document: str) -> str:
        for placeholder in re.findall(r'"(<[^">]+>)"', document):
            assert placeholder in self.found, (
                f"the tour's {placeholder} comes from no earlier result"
            )
            document = document.replace(placeholder, self.found[placeholder])
        return document

    def remember(self, field_name: str, result: Any) -> None:
        for placeholder, (source, (name, id_field), runtime) in PLACEHOLDERS.items():
            if field_name != source or placeholder in self.found:
                continue
            if runtime is not None and result[name].get("runtime") != runtime:
                continue
            self.found[placeholder] = result[name][id_field]


@pytest.mark.slow
async def test_the_tour_runs_as_written(tmp_path: Path, backend: str) -> None:
    async with fresh_database(backend, tmp_path) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "LOG_LEVEL": "warning",
        }
        env.pop("CONNECTOR_REGISTRY_API_KEY", None)
        with ExitStack() as servers:
            tour = Tour(env=env, workdir=tmp_path, backend=backend, servers=servers)
            for block in tour_blocks():
                if block.title is not None:
                    path = tmp_path / block.title
                    path.write_text(block.body)
                    tour.files[block.title] = path
                elif block.lang == "sh":
                    for words in commands(block.body):
                        tour.run(words)
                elif block.lang == "graphql":
                    for field_name, document in operations(block.body):
                        tour.query(field_name, document, block.announced)
                elif block.lang == "json":
                    assert tour.last_data == json.loads(block.body), json.dumps(tour.last_data)
                elif block.lang == "text":
                    assert tour.last_output is not None
                    assert tour.last_output.rstrip() == block.body.rstrip(), tour.last_output
