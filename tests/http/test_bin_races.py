"""A version in use never goes to the bin (DESIGN §6), whatever arrives at the same moment: each
write that puts a version into use is sent at once with `moveVersionToBin` of that version,
through a real server with two worker processes, many times over. Either order is fine; an
outcome that no order of the two could give (both succeeding) is not.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, LINK_ACCOUNT, PIN_AUTH_CONFIG
from tests.graphql.lifecycle.documents import MOVE_VERSION_TO_BIN
from tests.graphql.operations import mutate
from tests.graphql_client import GraphQLClient
from tests.http.server import Project, create_project, unique

pytestmark = pytest.mark.slow

Json = dict[str, Any]

RUNS = 50

DEFINITION: Json = {
    "auth": {"type": "api_key", "fields": [{"name": "api_key", "required": True}]},
    "actions": [{"id": "list_tickets", "description": "List tickets"}],
}

SUCCESS_OR_ERROR = "__typename ... on Error { code message }"
PUSHED = "__typename ... on PushVersionSuccess { version { id } } ... on Error { code message }"
CREATED_AUTH_CONFIG = (
    "__typename ... on CreateAuthConfigSuccess { authConfig { id pin revision } } "
    "... on Error { code message }"
)

VERSION_STATE = "... on ConnectorVersion { binnedAt }"
AUTH_CONFIG_STATE = (
    "... on AuthConfig { pin linkedAccounts { edges { node { authenticatedVersion { id } } } } }"
)

# Mutations or reads per request when preparing and checking runs (aliases of one field).
BATCH = 10


async def each_of(
    project: Project, field: str, input_type: str, selection: str, inputs: list[Json]
) -> list[Json]:
    """`field(input:)` once per input, `BATCH` to a request; the results in input order."""
    results: list[Json] = []
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90) as client:
        for start in range(0, len(inputs), BATCH):
            chunk = inputs[start : start + BATCH]
            parameters = ", ".join(f"$i{n}: {input_type}!" for n in range(len(chunk)))
            fields = " ".join(
                f"r{n}: {field}(input: $i{n}) {{ {selection} }}" for n in range(len(chunk))
            )
            data = await GraphQLClient(client)(
                f"mutation ({parameters}) {{ {fields} }}",
                {f"i{n}": value for n, value in enumerate(chunk)},
                key=project.key,
            )
            results += [data[f"r{n}"] for n in range(len(chunk))]
    return results


def succeeded(results: list[Json], typename: str) -> list[Json]:
    for result in results:
        assert result["__typename"] == typename, result
    return results


@dataclass(frozen=True)
class Run:
    """One race's own connector, with version 1.0.0 published, and (maybe) an auth config."""

    connector_key: str
    version_id: str
    auth_config_id: str | None


async def prepared_runs(project: Project, pin: str | None, *, auth_config: bool) -> list[Run]:
    """`RUNS` connectors of the project, each with 1.0.0 and, if asked, an auth config of its
    key pinned to `pin` (no accounts, so nothing uses 1.0.0 yet)."""
    keys = [unique("race") for _ in range(RUNS)]
    connectors = [{"key": key, "name": key.upper()} for key in keys]
    succeeded(
        await each_of(
            project, "createConnector", "CreateConnectorInput", SUCCESS_OR_ERROR, connectors
        ),
        "CreateConnectorSuccess",
    )
    pushes = [{"connectorKey": key, "version": "1.0.0", "definition": DEFINITION} for key in keys]
    pushed = succeeded(
        await each_of(project, "pushVersion", "PushVersionInput", PUSHED, pushes),
        "PushVersionSuccess",
    )
    auth_config_ids: list[str | None] = [None] * RUNS
    if auth_config:
        configs = [{"connectorKey": key, "name": "Sales", "pin": pin} for key in keys]
        created = succeeded(
            await each_of(
                project, "createAuthConfig", "CreateAuthConfigInput", CREATED_AUTH_CONFIG, configs
            ),
            "CreateAuthConfigSuccess",
        )
        auth_config_ids = [result["authConfig"]["id"] for result in created]
    return [
        Run(key, result["version"]["id"], auth_config_id)
        for key, result, auth_config_id in zip(keys, pushed, auth_config_ids, strict=True)
    ]


