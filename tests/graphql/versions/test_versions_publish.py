"""publishVersion (DESIGN §2, §3): a DEFINITION draft with a valid definition, an IMAGE draft from
PROD_SYNCED; both pass the bump check when they carry a definition."""

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.operations import global_id
from tests.graphql.versions.version_definitions import (
    BASE,
    MAJOR_CHANGE,
    MINOR_CHANGE,
    PATCH_CHANGE,
    edited,
)
from tests.graphql.versions.version_rows import (
    events_since,
    fingerprint,
    last_event_id,
    set_version,
    stored_version,
    uuid_of,
    written,
)
from tests.graphql.versions.versioning import (
    api_key_id,
    assert_error,
    created,
    new_connector,
    publish,
    pushed,
    read_version,
    updated,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

PIPELINE_STATES = ["UPDATED", "BUILT", "DEV_SYNCED", "TESTED"]


async def test_a_definition_draft_with_a_valid_definition_publishes(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a draft 1.0.0 with a definition
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    draft = await updated(graphql, draft["id"], key=keys.alpha.admin, definition=BASE)
    since = await last_event_id(session)

    # when it is published
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then it is published and RELEASED, with nothing to compare it with
    assert result["__typename"] == "PublishVersionSuccess", result
    version = result["version"]
    assert version["published"] is True
    assert version["publishedAt"]
    assert version["state"] == "RELEASED"
    assert (result["previousVersion"], result["requiredBump"], result["changes"]) == (
        None,
        None,
        [],
    )
    # and its content did not change
    assert version["contentHash"] == draft["contentHash"]
    assert version["definition"] == draft["definition"]
    assert version["revision"] == 1
    # and the row and GraphQL agree
    row = await stored_version(session, draft["id"])
    assert row.published_at is not None
    assert row.state == "RELEASED"
    assert row.published_at.isoformat() == version["publishedAt"]
    assert await read_version(graphql, draft["id"], key=keys.alpha.viewer) == version
    latest = await graphql(
        '{ connector(key: "crm") { latestVersion { version } } }', key=keys.alpha.viewer
    )
    assert latest["connector"]["latestVersion"] == {"version": "1.0.0"}
    # and one event records it
    (event,) = await events_since(session, since)
    assert event.kind == "version.published"
    assert (event.connector_id, event.version_id) == (uuid_of(connector_id), row.id)
    assert event.api_key_id == await api_key_id(graphql, keys.alpha.admin)


async def test_a_definition_draft_without_a_definition_cannot_publish(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a new, empty draft
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, draft["id"]))

    # when it is published
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then the definition is missing (at the root), and nothing changed
    assert_error(result, "InvalidDefinitionError", "INVALID_DEFINITION")
    assert [problem["path"] for problem in result["problems"]] == [""]
    assert await written(session) == before
    assert fingerprint(await stored_version(session, draft["id"])) == row_before


async def test_a_draft_whose_bump_is_too_small_is_refused_with_its_changes(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 published, and a draft 1.0.1 (a PATCH number) that removes an action and adds one
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    draft = await created(graphql, connector_id, key=keys.alpha.admin, bump="PATCH")
    assert draft["version"] == "1.0.1"
    definition = edited(BASE, MAJOR_CHANGE, MINOR_CHANGE)
    await updated(graphql, draft["id"], key=keys.alpha.admin, definition=definition)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, draft["id"]))

    # when it is published
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then the bump is insufficient: each change with the bump it needs
    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert (result["requiredBump"], result["declaredBump"], result["previousVersion"]) == (
        "MAJOR",
        "PATCH",
        "1.0.0",
    )
    assert [(c["bump"], c["path"]) for c in result["changes"]] == [
        ("MINOR", "actions[export_contacts]"),
        ("MAJOR", "actions[get_contact]"),
    ]
    assert all(c["description"] and c["affectsAuth"] is False for c in result["changes"])
    # and the draft stays a draft
    assert await written(session) == before
    assert fingerprint(await stored_version(session, draft["id"])) == row_before


@pytest.mark.parametrize(
    ("bump", "edits", "required"),
    [
        ("PATCH", [PATCH_CHANGE], "PATCH"),
        ("MINOR", [PATCH_CHANGE, MINOR_CHANGE], "MINOR"),
        ("MAJOR", [MINOR_CHANGE, MAJOR_CHANGE], "MAJOR"),
        ("MAJOR", [], None),
    ],
)
async def test_a_draft_with_a_sufficient_bump_publishes_and_shows_its_changes(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    bump: str,
    edits: list[Any],
    required: str | None,
) -> None:
    # given 1.0.0 published, and a draft numbered by `bump` with changes that need `required`
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    draft = await created(graphql, connector_id, key=keys.alpha.admin, bump=bump)
    await updated(graphql, draft["id"], key=keys.alpha.admin, definition=edited(BASE, *edits))

    # when it is published
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then it is, compared with 1.0.0
    assert result["__typename"] == "PublishVersionSuccess", result
    assert (result["previousVersion"], result["requiredBump"]) == ("1.0.0", required)
    assert len(result["changes"]) == len(edits)
    assert (await stored_version(session, draft["id"])).published_at is not None


