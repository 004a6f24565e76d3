"""pushVersion of a new number (DESIGN §2): validated, compared with the *previous* version by
precedence, refused when the declared bump is too small, else published in one step."""

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.definitions import definition_to_json, parse_definition
from tests.graphql.versions.version_definitions import (
    BASE,
    MAJOR_CHANGE,
    MINOR_CHANGE,
    PATCH_CHANGE,
    Edit,
    add_action,
    add_optional_param,
    describe,
    edited,
    remove_action,
)
from tests.graphql.versions.version_rows import (
    events_since,
    last_event_id,
    stored_versions,
    uuid_of,
    written,
)
from tests.graphql.versions.versioning import (
    api_key_id,
    assert_error,
    new_connector,
    push,
    pushed,
    read_version,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

LATEST = '{ connector(key: "crm") { latestVersion { version } } }'


async def _latest(graphql: GraphQLClient, key: str) -> str | None:
    latest = (await graphql(LATEST, key=key))["connector"]["latestVersion"]
    return None if latest is None else str(latest["version"])


async def test_a_first_push_creates_and_publishes_the_version(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a DEFINITION connector without versions
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    since = await last_event_id(session)

    # when 1.0.0 is pushed with content
    config = {"execution": {"timeoutSeconds": 10}}
    result = await pushed(
        graphql,
        "crm",
        "1.0.0",
        BASE,
        key=keys.alpha.admin,
        description="Contacts",
        readme="# CRM",
        config=config,
    )

    # then it is published at once, with nothing to compare it with
    version = result["version"]
    assert (result["changed"], result["previousVersion"], result["requiredBump"]) == (
        True,
        None,
        None,
    )
    assert result["changes"] == []
    assert version["version"] == "1.0.0"
    assert (version["state"], version["published"], version["revision"]) == ("RELEASED", True, 1)
    assert version["publishedAt"] is not None
    # and its content is what was pushed (the name defaults to the connector's)
    assert (version["name"], version["description"], version["readme"]) == (
        "CRM",
        "Contacts",
        "# CRM",
    )
    assert version["definition"] == definition_to_json(parse_definition(BASE))
    assert version["config"] == config
    # and it is stored so
    (row,) = (await stored_versions(session, connector_id)).values()
    assert str(row.id) == str(uuid_of(version["id"]))
    assert (row.state, row.revision, row.content_hash) == ("RELEASED", 1, version["contentHash"])
    assert row.published_at is not None
    assert (row.definition, row.config) == (version["definition"], config)
    assert await read_version(graphql, version["id"], key=keys.alpha.viewer) == version
    assert await _latest(graphql, keys.alpha.viewer) == "1.0.0"
    # and one event records the push
    (event,) = await events_since(session, since)
    assert event.kind == "version.pushed"
    assert (event.connector_id, event.version_id) == (uuid_of(connector_id), row.id)
    assert event.api_key_id == await api_key_id(graphql, keys.alpha.admin)
    assert event.payload["version"] == "1.0.0"


async def test_a_push_may_name_the_version(graphql: GraphQLClient, keys: Keys) -> None:
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    result = await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin, name="CRM (EU)")
    assert result["version"]["name"] == "CRM (EU)"


# The bump check: (edits over BASE, the number pushed after 1.0.0, the bump the edits need)
SUFFICIENT: list[tuple[list[Edit], str, str | None]] = [
    ([], "1.0.1", None),
    ([PATCH_CHANGE], "1.0.1", "PATCH"),
    ([PATCH_CHANGE], "1.1.0", "PATCH"),
    ([MINOR_CHANGE], "1.1.0", "MINOR"),
    ([add_optional_param("list_contacts", "since")], "1.1.0", "MINOR"),
    ([MINOR_CHANGE], "2.0.0", "MINOR"),
    ([MAJOR_CHANGE], "2.0.0", "MAJOR"),
    ([MAJOR_CHANGE], "2.0.0-beta.1", "MAJOR"),
]
INSUFFICIENT: list[tuple[list[Edit], str, str, str]] = [
    ([MINOR_CHANGE], "1.0.1", "MINOR", "PATCH"),
    ([MAJOR_CHANGE], "1.0.1", "MAJOR", "PATCH"),
    ([MAJOR_CHANGE], "1.1.0", "MAJOR", "MINOR"),
    ([MAJOR_CHANGE], "1.1.0-rc.1", "MAJOR", "MINOR"),
    ([PATCH_CHANGE, MINOR_CHANGE, MAJOR_CHANGE], "1.1.0", "MAJOR", "MINOR"),
]


@pytest.mark.parametrize(("edits", "number", "required"), SUFFICIENT)
async def test_a_bump_at_least_as_large_as_the_changes_publishes(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    edits: list[Edit],
    number: str,
    required: str | None,
) -> None:
    # given 1.0.0 published
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)

    # when `number` is pushed with changes that need `required`
    result = await pushed(graphql, "crm", number, edited(BASE, *edits), key=keys.alpha.admin)

    # then it is published, compared with 1.0.0, listing the changes
    assert (result["previousVersion"], result["requiredBump"]) == ("1.0.0", required)
    assert len(result["changes"]) == len(edits)
    assert set(await stored_versions(session, connector_id)) == {"1.0.0", number}


