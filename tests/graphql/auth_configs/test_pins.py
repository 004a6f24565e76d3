"""Pins through the API (DESIGN §5.1): the accepted forms and pin sources on createAuthConfig and
pinAuthConfig, INVALID_PIN for everything else, and the revision that guards every change."""

from uuid import UUID

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.documents import PIN_AUTH_CONFIG
from tests.graphql.auth_configs.pinning import (
    ACCEPTED_FORMS,
    create_pinned,
    in_line,
    managed_and_custom,
    pin,
    pinned_auth_config,
    publish_custom,
    publish_managed,
    read_auth_config,
    written,
)
from tests.graphql.operations import global_id, mutate, with_type
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of
from tests.graphql.versions.versioning import api_key_id, assert_error, new_connector
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

# (pin sent, pinSource sent or None to leave it out) -> (pin stored, pinSource stored)
ACCEPTED = {
    "no pin": ((None, None), (None, "ANY")),
    "empty string": (("", "ANY"), (None, "ANY")),
    "latest": (("latest", None), ("latest", "ANY")),
    "latest managed": (("latest", "MANAGED"), ("latest", "MANAGED")),
    "latest custom": (("latest", "CUSTOM"), ("latest", "CUSTOM")),
    "major line": (("1.x.x", "ANY"), ("1.x.x", "ANY")),
    "minor line": (("1.2.x", "MANAGED"), ("1.2.x", "MANAGED")),
    "exact": (("1.2.0", "CUSTOM"), ("1.2.0", "CUSTOM")),
    "exact prerelease": (("2.0.0-beta.1", None), ("2.0.0-beta.1", "ANY")),
    "surrounding blanks": ((" 1.2.x\t", None), ("1.2.x", "ANY")),
    "line zero": (("0.x.x", None), ("0.x.x", "ANY")),
    "no pin, custom only": ((None, "CUSTOM"), (None, "CUSTOM")),
}

# pin -> a fragment its message must carry (the pin that was probably meant, or why not)
REFUSED = {
    "^1.2.0": "'1.x.x'",
    "^0.2.0": "'0.2.x'",
    "~1.2.0": "'1.2.x'",
    "~1.2": "'1.2.x'",
    ">=1.0.0": "range",
    ">1.0.0 <2.0.0": "range",
    "<=2.0.0": "range",
    "1.0.0 - 2.0.0": "range",
    "1.x || 2.x": "range",
    "=1.2.0": "range",
    "1.x": "did you mean '1.x.x'",
    "1.2": "did you mean '1.2.x'",
    "1.*.*": "did you mean '1.x.x'",
    "1.2.*": "did you mean '1.2.x'",
    "LATEST": "did you mean 'latest'",
    "1.X.X": "did you mean '1.x.x'",
    "v1.2.0": "did you mean '1.2.0'",
    "*": "did you mean 'latest'",
    "x.x.x": "did you mean 'latest'",
    "newest": "not a pin",
    "junk": "not a pin",
    "1.2.0+build.5": "build metadata",
    "01.2.0": "not a semantic version",
    "1.x.2": "not a pin",
    "   ": "blank",
    "2147483648.x.x": "too large",
}


@pytest.mark.parametrize(("sent", "stored"), ACCEPTED.values(), ids=ACCEPTED.keys())
async def test_create_auth_config_takes_every_accepted_pin_form(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    sent: tuple[str | None, str | None],
    stored: tuple[str | None, str],
) -> None:
    # given a managed "crm" with 2.0.0-beta.1 and alpha's custom "crm" with 1.2.0 (the versions
    # the exact pins name)
    await managed_and_custom(graphql, keys)
    await publish_managed(graphql, keys, "2.0.0-beta.1", in_line(2))
    await publish_custom(graphql, keys, "1.2.0", in_line(1))
    since = await last_event_id(session)

    # when alpha's ADMIN creates an auth config with the pin
    pin_sent, source_sent = sent
    result = await create_pinned(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin=pin_sent, pin_source=source_sent
    )

    # then it is created with the canonical pin, at revision 1, active
    assert result["__typename"] == "CreateAuthConfigSuccess", result
    created = result["authConfig"]
    pin_stored, source_stored = stored
    assert (created["pin"], created["pinSource"]) == (pin_stored, source_stored)
    assert (created["connectorKey"], created["revision"], created["active"]) == ("crm", 1, True)
    # and reads back the same
    assert await read_auth_config(graphql, created["id"], key=keys.alpha.viewer) == {
        **created,
        "effectiveVersion": await _effective_of(graphql, created["id"], keys),
    }
    # and one event records it
    (event,) = await events_since(session, since)
    assert event.kind == "auth_config.created"
    assert event.auth_config_id == uuid_of(created["id"])
    assert event.project_id == UUID(keys.alpha.project_id)
    assert event.payload == {
        "connectorKey": "crm",
        "name": "Sales",
        "pin": pin_stored,
        "pinSource": source_stored,
    }


async def _effective_of(graphql: GraphQLClient, auth_config_id: str, keys: Keys) -> object:
    return (await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin))[
        "effectiveVersion"
    ]


