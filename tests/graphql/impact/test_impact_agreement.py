"""The preview and the change never disagree (DESIGN §12): for random data sets (running
rollouts included) and random changes of every kind (rollouts' included), `impact(change)`
equals the difference between each account's effective version and status read through GraphQL
before and after making the change with its real mutation, auth config by auth config, and its
page of moving accounts lists exactly the accounts whose content changed; a refusal is the
mutation's own (type, code and message).

A caller who may not make a change is answered FORBIDDEN, like the mutation, with no moves: the
preview does not make a change its caller may not make."""

import random
from typing import Any

import pytest

from tests.graphql.impact.impact_worlds import (
    CHANGES,
    ProposedChange,
    World,
    build_world,
    random_change,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

pytestmark = pytest.mark.slow

Json = dict[str, Any]

DATA_SETS = 30
CHANGES_PER_DATA_SET = 5

STATE = """
query ($keys: [String!]!) {
  %s
}
"""
ONE_KEY = """
  k%d: authConfigs(first: 10, connectorKey: "%s") { edges { node {
    id active revision
    effectiveVersion { version { id version revision } rule }
    rollout { rolloutId percent targetVersionNumber }
    linkedAccounts(first: 50) { edges { node {
      id status effectiveVersion { version { id revision } rule }
    } } }
  } } }
"""

PREVIEW = """
query ($change: ChangeInput!) {
  impact(change: $change) {
    refusal { __typename ... on Error { code message } }
    authConfigsChanged accountsMoving accountsNewlyNeedingReauthentication
    moves(first: 100) { totalCount edges { node {
      authConfig { id } active
      from { number rule } to { number rule }
      rolloutBefore { rolloutId percent targetVersionNumber }
      rolloutAfter { rolloutId percent targetVersionNumber }
      accountsMoving accountsNeedingReauthentication accountsNewlyNeedingReauthentication
    } } }
    leftWithoutVersion(first: 100) { edges { node { authConfig { id } } } }
    movingAccounts(first: 100) { totalCount edges { node { id } } }
  }
}
"""


async def _state(graphql: GraphQLClient, world: World, keys: Keys) -> dict[str, Json]:
    """Every auth config of the data set as its project sees it, by id."""
    document = (
        "query {"
        + "".join(
            ONE_KEY % (index, connector_key) for index, connector_key in enumerate(world.keys)
        )
        + "}"
    )
    found: dict[str, Json] = {}
    for key in (keys.alpha.viewer, keys.beta.viewer):
        answer = await graphql(document, key=key)
        for connection in answer.values():
            for edge in connection["edges"]:
                found[edge["node"]["id"]] = edge["node"]
    return found


def _content(node: Json) -> tuple[str, int] | None:
    """What an auth config (its own resolution) or an account runs: version id and revision."""
    version = node["effectiveVersion"]["version"]
    return None if version is None else (version["id"], version["revision"])


def _number(config: Json) -> str | None:
    version = config["effectiveVersion"]["version"]
    return None if version is None else str(version["version"])


def _accounts(config: Json) -> dict[str, Json]:
    accounts = [edge["node"] for edge in config["linkedAccounts"]["edges"]]
    assert len(accounts) < 50, "a data set's auth config has fewer accounts than a page"
    return {account["id"]: account for account in accounts}


def _moving(old: Json, new: Json) -> dict[str, tuple[bool, bool]]:
    """The accounts whose content changes, with whether each needs re-authentication before
    and after (nothing links or unlinks between the readings)."""
    before, after = _accounts(old), _accounts(new)
    assert set(before) == set(after)
    return {
        account: (
            before[account]["status"] == "NEEDS_REAUTHENTICATION",
            after[account]["status"] == "NEEDS_REAUTHENTICATION",
        )
        for account in before
        if _content(before[account]) != _content(after[account])
    }


def _expected_moves(
    before: dict[str, Json], after: dict[str, Json], seen: set[str]
) -> tuple[Json, set[str]]:
    """The moves by auth config, and the ids of every account that moves."""
    moves, accounts = {}, set()
    for config_id in seen:
        old, new = before[config_id], after[config_id]
        moving = _moving(old, new)
        if _content(old) == _content(new) and not moving:
            continue
        accounts |= set(moving)
        moves[config_id] = {
            "authConfig": {"id": config_id},
            "active": new["active"],
            "from": {"number": _number(old), "rule": old["effectiveVersion"]["rule"]},
            "to": {"number": _number(new), "rule": new["effectiveVersion"]["rule"]},
            "rolloutBefore": old["rollout"],
            "rolloutAfter": new["rollout"],
            "accountsMoving": len(moving),
            "accountsNeedingReauthentication": sum(now for _, now in moving.values()),
            "accountsNewlyNeedingReauthentication": sum(
                now and not then for then, now in moving.values()
            ),
        }
    return moves, accounts


def _visible(world: World, change: ProposedChange, keys: Keys) -> set[str]:
    """The auth configs the previewing key may see: a project's own, or all for the platform."""
    if change.key == keys.platform:
        return set(world.auth_configs)
    admin = keys.alpha.admin if change.key in (keys.alpha.admin, keys.alpha.viewer) else None
    admin = admin or keys.beta.admin
    return {config for config, owner in world.auth_configs.items() if owner == admin}


async def _apply(graphql: GraphQLClient, change: ProposedChange, key: str) -> Json:
    answer = await graphql(CHANGES[change.mutation], {"input": change.input}, key=key)
    return answer[change.mutation]  # type: ignore[no-any-return]


async def _check(graphql: GraphQLClient, world: World, change: ProposedChange, keys: Keys) -> None:
    before = await _state(graphql, world, keys)
    preview = (await graphql(PREVIEW, {"change": change.as_change_input}, key=change.key))["impact"]
    result = await _apply(graphql, change, change.key)
    refusal = preview["refusal"]
    if result["__typename"].endswith("Success"):
        assert refusal is None, (change, refusal)
    else:
        assert refusal == {
            "__typename": result["__typename"],
            "code": result["code"],
            "message": result["message"],
        }, change
    after = await _state(graphql, world, keys)
    expected, accounts = _expected_moves(before, after, _visible(world, change, keys))
    found = {edge["node"]["authConfig"]["id"]: edge["node"] for edge in preview["moves"]["edges"]}
    assert found == expected, change
    assert preview["authConfigsChanged"] == len(expected)
    assert preview["moves"]["totalCount"] == len(expected)
    assert preview["accountsMoving"] == sum(move["accountsMoving"] for move in expected.values())
    assert preview["accountsNewlyNeedingReauthentication"] == sum(
        move["accountsNewlyNeedingReauthentication"] for move in expected.values()
    )
    left = {edge["node"]["authConfig"]["id"] for edge in preview["leftWithoutVersion"]["edges"]}
    assert left == {config for config, move in expected.items() if move["to"]["number"] is None}
    # the page lists exactly the accounts whose content changed (a first page of them)
    page = {edge["node"]["id"] for edge in preview["movingAccounts"]["edges"]}
    assert preview["movingAccounts"]["totalCount"] == len(accounts)
    assert page <= accounts, change
    assert len(page) == min(len(accounts), 100), change
    if change.mutation == "startRollout" and result["__typename"].endswith("Success"):
        world.rolled_out.add(change.input["authConfigId"])


async def test_the_preview_equals_the_change_made(graphql: GraphQLClient, keys: Keys) -> None:
    rng = random.Random(20261127)
    kinds: dict[str, int] = {}
    for data_set in range(DATA_SETS):
        # given a random data set
        world = await build_world(graphql, keys, rng, f"d{data_set}")
        for _ in range(CHANGES_PER_DATA_SET):
            # when a random change is previewed and then made, then both agree
            revisions = {
                config_id: config["revision"]
                for config_id, config in (await _state(graphql, world, keys)).items()
            }
            change = random_change(world, rng, keys, revisions)
            await _check(graphql, world, change, keys)
            kinds[change.mutation] = kinds.get(change.mutation, 0) + 1
    # every kind of change was tried
    assert set(kinds) == set(CHANGES), kinds
