"""pushVersion and managed connectors (DESIGN §2, §7): a project key pushes to its own custom
connector, a platform key to the managed one; managed versions are always immutable."""

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.versions.documents import READ_CONNECTOR_VERSIONS
from tests.graphql.versions.version_definitions import (
    BASE,
    MAJOR_CHANGE,
    MINOR_CHANGE,
    edited,
)
from tests.graphql.versions.version_rows import (
    events_since,
    fingerprint,
    last_event_id,
    stored_version,
    stored_versions,
    written,
)
from tests.graphql.versions.versioning import (
    api_key_id,
    assert_error,
    new_connector,
    push,
    pushed,
    turn_immutable_versioning,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_a_project_key_cannot_push_to_a_managed_connector(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given "crm" exists only as a managed connector
    managed_id = await new_connector(graphql, "crm", key=keys.platform)
    before = await written(session)

    # when alpha's ADMIN pushes to "crm"
    result = await push(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)

    # then there is no such connector in the project, and the managed one is untouched
    assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await written(session) == before
    assert await stored_versions(session, managed_id) == {}


async def test_a_project_push_goes_to_its_own_custom_connector(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed "crm" and alpha's custom "crm"
    managed_id = await new_connector(graphql, "crm", key=keys.platform)
    custom_id = await new_connector(graphql, "crm", key=keys.alpha.admin)

    # when alpha pushes 1.0.0 to "crm"
    result = await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)

    # then the custom connector has it, and the managed one does not
    assert result["version"]["source"] == "CUSTOM"
    assert set(await stored_versions(session, custom_id)) == {"1.0.0"}
    assert await stored_versions(session, managed_id) == {}
    # and beta, with no custom "crm", still cannot push to the managed one
    assert_error(
        await push(graphql, "crm", "1.0.0", BASE, key=keys.beta.admin), "NotFoundError", "NOT_FOUND"
    )


async def test_a_platform_key_pushes_managed_versions_every_project_reads(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed "crm", and alpha's custom "crm"
    managed_id = await new_connector(graphql, "crm", key=keys.platform)
    custom_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    since = await last_event_id(session)

    # when the platform pushes 1.0.0 and 1.1.0
    first = await pushed(graphql, "crm", "1.0.0", BASE, key=keys.platform)
    second = await pushed(graphql, "crm", "1.1.0", edited(BASE, MINOR_CHANGE), key=keys.platform)

    # then they are the managed connector's, compared as any push
    assert first["version"]["source"] == "MANAGED"
    assert (second["previousVersion"], second["requiredBump"]) == ("1.0.0", "MINOR")
    assert set(await stored_versions(session, managed_id)) == {"1.0.0", "1.1.0"}
    assert await stored_versions(session, custom_id) == {}
    # and the events belong to no project, written by the platform key
    events = await events_since(session, since)
    assert [event.kind for event in events] == ["version.pushed", "version.pushed"]
    platform_key = await api_key_id(graphql, keys.platform)
    assert all(e.project_id is None and e.api_key_id == platform_key for e in events)
    # and every project reads them
    for key in (keys.alpha.viewer, keys.beta.viewer):
        data = await graphql(
            READ_CONNECTOR_VERSIONS,
            {"key": "crm", "source": "MANAGED", "number": "1.1.0"},
            key=key,
        )
        assert data["connector"]["version"]["contentHash"] == second["version"]["contentHash"]
        assert data["connector"]["latestVersion"] == {"version": "1.1.0"}


async def test_a_platform_push_of_a_too_small_bump_is_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    await new_connector(graphql, "crm", key=keys.platform)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.platform)
    before = await written(session)

    result = await push(graphql, "crm", "1.1.0", edited(BASE, MAJOR_CHANGE), key=keys.platform)

    assert_error(result, "InsufficientVersionBumpError", "INSUFFICIENT_VERSION_BUMP")
    assert await written(session) == before


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
async def test_a_managed_published_version_is_always_immutable(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, force: bool
) -> None:
    # given a managed 1.0.0, and every project with immutable versioning off
    await new_connector(graphql, "crm", key=keys.platform)
    version = (await pushed(graphql, "crm", "1.0.0", BASE, key=keys.platform))["version"]
    for admin in (keys.alpha.admin, keys.beta.admin):
        await turn_immutable_versioning(graphql, False, key=admin)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, version["id"]))

    # when the platform pushes 1.0.0 with other content
    result = await push(
        graphql, "crm", "1.0.0", edited(BASE, MINOR_CHANGE), key=keys.platform, force=force
    )

    # then it is immutable, and nothing changed
    assert_error(result, "VersionImmutableError", "VERSION_IMMUTABLE")
    assert result["versionNumber"] == "1.0.0"
    assert await written(session) == before
    assert fingerprint(await stored_version(session, version["id"])) == row_before

    # while the same content again is a no-op success
    again = await pushed(graphql, "crm", "1.0.0", BASE, key=keys.platform, force=force)
    assert again["changed"] is False
    assert await written(session) == before