async def test_a_draft_is_compared_with_the_highest_published_version_below_it(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 and 2.0.0 published (2.0.0 removed get_contact), and an unpublished 1.5.0 above
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    await pushed(graphql, "crm", "2.0.0", edited(BASE, MAJOR_CHANGE), key=keys.alpha.admin)
    await created(graphql, connector_id, key=keys.alpha.admin, version="1.5.0")
    # and a draft 1.1.0 (a copy of 2.0.0) given 1.0.0's actions plus one
    draft = await created(graphql, connector_id, key=keys.alpha.admin, version="1.1.0")
    await updated(graphql, draft["id"], key=keys.alpha.admin, definition=edited(BASE, MINOR_CHANGE))

    # when it is published
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then it was compared with 1.0.0 (not 2.0.0, above it; not 1.5.0, unpublished): MINOR
    assert result["__typename"] == "PublishVersionSuccess", result
    assert (result["previousVersion"], result["requiredBump"]) == ("1.0.0", "MINOR")
    assert [c["path"] for c in result["changes"]] == ["actions[export_contacts]"]


@pytest.mark.parametrize("state", PIPELINE_STATES)
async def test_an_image_draft_must_be_prod_synced(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, state: str
) -> None:
    # given an IMAGE connector's draft in `state`
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin, runtime="IMAGE")
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    await set_version(session, draft["id"], state=state)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, draft["id"]))

    # when it is published
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then the transition is invalid from where it is, and nothing changed
    assert_error(result, "InvalidTransitionError", "INVALID_TRANSITION")
    assert result["currentState"] == state
    assert await written(session) == before
    assert fingerprint(await stored_version(session, draft["id"])) == row_before


async def test_an_image_draft_in_prod_synced_publishes(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an IMAGE connector's draft (no definition) that reached PROD_SYNCED
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin, runtime="IMAGE")
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    await set_version(session, draft["id"], state="PROD_SYNCED")
    since = await last_event_id(session)

    # when it is published (its RELEASE)
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then it is RELEASED and published
    assert result["__typename"] == "PublishVersionSuccess", result
    assert (result["version"]["state"], result["version"]["published"]) == ("RELEASED", True)
    assert result["version"]["definition"] is None
    row = await stored_version(session, draft["id"])
    assert (row.state, row.published_at is not None) == ("RELEASED", True)
    assert [event.kind for event in await events_since(session, since)] == ["version.published"]


async def test_an_image_draft_with_a_definition_passes_the_bump_check(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an IMAGE connector with 1.0.0 released with a definition
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin, runtime="IMAGE")
    one = await created(graphql, connector_id, key=keys.alpha.admin)
    await updated(graphql, one["id"], key=keys.alpha.admin, definition=BASE)
    await set_version(session, one["id"], state="PROD_SYNCED")
    assert (await publish(graphql, one["id"], key=keys.alpha.admin))["__typename"] == (
        "PublishVersionSuccess"
    )
    # and a PROD_SYNCED 1.1.0 that removes an action
    draft = await created(graphql, connector_id, key=keys.alpha.admin, bump="MINOR")
    await updated(graphql, draft["id"], key=keys.alpha.admin, definition=edited(BASE, MAJOR_CHANGE))
    await set_version(session, draft["id"], state="PROD_SYNCED")
    before = await written(session)

    # when it is published
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then it needs a MAJOR bump, and stays PROD_SYNCED
    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert (result["requiredBump"], result["declaredBump"]) == ("MAJOR", "MINOR")
    assert await written(session) == before
    row = await stored_version(session, draft["id"])
    assert (row.state, row.published_at) == ("PROD_SYNCED", None)


@pytest.mark.parametrize("runtime", ["DEFINITION", "IMAGE"])
async def test_a_published_version_cannot_publish_again(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, runtime: str
) -> None:
    # given a published version
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin, runtime=runtime)
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    if runtime == "DEFINITION":
        await updated(graphql, draft["id"], key=keys.alpha.admin, definition=BASE)
    else:
        await set_version(session, draft["id"], state="PROD_SYNCED")
    assert (await publish(graphql, draft["id"], key=keys.alpha.admin))["__typename"] == (
        "PublishVersionSuccess"
    )
    before = await written(session)
    row_before = fingerprint(await stored_version(session, draft["id"]))

    # when it is published again
    result = await publish(graphql, draft["id"], key=keys.alpha.admin)

    # then the transition is invalid: it is RELEASED already; nothing changed
    assert_error(result, "InvalidTransitionError", "INVALID_TRANSITION")
    assert result["currentState"] == "RELEASED"
    assert await written(session) == before
    assert fingerprint(await stored_version(session, draft["id"])) == row_before


async def test_only_the_owners_admin_may_publish(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's draft with a definition, and a managed connector's draft with one
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    await updated(graphql, draft["id"], key=keys.alpha.admin, definition=BASE)
    managed_id = await new_connector(graphql, "erp", key=keys.platform)
    managed = await created(graphql, managed_id, key=keys.platform)
    await updated(graphql, managed["id"], key=keys.platform, definition=BASE)
    before = await written(session)

    # when others publish them, then they are refused and nothing changes
    for version_id, key, typename, code in [
        (draft["id"], keys.alpha.viewer, "ForbiddenError", "FORBIDDEN"),
        (draft["id"], keys.beta.admin, "NotFoundError", "NOT_FOUND"),
        (draft["id"], keys.platform, "NotFoundError", "NOT_FOUND"),
        (managed["id"], keys.alpha.admin, "ForbiddenError", "FORBIDDEN"),
        (global_id("ConnectorVersion"), keys.alpha.admin, "NotFoundError", "NOT_FOUND"),
    ]:
        assert_error(await publish(graphql, version_id, key=key), typename, code)
    assert await written(session) == before

    # while the platform publishes the managed draft
    result = await publish(graphql, managed["id"], key=keys.platform)
    assert result["__typename"] == "PublishVersionSuccess", result
    assert result["version"]["source"] == "MANAGED"