Send = Callable[[httpx.AsyncClient], Awaitable[Json]]


async def at_once(
    project: Project, first: Send, second: Send, *, second_ahead_by: float = 0.0
) -> tuple[Json, Json]:
    """Both requests sent together, over connections of their own; `second_ahead_by` seconds
    (negative: behind) lets one of them start its work a little earlier."""

    async def after(delay: float, send: Send, client: httpx.AsyncClient) -> Json:
        if delay > 0:
            await asyncio.sleep(delay)
        return await send(client)

    limits = httpx.Limits(max_connections=2, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90, limits=limits) as client:
        one, other = await asyncio.gather(
            after(second_ahead_by, first, client), after(-second_ahead_by, second, client)
        )
    return one, other


def sending(project: Project, document: str, input: Json) -> Send:
    """One mutation of the project's ADMIN key, ready to send."""
    return lambda client: mutate(GraphQLClient(client), document, input, key=project.key)


def binning(project: Project, run: Run) -> Send:
    return sending(project, MOVE_VERSION_TO_BIN, {"versionId": run.version_id})


async def states_of(project: Project, runs: list[Run]) -> list[tuple[Json, Json | None]]:
    """(version, auth config) of each run as stored now: whether 1.0.0 is in the bin, and the
    auth config's pin and accounts (None for a run without an auth config)."""
    states: list[tuple[Json, Json | None]] = []
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90) as client:
        for start in range(0, len(runs), BATCH):
            chunk = runs[start : start + BATCH]
            parameters, fields, variables = [], [], {}
            for n, run in enumerate(chunk):
                parameters.append(f"$v{n}: ID!")
                fields.append(f"v{n}: node(id: $v{n}) {{ {VERSION_STATE} }}")
                variables[f"v{n}"] = run.version_id
                if run.auth_config_id is not None:
                    parameters.append(f"$a{n}: ID!")
                    fields.append(f"a{n}: node(id: $a{n}) {{ {AUTH_CONFIG_STATE} }}")
                    variables[f"a{n}"] = run.auth_config_id
            document = f"query ({', '.join(parameters)}) {{ {' '.join(fields)} }}"
            data = await GraphQLClient(client)(document, variables, key=project.key)
            states += [(data[f"v{n}"], data.get(f"a{n}")) for n in range(len(chunk))]
    return states


def binned(result: Json) -> bool:
    """Whether `moveVersionToBin` succeeded; its only other answer here is VERSION_IN_USE."""
    if result["__typename"] == "MoveVersionToBinSuccess":
        return True
    assert result["code"] == "VERSION_IN_USE", result
    return False


# How far ahead of the write `moveVersionToBin` starts, run after run: the two reach their
# locks in every order (the bin has more to read before its first lock), from a true tie to
# one wholly before the other.
BIN_HEAD_STARTS = [step * 0.002 for step in range(-4, 8)]


async def raced(
    project: Project, runs: list[Run], writer: Callable[[Run], Send]
) -> list[tuple[Json, bool]]:
    """Each run's write sent at the same moment as `moveVersionToBin` of its 1.0.0 (give or
    take a head start), one run after the other; the write's result, and whether the bin
    succeeded."""
    outcomes = []
    for index, run in enumerate(runs):
        written, bin_result = await at_once(
            project,
            writer(run),
            binning(project, run),
            second_ahead_by=BIN_HEAD_STARTS[index % len(BIN_HEAD_STARTS)],
        )
        outcomes.append((written, binned(bin_result)))
    return outcomes


