"""The impact preview of rollouts (DESIGN §12, §13): a rollout's start, percentage, completion
and abort, and other changes while one runs, previewed account by account: the accounts moving
and the page of them are exactly those whose content the real change moves."""

from typing import Any

from tests.graphql.auth_configs.pinning import in_line, link
from tests.graphql.impact.documents import MOVE
from tests.graphql.rollouts.documents import ABORT_ROLLOUT, COMPLETE_ROLLOUT
from tests.graphql.rollouts.rollouts import (
    Crm,
    crm_with_two_majors,
    end,
    every_account,
    on_target,
    read_rollout,
    set_percent,
    start,
)
from tests.graphql.versions.versioning import pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]

ROLLOUT = "rolloutId percent targetVersionNumber targetSource targetVersion { version }"
PREVIEW = f"""
query ($change: ChangeInput!) {{
  impact(change: $change) {{
    refusal {{ __typename ... on Error {{ code message }} }}
    authConfigsChanged accountsMoving accountsNewlyNeedingReauthentication
    moves(first: 10) {{ edges {{ node {{
      {MOVE} rolloutBefore {{ {ROLLOUT} }} rolloutAfter {{ {ROLLOUT} }}
    }} }} }}
    movingAccounts(first: 7) {{ totalCount edges {{ node {{ id }} }} }}
  }}
}}
"""
PAGE = """
query ($change: ChangeInput!, $after: String) {
  impact(change: $change) {
    movingAccounts(first: 7, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { id } }
    }
  }
}
"""
ACCOUNTS = 40


