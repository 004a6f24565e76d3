"""End to end behind a real federation gateway: `gateway/gateway.mjs` (Apollo Gateway) composes the
running server's subgraph by introspection and forwards each caller's key; what a caller gets
through it equals what the registry answers directly.

Needs Node and the gateway's packages (`cd gateway && npm ci`); skipped otherwise."""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.graphql.schema import schema
from tests.http.server import Project, create_project, free_port, graphql, running

GATEWAY_DIR = Path(__file__).resolve().parents[2] / "gateway"


def _missing_gateway() -> str | None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not on PATH"
    if not (GATEWAY_DIR / "node_modules").is_dir():
        return "gateway/node_modules is missing: run `cd gateway && npm ci`"
    return None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        _missing_gateway() is not None, reason=_missing_gateway() or "gateway available"
    ),
]


@pytest.fixture(scope="module")
def gateway_url(
    running_server: str, platform_key: str, database_workdir: Path, backend: str
) -> Iterator[str]:
    """The GraphQL URL of `node gateway.mjs` in front of the running server."""
    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_URL": f"{running_server}/graphql",
        "REGISTRY_API_KEY": platform_key,
        "PORT": str(port),
    }
    url = f"http://127.0.0.1:{port}/"
    with running(
        ["node", "gateway.mjs"],
        env=env,
        log_path=database_workdir / f"gateway-{backend}.log",
        # `__typename` is answered by the gateway itself, so this needs no key.
        ready=lambda: (
            httpx.post(url, json={"query": "{ __typename }"}, timeout=1).status_code == 200
        ),
        name="the gateway",
        cwd=GATEWAY_DIR,
    ):
        yield url


def through_gateway(url: str, key: str | None, query: str, variables: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(
        url, json={"query": query, "variables": variables}, headers=headers, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def direct(base_url: str, key: str | None, query: str, variables: dict[str, Any]) -> Any:
    return graphql(base_url, key, query, variables).json()


CONNECTOR = """query ($key: String!) {
  viewer { role project { slug } }
  connector(key: $key) { id key name runtime }
}"""

NODE = """query ($id: ID!) {
  node(id: $id) { __typename id ... on Connector { key name description } }
}"""


def test_queries_through_the_gateway_answer_as_the_registry_does(
    running_server: str, platform_key: str, gateway_url: str
) -> None:
    # given a project with a connector, and its key
    project = Project(running_server, create_project(running_server, platform_key))
    connector_key = project.connector()

    # when the same queries go through the gateway and straight to the registry
    for key, query, variables in [
        (platform_key, "{ viewer { role } }", {}),
        (project.key, "{ viewer { role } }", {}),
        (project.key, CONNECTOR, {"key": connector_key}),
    ]:
        via_gateway = through_gateway(gateway_url, key, query, variables)
        straight = direct(running_server, key, query, variables)

        # then the answers are the same, each with the caller's own role
        assert "errors" not in via_gateway, via_gateway
        assert via_gateway == straight

    connector = through_gateway(gateway_url, project.key, CONNECTOR, {"key": connector_key})
    assert connector["data"]["viewer"]["role"] == "ADMIN"
    assert connector["data"]["connector"]["key"] == connector_key

    # and an object read through `node` by its global id comes back whole
    variables = {"id": connector["data"]["connector"]["id"]}
    via_gateway = through_gateway(gateway_url, project.key, NODE, variables)
    assert "errors" not in via_gateway, via_gateway
    assert via_gateway == direct(running_server, project.key, NODE, variables)
    assert via_gateway["data"]["node"]["key"] == connector_key


@pytest.mark.parametrize("key", [None, "crk_not_a_key"], ids=["no key", "unknown key"])
def test_a_caller_without_a_valid_key_gets_the_registrys_refusal_through_the_gateway(
    running_server: str, gateway_url: str, key: str | None
) -> None:
    # given that the gateway itself holds a platform key (for composition only)

    # when a caller without a valid key of its own asks through it
    via_gateway = through_gateway(gateway_url, key, "{ viewer { role } }", {})
    refused = graphql(running_server, key, "{ viewer { role } }", {})

    # then it gets the registry's own refusal, not data read with the gateway's key
    assert refused.status_code == 401
    (registry_error,) = refused.json()["errors"]
    assert registry_error["extensions"]["code"] == "UNAUTHENTICATED"
    assert via_gateway == {"data": None, "errors": [registry_error]}


COMPOSE = """
const { composeServices } = require('@apollo/composition');
const { parse } = require('graphql');
const sdl = require('fs').readFileSync(0, 'utf8');
const registry = { name: 'registry', typeDefs: parse(sdl), url: 'http://registry/graphql' };
const composed = composeServices([registry]);
process.stdout.write(JSON.stringify({
  errors: (composed.errors || []).map((error) => error.message),
  hints: (composed.hints || []).map((hint) => `${hint.definition.code}: ${hint.message}`),
  supergraph: composed.supergraphSdl || '',
}));
"""


def test_the_subgraph_composes_with_no_error_nor_hint_and_keeps_its_cost_directives() -> None:
    # when Apollo's composition composes the subgraph's SDL (what `_service { sdl }` serves)
    composed = subprocess.run(
        ["node", "-e", COMPOSE],
        input=schema.as_str(),
        capture_output=True,
        text=True,
        cwd=GATEWAY_DIR,
        timeout=120,
        check=True,
    )
    result = json.loads(composed.stdout)

    # then it composes cleanly, and the supergraph carries the cost directives to the gateway
    assert result["errors"] == []
    assert result["hints"] == []
    supergraph = result["supergraph"]
    assert "https://specs.apollo.dev/cost/v0.1" in supergraph
    assert "@cost(weight: 1001)" in supergraph
    assert "@cost(weight: 100)" in supergraph
    assert '@listSize(slicingArguments: ["first"], sizedFields: ["edges"]' in supergraph
    assert "@listSize(assumedSize: 10)" in supergraph
