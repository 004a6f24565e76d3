"""The deployment pipeline of IMAGE versions (DESIGN §3), through GraphQL."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.types import utc_now
from tests.graphql.pipeline.deployments import ORDER, environment, read_pipeline, record, recorded
from tests.graphql.pipeline.documents import READ_PIPELINE
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.version_rows import (
    events_since,
    last_event_id,
    set_version,
    stored_version,
    uuid_of,
    written,
)
from tests.graphql.versions.versioning import (
    assert_error,
    created,
    new_connector,
    publish,
    updated,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

Json = dict[str, Any]


async def _image_draft(graphql: GraphQLClient, keys: Keys, connector_key: str = "etl") -> str:
    connector_id = await new_connector(
        graphql, connector_key, key=keys.alpha.admin, runtime="IMAGE"
    )
    return str((await created(graphql, connector_id, key=keys.alpha.admin))["id"])


async def _walk_to_prod_synced(graphql: GraphQLClient, version_id: str, key: str) -> Json:
    result: Json = {}
    for step in ORDER:
        result = await recorded(graphql, version_id, step, key=key)
    return result


async def test_a_version_walks_the_whole_pipeline_to_released(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a draft of an IMAGE connector
    version_id = await _image_draft(graphql, keys)
    states = []
    # when each step succeeds in order
    for step in (*ORDER, "RELEASE"):
        result = await recorded(graphql, version_id, step, key=keys.alpha.admin, message=step)
        states.append(result["version"]["state"])
        assert result["step"]["step"] == step
        assert result["step"]["outcome"] == "SUCCEEDED"
    # then the state follows the order, and RELEASE publishes
    assert states == ["BUILT", "DEV_SYNCED", "TESTED", "PROD_SYNCED", "RELEASED"]
    version = await read_pipeline(graphql, version_id, key=keys.alpha.viewer)
    assert version["published"] is True
    assert version["publishedAt"]
    assert version["devEnvironment"]["siteId"] == "sync_dev-site"
    assert version["prodEnvironment"]["siteId"] == "sync_prod-site"
    assert version["prodEnvironment"]["syncedAt"]
    # and the history lists each step, oldest first, with the states it moved between
    history = version["deploymentHistory"]
    assert [(s["step"], s["stateBefore"], s["stateAfter"]) for s in history] == [
        ("BUILD", "UPDATED", "BUILT"),
        ("SYNC_DEV", "BUILT", "DEV_SYNCED"),
        ("TEST", "DEV_SYNCED", "TESTED"),
        ("SYNC_PROD", "TESTED", "PROD_SYNCED"),
        ("RELEASE", "PROD_SYNCED", "RELEASED"),
    ]
    assert [s["message"] for s in history] == ["BUILD", "SYNC_DEV", "TEST", "SYNC_PROD", "RELEASE"]
    assert [s["environment"] is not None for s in history] == [False, True, False, True, False]


async def test_publish_version_is_the_release_step(graphql: GraphQLClient, keys: Keys) -> None:
    # given a version synced to prod, with a definition
    version_id = await _image_draft(graphql, keys)
    await updated(graphql, version_id, key=keys.alpha.admin, definition=BASE)
    await _walk_to_prod_synced(graphql, version_id, keys.alpha.admin)
    # when it is published with publishVersion
    result = await publish(graphql, version_id, key=keys.alpha.admin)
    # then it is released, and the history shows the RELEASE step
    assert result["__typename"] == "PublishVersionSuccess", result
    assert result["version"]["state"] == "RELEASED"
    history = (await read_pipeline(graphql, version_id, key=keys.alpha.admin))["deploymentHistory"]
    assert [s["step"] for s in history] == [*ORDER, "RELEASE"]
    assert history[-1]["stateAfter"] == "RELEASED"
    # and a further RELEASE is out of order
    again = await record(graphql, version_id, "RELEASE", key=keys.alpha.admin)
    assert_error(again, "InvalidTransitionError", "INVALID_TRANSITION")
    assert again["currentState"] == "RELEASED"


async def test_a_failed_step_keeps_the_state_and_a_retry_moves_it(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a built version
    version_id = await _image_draft(graphql, keys)
    await recorded(graphql, version_id, "BUILD", key=keys.alpha.admin)
    # when SYNC_DEV fails
    failed = await recorded(
        graphql, version_id, "SYNC_DEV", "FAILED", key=keys.alpha.admin, message="timeout"
    )
    # then the state stays, and no environment is set
    assert failed["version"]["state"] == "BUILT"
    assert failed["version"]["devEnvironment"] is None
    assert (failed["step"]["stateBefore"], failed["step"]["stateAfter"]) == ("BUILT", "BUILT")
    assert (await stored_version(session, version_id)).state == "BUILT"
    # when it is retried and succeeds
    retried = await recorded(graphql, version_id, "SYNC_DEV", key=keys.alpha.admin)
    assert retried["version"]["state"] == "DEV_SYNCED"
    # then both attempts are in the history
    history = (await read_pipeline(graphql, version_id, key=keys.alpha.admin))["deploymentHistory"]
    assert [(s["step"], s["outcome"]) for s in history] == [
        ("BUILD", "SUCCEEDED"),
        ("SYNC_DEV", "FAILED"),
        ("SYNC_DEV", "SUCCEEDED"),
    ]
    assert history[1]["message"] == "timeout"


async def test_a_step_out_of_order_is_refused_naming_the_state(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a draft (UPDATED)
    version_id = await _image_draft(graphql, keys)
    before = await written(session)
    # when TEST, SYNC_PROD or RELEASE come first (a failure out of order too)
    for step, outcome in (("TEST", "SUCCEEDED"), ("SYNC_PROD", "FAILED"), ("RELEASE", "SUCCEEDED")):
        result = await record(graphql, version_id, step, outcome, key=keys.alpha.admin)
        # then each is refused, naming the current state and the step expected
        assert_error(result, "InvalidTransitionError", "INVALID_TRANSITION")
        assert result["currentState"] == "UPDATED"
        assert "UPDATED" in result["message"]
        assert "BUILD" in result["message"]
    # and nothing was written
    assert await written(session) == before
    # and publishVersion refuses too
    published = await publish(graphql, version_id, key=keys.alpha.admin)
    assert_error(published, "InvalidTransitionError", "INVALID_TRANSITION")


async def test_rollback_resyncs_only_the_older_version(graphql: GraphQLClient, keys: Keys) -> None:
    # given version 1 released, and version 2 (copied from it) synced to prod
    connector_id = await new_connector(graphql, "etl", key=keys.alpha.admin, runtime="IMAGE")
    one = (await created(graphql, connector_id, key=keys.alpha.admin))["id"]
    await _walk_to_prod_synced(graphql, one, keys.alpha.admin)
    await recorded(graphql, one, "RELEASE", key=keys.alpha.admin)
    two = (await created(graphql, connector_id, key=keys.alpha.admin))["id"]
    for step in ORDER:
        env: Json = {"environment": environment("v2-site")} if step.startswith("SYNC_") else {}
        await recorded(graphql, two, step, key=keys.alpha.admin, **env)
    two_before = await read_pipeline(graphql, two, key=keys.alpha.admin)
    # when version 1's prod deployment is synced again (the rollback)
    rolled = await recorded(
        graphql, one, "SYNC_PROD", key=keys.alpha.admin, environment=environment("rollback")
    )
    # then version 1 stays released with its prod environment re-synced
    assert rolled["version"]["state"] == "RELEASED"
    assert rolled["version"]["prodEnvironment"]["siteId"] == "rollback"
    assert rolled["step"]["stateBefore"] == rolled["step"]["stateAfter"] == "RELEASED"
    # and version 2 is untouched
    two_after = await read_pipeline(graphql, two, key=keys.alpha.admin)
    assert two_after == two_before
    assert two_after["prodEnvironment"]["siteId"] == "v2-site"
    # and syncing version 2 never touches version 1
    one_before = await read_pipeline(graphql, one, key=keys.alpha.admin)
    await recorded(graphql, two, "RELEASE", key=keys.alpha.admin)
    await recorded(
        graphql, two, "SYNC_PROD", key=keys.alpha.admin, environment=environment("v2-again")
    )
    one_after = await read_pipeline(graphql, one, key=keys.alpha.admin)
    assert one_after == one_before


async def test_sync_steps_need_an_environment_and_others_refuse_one(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    version_id = await _image_draft(graphql, keys)
    # a BUILD with an environment is refused
    build = await record(
        graphql, version_id, "BUILD", key=keys.alpha.admin, environment=environment("x")
    )
    assert_error(build, "InvalidInputError", "INVALID_INPUT")
    assert build["field"] == "environment"
    # a sync step without one, or with a blank reference, is refused
    await recorded(graphql, version_id, "BUILD", key=keys.alpha.admin)
    before = await written(session)
    missing = await record(graphql, version_id, "SYNC_DEV", key=keys.alpha.admin, environment=None)
    assert_error(missing, "InvalidInputError", "INVALID_INPUT")
    assert missing["field"] == "environment"
    blank = await record(
        graphql, version_id, "SYNC_DEV", key=keys.alpha.admin, environment=environment("  ")
    )
    assert_error(blank, "InvalidInputError", "INVALID_INPUT")
    assert blank["field"] == "environment.siteId"
    assert await written(session) == before


async def test_a_definition_connector_has_no_pipeline(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    version_id = (await created(graphql, connector_id, key=keys.alpha.admin))["id"]
    before = await written(session)
    result = await record(graphql, version_id, "BUILD", key=keys.alpha.admin)
    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "versionId"
    assert await written(session) == before


async def test_a_binned_version_takes_no_step(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a draft in the bin
    version_id = await _image_draft(graphql, keys)
    await set_version(session, version_id, binned_at=utc_now())
    before = await written(session)
    # when a step is recorded, then it is refused until the version is restored
    result = await record(graphql, version_id, "BUILD", key=keys.alpha.admin)
    assert_error(result, "InvalidTransitionError", "INVALID_TRANSITION")
    assert "bin" in result["message"]
    assert await written(session) == before


async def test_access_viewers_are_forbidden_and_other_projects_see_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    version_id = await _image_draft(graphql, keys)
    before = await written(session)
    viewer = await record(graphql, version_id, "BUILD", key=keys.alpha.viewer)
    assert_error(viewer, "ForbiddenError", "FORBIDDEN")
    other = await record(graphql, version_id, "BUILD", key=keys.beta.admin)
    assert_error(other, "NotFoundError", "NOT_FOUND")
    assert await written(session) == before
    # and another project cannot read the history either
    data = await graphql(READ_PIPELINE, {"id": version_id}, key=keys.beta.admin)
    assert data["node"] is None


async def test_each_step_writes_an_event_in_its_transaction(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    version_id = await _image_draft(graphql, keys)
    since = await last_event_id(session)
    await recorded(graphql, version_id, "BUILD", "FAILED", key=keys.alpha.admin)
    await _walk_to_prod_synced(graphql, version_id, keys.alpha.admin)
    await recorded(graphql, version_id, "RELEASE", key=keys.alpha.admin)
    events = await events_since(session, since)
    kinds = [event.kind for event in events]
    # one per step; RELEASE also writes the publication every way of publishing writes
    assert kinds == ["version.deployment_step"] * 5 + [
        "version.published",
        "version.deployment_step",
    ]
    steps = [e.payload for e in events if e.kind == "version.deployment_step"]
    assert [(p["step"], p["outcome"]) for p in steps] == [
        ("BUILD", "FAILED"),
        ("BUILD", "SUCCEEDED"),
        ("SYNC_DEV", "SUCCEEDED"),
        ("TEST", "SUCCEEDED"),
        ("SYNC_PROD", "SUCCEEDED"),
        ("RELEASE", "SUCCEEDED"),
    ]
    assert steps[0]["state"] == {"from": "UPDATED", "to": "UPDATED"}
    assert steps[-1]["state"] == {"from": "PROD_SYNCED", "to": "RELEASED"}
    assert {event.version_id for event in events} == {uuid_of(version_id)}


HISTORIES = """
query ($key: String!) {
  connector(key: $key, source: CUSTOM) {
    versions(first: 100) { edges { node { deploymentHistory { step outcome } } } }
  }
}
"""


async def _history_statements(
    graphql: GraphQLClient, engine: AsyncEngine, keys: Keys
) -> tuple[int, Json]:
    with recorded_statements(engine) as statements:
        data = await graphql(HISTORIES, {"key": "etl"}, key=keys.alpha.admin)
    return len(statements), data


async def test_deployment_histories_load_in_one_batch(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given one version with a history
    connector_id = await new_connector(graphql, "etl", key=keys.alpha.admin, runtime="IMAGE")
    first = (await created(graphql, connector_id, key=keys.alpha.admin))["id"]
    await recorded(graphql, first, "BUILD", key=keys.alpha.admin)
    one, _ = await _history_statements(graphql, engine, keys)
    # when there are four versions, each with a history
    for _ in range(3):
        version_id = (await created(graphql, connector_id, key=keys.alpha.admin))["id"]
        await recorded(graphql, version_id, "BUILD", "FAILED", key=keys.alpha.admin)
    four, data = await _history_statements(graphql, engine, keys)
    # then reading every history costs the same statements
    edges = data["connector"]["versions"]["edges"]
    assert [len(edge["node"]["deploymentHistory"]) for edge in edges] == [1, 1, 1, 1]
    assert four == one
