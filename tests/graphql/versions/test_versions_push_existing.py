"""pushVersion of a number that exists or existed (DESIGN §2): identical content is a no-op, other
content is refused unless the project allows a forced overwrite, retired numbers never return, and
a draft of that number is published with the pushed content."""

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.types import utc_now
from tests.graphql.versions.documents import READ_CONNECTOR_VERSIONS
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
    retire_number,
    set_version,
    stored_revisions,
    stored_version,
    stored_versions,
    uuid_of,
    written,
)
from tests.graphql.versions.versioning import (
    api_key_id,
    assert_error,
    created,
    new_connector,
    push,
    pushed,
    read_version,
    turn_immutable_versioning,
    updated,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

FLAGS = [(True, False), (True, True), (False, False), (False, True)]
FLAG_IDS = ["immutable", "immutable-force", "mutable", "mutable-force"]


async def _published(
    graphql: GraphQLClient, keys: Keys, *, immutable: bool = True
) -> tuple[str, dict[str, Any]]:
    """alpha's "crm" with 1.0.0 published from BASE; immutable versioning on or off."""
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    if not immutable:
        await turn_immutable_versioning(graphql, False, key=keys.alpha.admin)
    result = await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin, readme="# CRM")
    return connector_id, result["version"]


@pytest.mark.parametrize(("immutable", "force"), FLAGS, ids=FLAG_IDS)
async def test_pushing_identical_content_again_changes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, immutable: bool, force: bool
) -> None:
    # given 1.0.0 published, and 2.0.0 above it
    connector_id, version = await _published(graphql, keys, immutable=immutable)
    await pushed(graphql, "crm", "2.0.0", edited(BASE, MAJOR_CHANGE), key=keys.alpha.admin)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, version["id"]))

    # when 1.0.0 is pushed again with the same content (the name given as the default it had)
    result = await pushed(
        graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin, readme="# CRM", name="CRM", force=force
    )

    # then it succeeds without a change: the same version, nothing written, no event
    assert result["changed"] is False
    assert result["version"] == version
    assert await written(session) == before
    assert fingerprint(await stored_version(session, version["id"])) == row_before
    assert set(await stored_versions(session, connector_id)) == {"1.0.0", "2.0.0"}


OTHER_CONTENT: list[dict[str, Any]] = [
    {"definition": edited(BASE, PATCH_CHANGE), "readme": "# CRM"},
    {"definition": BASE, "readme": "# CRM, corrected"},
    {"definition": BASE, "readme": "# CRM", "config": {"execution": {"retries": 3}}},
    {"definition": BASE, "readme": "# CRM", "name": "Renamed"},
]


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
@pytest.mark.parametrize("content", OTHER_CONTENT, ids=["definition", "readme", "config", "name"])
async def test_other_content_under_immutable_versioning_is_refused_even_with_force(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    content: dict[str, Any],
    force: bool,
) -> None:
    # given 1.0.0 published, immutable versioning on (the default)
    _, version = await _published(graphql, keys)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, version["id"]))

    # when 1.0.0 is pushed with other content
    result = await push(graphql, "crm", "1.0.0", key=keys.alpha.admin, force=force, **content)

    # then it is immutable, and nothing changed
    assert_error(result, "VersionImmutableError", "VERSION_IMMUTABLE")
    assert result["versionNumber"] == "1.0.0"
    assert await written(session) == before
    assert fingerprint(await stored_version(session, version["id"])) == row_before
    assert await read_version(graphql, version["id"], key=keys.alpha.admin) == version


async def test_other_content_without_force_is_refused_when_versioning_is_mutable(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 published, immutable versioning off
    _, version = await _published(graphql, keys, immutable=False)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, version["id"]))

    # when 1.0.0 is pushed with other content and no force
    result = await push(
        graphql, "crm", "1.0.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin, readme="# CRM"
    )

    # then the version exists, and nothing changed
    assert_error(result, "VersionExistsError", "VERSION_EXISTS")
    assert result["versionNumber"] == "1.0.0"
    assert await written(session) == before
    assert fingerprint(await stored_version(session, version["id"])) == row_before