def _assert_invalid_pin(result: dict[str, object], hint: str) -> None:
    assert_error(result, "InvalidPinError", "INVALID_PIN")
    assert result["acceptedForms"] == ACCEPTED_FORMS
    message = str(result["message"])
    assert hint in message, message
    assert "latest, 1.x.x (the newest 1.*.*), 1.2.x (the newest 1.2.*)" in message, message


@pytest.mark.parametrize(("bad_pin", "hint"), REFUSED.items(), ids=REFUSED.keys())
async def test_create_auth_config_refuses_an_invalid_pin_and_writes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, bad_pin: str, hint: str
) -> None:
    # given a managed "crm"
    await new_connector(graphql, "crm", key=keys.platform)
    before = await written(session)

    # when alpha's ADMIN creates an auth config with a pin that is not one of the forms
    result = await create_pinned(graphql, "crm", "Sales", key=keys.alpha.admin, pin=bad_pin)

    # then it is INVALID_PIN, listing the accepted forms, and nothing is written
    _assert_invalid_pin(result, hint)
    assert await written(session) == before


@pytest.mark.parametrize(("bad_pin", "hint"), REFUSED.items(), ids=REFUSED.keys())
async def test_pin_auth_config_refuses_an_invalid_pin_and_changes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, bad_pin: str, hint: str
) -> None:
    # given alpha's auth config pinned to 1.x.x
    await new_connector(graphql, "crm", key=keys.platform)
    auth_config_id = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.x.x"
    )
    before = await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin)
    counts = await written(session)

    # when its pin is changed to one that is not one of the forms (at the current revision)
    result = await pin(
        graphql, auth_config_id, bad_pin, revision=1, key=keys.alpha.admin, pin_source="MANAGED"
    )

    # then it is INVALID_PIN, and the auth config, its revision and the history are unchanged
    _assert_invalid_pin(result, hint)
    assert await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin) == before
    assert await written(session) == counts


async def test_pin_auth_config_changes_the_pin_and_bumps_the_revision(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's auth config with no pin
    await new_connector(graphql, "crm", key=keys.platform)
    auth_config_id = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    admin = await api_key_id(graphql, keys.alpha.admin)
    since = await last_event_id(session)

    # when it is pinned to latest MANAGED at revision 1
    first = await pin(
        graphql, auth_config_id, "latest", revision=1, key=keys.alpha.admin, pin_source="MANAGED"
    )
    # then the pin and source change, and the revision is 2
    assert first == {
        "__typename": "PinAuthConfigSuccess",
        "authConfig": {
            "id": auth_config_id,
            "pin": "latest",
            "pinSource": "MANAGED",
            "revision": 2,
        },
    }

    # when it is pinned to 1.2.x at revision 2, leaving the source out
    second = await pin(graphql, auth_config_id, " 1.2.x ", revision=2, key=keys.alpha.admin)
    # then the source stays MANAGED, and the pin is stored canonically
    assert second["authConfig"] == {
        "id": auth_config_id,
        "pin": "1.2.x",
        "pinSource": "MANAGED",
        "revision": 3,
    }

    # when it is unpinned (null) at revision 3 with source ANY
    third = await pin(
        graphql, auth_config_id, None, revision=3, key=keys.alpha.admin, pin_source="ANY"
    )
    # then it has no pin again
    assert third["authConfig"] == {
        "id": auth_config_id,
        "pin": None,
        "pinSource": "ANY",
        "revision": 4,
    }
    stored = await read_auth_config(graphql, auth_config_id, key=keys.alpha.viewer)
    assert (stored["pin"], stored["pinSource"], stored["revision"]) == (None, "ANY", 4)
    assert stored["effectiveVersion"]["rule"] == "DEFAULT"

    # and each change wrote one "auth_config.pinned" event, by alpha's ADMIN, from → to
    events = await events_since(session, since)
    assert [event.kind for event in events] == ["auth_config.pinned"] * 3
    assert all(event.auth_config_id == uuid_of(auth_config_id) for event in events)
    assert all(event.project_id == UUID(keys.alpha.project_id) for event in events)
    assert all(event.api_key_id == admin for event in events)
    assert [event.payload for event in events] == [
        {
            "from": {"pin": None, "pinSource": "ANY"},
            "to": {"pin": "latest", "pinSource": "MANAGED"},
            "revision": 2,
        },
        {
            "from": {"pin": "latest", "pinSource": "MANAGED"},
            "to": {"pin": "1.2.x", "pinSource": "MANAGED"},
            "revision": 3,
        },
        {
            "from": {"pin": "1.2.x", "pinSource": "MANAGED"},
            "to": {"pin": None, "pinSource": "ANY"},
            "revision": 4,
        },
    ]


@pytest.mark.parametrize("stale", [1, 2, 4, 99], ids=["older", "previous", "ahead", "far ahead"])
async def test_a_stale_revision_is_a_conflict_and_changes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, stale: int
) -> None:
    # given alpha's auth config, changed once since it was created (so at revision 3)
    await new_connector(graphql, "crm", key=keys.platform)
    auth_config_id = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.x.x"
    )
    assert (await pin(graphql, auth_config_id, "2.x.x", revision=1, key=keys.alpha.admin))[
        "authConfig"
    ]["revision"] == 2
    assert (await pin(graphql, auth_config_id, "3.x.x", revision=2, key=keys.alpha.admin))[
        "authConfig"
    ]["revision"] == 3
    before = await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin)
    counts = await written(session)

    # when someone changes its pin with a revision other than 3
    result = await pin(
        graphql, auth_config_id, "latest", revision=stale, key=keys.alpha.admin, pin_source="CUSTOM"
    )

    # then it is a CONFLICT that names the current revision, and nothing changes
    assert_error(result, "ConflictError", "CONFLICT")
    assert "revision 3" in result["message"], result
    assert await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin) == before
    assert await written(session) == counts

    # while the current revision succeeds
    fresh = await pin(graphql, auth_config_id, "latest", revision=3, key=keys.alpha.admin)
    assert fresh["__typename"] == "PinAuthConfigSuccess", fresh