@pytest.mark.parametrize(("edits", "number", "required", "declared"), INSUFFICIENT)
async def test_a_bump_smaller_than_the_changes_is_refused_with_each_change(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    edits: list[Edit],
    number: str,
    required: str,
    declared: str,
) -> None:
    # given 1.0.0 published
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    before = await written(session)

    # when `number` is pushed with changes that need more than it declares
    result = await push(graphql, "crm", number, edited(BASE, *edits), key=keys.alpha.admin)

    # then it is refused: the bumps, the version compared with, and every change
    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert (result["requiredBump"], result["declaredBump"]) == (required, declared)
    assert result["previousVersion"] == "1.0.0"
    assert len(result["changes"]) == len(edits)
    # and nothing was written
    assert await written(session) == before
    assert set(await stored_versions(session, connector_id)) == {"1.0.0"}


async def test_the_refusal_lists_each_change_with_its_bump(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 published
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)

    # when 1.0.1 describes, adds and removes actions
    definition = edited(BASE, PATCH_CHANGE, MINOR_CHANGE, MAJOR_CHANGE)
    result = await push(graphql, "crm", "1.0.1", definition, key=keys.alpha.admin)

    # then each change is listed by path, with the bump it needs and a description
    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert [(c["path"], c["bump"]) for c in result["changes"]] == [
        ("actions[export_contacts]", "MINOR"),
        ("actions[get_contact]", "MAJOR"),
        ("actions[list_contacts].description", "PATCH"),
    ]
    descriptions = [c["description"] for c in result["changes"]]
    assert "export_contacts" in descriptions[0]
    assert "added" in descriptions[0]
    assert "get_contact" in descriptions[1]
    assert "removed" in descriptions[1]
    assert "description" in descriptions[2]
    assert "get_contact" in result["message"]


