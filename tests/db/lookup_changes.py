"""Changes committed through one process, each checked on another (DESIGN §17): publish,
deprecate, pin, bin, rollout steps and revocation, as a lookup on the other process sees them.

`settle` is how long the other process may take: `eventually` (until its notification has
arrived, a bounded wait) or `at_once` (its listener is away: it reads the database)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.graphql.access.documents import REVOKE_API_KEY
from tests.graphql.auth_configs.documents import LINK_ACCOUNT
from tests.graphql.auth_configs.pinning import pinned_auth_config, repin
from tests.graphql.lifecycle.documents import DEPRECATE_VERSION, MOVE_VERSION_TO_BIN
from tests.graphql.operations import mutate
from tests.graphql.rollouts.documents import ABORT_ROLLOUT
from tests.graphql.rollouts.rollouts import end, set_percent, start
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient

TIMEOUT_SECONDS = 15
POLL_SECONDS = 0.01

LOOKUP = """
query ($id: ID!) { node(id: $id) { ... on AuthConfig {
  effectiveVersion { version { version } rule }
  linkedAccounts { edges { node { effectiveVersion { version { version } rule } } } }
} } }
"""

Json = dict[str, Any]
Answer = tuple[str | None, str, list[tuple[str | None, str]]] | int
Settle = Callable[[Callable[[], Awaitable[Answer]], Answer, str], Awaitable[None]]


async def eventually(ask: Callable[[], Awaitable[Answer]], expected: Answer, what: str) -> None:
    """Poll `ask` until it answers `expected`, for at most TIMEOUT_SECONDS."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT_SECONDS
    while (answer := await ask()) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{what}: still {answer}"
        await asyncio.sleep(POLL_SECONDS)


async def at_once(ask: Callable[[], Awaitable[Answer]], expected: Answer, what: str) -> None:
    assert await ask() == expected, what


async def lookup(graphql: GraphQLClient, auth_config: str, key: str) -> Answer:
    """The auth config's effective version and its accounts' as (version, rule), or the HTTP
    status of a refusal."""
    response = await graphql.raw(LOOKUP, {"id": auth_config}, key=key)
    if response.status_code != 200:
        return response.status_code
    body = response.json()
    assert not body.get("errors"), body
    node = body["data"]["node"]

    def pair(effective: Json) -> tuple[str | None, str]:
        version = effective["version"]
        return (None if version is None else version["version"], effective["rule"])

    own = pair(node["effectiveVersion"])
    accounts = [pair(edge["node"]["effectiveVersion"]) for edge in node["linkedAccounts"]["edges"]]
    return (own[0], own[1], accounts)


async def _ok(result: Json, typename: str) -> None:
    assert result["__typename"] == typename, result


async def changes_reach_the_other_process(
    writer: GraphQLClient,
    reader: GraphQLClient,
    *,
    admin: str,
    viewer: str,
    viewer_id: str,
    connector_key: str,
    settle: Settle,
) -> None:
    """Each kind of change, committed through `writer`, then looked up on `reader`, where the
    auth config was looked up before (so that a stale copy would show). The writer sees its own
    change at once; the reader must come to the same answer, a different one from before."""
    await new_connector(writer, connector_key, key=admin)
    await pushed(writer, connector_key, "1.0.0", BASE, key=admin)
    main = await pinned_auth_config(writer, connector_key, "Sales", key=admin)
    idle = await pinned_auth_config(writer, connector_key, "Idle", key=admin)
    link = {"authConfigId": main, "externalId": "a"}
    await _ok(await mutate(writer, LINK_ACCOUNT, link, key=admin), "LinkAccountSuccess")
    answers = {main: await lookup(writer, main, viewer), idle: await lookup(writer, idle, viewer)}
    for auth_config, answer in answers.items():
        assert await lookup(reader, auth_config, viewer) == answer
        assert await lookup(reader, auth_config, viewer) == answer  # now warm on the reader

    async def check(what: str, auth_config: str = main, *, changes: bool = True) -> None:
        expected = await lookup(writer, auth_config, viewer)
        assert (expected != answers[auth_config]) == changes, (what, expected)
        answers[auth_config] = expected

        async def ask() -> Answer:
            return await lookup(reader, auth_config, viewer)

        await settle(ask, expected, what)

    v2 = (await pushed(writer, connector_key, "1.1.0", BASE, key=admin))["version"]["id"]
    await check("a publish")
    await _ok(
        await mutate(writer, DEPRECATE_VERSION, {"versionId": v2}, key=admin),
        "DeprecateVersionSuccess",
    )
    await check("a deprecation")
    await repin(writer, main, "1.1.0", key=admin)
    await check("an exact pin")
    await repin(writer, main, "1.0.0", key=admin)
    await check("another pin")
    v3 = (await pushed(writer, connector_key, "1.2.0", BASE, key=admin))["version"]["id"]
    await check("the idle auth config after a publish", idle)
    await _ok(await start(writer, main, "1.2.0", 100, key=admin), "StartRolloutSuccess")
    await check("a rollout started")
    await _ok(await set_percent(writer, main, 0, key=admin), "SetRolloutPercentSuccess")
    await check("a rollout step")
    await _ok(await end(writer, ABORT_ROLLOUT, main, key=admin), "AbortRolloutSuccess")
    await check("a rollout ended", changes=False)
    await _ok(
        await mutate(writer, MOVE_VERSION_TO_BIN, {"versionId": v3}, key=admin),
        "MoveVersionToBinSuccess",
    )
    await check("a bin", idle)
    await _ok(
        await mutate(writer, REVOKE_API_KEY, {"apiKeyId": viewer_id}, key=admin),
        "RevokeApiKeySuccess",
    )
    await check("a revocation")