async def _preview(graphql: GraphQLClient, change: Json, key: str) -> tuple[Json, set[str]]:
    """The answer, and every moving account's id, read 7 at a time."""
    answer = (await graphql(PREVIEW, {"change": change}, key=key))["impact"]
    ids: list[str] = []
    after = None
    while True:
        page = (await graphql(PAGE, {"change": change, "after": after}, key=key))["impact"]
        found = page["movingAccounts"]
        ids += [edge["node"]["id"] for edge in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert len(ids) == len(set(ids)) == answer["accountsMoving"]
    assert answer["movingAccounts"]["totalCount"] == answer["accountsMoving"]
    return answer, set(ids)


async def _crm(graphql: GraphQLClient, keys: Keys) -> Crm:
    crm = await crm_with_two_majors(graphql, keys)
    for n in range(ACCOUNTS):
        await link(graphql, crm.auth_config, f"account-{n}", key=keys.alpha.admin)
    return crm


async def _rolling(graphql: GraphQLClient, keys: Keys, percent: int) -> Crm:
    """`_crm` with a running rollout of 2.0.0 to `percent`."""
    crm = await _crm(graphql, keys)
    started = await start(graphql, crm.auth_config, "2.0.0", percent, key=keys.alpha.admin)
    assert started["__typename"] == "StartRolloutSuccess", started
    return crm


def _contents(accounts: list[Json]) -> dict[str, tuple[str, str]]:
    return {
        account["id"]: (account["effectiveVersion"]["version"]["version"], account["status"])
        for account in accounts
    }


async def _changed(graphql: GraphQLClient, crm: Crm, key: str, before: list[Json]) -> set[str]:
    """The accounts whose version changed since `before`."""
    was, now = _contents(before), _contents(await every_account(graphql, crm.auth_config, key=key))
    return {account for account, (version, _) in now.items() if was[account][0] != version}


def _revision(rollout: Json) -> int:
    return int(rollout["revision"])


async def test_a_start_is_previewed_with_the_very_accounts_the_start_puts_in(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given 40 accounts on 1.0.0
    admin = keys.alpha.admin
    crm = await _crm(graphql, keys)
    revision = _revision(await read_rollout(graphql, crm.auth_config, key=admin))
    change = {
        "startRollout": {
            "authConfigId": crm.auth_config,
            "targetVersion": "2.0.0",
            "percent": 30,
            "revision": revision,
        }
    }
    # when a start of 2.0.0 to 30% is previewed, then made
    answer, moving = await _preview(graphql, change, admin)
    result = await start(graphql, crm.auth_config, "2.0.0", 30, key=admin, revision=revision)
    assert result["__typename"] == "StartRolloutSuccess", result
    # then the accounts the preview moves are exactly those the start put on the target
    inside = on_target(await every_account(graphql, crm.auth_config, key=admin), "2.0.0")
    assert 0 < len(inside) < ACCOUNTS
    assert moving == inside
    assert answer["refusal"] is None
    assert answer["accountsMoving"] == answer["accountsNewlyNeedingReauthentication"] == len(inside)
    [move] = [edge["node"] for edge in answer["moves"]["edges"]]
    # and the move keeps the auth config's own version on both sides, the rollout after it
    assert move["from"]["number"] == move["to"]["number"] == "1.0.0"
    assert move["rolloutBefore"] is None
    assert move["rolloutAfter"] == {
        "rolloutId": result["rollout"]["rolloutId"],
        "percent": 30,
        "targetVersionNumber": "2.0.0",
        "targetSource": "CUSTOM",
        "targetVersion": {"version": "2.0.0"},
    }


async def test_percentages_ends_and_other_changes_move_the_accounts_they_move(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given 40 accounts, a rollout of 2.0.0 to 60% of them
    admin = keys.alpha.admin
    crm = await _rolling(graphql, keys, 60)
    steps: list[tuple[str, Json]] = [
        ("setRolloutPercent", {"percent": 20}),
        ("setRolloutPercent", {"percent": 70}),
        ("pushVersion", {}),
        ("completeRollout", {}),
    ]
    for mutation, extra in steps:
        before = await every_account(graphql, crm.auth_config, key=admin)
        state = await read_rollout(graphql, crm.auth_config, key=admin)
        rollout = state["rollout"]
        input: Json = {"authConfigId": crm.auth_config, "revision": _revision(state), **extra}
        if mutation == "pushVersion":
            input = {"connectorKey": "crm", "version": "1.1.0", "definition": in_line(1, "a")}
        # when the change is previewed, then made
        answer, moving = await _preview(graphql, {mutation: input}, admin)
        if mutation == "setRolloutPercent":
            assert (await set_percent(graphql, crm.auth_config, extra["percent"], key=admin))[
                "rollout"
            ]
        elif mutation == "pushVersion":
            await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=admin)
        else:
            assert (await end(graphql, COMPLETE_ROLLOUT, crm.auth_config, key=admin))["rollout"]
        # then exactly the accounts whose version changed are moving
        changed = await _changed(graphql, crm, admin, before)
        assert changed, mutation
        assert moving == changed, mutation
        [move] = [edge["node"] for edge in answer["moves"]["edges"]]
        assert move["rolloutBefore"]["rolloutId"] == rollout["rolloutId"]
        assert move["rolloutBefore"]["percent"] == rollout["percent"]
        if mutation == "completeRollout":
            # the rollout ends: every account outside it goes to the target, pinned exactly
            assert move["rolloutAfter"] is None
            assert (move["to"]["number"], move["to"]["rule"]) == ("2.0.0", "EXACT")
        else:
            assert move["rolloutAfter"]["rolloutId"] == rollout["rolloutId"]
        if mutation == "pushVersion":
            # the push moves the auth config's own version, so only the accounts outside it
            assert (move["from"]["number"], move["to"]["number"]) == ("1.0.0", "1.1.0")
            outside = {account["id"] for account in before} - on_target(before, "2.0.0")
            assert changed == outside


async def test_an_abort_moves_the_accounts_in_the_rollout_back(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a rollout of 2.0.0 to 50% of 40 accounts
    admin = keys.alpha.admin
    crm = await _rolling(graphql, keys, 50)
    before = await every_account(graphql, crm.auth_config, key=admin)
    revision = _revision(await read_rollout(graphql, crm.auth_config, key=admin))
    change = {"abortRollout": {"authConfigId": crm.auth_config, "revision": revision}}
    # when an abort is previewed, then made
    answer, moving = await _preview(graphql, change, admin)
    assert (await end(graphql, ABORT_ROLLOUT, crm.auth_config, key=admin))["rollout"]
    # then the accounts in the rollout go back, and none of them needs re-authentication
    assert moving == on_target(before, "2.0.0") == await _changed(graphql, crm, admin, before)
    assert answer["accountsNewlyNeedingReauthentication"] == 0
    [move] = [edge["node"] for edge in answer["moves"]["edges"]]
    assert move["rolloutAfter"] is None


async def test_binning_a_rollouts_target_is_refused_as_the_bin_refuses_it(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a running rollout of 2.0.0
    admin = keys.alpha.admin
    crm = await _rolling(graphql, keys, 50)
    # when moving 2.0.0 to the bin is previewed
    change = {"moveVersionToBin": {"versionId": crm.v2}}
    answer = (await graphql(PREVIEW, {"change": change}, key=admin))["impact"]
    # then it is refused: the target is in use
    assert answer["refusal"]["code"] == "VERSION_IN_USE", answer
    assert answer["moves"]["edges"] == []
    # and a second start, or a percentage without a rollout, is refused as the mutations do
    revision = _revision(await read_rollout(graphql, crm.auth_config, key=admin))
    second = {
        "startRollout": {
            "authConfigId": crm.auth_config,
            "targetVersion": "2.0.0",
            "percent": 10,
            "revision": revision,
        }
    }
    answer = (await graphql(PREVIEW, {"change": second}, key=admin))["impact"]
    assert answer["refusal"]["__typename"] == "RolloutInProgressError", answer
    assert (await end(graphql, ABORT_ROLLOUT, crm.auth_config, key=admin))["rollout"]
    revision = _revision(await read_rollout(graphql, crm.auth_config, key=admin))
    percent = {
        "setRolloutPercent": {"authConfigId": crm.auth_config, "percent": 5, "revision": revision}
    }
    answer = (await graphql(PREVIEW, {"change": percent}, key=admin))["impact"]
    assert answer["refusal"]["__typename"] == "NoRolloutInProgressError", answer
