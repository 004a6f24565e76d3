"""Changing rollouts: refusals (typed, nothing written), events, and the pin a completion sets."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import (
    in_line,
    pinned_auth_config,
    publish_custom,
    publish_managed,
)
from tests.graphql.auth_configs.pinning import written as rows_written
from tests.graphql.operations import mutate
from tests.graphql.rollouts.documents import ABORT_ROLLOUT, COMPLETE_ROLLOUT, SET_ROLLOUT_PERCENT
from tests.graphql.rollouts.rollouts import (
    crm_with_two_majors,
    end,
    read_rollout,
    set_percent,
    start,
)
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of
from tests.graphql.versions.versioning import assert_error, new_connector
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]


async def test_a_stale_revision_is_a_conflict_for_every_rollout_change(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an auth config at revision 1, then a rollout started on it (revision 2)
    crm = await crm_with_two_majors(graphql, keys)
    stale_start = await start(
        graphql, crm.auth_config, "2.0.0", 10, key=keys.alpha.admin, revision=0
    )
    assert (await start(graphql, crm.auth_config, "2.0.0", 10, key=keys.alpha.admin, revision=1))[
        "__typename"
    ] == "StartRolloutSuccess"
    before = await rows_written(session)

    # when each change is sent with the revision before that (1)
    results = [
        stale_start,
        await set_percent(graphql, crm.auth_config, 20, key=keys.alpha.admin, revision=1),
        await end(graphql, COMPLETE_ROLLOUT, crm.auth_config, key=keys.alpha.admin, revision=1),
        await end(graphql, ABORT_ROLLOUT, crm.auth_config, key=keys.alpha.admin, revision=1),
    ]

    # then each is a CONFLICT, and the rollout is as it was
    for result in results:
        assert_error(result, "ConflictError", "CONFLICT")
    assert await rows_written(session) == before
    node = await read_rollout(graphql, crm.auth_config, key=keys.alpha.viewer)
    assert (node["revision"], node["rollout"]["percent"]) == (2, 10)


async def test_refusals_are_typed_and_write_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an auth config pinned to 1.x.x (it runs 1.0.0) and no rollout yet
    crm = await crm_with_two_majors(graphql, keys)
    admin = keys.alpha.admin
    before = await rows_written(session)
    since = await last_event_id(session)

    # when a rollout is changed before any runs
    for document in (SET_ROLLOUT_PERCENT, COMPLETE_ROLLOUT, ABORT_ROLLOUT):
        input: Json = {"authConfigId": crm.auth_config, "revision": 1}
        if document is SET_ROLLOUT_PERCENT:
            input["percent"] = 20
        result = await mutate(graphql, document, input, key=admin)
        # then there is none to change
        assert_error(result, "NoRolloutInProgressError", "NO_ROLLOUT_IN_PROGRESS")

    # when a rollout targets what the auth config runs already, a number no version has, a
    # number that is no number, or a share that is no percentage
    same = await start(graphql, crm.auth_config, "1.0.0", 10, key=admin)
    missing = await start(graphql, crm.auth_config, "3.0.0", 10, key=admin)
    managed_only = await start(graphql, crm.auth_config, "2.0.0", 10, key=admin, source="MANAGED")
    garbage = await start(graphql, crm.auth_config, "two", 10, key=admin)
    too_much = await start(graphql, crm.auth_config, "2.0.0", 101, key=admin)
    negative = await start(graphql, crm.auth_config, "2.0.0", -1, key=admin)

    # then each is refused with its own typed error
    assert_error(same, "InvalidInputError", "INVALID_INPUT")
    assert same["field"] == "targetVersion"
    assert_error(missing, "PinnedVersionNotFoundError", "PINNED_VERSION_NOT_FOUND")
    assert missing["availableVersions"] == ["2.0.0", "1.0.0"]
    assert_error(managed_only, "PinnedVersionNotFoundError", "PINNED_VERSION_NOT_FOUND")
    assert (managed_only["pinSource"], managed_only["availableVersions"]) == ("MANAGED", [])
    assert_error(garbage, "InvalidVersionError", "INVALID_VERSION")
    for result in (too_much, negative):
        assert_error(result, "InvalidInputError", "INVALID_INPUT")
        assert result["field"] == "percent"
    # and nothing was written
    assert await rows_written(session) == before
    assert await events_since(session, since) == []

    # when one rollout runs and a second one is started
    assert (await start(graphql, crm.auth_config, "2.0.0", 10, key=admin))[
        "__typename"
    ] == "StartRolloutSuccess"
    second = await start(graphql, crm.auth_config, "2.0.0", 50, key=admin)
    # then it is refused, naming the running one
    assert_error(second, "RolloutInProgressError", "ROLLOUT_IN_PROGRESS")
    assert (second["targetVersion"], second["percent"]) == ("2.0.0", 10)
    out_of_range = await set_percent(graphql, crm.auth_config, 101, key=admin)
    assert_error(out_of_range, "InvalidInputError", "INVALID_INPUT")


async def test_each_change_writes_its_event_and_bumps_the_revision(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an auth config at revision 1
    crm = await crm_with_two_majors(graphql, keys)
    since = await last_event_id(session)
    admin = keys.alpha.admin

    # when a rollout is started, raised, set to the same share again, and completed
    started = await start(graphql, crm.auth_config, "2.0.0", 10, key=admin)
    raised = await set_percent(graphql, crm.auth_config, 30, key=admin)
    unchanged = await set_percent(graphql, crm.auth_config, 30, key=admin)
    completed = await end(graphql, COMPLETE_ROLLOUT, crm.auth_config, key=admin)

    # then each real change moved the revision on by one (the same share changes nothing)
    revisions = [r["authConfig"]["revision"] for r in (started, raised, unchanged, completed)]
    assert revisions == [2, 3, 3, 4]
    # and wrote one event, about the auth config and the target
    events = await events_since(session, since)
    assert [event.kind for event in events] == [
        "rollout.started",
        "rollout.percent_changed",
        "rollout.completed",
    ]
    assert {event.auth_config_id for event in events} == {uuid_of(crm.auth_config)}
    assert {event.version_id for event in events} == {uuid_of(crm.v2)}
    rollout_id = events[0].payload["rolloutId"]
    assert started["rollout"]["rolloutId"] == completed["rollout"]["rolloutId"] == rollout_id
    common = {"rolloutId": rollout_id, "targetVersion": "2.0.0", "targetSource": "CUSTOM"}
    assert [event.payload for event in events] == [
        {**common, "percent": 10, "revision": 2},
        {**common, "percent": {"from": 10, "to": 30}, "revision": 3},
        {
            **common,
            "percent": 30,
            "from": {"pin": "1.x.x", "pinSource": "ANY"},
            "to": {"pin": "2.0.0", "pinSource": "ANY"},
            "revision": 4,
        },
    ]


async def test_completing_a_managed_target_pins_its_source_when_a_custom_number_shadows_it(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed crm 1.0.0 and 2.0.0, alpha's custom crm 2.0.0, and an auth config on
    # 1.x.x under ANY (no custom 1.x.x: it runs managed 1.0.0)
    await new_connector(graphql, "crm", key=keys.platform)
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await publish_managed(graphql, keys, "1.0.0", in_line(1))
    await publish_managed(graphql, keys, "2.0.0", in_line(2))
    await publish_custom(graphql, keys, "2.0.0", in_line(2))
    auth_config = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.x.x"
    )

    # when managed 2.0.0 is rolled out, explicitly, and the rollout completed
    started = await start(graphql, auth_config, "2.0.0", 50, key=keys.alpha.admin, source="MANAGED")
    assert started["rollout"]["targetVersion"]["source"] == "MANAGED", started
    completed = await end(graphql, COMPLETE_ROLLOUT, auth_config, key=keys.alpha.admin)

    # then the exact pin names managed 2.0.0 (under ANY it would be the custom one)
    assert (completed["authConfig"]["pin"], completed["authConfig"]["pinSource"]) == (
        "2.0.0",
        "MANAGED",
    )
    node = await read_rollout(graphql, auth_config, key=keys.alpha.viewer)
    assert node["effectiveVersion"] == {
        "version": {"version": "2.0.0", "source": "MANAGED"},
        "rule": "EXACT",
    }

    # while under ANY (the default) the same number targets the custom version first
    other = await pinned_auth_config(graphql, "crm", "Other", key=keys.alpha.admin, pin="1.x.x")
    custom = await start(graphql, other, "2.0.0", 50, key=keys.alpha.admin)
    assert custom["rollout"]["targetVersion"]["source"] == "CUSTOM", custom
