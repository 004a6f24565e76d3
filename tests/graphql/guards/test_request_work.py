"""The work a request pays for besides its answer, counted: what is the same for every request
of a document is done once per document, what is the same for every request once per process.

The bounds sit a little over what a request measures today (SQLite's, whose statements run in
a thread, vary more); undoing the cuts measured below, or adding a coroutine or a loader call to
every account of a page, goes over them.
"""

import inspect
from collections.abc import AsyncIterator, Callable
from statistics import median

import httpx
import pytest
from starlette.applications import Starlette

from app.graphql.guards.operation import OperationGuards
from app.graphql.relay import pagination
from app.graphql.schema import schema
from app.services.pages import SortKey
from tests.graphql.auth_configs.pinning import link, pinned_auth_config
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.python_calls import CountingCalls

LOOKUP = (
    "query Lookup($id: ID!) { node(id: $id) { ... on AuthConfig { "
    "effectiveVersion { version { version } rule source } } } }"
)
PAGES = (
    "query Pages($k: Int!, $n: Int!) { authConfigs(first: $k) { edges { node { "
    "linkedAccounts(first: $n) { edges { node { effectiveVersion { version { version } } } } } "
    "} } } }"
)
AUTH_CONFIGS = 3
ACCOUNTS = 12
WARM_REQUESTS = 5
"""Requests counted; their median is compared, as now and then one also pays for something
that is not the request's (a garbage collection's finalizers, the key's last-use bookkeeping)."""

MAX_CALLS_PER_WARM_LOOKUP = {"postgres": 3_210, "sqlite": 1_700}
"""A warm lookup measures about 3,185 calls on PostgreSQL (its two statements included: without a
listener nothing is served from memory) and 1,680 on SQLite (one process: answered from memory);
3,445 and 2,120 before the effective version answered at once from what the auth config's read
brought, and memory's answers skipped the DataLoader batches (`app.graphql.loader_now`);
3,470 and 2,300 before a session that began nothing was closed without a task, the request id
and the request's observation became one layer and CORS wrote `Vary` without header objects;
3,625 and 2,390 before each operation's one extension entered its hooks without exit stacks, a
JSON POST skipped Strawberry's general body parsing, request metrics kept their series and an
operation without previews skipped the preview slot machinery; 4,050 and 4,860 before the
per-operation steps became one extension whose hooks are found once per process, and a
document's validation and cost were kept with it."""
MAX_CALLS_PER_EXTRA_ACCOUNT = {"postgres": 45, "sqlite": 75}
"""An extra account in a page measures about 37 calls on PostgreSQL and 64 on SQLite: 222 and
249 when graphql-core completed each of its fields on its own (`app.graphql.plain_lists`), 297
and 328 before the page's accounts were plain rows with their answer at hand, read without
Strawberry's resolver wrapper (`app.graphql.plain`); an ORM instance per account adds about 15,
an awaited resolver or a loader call per account over 60."""


@pytest.fixture
def counting(app: Starlette) -> CountingCalls:
    return CountingCalls(app)


@pytest.fixture
async def counted(counting: CountingCalls) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=counting)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
        yield GraphQLClient(client)


async def _world(graphql: GraphQLClient, keys: Keys) -> list[str]:
    """AUTH_CONFIGS auth configs of one connector with ACCOUNTS accounts each; their ids."""
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    configs = [
        await pinned_auth_config(graphql, "crm", f"Team {n}", key=keys.alpha.admin)
        for n in range(AUTH_CONFIGS)
    ]
    for config in configs:
        for index in range(ACCOUNTS):
            await link(graphql, config, f"user-{index}", key=keys.alpha.admin)
    return configs


def test_an_operation_passes_one_extension() -> None:
    # Strawberry wraps each hook of each extension for every operation: one extension, four hooks
    extensions = schema.get_extensions()
    assert [type(extension) for extension in extensions] == [OperationGuards]
    hooks = {"on_operation", "on_parse", "on_validate", "on_execute", "on_stream_result"}
    overridden = {name for name in hooks if name in vars(OperationGuards)}
    assert overridden == hooks  # on_stream_result runs for subscriptions' events only


