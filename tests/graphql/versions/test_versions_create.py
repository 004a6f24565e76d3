"""createVersion (DESIGN §2, the dev-portal *Add version*): a fresh copy of the most recent
version."""

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.types import utc_now
from tests.graphql.operations import global_id, with_type
from tests.graphql.versions.version_definitions import (
    BASE,
    INVALID_NUMBERS,
    LARGEST_NUMBER,
    LONGEST_NUMBER,
    MAJOR_CHANGE,
    MINOR_CHANGE,
    edited,
)
from tests.graphql.versions.version_rows import (
    events_since,
    fingerprint,
    last_event_id,
    retire_number,
    set_version,
    stored_version,
    stored_versions,
    uuid_of,
    written,
)
from tests.graphql.versions.versioning import (
    api_key_id,
    assert_error,
    create,
    created,
    new_connector,
    publish,
    pushed,
    read_version,
    turn_immutable_versioning,
    updated,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

CONTENT_A = {
    "name": "CRM one",
    "description": "The first",
    "readme": "# One",
    "definition": BASE,
    "config": {"vcs": {"repository": "git@example.com:crm.git"}},
}
CONTENT_B = {
    "name": "CRM two",
    "description": "The second",
    "readme": "# Two\n\nRead me.",
    "definition": edited(BASE, MAJOR_CHANGE),
    "config": {
        "vcs": {"repository": "git@example.com:crm.git", "branch": "v2"},
        "application": {"image": "crm:2"},
        "individual": {"region": "eu"},
        "execution": {"timeoutSeconds": 30, "retries": [1, 5]},
        "typeSpecific": {"engine": {"version": 2}},
    },
}
DEV = {
    "accountId": "acc-7",
    "projectId": "proj-7",
    "siteId": "site-7",
    "syncedAt": "2024-05-01T10:00:00+00:00",
}
PROD = {"accountId": "acc-9", "projectId": "proj-9", "siteId": "site-9", "syncedAt": None}
CONTENT_FIELDS = ("name", "description", "readme", "definition", "config")


def _content(version: dict[str, object]) -> dict[str, object]:
    return {field: version[field] for field in CONTENT_FIELDS}


async def test_the_first_version_is_1_0_0_with_the_connectors_name_and_no_definition(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a connector with no versions
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    before = await last_event_id(session)

    # when a version is added
    version = await created(graphql, connector_id, key=keys.alpha.admin)

    # then it is 1.0.0, an empty draft named after the connector
    assert version["version"] == "1.0.0"
    assert _content(version) == {
        "name": "CRM",
        "description": "",
        "readme": "",
        "definition": None,
        "config": {},
    }
    assert version["state"] == "UPDATED"
    assert version["published"] is False
    assert version["publishedAt"] is None
    assert version["revision"] == 1
    assert version["devEnvironment"] is None
    assert version["prodEnvironment"] is None
    assert version["source"] == "CUSTOM"
    assert version["revisions"] == []
    # and it is stored so, and reads back the same
    row = await stored_version(session, version["id"])
    assert (row.major, row.minor, row.patch, row.prerelease) == (1, 0, 0, None)
    assert row.connector_id == uuid_of(connector_id)
    assert row.content_hash == version["contentHash"]
    assert row.published_at is None
    assert row.binned_at is None
    assert await read_version(graphql, version["id"], key=keys.alpha.viewer) == version
    # and one event records it
    (event,) = await events_since(session, before)
    assert event.kind == "version.created"
    assert event.version_id == row.id


async def test_a_new_version_copies_the_highest_version_exactly(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 published with content A
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    one = await created(graphql, connector_id, key=keys.alpha.admin)
    await updated(graphql, one["id"], key=keys.alpha.admin, **CONTENT_A)
    assert (await publish(graphql, one["id"], key=keys.alpha.admin))["__typename"] == (
        "PublishVersionSuccess"
    )
    # and 2.0.0, an unpublished draft with content B, a dev and a prod environment, TESTED
    two = await created(graphql, connector_id, key=keys.alpha.admin)
    assert two["version"] == "2.0.0"
    assert _content(two) == _content(await read_version(graphql, one["id"], key=keys.alpha.admin))
    two = await updated(graphql, two["id"], key=keys.alpha.admin, **CONTENT_B)
    await set_version(
        session, two["id"], dev_environment=DEV, prod_environment=PROD, state="TESTED"
    )
    # and 1.1.0, added after 2.0.0 and edited last
    later = await created(graphql, connector_id, key=keys.alpha.admin, version="1.1.0")
    assert _content(later) == _content(two)  # it, too, copied the highest: 2.0.0
    await updated(graphql, later["id"], key=keys.alpha.admin, name="Edited last")

    # when a version is added
    three = await created(graphql, connector_id, key=keys.alpha.admin)

    # then it copies 2.0.0 (highest by semver, a draft), not 1.1.0 (newest) nor 1.0.0 (published)
    assert three["version"] == "3.0.0"
    assert three["name"] == CONTENT_B["name"]
    assert _content(three) == _content(two)
    assert three["config"] == CONTENT_B["config"]
    assert three["contentHash"] == two["contentHash"]
    assert three["devEnvironment"] == DEV
    # and it is fresh: a new draft, no prod environment, revision 1
    assert three["state"] == "UPDATED"
    assert three["published"] is False
    assert three["publishedAt"] is None
    assert three["prodEnvironment"] is None
    assert three["revision"] == 1
    assert three["revisions"] == []
    assert three["id"] != two["id"]
    # and the rows say the same; the source is untouched
    rows = await stored_versions(session, connector_id)
    assert set(rows) == {"1.0.0", "1.1.0", "2.0.0", "3.0.0"}
    copy, source = rows["3.0.0"], rows["2.0.0"]
    for field in ("name", "description", "readme", "definition", "config", "content_hash"):
        assert getattr(copy, field) == getattr(source, field), field
    assert copy.dev_environment == DEV
    assert copy.prod_environment is None
    assert (copy.state, copy.published_at, copy.revision) == ("UPDATED", None, 1)
    assert (source.state, source.prod_environment) == ("TESTED", PROD)


async def test_a_copy_of_a_published_and_overwritten_version_is_fresh(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 pushed, overwritten by a forced push (revision 2), deployed to prod
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await turn_immutable_versioning(graphql, False, key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    source = await pushed(
        graphql, "crm", "1.0.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin, force=True
    )
    assert source["version"]["revision"] == 2
    await set_version(
        session, source["version"]["id"], prod_environment=PROD, deprecation_message="old"
    )

    # when a version is added
    copy = await created(graphql, connector_id, key=keys.alpha.admin)

    # then it has the current content, but none of the source's history or state
    assert copy["version"] == "2.0.0"
    assert copy["definition"] == source["version"]["definition"]
    assert copy["contentHash"] == source["version"]["contentHash"]
    assert copy["revision"] == 1
    assert copy["revisions"] == []
    assert copy["state"] == "UPDATED"
    assert copy["published"] is False
    assert copy["prodEnvironment"] is None
    assert copy["devEnvironment"] is None
    assert copy["deprecationMessage"] is None
    assert copy["deprecatedAt"] is None


async def test_bump_and_version_choose_the_number(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a connector
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)

    # when versions are added with explicit numbers and bumps, in turn
    steps: list[tuple[dict[str, str], str]] = [
        ({}, "1.0.0"),
        ({"version": "2.3.1"}, "2.3.1"),
        ({"bump": "MINOR"}, "2.4.0"),
        ({"bump": "PATCH"}, "2.4.1"),
        ({}, "3.0.0"),
        ({"bump": "MAJOR"}, "4.0.0"),
        ({"version": "1.2.5"}, "1.2.5"),
        ({"bump": "PATCH"}, "4.0.1"),
        ({"version": " 5.0.0-beta.1 "}, "5.0.0-beta.1"),
    ]
    for asked, expected in steps:
        version = await created(graphql, connector_id, key=keys.alpha.admin, **asked)
        # then each gets the number asked for, or the bump over the highest number so far
        assert version["version"] == expected, asked

    rows = await stored_versions(session, connector_id)
    assert sorted(rows) == sorted(expected for _, expected in steps)
    beta = rows["5.0.0-beta.1"]
    assert (beta.major, beta.minor, beta.patch, beta.prerelease) == (5, 0, 0, "beta.1")
    assert all(row.published_at is None and row.state == "UPDATED" for row in rows.values())


async def test_a_bump_and_a_version_at_once_are_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await created(graphql, connector_id, key=keys.alpha.admin)
    before = await written(session)

    result = await create(
        graphql, connector_id, key=keys.alpha.admin, bump="MINOR", version="1.1.0"
    )

    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "version"
    assert await written(session) == before


@pytest.mark.parametrize("number", INVALID_NUMBERS)
async def test_an_invalid_explicit_number_is_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, number: str
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)

    result = await create(graphql, connector_id, key=keys.alpha.admin, version=number)

    assert_error(result, "InvalidVersionError", "INVALID_VERSION")
    assert await written(session) == before


async def test_the_widest_numbers_are_stored_and_the_next_past_them_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a connector, when the longest and the largest numbers are asked for
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    for number in (LONGEST_NUMBER, LARGEST_NUMBER):
        # then each is stored as asked
        assert (await created(graphql, connector_id, key=keys.alpha.admin, version=number))[
            "version"
        ] == number
    assert set(await stored_versions(session, connector_id)) == {LONGEST_NUMBER, LARGEST_NUMBER}
    before = await written(session)

    # when the next major, minor or patch would not fit, then it is an invalid version
    for bump in ("MAJOR", "MINOR", "PATCH"):
        result = await create(graphql, connector_id, key=keys.alpha.admin, bump=bump)
        assert_error(result, "InvalidVersionError", "INVALID_VERSION")
    assert await written(session) == before


@pytest.mark.parametrize("binned", [False, True], ids=["in use", "binned"])
async def test_an_existing_number_is_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, binned: bool
) -> None:
    # given 1.0.0 (in the bin, or not)
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    existing = await created(graphql, connector_id, key=keys.alpha.admin)
    if binned:
        await set_version(session, existing["id"], binned_at=utc_now())
    row_before = fingerprint(await stored_version(session, existing["id"]))
    before = await written(session)

    # when 1.0.0 is asked for again
    result = await create(graphql, connector_id, key=keys.alpha.admin, version="1.0.0")

    # then it exists, and nothing changed
    assert_error(result, "VersionExistsError", "VERSION_EXISTS")
    assert result["versionNumber"] == "1.0.0"
    assert await written(session) == before
    assert fingerprint(await stored_version(session, existing["id"])) == row_before


async def test_a_retired_number_is_never_given_again(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0, and 2.0.0 deleted for good (its tombstone)
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await created(graphql, connector_id, key=keys.alpha.admin)
    await retire_number(session, connector_id, "2.0.0")
    before = await written(session)

    # when 2.0.0 is asked for explicitly
    result = await create(graphql, connector_id, key=keys.alpha.admin, version="2.0.0")

    # then its number is retired, and nothing was written
    assert_error(result, "VersionNumberRetiredError", "VERSION_NUMBER_RETIRED")
    assert result["versionNumber"] == "2.0.0"
    assert await written(session) == before

    # and the next number skips it, by bump too
    assert (await created(graphql, connector_id, key=keys.alpha.admin))["version"] == "3.0.0"
    await retire_number(session, connector_id, "3.1.0")
    minor = await created(graphql, connector_id, key=keys.alpha.admin, bump="MINOR")
    assert minor["version"] == "3.2.0"
    assert set(await stored_versions(session, connector_id)) == {"1.0.0", "3.0.0", "3.2.0"}


async def test_a_binned_version_is_not_copied_and_its_number_is_not_reused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 with content A, and 2.0.0 with content B in the bin
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    one = await created(graphql, connector_id, key=keys.alpha.admin)
    one = await updated(graphql, one["id"], key=keys.alpha.admin, **CONTENT_A)
    two = await created(graphql, connector_id, key=keys.alpha.admin)
    two = await updated(graphql, two["id"], key=keys.alpha.admin, **CONTENT_B)
    await set_version(session, two["id"], binned_at=utc_now(), dev_environment=DEV)

    # when a version is added
    three = await created(graphql, connector_id, key=keys.alpha.admin)

    # then it copies 1.0.0, the highest not in the bin, under a number above the binned one
    assert three["version"] == "3.0.0"
    assert _content(three) == _content(one)
    assert three["contentHash"] == one["contentHash"] != two["contentHash"]
    assert three["devEnvironment"] is None
    # and the binned version stays as it was
    binned = await stored_version(session, two["id"])
    assert binned.binned_at is not None
    assert binned.name == CONTENT_B["name"]


async def test_a_viewer_cannot_add_a_version(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)

    result = await create(graphql, connector_id, key=keys.alpha.viewer)

    assert_error(result, "ForbiddenError", "FORBIDDEN")
    assert await written(session) == before


async def test_another_projects_connector_is_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's connector
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)

    # when beta's ADMIN adds a version to it, or anyone names a missing or mistyped id
    for connector, key in [
        (connector_id, keys.beta.admin),
        (global_id("Connector"), keys.alpha.admin),
        (with_type(connector_id, "Project"), keys.alpha.admin),
    ]:
        result = await create(graphql, connector, key=key)
        # then it is not found, and nothing was written
        assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await written(session) == before


async def test_a_managed_connector_takes_versions_from_a_platform_key_only(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed connector
    connector_id = await new_connector(graphql, "crm", key=keys.platform)
    before = await written(session)

    # when a project's ADMIN adds a version, then it is forbidden and nothing is written
    result = await create(graphql, connector_id, key=keys.alpha.admin)
    assert_error(result, "ForbiddenError", "FORBIDDEN")
    assert await written(session) == before

    # when the platform adds one, then it is the managed connector's 1.0.0
    since = await last_event_id(session)
    version = await created(graphql, connector_id, key=keys.platform)
    assert version["version"] == "1.0.0"
    assert version["source"] == "MANAGED"
    assert set(await stored_versions(session, connector_id)) == {"1.0.0"}
    (event,) = await events_since(session, since)
    assert (event.kind, event.project_id) == ("version.created", None)
    assert event.api_key_id == await api_key_id(graphql, keys.platform)
    # and every project can read it
    assert (await read_version(graphql, version["id"], key=keys.beta.viewer))["version"] == "1.0.0"


async def test_versions_of_different_connectors_are_numbered_apart(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given "crm" with 1.0.0 and 2.0.0, and beta's own "crm"
    crm = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await created(graphql, crm, key=keys.alpha.admin)
    await created(graphql, crm, key=keys.alpha.admin)
    other = await new_connector(graphql, "crm", key=keys.beta.admin)

    # when beta adds a version to its connector, then it is that connector's first
    assert (await created(graphql, other, key=keys.beta.admin))["version"] == "1.0.0"
    assert set(await stored_versions(session, crm)) == {"1.0.0", "2.0.0"}
    assert set(await stored_versions(session, other)) == {"1.0.0"}