async def test_link_account_racing_the_bin_never_leaves_an_account_under_a_binned_version(
    running_server: str, platform_key: str
) -> None:
    # given, RUNS times, an auth config pinned to latest (no accounts yet) whose 1.0.0 nobody uses
    project = Project(running_server, create_project(running_server, platform_key))
    runs = await prepared_runs(project, "latest", auth_config=True)

    # when an account is linked to it while 1.0.0 is moved to the bin, at the same moment
    outcomes = await raced(
        project,
        runs,
        lambda run: sending(
            project, LINK_ACCOUNT, {"authConfigId": run.auth_config_id, "externalId": "acct-1"}
        ),
    )

    # then either the bin came first (the account was authenticated under nothing: the auth
    # config resolves to nothing) or the account did (the bin is refused): never an account
    # authenticated under a version in the bin
    bad: list[object] = []
    for (linked, bin_won), (version, auth_config) in zip(
        outcomes, await states_of(project, runs), strict=True
    ):
        assert linked["__typename"] == "LinkAccountSuccess", linked
        assert auth_config is not None
        authenticated = linked["linkedAccount"]["authenticatedVersion"]
        stored = [
            edge["node"]["authenticatedVersion"] for edge in auth_config["linkedAccounts"]["edges"]
        ]
        in_bin = version["binnedAt"] is not None
        if bin_won != in_bin or (in_bin and (authenticated, stored) != (None, [None])):
            bad.append((linked, bin_won, auth_config))
    assert bad == [], f"{len(bad)} of {RUNS} runs left an account under a binned version: {bad[:3]}"


async def test_an_exact_pin_racing_the_bin_never_names_a_binned_version(
    running_server: str, platform_key: str
) -> None:
    # given, RUNS times, an auth config with no pin (no accounts) and 1.0.0 that nobody uses
    project = Project(running_server, create_project(running_server, platform_key))
    runs = await prepared_runs(project, None, auth_config=True)

    # when it is pinned to exactly 1.0.0 while 1.0.0 is moved to the bin, at the same moment
    outcomes = await raced(
        project,
        runs,
        lambda run: sending(
            project,
            PIN_AUTH_CONFIG,
            {"authConfigId": run.auth_config_id, "pin": "1.0.0", "revision": 1},
        ),
    )

    # then exactly one of them wins: the pin (the bin is refused: an exact pin is a use) or the
    # bin (the pin is refused: 1.0.0 is no longer a version it can pin)
    bad: list[object] = []
    for (pinned, bin_won), (version, auth_config) in zip(
        outcomes, await states_of(project, runs), strict=True
    ):
        assert auth_config is not None
        pin_won = pinned["__typename"] == "PinAuthConfigSuccess"
        if not pin_won:
            assert pinned["code"] == "PINNED_VERSION_NOT_FOUND", pinned
        in_bin = version["binnedAt"] is not None
        if pin_won == bin_won or bin_won != in_bin or (auth_config["pin"] == "1.0.0") == in_bin:
            bad.append((pinned, bin_won, auth_config))
    assert bad == [], f"{len(bad)} bad outcomes in {RUNS} runs: {bad[:3]}"


async def test_creating_an_exactly_pinned_auth_config_racing_the_bin_never_pins_a_binned_version(
    running_server: str, platform_key: str
) -> None:
    # given, RUNS times, a connector with 1.0.0 that nobody uses
    project = Project(running_server, create_project(running_server, platform_key))
    runs = await prepared_runs(project, None, auth_config=False)

    # when an auth config pinned to exactly 1.0.0 is created while 1.0.0 is moved to the bin
    outcomes = await raced(
        project,
        runs,
        lambda run: sending(
            project,
            CREATE_AUTH_CONFIG,
            {"connectorKey": run.connector_key, "name": "Sales", "pin": "1.0.0"},
        ),
    )

    # then exactly one of them wins: the auth config (the bin is refused) or the bin (the auth
    # config is refused)
    created_runs = []
    for (created, _), run in zip(outcomes, runs, strict=True):
        created_it = created["__typename"] == "CreateAuthConfigSuccess"
        if not created_it:
            assert created["code"] == "PINNED_VERSION_NOT_FOUND", created
        auth_config_id = created["authConfig"]["id"] if created_it else None
        created_runs.append(Run(run.connector_key, run.version_id, auth_config_id))
    # and what is stored agrees: no auth config pinned to a 1.0.0 in the bin
    bad: list[object] = []
    for (created, bin_won), (version, auth_config) in zip(
        outcomes, await states_of(project, created_runs), strict=True
    ):
        created_it = auth_config is not None
        in_bin = version["binnedAt"] is not None
        if created_it == bin_won or bin_won != in_bin:
            bad.append((created, bin_won, version))
    assert bad == [], f"{len(bad)} bad outcomes in {RUNS} runs: {bad[:3]}"