async def test_a_backport_is_compared_with_the_version_below_it(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.2.4 (BASE plus a "legacy_export" action) and 2.0.0 (no legacy_export, but a "sync")
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    v1 = edited(BASE, add_action("legacy_export"))
    v2 = edited(BASE, add_action("sync"))
    await pushed(graphql, "crm", "1.2.4", v1, key=keys.alpha.admin)
    await pushed(graphql, "crm", "2.0.0", v2, key=keys.alpha.admin)

    # when 1.2.5 fixes a description on the 1.x line (so it lacks 2.0.0's "sync")
    backport = edited(v1, describe("list_contacts", "Fixed"))
    result = await pushed(graphql, "crm", "1.2.5", backport, key=keys.alpha.admin)

    # then it is compared with 1.2.4 (a PATCH), not with 2.0.0 (where "sync" would be removed)
    assert (result["previousVersion"], result["requiredBump"]) == ("1.2.4", "PATCH")
    assert [c["path"] for c in result["changes"]] == ["actions[list_contacts].description"]
    # and latest stays 2.0.0: a backport never moves it back
    assert await _latest(graphql, keys.alpha.viewer) == "2.0.0"

    # when 1.3.0 adds an action, then it is compared with 1.2.5, the highest 1.x below it
    minor = edited(backport, add_action("import_contacts"))
    result = await pushed(graphql, "crm", "1.3.0", minor, key=keys.alpha.admin)
    assert (result["previousVersion"], result["requiredBump"]) == ("1.2.5", "MINOR")

    # when 1.3.1 removes an action, then the bump is too small against 1.3.0
    before = await written(session)
    result = await push(
        graphql, "crm", "1.3.1", edited(minor, remove_action("legacy_export")), key=keys.alpha.admin
    )
    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert (result["previousVersion"], result["requiredBump"], result["declaredBump"]) == (
        "1.3.0",
        "MAJOR",
        "PATCH",
    )
    assert await written(session) == before
    assert set(await stored_versions(session, connector_id)) == {
        "1.2.4",
        "1.2.5",
        "1.3.0",
        "2.0.0",
    }


async def test_a_minor_release_between_two_lines_is_compared_with_the_highest_below_it(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given 1.2.3, 1.2.9 and 3.0.0 published, pushed out of order
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.2.3", BASE, key=keys.alpha.admin)
    await pushed(graphql, "crm", "3.0.0", edited(BASE, MAJOR_CHANGE), key=keys.alpha.admin)
    patched = edited(BASE, PATCH_CHANGE)
    await pushed(graphql, "crm", "1.2.9", patched, key=keys.alpha.admin)

    # when 1.3.0 and 2.0.0 are pushed
    minor = await pushed(
        graphql, "crm", "1.3.0", edited(patched, MINOR_CHANGE), key=keys.alpha.admin
    )
    major = await pushed(
        graphql, "crm", "2.0.0", edited(patched, MAJOR_CHANGE), key=keys.alpha.admin
    )

    # then each was compared with the highest published version below it
    assert (minor["previousVersion"], minor["requiredBump"]) == ("1.2.9", "MINOR")
    assert (major["previousVersion"], major["requiredBump"]) == ("1.3.0", "MAJOR")


async def test_prereleases_are_pushed_and_skipped_as_previous_versions(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 and 1.1.0 published
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    one_one = edited(BASE, MINOR_CHANGE)
    await pushed(graphql, "crm", "1.1.0", one_one, key=keys.alpha.admin)

    # when 2.0.0-beta.1 removes an action, then it is published, compared with 1.1.0
    beta1 = edited(one_one, MAJOR_CHANGE)
    result = await pushed(graphql, "crm", "2.0.0-beta.1", beta1, key=keys.alpha.admin)
    assert (result["previousVersion"], result["requiredBump"]) == ("1.1.0", "MAJOR")
    assert result["version"]["published"] is True
    # and latest stays 1.1.0: a prerelease is not a release
    assert await _latest(graphql, keys.alpha.viewer) == "1.1.0"

    # when 2.0.0-beta.2 removes another, then it is compared with 1.1.0 too, not with beta.1
    beta2 = edited(beta1, remove_action("export_contacts"))
    result = await pushed(graphql, "crm", "2.0.0-beta.2", beta2, key=keys.alpha.admin)
    assert (result["previousVersion"], result["requiredBump"]) == ("1.1.0", "MAJOR")
    assert {c["path"] for c in result["changes"]} == {
        "actions[export_contacts]",
        "actions[get_contact]",
    }

    # when 2.0.0 is pushed, then it is compared with the last 1.x release
    result = await pushed(graphql, "crm", "2.0.0", beta2, key=keys.alpha.admin)
    assert (result["previousVersion"], result["requiredBump"]) == ("1.1.0", "MAJOR")
    assert await _latest(graphql, keys.alpha.viewer) == "2.0.0"
    rows = await stored_versions(session, connector_id)
    assert set(rows) == {"1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0-beta.2", "2.0.0"}
    assert rows["2.0.0-beta.2"].prerelease == "beta.2"
    assert all(row.published_at is not None for row in rows.values())