async def test_only_a_project_admin_may_pin(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's auth config pinned to 1.x.x
    await new_connector(graphql, "crm", key=keys.platform)
    auth_config_id = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.x.x"
    )
    before = await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin)
    counts = await written(session)

    # when alpha's VIEWER or the platform key pins it, or creates a pinned auth config
    for key in (keys.alpha.viewer, keys.platform):
        pinned = await pin(graphql, auth_config_id, "latest", revision=1, key=key)
        created = await create_pinned(graphql, "crm", "Support", key=key, pin="latest")
        # then each is FORBIDDEN
        assert_error(pinned, "ForbiddenError", "FORBIDDEN")
        assert_error(created, "ForbiddenError", "FORBIDDEN")
    # even with a pin that is invalid: the role is checked first
    invalid = await pin(graphql, auth_config_id, "^1.0.0", revision=1, key=keys.alpha.viewer)
    assert_error(invalid, "ForbiddenError", "FORBIDDEN")

    # and nothing changes
    assert await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin) == before
    assert await written(session) == counts


async def test_another_projects_auth_config_is_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given beta's auth config on a managed "crm"
    await new_connector(graphql, "crm", key=keys.platform)
    beta_config = await pinned_auth_config(graphql, "crm", "Beta", key=keys.beta.admin, pin="1.x.x")
    before = await read_auth_config(graphql, beta_config, key=keys.beta.admin)
    counts = await written(session)

    # when alpha's ADMIN pins it (at its real revision), or ids that find nothing
    for target in (
        beta_config,
        global_id("AuthConfig"),
        with_type(beta_config, "LinkedAccount"),
        "garbage",
    ):
        result = await pin(graphql, target, "latest", revision=1, key=keys.alpha.admin)
        # then it is NOT_FOUND, exactly as for an auth config that does not exist
        assert_error(result, "NotFoundError", "NOT_FOUND")

    # and beta's auth config is unchanged
    assert await read_auth_config(graphql, beta_config, key=keys.beta.admin) == before
    assert await written(session) == counts


async def test_an_auth_config_names_a_key_its_project_can_see(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed "crm" and beta's custom "erp"
    await new_connector(graphql, "crm", key=keys.platform)
    await new_connector(graphql, "erp", key=keys.beta.admin)
    counts = await written(session)

    # when alpha creates auth configs, with valid pins, for "erp" and for a key nobody has
    for connector_key in ("erp", "nothing-here"):
        result = await create_pinned(
            graphql, connector_key, "Sales", key=keys.alpha.admin, pin="latest"
        )
        # then there is no such connector, and nothing is written
        assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await written(session) == counts

    # while a pin with no matching version is accepted: it may match a later publish
    pinned = await create_pinned(graphql, "crm", "Sales", key=keys.alpha.admin, pin="7.1.x")
    assert pinned["__typename"] == "CreateAuthConfigSuccess", pinned


async def test_leaving_the_pin_out_keeps_it_and_setting_what_is_there_changes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's auth config pinned to 1.x.x at revision 1
    await new_connector(graphql, "crm", key=keys.platform)
    auth_config_id = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.x.x"
    )
    since = await last_event_id(session)

    # when only the source changes (no `pin` in the input)
    only_source = await mutate(
        graphql,
        PIN_AUTH_CONFIG,
        {"authConfigId": auth_config_id, "pinSource": "MANAGED", "revision": 1},
        key=keys.alpha.admin,
    )
    # then the pin stays and the revision moves on
    assert only_source["authConfig"]["pin"] == "1.x.x"
    assert only_source["authConfig"]["pinSource"] == "MANAGED"
    assert only_source["authConfig"]["revision"] == 2

    # when the same pin and source are set again
    same = await pin(
        graphql, auth_config_id, "1.x.x", revision=2, key=keys.alpha.admin, pin_source="MANAGED"
    )
    # then nothing changes: same revision, one event in all
    assert same["authConfig"]["revision"] == 2
    assert [event.kind for event in await events_since(session, since)] == ["auth_config.pinned"]
