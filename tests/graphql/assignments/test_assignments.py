"""Site assignments (DESIGN §10): an assigned version is in use and cannot be binned until it is
unassigned; only published versions outside the bin are assigned; each project assigns, sees and
removes only its own assignments, while every project's assignments keep a managed version out
of the platform's bin."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Assignment, Event
from tests.graphql.assignments.assignments import (
    assign,
    assigned,
    assignments_of,
    blocker,
    move_to_bin,
    unassign,
)
from tests.graphql.assignments.documents import READ_ASSIGNMENT
from tests.graphql.auth_configs.pinning import in_line
from tests.graphql.operations import count_rows, global_id
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of
from tests.graphql.versions.versioning import assert_error, created, new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def _stored(session: AsyncSession) -> dict[str, int]:
    counts = {model.__name__: await count_rows(session, model) for model in (Assignment, Event)}
    await session.rollback()
    return counts


async def _custom_version(graphql: GraphQLClient, keys: Keys, number: str = "1.0.0") -> str:
    """Alpha's custom "crm" (created on first use) with `number` published; its id."""
    if number == "1.0.0":
        await new_connector(graphql, "crm", key=keys.alpha.admin)
    result = await pushed(graphql, "crm", number, in_line(1), key=keys.alpha.admin)
    return str(result["version"]["id"])


async def _managed_version(graphql: GraphQLClient, keys: Keys) -> str:
    await new_connector(graphql, "crm", key=keys.platform)
    result = await pushed(graphql, "crm", "1.0.0", in_line(1), key=keys.platform)
    return str(result["version"]["id"])