async def test_a_warm_request_inspects_no_extension_hook(
    graphql: GraphQLClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a request that ran before
    document = "{ viewer { role } }"
    await graphql(document, key=keys.alpha.viewer)
    inspected: list[str] = []

    def watching(inspect_function: Callable[[object], bool]) -> Callable[[object], bool]:
        def watched(function: object) -> bool:
            name = getattr(function, "__name__", "")
            if name.startswith("on_"):
                inspected.append(name)
            return inspect_function(function)

        return watched

    for name in ("isgeneratorfunction", "isasyncgenfunction"):
        monkeypatch.setattr(inspect, name, watching(getattr(inspect, name)))

    # when it runs again, then it answers, and no extension's hook was looked at to run it
    assert (await graphql(document, key=keys.alpha.viewer))["viewer"] == {"role": "VIEWER"}
    assert inspected == []


async def test_a_warm_lookup_stays_under_its_calls(
    graphql: GraphQLClient,
    counted: GraphQLClient,
    counting: CountingCalls,
    keys: Keys,
    backend: str,
) -> None:
    # given an auth config looked up before
    config = (await _world(graphql, keys))[0]
    for _ in range(3):
        await counted(LOOKUP, {"id": config}, key=keys.alpha.viewer)
    counting.counts.clear()

    # when it is looked up again, a few times
    for _ in range(WARM_REQUESTS):
        data = await counted(LOOKUP, {"id": config}, key=keys.alpha.viewer)
        assert data["node"]["effectiveVersion"]["version"] == {"version": "1.0.0"}

    # then the usual lookup took no more calls than the bound
    assert median(counting.counts) <= MAX_CALLS_PER_WARM_LOOKUP[backend], counting.counts


async def test_an_extra_account_in_a_page_stays_under_its_calls(
    graphql: GraphQLClient,
    counted: GraphQLClient,
    counting: CountingCalls,
    keys: Keys,
    backend: str,
) -> None:
    # given auth configs with accounts, and pages of 1 and of ACCOUNTS accounts each, sent before
    await _world(graphql, keys)
    for n in (1, ACCOUNTS, 1, ACCOUNTS):
        await counted(PAGES, {"k": AUTH_CONFIGS, "n": n}, key=keys.alpha.viewer)

    # when each is asked for again, a few times
    counts: dict[int, list[int]] = {1: [], ACCOUNTS: []}
    for _ in range(WARM_REQUESTS):
        for n in counts:
            answer = await counted(PAGES, {"k": AUTH_CONFIGS, "n": n}, key=keys.alpha.viewer)
            counts[n].append(counting.counts[-1])
    small = await counted(PAGES, {"k": AUTH_CONFIGS, "n": 1}, key=keys.alpha.viewer)
    large = answer

    # then every account answers, and each extra one took no more calls than the bound
    pages = [edge["node"]["linkedAccounts"]["edges"] for edge in large["authConfigs"]["edges"]]
    assert [len(page) for page in pages] == [ACCOUNTS] * AUTH_CONFIGS
    assert all(
        edge["node"]["effectiveVersion"]["version"] == {"version": "1.0.0"}
        for page in pages
        for edge in page
    )
    assert len(small["authConfigs"]["edges"]) == AUTH_CONFIGS
    extra_accounts = (ACCOUNTS - 1) * AUTH_CONFIGS
    per_account = (median(counts[ACCOUNTS]) - median(counts[1])) / extra_accounts
    assert per_account <= MAX_CALLS_PER_EXTRA_ACCOUNT[backend], (per_account, counts)


async def test_a_page_encodes_cursors_only_when_they_are_read(
    graphql: GraphQLClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given auth configs with accounts
    await _world(graphql, keys)
    encoded: list[SortKey] = []
    encode = pagination.encode_cursor

    def counting_encode(shape: pagination.CursorShape, key: SortKey) -> str:
        encoded.append(key)
        return encode(shape, key)

    monkeypatch.setattr(pagination, "encode_cursor", counting_encode)

    # when a page of accounts reads no cursor, then none is encoded for its accounts
    # (the auth configs' own connection still encodes its AUTH_CONFIGS)
    await graphql(PAGES, {"k": AUTH_CONFIGS, "n": ACCOUNTS}, key=keys.alpha.viewer)
    assert len(encoded) == AUTH_CONFIGS

    # when one reads the edges' cursors, or its pageInfo, then they are there and right
    for selection in ("cursor", "node { id }"):
        encoded.clear()
        document = PAGES.replace(
            "effectiveVersion { version { version } } } }",
            f"effectiveVersion {{ version {{ version }} }} }} {selection} }} "
            "pageInfo { endCursor }",
        )
        data = await graphql(document, {"k": AUTH_CONFIGS, "n": ACCOUNTS}, key=keys.alpha.viewer)
        accounts = data["authConfigs"]["edges"][0]["node"]["linkedAccounts"]
        assert accounts["pageInfo"]["endCursor"]
        if selection == "cursor":
            cursors = [edge["cursor"] for edge in accounts["edges"]]
            assert all(cursors)
            assert len(set(cursors)) == ACCOUNTS
            assert accounts["pageInfo"]["endCursor"] == cursors[-1]
        assert len(encoded) == AUTH_CONFIGS + AUTH_CONFIGS * ACCOUNTS
