"""The history of versions (DESIGN §1): each successful change writes exactly one event of its kind,
in the same transaction; a refused change writes none."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Event
from tests.graphql.versions.version_definitions import (
    BASE,
    MAJOR_CHANGE,
    MINOR_CHANGE,
    PATCH_CHANGE,
    edited,
)
from tests.graphql.versions.version_rows import (
    events_since,
    last_event_id,
    retire_number,
    set_version,
    uuid_of,
    written,
)
from tests.graphql.versions.versioning import (
    api_key_id,
    create,
    created,
    new_connector,
    publish,
    push,
    pushed,
    turn_immutable_versioning,
    update,
    updated,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]


async def _one_event(session: AsyncSession, since: int) -> Event:
    events = await events_since(session, since)
    assert len(events) == 1, [event.kind for event in events]
    return events[0]


def _objects(event: Event) -> tuple[UUID | None, UUID | None, UUID | None, UUID | None]:
    return (event.project_id, event.connector_id, event.version_id, event.api_key_id)


async def test_each_successful_change_writes_one_event_of_its_kind(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's connector, and alpha's ADMIN acting
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    connector = uuid_of(connector_id)
    project = UUID(keys.alpha.project_id)
    admin = await api_key_id(graphql, keys.alpha.admin)
    draft: Json = {}

    async def create_draft() -> Json:
        draft.update(await created(graphql, connector_id, key=keys.alpha.admin))
        return draft

    async def edit_draft() -> Json:
        return await updated(graphql, draft["id"], key=keys.alpha.admin, definition=BASE)

    async def publish_draft() -> Json:
        result = await publish(graphql, draft["id"], key=keys.alpha.admin)
        assert result["__typename"] == "PublishVersionSuccess", result
        return result["version"]  # type: ignore[no-any-return]

    async def push_new() -> Json:
        result = await pushed(
            graphql, "crm", "1.1.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin
        )
        return result["version"]  # type: ignore[no-any-return]

    steps: list[tuple[str, Callable[[], Awaitable[Json]], str]] = [
        ("version.created", create_draft, "1.0.0"),
        ("version.updated", edit_draft, "1.0.0"),
        ("version.published", publish_draft, "1.0.0"),
        ("version.pushed", push_new, "1.1.0"),
    ]
    for kind, step, number in steps:
        since = await last_event_id(session)
        # when the step succeeds
        version = await step()
        # then it wrote exactly one event: its kind, its objects, who did it
        event = await _one_event(session, since)
        assert event.kind == kind
        assert _objects(event) == (project, connector, uuid_of(version["id"]), admin)
        assert event.payload["version"] == number
        assert event.created_at is not None

    # when the same content is pushed again, then no event is written
    since = await last_event_id(session)
    await pushed(graphql, "crm", "1.1.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin)
    assert await events_since(session, since) == []

    # when it is overwritten by force, then one "version.overwritten" event
    await turn_immutable_versioning(graphql, False, key=keys.alpha.admin)
    since = await last_event_id(session)
    result = await pushed(
        graphql,
        "crm",
        "1.1.0",
        edited(BASE, MINOR_CHANGE, PATCH_CHANGE),
        key=keys.alpha.admin,
        force=True,
    )
    event = await _one_event(session, since)
    assert event.kind == "version.overwritten"
    assert _objects(event) == (project, connector, uuid_of(result["version"]["id"]), admin)
    assert event.payload["revision"] == 2
    assert event.payload["contentHash"] == result["version"]["contentHash"]

    # when a draft's number is pushed, then one "version.pushed" event for that draft
    later = await created(graphql, connector_id, key=keys.alpha.admin, version="1.2.0")
    since = await last_event_id(session)
    await pushed(graphql, "crm", "1.2.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin)
    event = await _one_event(session, since)
    assert event.kind == "version.pushed"
    assert _objects(event) == (project, connector, uuid_of(later["id"]), admin)


async def test_refused_changes_write_no_event_and_no_row(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's "crm" with 1.0.0 and 1.1.0 published, a draft 1.1.1 that breaks 1.1.0,
    # a first draft without a definition, an IMAGE connector's TESTED draft, a retired 5.0.0
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    published = (await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin))["version"]
    await pushed(graphql, "crm", "1.1.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin)
    draft = await created(graphql, connector_id, key=keys.alpha.admin, version="1.1.1")
    await updated(graphql, draft["id"], key=keys.alpha.admin, definition=edited(BASE, MAJOR_CHANGE))
    empty_id = await new_connector(graphql, "empty", key=keys.alpha.admin)
    empty = await created(graphql, empty_id, key=keys.alpha.admin)
    image_id = await new_connector(graphql, "img", key=keys.alpha.admin, runtime="IMAGE")
    image = await created(graphql, image_id, key=keys.alpha.admin)
    await set_version(session, image["id"], state="TESTED")
    await retire_number(session, connector_id, "5.0.0")
    admin, viewer, other = keys.alpha.admin, keys.alpha.viewer, edited(BASE, PATCH_CHANGE)
    no_actions = {**BASE, "actions": []}

    refusals: list[tuple[str, Callable[[], Awaitable[Json]]]] = [
        (
            "INVALID_INPUT",
            lambda: create(graphql, connector_id, key=admin, bump="MINOR", version="3.0.0"),
        ),
        ("VERSION_EXISTS", lambda: create(graphql, connector_id, key=admin, version="1.0.0")),
        (
            "VERSION_NUMBER_RETIRED",
            lambda: create(graphql, connector_id, key=admin, version="5.0.0"),
        ),
        ("INVALID_VERSION", lambda: create(graphql, connector_id, key=admin, version="v3")),
        ("FORBIDDEN", lambda: create(graphql, connector_id, key=viewer)),
        ("NOT_FOUND", lambda: create(graphql, connector_id, key=keys.beta.admin)),
        ("VERSION_IMMUTABLE", lambda: update(graphql, published["id"], key=admin, name="X")),
        ("INVALID_DEFINITION", lambda: update(graphql, draft["id"], key=admin, definition={})),
        ("INVALID_INPUT", lambda: update(graphql, draft["id"], key=admin, config={"x": {}})),
        ("INVALID_INPUT", lambda: update(graphql, draft["id"], key=admin)),
        ("FORBIDDEN", lambda: update(graphql, draft["id"], key=viewer, name="X")),
        ("NOT_FOUND", lambda: update(graphql, draft["id"], key=keys.beta.admin, name="X")),
        ("INVALID_TRANSITION", lambda: publish(graphql, published["id"], key=admin)),
        ("INVALID_TRANSITION", lambda: publish(graphql, image["id"], key=admin)),
        ("INVALID_DEFINITION", lambda: publish(graphql, empty["id"], key=admin)),
        ("INSUFFICIENT_VERSION_BUMP", lambda: publish(graphql, draft["id"], key=admin)),
        ("FORBIDDEN", lambda: publish(graphql, draft["id"], key=viewer)),
        ("INSUFFICIENT_VERSION_BUMP", lambda: push(graphql, "crm", "1.2.0", no_actions, key=admin)),
        ("VERSION_IMMUTABLE", lambda: push(graphql, "crm", "1.0.0", other, key=admin, force=True)),
        ("VERSION_NUMBER_RETIRED", lambda: push(graphql, "crm", "5.0.0", BASE, key=admin)),
        ("INVALID_VERSION", lambda: push(graphql, "crm", "1.0", BASE, key=admin)),
        ("INVALID_DEFINITION", lambda: push(graphql, "crm", "3.0.0", {"auth": {}}, key=admin)),
        ("INVALID_INPUT", lambda: push(graphql, "img", "1.0.0", BASE, key=admin)),
        ("NOT_FOUND", lambda: push(graphql, "nowhere", "1.0.0", BASE, key=admin)),
        ("FORBIDDEN", lambda: push(graphql, "crm", "3.0.0", BASE, key=viewer)),
    ]
    before, since = await written(session), await last_event_id(session)

    # when each is tried, then it is refused with its code, and nothing is written
    for code, attempt in refusals:
        result = await attempt()
        assert result.get("code") == code, result
        assert await written(session) == before, result
    assert await events_since(session, since) == []

    # and with immutable versioning off, other content without force writes nothing either
    await turn_immutable_versioning(graphql, False, key=admin)
    before, since = await written(session), await last_event_id(session)
    result = await push(graphql, "crm", "1.0.0", other, key=admin)
    assert result.get("code") == "VERSION_EXISTS", result
    assert await written(session) == before
    assert await events_since(session, since) == []
