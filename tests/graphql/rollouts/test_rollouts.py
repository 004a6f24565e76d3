"""Rollouts (DESIGN §13): a target for a percentage of an auth config's accounts, sticky per
account, explained, and reversible at once; seen through GraphQL on both databases."""

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import link, read_account, read_auth_config
from tests.graphql.rollouts.documents import ABORT_ROLLOUT, COMPLETE_ROLLOUT
from tests.graphql.rollouts.rollouts import (
    crm_with_two_majors,
    end,
    every_account,
    fix_rollout_id,
    fixed_id,
    link_in_bulk,
    on_target,
    read_rollout,
    set_percent,
    start,
)
from tests.graphql.versions.version_rows import uuid_of
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

ACCOUNTS = 1000
TOLERANCE = 20  # accounts: 2 percentage points of 1,000

IN_ROLLOUT = re.compile(
    r"^rolling out custom 2\.0\.0 to (\d+)% of accounts; this account's bucket (\d{4}) is below "
    r"(\d+)$"
)
OUTSIDE = re.compile(
    r"; not in the rollout: rolling out custom 2\.0\.0 to (\d+)% of accounts, and this "
    r"account's bucket (\d{4}) is not below (\d+)$"
)


async def test_each_percentage_moves_that_share_and_raising_it_only_adds_accounts(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an auth config pinned to 1.x.x with 1,000 accounts authenticated under 1.0.0
    # (fixed ids, the rollout's included: see `fixed_id`)
    crm = await crm_with_two_majors(graphql, keys)
    await link_in_bulk(
        session, crm.auth_config, ACCOUNTS, authenticated=uuid_of(crm.v1), fixed=True
    )

    # when 2.0.0 is rolled out to 1%, then raised to 10%, 50% and 100%
    started = await start(graphql, crm.auth_config, "2.0.0", 1, key=keys.alpha.admin)
    assert started["__typename"] == "StartRolloutSuccess", started
    await fix_rollout_id(session, crm.auth_config, fixed_id("rollout"))
    assert started["rollout"]["targetVersion"]["version"] == "2.0.0"
    previous: set[str] = set()
    for percent in (1, 10, 50, 100):
        if percent != 1:
            raised = await set_percent(graphql, crm.auth_config, percent, key=keys.alpha.admin)
            assert raised["__typename"] == "SetRolloutPercentSuccess", raised
            assert raised["rollout"]["percent"] == percent
        accounts = await every_account(graphql, crm.auth_config, key=keys.alpha.viewer)
        moved = on_target(accounts, "2.0.0")

        # then about that share of the accounts runs the target (within 2 points)
        assert len(accounts) == ACCOUNTS
        assert abs(len(moved) - percent * ACCOUNTS // 100) <= TOLERANCE, (percent, len(moved))
        # and no account that was in the rollout left it
        assert previous <= moved, percent
        for account in accounts:
            effective = account["effectiveVersion"]
            if account["id"] in moved:
                # each in it says why, with its bucket below percent * 100
                found = IN_ROLLOUT.match(effective["reason"])
                assert found, effective
                assert int(found[1]) == percent
                assert int(found[3]) == percent * 100
                assert int(found[2]) < percent * 100
                assert (effective["source"], effective["warnings"]) == ("CUSTOM", [])
                # and judges its credentials against the version it runs
                assert account["status"] == "NEEDS_REAUTHENTICATION", account
            else:
                # the others run the auth config's own answer, and say why not the target
                assert effective["version"]["version"] == "1.0.0", account
                assert effective["rule"] == "MAJOR_LINE"
                found = OUTSIDE.search(effective["reason"])
                assert found, effective
                assert int(found[2]) >= percent * 100
                assert account["status"] == "ACTIVE", account
        # and the count in SQL agrees with every account's own answer
        node = await read_rollout(graphql, crm.auth_config, key=keys.alpha.viewer)
        assert node["rollout"]["accountsInRollout"] == len(moved)
        assert node["rollout"]["bucketLimit"] == percent * 100
        # while the auth config's own answer stays what its pin says
        assert node["effectiveVersion"] == {
            "version": {"version": "1.0.0", "source": "CUSTOM"},
            "rule": "MAJOR_LINE",
        }
        previous = moved
    assert len(previous) == ACCOUNTS


async def test_abort_moves_every_account_back_at_once(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a rollout of 2.0.0 to half of 1,000 accounts
    crm = await crm_with_two_majors(graphql, keys)
    await link_in_bulk(session, crm.auth_config, ACCOUNTS)
    assert (await start(graphql, crm.auth_config, "2.0.0", 50, key=keys.alpha.admin))[
        "__typename"
    ] == "StartRolloutSuccess"
    before = await read_auth_config(graphql, crm.auth_config, key=keys.alpha.viewer)
    assert on_target(await every_account(graphql, crm.auth_config, key=keys.alpha.viewer), "2.0.0")

    # when it is aborted
    aborted = await end(graphql, ABORT_ROLLOUT, crm.auth_config, key=keys.alpha.admin)

    # then the rollout ended, the auth config moved to its next revision with its pin as it was
    assert aborted["__typename"] == "AbortRolloutSuccess", aborted
    assert aborted["rollout"]["endedAt"] is not None
    assert aborted["authConfig"]["revision"] == before["revision"] + 1
    assert aborted["authConfig"]["pin"] == "1.x.x"
    # and every account runs the auth config's own version, explained without the rollout
    accounts = await every_account(graphql, crm.auth_config, key=keys.alpha.viewer)
    assert len(accounts) == ACCOUNTS
    for account in accounts:
        effective = account["effectiveVersion"]
        assert (effective["version"]["version"], effective["rule"]) == ("1.0.0", "MAJOR_LINE")
        assert "rollout" not in effective["reason"], effective
    assert (await read_rollout(graphql, crm.auth_config, key=keys.alpha.viewer))["rollout"] is None


async def test_complete_pins_the_target_and_every_account_runs_it(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a rollout of 2.0.0 to 10% of 1,000 accounts
    crm = await crm_with_two_majors(graphql, keys)
    await link_in_bulk(session, crm.auth_config, ACCOUNTS)
    assert (await start(graphql, crm.auth_config, "2.0.0", 10, key=keys.alpha.admin))[
        "__typename"
    ] == "StartRolloutSuccess"

    # when it is completed
    completed = await end(graphql, COMPLETE_ROLLOUT, crm.auth_config, key=keys.alpha.admin)

    # then the target is the auth config's exact pin, and the rollout ended
    assert completed["__typename"] == "CompleteRolloutSuccess", completed
    assert (completed["authConfig"]["pin"], completed["authConfig"]["pinSource"]) == (
        "2.0.0",
        "ANY",
    )
    assert completed["rollout"]["endedAt"] is not None
    node = await read_rollout(graphql, crm.auth_config, key=keys.alpha.viewer)
    assert node["rollout"] is None
    assert node["effectiveVersion"] == {
        "version": {"version": "2.0.0", "source": "CUSTOM"},
        "rule": "EXACT",
    }
    # and every account runs the target through the pin
    accounts = await every_account(graphql, crm.auth_config, key=keys.alpha.viewer)
    assert len(accounts) == ACCOUNTS
    assert {
        (a["effectiveVersion"]["version"]["version"], a["effectiveVersion"]["rule"])
        for a in accounts
    } == {("2.0.0", "EXACT")}


async def test_a_restarted_rollout_draws_new_buckets_and_linking_follows_the_account(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a rollout to every account
    crm = await crm_with_two_majors(graphql, keys)
    assert (await start(graphql, crm.auth_config, "2.0.0", 100, key=keys.alpha.admin))[
        "__typename"
    ] == "StartRolloutSuccess"

    # when an account is linked, and then another after the rollout is lowered to 0%
    first = await link(graphql, crm.auth_config, "in", key=keys.alpha.admin)
    lowered = await set_percent(graphql, crm.auth_config, 0, key=keys.alpha.admin)
    second = await link(graphql, crm.auth_config, "out", key=keys.alpha.admin)

    # then each authenticated under the version it runs itself: the target, then the pin's
    assert lowered["__typename"] == "SetRolloutPercentSuccess", lowered
    assert first["authenticatedVersion"]["version"] == "2.0.0"
    assert second["authenticatedVersion"]["version"] == "1.0.0"
    # and the second is ACTIVE, while the first, now outside the rollout, runs the pin's again
    assert (await read_account(graphql, second["id"], key=keys.alpha.viewer))["status"] == "ACTIVE"
    first_now = await read_account(graphql, first["id"], key=keys.alpha.viewer)
    assert first_now["effectiveVersion"]["version"]["version"] == "1.0.0"
