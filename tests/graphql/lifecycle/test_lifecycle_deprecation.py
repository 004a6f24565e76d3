"""Deprecation (DESIGN §6): floating pins leave a deprecated version at once, exact pins keep it
and warn; undeprecating brings floating pins back. Both write an event."""

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import (
    chosen,
    effective,
    in_line,
    link,
    pinned_auth_config,
    read_account,
)
from tests.graphql.lifecycle.documents import DEPRECATE_VERSION, UNDEPRECATE_VERSION
from tests.graphql.lifecycle.lifecycle import lifecycle, succeeded
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of, written
from tests.graphql.versions.versioning import assert_error, created, new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_deprecating_the_newest_moves_floating_pins_back_and_exact_pins_warn(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's "crm" with 1.0.0 and 1.1.0, a floating auth config with an account on it,
    # and one pinned exactly to 1.1.0
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    newest = (await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=admin))["version"]["id"]
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin, pin="latest")
    exact = await pinned_auth_config(graphql, "crm", "Exact", key=admin, pin="1.1.0")
    account = await link(graphql, floating, "cust-1", key=admin)
    assert account["effectiveVersion"]["version"]["version"] == "1.1.0"
    before = await last_event_id(session)

    # when the newest is deprecated, with a message and a sunset date
    sunset = datetime(2031, 1, 1, tzinfo=UTC)
    result = await succeeded(
        graphql,
        DEPRECATE_VERSION,
        newest,
        key=admin,
        message="breaks pagination",
        sunsetAt=sunset.isoformat(),
    )

    # then it says so
    version = result["version"]
    assert version["deprecatedAt"] is not None
    assert version["deprecationMessage"] == "breaks pagination"
    assert datetime.fromisoformat(version["sunsetAt"]) == sunset
    # and the floating pin and its account are back on 1.0.0 at once
    assert await chosen(graphql, floating, key=admin) == ("1.0.0", "CUSTOM")
    account_now = await read_account(graphql, account["id"], key=admin)
    assert account_now["effectiveVersion"]["version"]["version"] == "1.0.0"
    # and the exact pin keeps 1.1.0, with a warning
    kept = await effective(graphql, exact, key=admin)
    assert kept["version"]["version"] == "1.1.0"
    (warning,) = kept["warnings"]
    assert "pinned custom version 1.1.0 is deprecated" in warning
    assert "breaks pagination" in warning
    # and an event records it
    (event,) = await events_since(session, before)
    assert event.kind == "version.deprecated"
    assert event.version_id == uuid_of(newest)
    assert event.payload == {
        "version": "1.1.0",
        "message": "breaks pagination",
        "sunsetAt": sunset.isoformat(),
    }

    # when it is undeprecated
    before = await last_event_id(session)
    result = await succeeded(graphql, UNDEPRECATE_VERSION, newest, key=admin)

    # then the floating pin moves forward again, and the exact pin no longer warns
    assert result["version"]["deprecatedAt"] is None
    assert result["version"]["deprecationMessage"] is None
    assert result["version"]["sunsetAt"] is None
    assert await chosen(graphql, floating, key=admin) == ("1.1.0", "CUSTOM")
    assert (await effective(graphql, exact, key=admin))["warnings"] == []
    (event,) = await events_since(session, before)
    assert (event.kind, event.payload) == ("version.undeprecated", {"version": "1.1.0"})

    # and undeprecating it again changes nothing and writes nothing
    counts = await written(session)
    await succeeded(graphql, UNDEPRECATE_VERSION, newest, key=admin)
    assert await written(session) == counts


async def test_only_published_versions_are_deprecated(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a draft
    admin = keys.alpha.admin
    connector_id = await new_connector(graphql, "crm", key=admin)
    draft = (await created(graphql, connector_id, key=admin))["id"]
    counts = await written(session)

    # when it is deprecated or undeprecated, then both are invalid transitions
    for document in (DEPRECATE_VERSION, UNDEPRECATE_VERSION):
        result = await lifecycle(graphql, document, draft, key=admin)
        assert_error(result, "InvalidTransitionError", "INVALID_TRANSITION")
        assert result["currentState"] == "UPDATED"
    # and a sunset date without a time zone is invalid input
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    published = (await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=admin))["version"]
    counts = await written(session)
    result = await lifecycle(
        graphql, DEPRECATE_VERSION, published["id"], key=admin, sunsetAt="2031-01-01T00:00:00"
    )
    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "sunsetAt"
    assert await written(session) == counts