async def test_an_assigned_version_is_not_binned_until_it_is_unassigned(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's published crm 1.0.0 that nothing uses
    admin = keys.alpha.admin
    version_id = await _custom_version(graphql, keys)
    alpha = global_id("Project", keys.alpha.project_id)

    # when it is assigned to a site as a datasource
    before = await last_event_id(session)
    assignment = await assigned(
        graphql, version_id, "site-42", key=admin, externalReference="datasource 7"
    )

    # then the assignment says where and by whom, and an event records it
    assert (assignment["siteId"], assignment["kind"]) == ("site-42", "DATASOURCE")
    assert assignment["externalReference"] == "datasource 7"
    assert assignment["version"]["id"] == version_id
    assert assignment["assignedByApiKeyId"] is not None
    (event,) = await events_since(session, before)
    assert (event.kind, event.version_id) == ("version.assigned", uuid_of(version_id))
    assert event.payload["siteId"] == "site-42"
    assert event.payload["kind"] == "DATASOURCE"
    assert event.project_id == uuid_of(alpha)
    # and the version is in use, for its ADMIN and VIEWER alike
    expected = blocker(assignment["id"], alpha, "site-42", "DATASOURCE")
    for key in (admin, keys.alpha.viewer):
        seen = await assignments_of(graphql, version_id, key=key)
        assert seen is not None
        assert seen["usage"] == {"inUse": True, "assignments": [expected]}
        assert seen["assignments"]["totalCount"] == 1
        assert seen["assignments"]["edges"][0]["node"]["id"] == assignment["id"]

    # when it is moved to the bin, then that is refused, naming the site and kind
    counts = await _stored(session)
    refused = await move_to_bin(graphql, version_id, key=admin)
    assert_error(refused, "VersionInUseError", "VERSION_IN_USE")
    assert refused["blockers"] == []
    assert refused["assignments"] == [expected]
    assert "DATASOURCE on site site-42" in refused["message"]
    assert await _stored(session) == counts

    # when it is unassigned, then it is gone, with an event, and the version can be binned
    before = await last_event_id(session)
    removed = await unassign(graphql, assignment["id"], key=admin)
    assert removed["__typename"] == "UnassignVersionSuccess", removed
    assert removed["unassignedAssignmentId"] == assignment["id"]
    (event,) = await events_since(session, before)
    assert (event.kind, event.payload["assignmentId"]) == (
        "version.unassigned",
        str(uuid_of(assignment["id"])),
    )
    seen = await assignments_of(graphql, version_id, key=admin)
    assert seen is not None
    assert seen["usage"] == {"inUse": False, "assignments": []}
    assert seen["assignments"]["totalCount"] == 0
    binned = await move_to_bin(graphql, version_id, key=admin)
    assert binned["__typename"] == "MoveVersionToBinSuccess", binned
    # and unassigning it again finds nothing
    again = await unassign(graphql, assignment["id"], key=admin)
    assert_error(again, "NotFoundError", "NOT_FOUND")


async def test_the_same_site_and_kind_again_is_already_exists_another_kind_is_another_assignment(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's 1.0.0 assigned to site-1 as an export
    admin = keys.alpha.admin
    version_id = await _custom_version(graphql, keys)
    await assigned(graphql, version_id, "site-1", "EXPORT", key=admin)
    counts = await _stored(session)

    # when it is assigned to site-1 as an export again (with surrounding blanks)
    again = await assign(graphql, version_id, " site-1 ", "EXPORT", key=admin)

    # then that is ALREADY_EXISTS and nothing is written
    assert_error(again, "AlreadyExistsError", "ALREADY_EXISTS")
    assert again["field"] == "siteId"
    assert "site-1" in again["message"]
    assert await _stored(session) == counts

    # while the same site as a data service, or another site, are assignments of their own
    await assigned(graphql, version_id, "site-1", "DATA_SERVICE", key=admin)
    await assigned(graphql, version_id, "site-2", "EXPORT", key=admin)
    seen = await assignments_of(graphql, version_id, key=admin)
    assert seen is not None
    assert [(a["siteId"], a["kind"]) for a in seen["usage"]["assignments"]] == [
        ("site-1", "DATA_SERVICE"),
        ("site-1", "EXPORT"),
        ("site-2", "EXPORT"),
    ]


async def test_a_draft_or_a_binned_version_cannot_be_assigned(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's published 1.0.0, moved to the bin, and a draft 2.0.0
    admin = keys.alpha.admin
    version_id = await _custom_version(graphql, keys)
    binned = await move_to_bin(graphql, version_id, key=admin)
    assert binned["__typename"] == "MoveVersionToBinSuccess", binned
    connector = await graphql('{ connector(key: "crm") { id } }', key=admin)
    draft = await created(graphql, connector["connector"]["id"], key=admin)
    counts = await _stored(session)

    # when each is assigned
    in_bin = await assign(graphql, version_id, "site-1", key=admin)
    unpublished = await assign(graphql, draft["id"], "site-1", key=admin)

    # then both are invalid transitions naming the state, and nothing is written
    assert_error(in_bin, "InvalidTransitionError", "INVALID_TRANSITION")
    assert "in the bin" in in_bin["message"]
    assert_error(unpublished, "InvalidTransitionError", "INVALID_TRANSITION")
    assert unpublished["currentState"] == "UPDATED"
    assert "draft" in unpublished["message"]
    assert await _stored(session) == counts


async def test_assignment_input_is_validated(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's published 1.0.0
    admin = keys.alpha.admin
    version_id = await _custom_version(graphql, keys)
    counts = await _stored(session)

    # when it is assigned with a blank or an overlong site, or an overlong reference
    cases = {
        "siteId": [{"siteId": "  "}, {"siteId": "s" * 256}],
        "externalReference": [{"siteId": "site-1", "externalReference": "r" * 256}],
    }
    for field, inputs in cases.items():
        for input in inputs:
            site = input.pop("siteId")
            result = await assign(graphql, version_id, site, key=admin, **input)
            # then each is INVALID_INPUT naming the field
            assert_error(result, "InvalidInputError", "INVALID_INPUT")
            assert result["field"] == field
    # and an id that names no version (or another type) is NOT_FOUND
    for missing in ("bm9wZQ==", global_id("Connector", keys.alpha.project_id)):
        assert_error(
            await assign(graphql, missing, "site-1", key=admin), "NotFoundError", "NOT_FOUND"
        )
    assert_error(await unassign(graphql, version_id, key=admin), "NotFoundError", "NOT_FOUND")
    assert await _stored(session) == counts


async def test_only_a_project_admin_assigns_and_unassigns(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed 1.0.0 that alpha has assigned
    version_id = await _managed_version(graphql, keys)
    assignment = await assigned(graphql, version_id, "site-1", key=keys.alpha.admin)
    counts = await _stored(session)

    # when alpha's VIEWER or the platform key assigns it or removes alpha's assignment
    for key in (keys.alpha.viewer, keys.platform):
        # then each is FORBIDDEN (a platform key has no sites), and nothing is written
        result = await assign(graphql, version_id, "site-2", key=key)
        assert_error(result, "ForbiddenError", "FORBIDDEN")
        result = await unassign(graphql, assignment["id"], key=key)
        assert_error(result, "ForbiddenError", "FORBIDDEN")
    assert await _stored(session) == counts


async def test_another_project_cannot_assign_see_or_remove_a_projects_assignments(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's custom 1.0.0, assigned, and beta's and alpha's assignments of a managed one
    custom = await _custom_version(graphql, keys)
    managed = await _managed_version(graphql, keys)
    alpha_custom = await assigned(graphql, custom, "site-1", key=keys.alpha.admin)
    alpha_managed = await assigned(graphql, managed, "site-1", key=keys.alpha.admin)
    beta_managed = await assigned(graphql, managed, "site-1", key=keys.beta.admin)
    counts = await _stored(session)

    # when beta assigns alpha's version, or removes alpha's assignments
    refused = [
        await assign(graphql, custom, "site-9", key=keys.beta.admin),
        await unassign(graphql, alpha_custom["id"], key=keys.beta.admin),
        await unassign(graphql, alpha_managed["id"], key=keys.beta.admin),
    ]
    # then each is NOT_FOUND, as if they did not exist, and nothing is written
    for result in refused:
        assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await _stored(session) == counts

    # and beta sees none of alpha's assignments: not by node, _entities or through the version
    for own, others in ((beta_managed, alpha_managed), (alpha_managed, beta_managed)):
        viewer = keys.beta.viewer if own is beta_managed else keys.alpha.viewer
        for hidden in (others["id"], alpha_custom["id"] if own is beta_managed else None):
            if hidden is None:
                continue
            data = await graphql(READ_ASSIGNMENT, {"id": hidden}, key=viewer)
            assert data == {"node": None, "_entities": [None]}
        data = await graphql(READ_ASSIGNMENT, {"id": own["id"]}, key=viewer)
        assert data["node"]["id"] == own["id"]
        assert data["_entities"] == [{"id": own["id"]}]
        seen = await assignments_of(graphql, managed, key=viewer)
        assert seen is not None
        assert [a["assignmentId"] for a in seen["usage"]["assignments"]] == [own["id"]]
        assert [edge["node"]["id"] for edge in seen["assignments"]["edges"]] == [own["id"]]
    assert await assignments_of(graphql, custom, key=keys.beta.viewer) is None


async def test_a_managed_version_assigned_by_a_project_blocks_the_platforms_bin(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a managed 1.0.0 that alpha has assigned to one of its sites
    version_id = await _managed_version(graphql, keys)
    assignment = await assigned(graphql, version_id, "site-7", "EXPORT", key=keys.alpha.admin)
    expected = blocker(
        assignment["id"], global_id("Project", keys.alpha.project_id), "site-7", "EXPORT"
    )

    # when the platform moves it to the bin, then that is refused, naming the site and kind
    refused = await move_to_bin(graphql, version_id, key=keys.platform)
    assert_error(refused, "VersionInUseError", "VERSION_IN_USE")
    assert refused["assignments"] == [expected]
    assert "EXPORT on site site-7" in refused["message"]
    # and the platform sees why in the version's usage and assignments
    seen = await assignments_of(graphql, version_id, key=keys.platform)
    assert seen is not None
    assert seen["usage"] == {"inUse": True, "assignments": [expected]}
    assert [edge["node"]["id"] for edge in seen["assignments"]["edges"]] == [assignment["id"]]

    # when alpha unassigns it, then the platform can bin it
    removed = await unassign(graphql, assignment["id"], key=keys.alpha.admin)
    assert removed["__typename"] == "UnassignVersionSuccess", removed
    binned = await move_to_bin(graphql, version_id, key=keys.platform)
    assert binned["__typename"] == "MoveVersionToBinSuccess", binned