async def test_a_forced_push_overwrites_and_keeps_the_previous_content(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 published from BASE, immutable versioning off
    connector_id, original = await _published(graphql, keys, immutable=False)
    since = await last_event_id(session)

    # when 1.0.0 is pushed with force and other content
    second = edited(BASE, MINOR_CHANGE)
    result = await pushed(
        graphql, "crm", "1.0.0", second, key=keys.alpha.admin, readme="# CRM 2", force=True
    )

    # then the same version now has revision 2 and the new content
    version = result["version"]
    assert result["changed"] is True
    assert version["id"] == original["id"]
    assert version["revision"] == 2
    assert version["readme"] == "# CRM 2"
    assert version["definition"] != original["definition"]
    assert version["contentHash"] != original["contentHash"]
    assert (version["state"], version["published"]) == ("RELEASED", True)
    # and the previous content is in its revisions: revision 1, its hash and definition
    (revision,) = version["revisions"]
    assert revision["revision"] == 1
    assert revision["contentHash"] == original["contentHash"]
    assert revision["definition"] == original["definition"]
    assert (revision["name"], revision["readme"]) == (original["name"], "# CRM")
    assert revision["publishedAt"] == original["publishedAt"]
    assert revision["replacedAt"]
    # and the new content is what everyone reads, by id and by number
    assert await read_version(graphql, original["id"], key=keys.alpha.viewer) == version
    data = await graphql(
        READ_CONNECTOR_VERSIONS, {"key": "crm", "number": "1.0.0"}, key=keys.alpha.viewer
    )
    assert data["connector"]["version"] == version
    assert data["connector"]["versions"]["totalCount"] == 1
    # and the rows agree
    row = await stored_version(session, original["id"])
    assert (row.revision, row.content_hash, row.readme) == (2, version["contentHash"], "# CRM 2")
    (kept,) = await stored_revisions(session, original["id"])
    assert (kept.revision, kept.content_hash) == (1, original["contentHash"])
    assert kept.definition == original["definition"]
    # and one event records the overwrite
    (event,) = await events_since(session, since)
    assert event.kind == "version.overwritten"
    assert (event.connector_id, event.version_id) == (uuid_of(connector_id), row.id)
    assert event.api_key_id == await api_key_id(graphql, keys.alpha.admin)
    assert event.payload["revision"] == 2

    # when it is overwritten once more, then revision 3, and both older contents are kept
    third = await pushed(
        graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin, readme="# CRM 3", force=True
    )
    assert third["version"]["revision"] == 3
    assert [r["revision"] for r in third["version"]["revisions"]] == [2, 1]
    assert third["version"]["revisions"][0]["contentHash"] == version["contentHash"]
    assert [r.revision for r in await stored_revisions(session, original["id"])] == [1, 2]

    # when the current content is forced again, then nothing changes
    before = await written(session)
    again = await pushed(
        graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin, readme="# CRM 3", force=True
    )
    assert (again["changed"], again["version"]["revision"]) == (False, 3)
    assert await written(session) == before


async def test_a_forced_overwrite_still_passes_the_bump_check(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 and 1.1.0 published, immutable versioning off
    _, _one = await _published(graphql, keys, immutable=False)
    one_one = edited(BASE, MINOR_CHANGE)
    version = (await pushed(graphql, "crm", "1.1.0", one_one, key=keys.alpha.admin))["version"]
    before = await written(session)
    row_before = fingerprint(await stored_version(session, version["id"]))

    # when 1.1.0 is forced with a change that breaks 1.0.0's contract
    breaking = edited(one_one, MAJOR_CHANGE)
    result = await push(graphql, "crm", "1.1.0", breaking, key=keys.alpha.admin, force=True)

    # then the bump is too small against 1.0.0, and nothing changed
    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert (result["previousVersion"], result["requiredBump"]) == ("1.0.0", "MAJOR")
    assert await written(session) == before
    assert fingerprint(await stored_version(session, version["id"])) == row_before

    # while a compatible overwrite is checked against 1.0.0 and goes through
    result = await pushed(
        graphql, "crm", "1.1.0", edited(one_one, PATCH_CHANGE), key=keys.alpha.admin, force=True
    )
    assert (result["previousVersion"], result["requiredBump"]) == ("1.0.0", "MINOR")
    assert result["version"]["revision"] == 2


@pytest.mark.parametrize(("immutable", "force"), FLAGS, ids=FLAG_IDS)
async def test_a_retired_number_is_refused_whatever_the_flags(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, immutable: bool, force: bool
) -> None:
    # given 1.0.0 published, and 1.1.0 deleted for good (its tombstone)
    connector_id, _ = await _published(graphql, keys, immutable=immutable)
    await retire_number(session, connector_id, "1.1.0")
    before = await written(session)

    # when 1.1.0 is pushed
    result = await push(
        graphql, "crm", "1.1.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin, force=force
    )

    # then the number is retired, and nothing was written
    assert_error(result, "VersionNumberRetiredError", "VERSION_NUMBER_RETIRED")
    assert result["versionNumber"] == "1.1.0"
    assert await written(session) == before
    assert set(await stored_versions(session, connector_id)) == {"1.0.0"}


async def test_pushing_the_number_of_a_draft_publishes_that_draft(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a draft 1.0.0 with a dev environment, in TESTED
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    draft = await updated(graphql, draft["id"], key=keys.alpha.admin, description="Draft")
    await set_version(session, draft["id"], state="TESTED", dev_environment={"accountId": "a-1"})
    since = await last_event_id(session)

    # when 1.0.0 is pushed
    config = {"vcs": {"branch": "main"}}
    result = await pushed(
        graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin, readme="# Pushed", config=config
    )

    # then the draft itself is published with the pushed content
    version = result["version"]
    assert result["changed"] is True
    assert version["id"] == draft["id"]
    assert (version["state"], version["published"], version["revision"]) == ("RELEASED", True, 1)
    assert version["readme"] == "# Pushed"
    assert version["description"] == ""
    assert version["config"] == config
    assert version["definition"] is not None
    assert version["contentHash"] != draft["contentHash"]
    assert version["revisions"] == []
    # and no other version was made, and one "pushed" event written
    rows = await stored_versions(session, connector_id)
    assert set(rows) == {"1.0.0"}
    row = rows["1.0.0"]
    assert (row.state, row.content_hash, row.readme) == (
        "RELEASED",
        version["contentHash"],
        "# Pushed",
    )
    assert row.published_at is not None
    assert await stored_revisions(session, draft["id"]) == []
    (event,) = await events_since(session, since)
    assert (event.kind, event.version_id) == ("version.pushed", row.id)


async def test_pushing_the_number_of_a_draft_still_passes_the_bump_check(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 published, and a draft 1.0.1
    connector_id, _ = await _published(graphql, keys)
    draft = await created(graphql, connector_id, key=keys.alpha.admin, bump="PATCH")
    before = await written(session)
    row_before = fingerprint(await stored_version(session, draft["id"]))

    # when 1.0.1 is pushed with a breaking change
    result = await push(graphql, "crm", "1.0.1", edited(BASE, MAJOR_CHANGE), key=keys.alpha.admin)

    # then the bump is too small, and the draft is left as it was
    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert await written(session) == before
    assert fingerprint(await stored_version(session, draft["id"])) == row_before


async def test_a_binned_published_version_is_still_immutable(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given 1.0.0 published, then moved to the bin
    _, version = await _published(graphql, keys)
    await set_version(session, version["id"], binned_at=utc_now())
    before = await written(session)

    # when 1.0.0 is pushed with other content, then it is refused: the number is taken
    result = await push(graphql, "crm", "1.0.0", edited(BASE, PATCH_CHANGE), key=keys.alpha.admin)
    assert_error(result, "VersionImmutableError", "VERSION_IMMUTABLE")
    assert await written(session) == before
