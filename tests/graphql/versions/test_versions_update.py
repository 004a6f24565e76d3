"""updateVersion (DESIGN §2): edits unpublished versions only; an edit sends a version back to
UPDATED."""

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.definitions import definition_to_json, parse_definition
from tests.graphql.operations import global_id, with_type
from tests.graphql.versions.version_definitions import (
    BASE,
    MINOR_CHANGE,
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
    pushed,
    read_version,
    update,
    updated,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

CONFIG = {"vcs": {"repository": "git@example.com:crm.git"}, "execution": {"timeoutSeconds": 30}}


async def _draft(graphql: GraphQLClient, keys: Keys) -> tuple[str, dict[str, Any]]:
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    return connector_id, await created(graphql, connector_id, key=keys.alpha.admin)


async def test_an_edit_changes_the_content_and_its_hash(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a new draft 1.0.0
    connector_id, draft = await _draft(graphql, keys)
    since = await last_event_id(session)

    # when every field is edited
    version = await updated(
        graphql,
        draft["id"],
        key=keys.alpha.admin,
        name="CRM (EU)",
        description="Contacts and deals",
        readme="# CRM\n\nHow to connect.",
        definition=BASE,
        config=CONFIG,
    )

    # then the version shows the new content under a new hash, still an unpublished draft
    canonical = definition_to_json(parse_definition(BASE))
    assert (version["name"], version["description"], version["readme"]) == (
        "CRM (EU)",
        "Contacts and deals",
        "# CRM\n\nHow to connect.",
    )
    assert version["definition"] == canonical
    assert version["config"] == CONFIG
    assert version["contentHash"] != draft["contentHash"]
    assert (version["state"], version["published"], version["revision"]) == ("UPDATED", False, 1)
    # and the row holds it, and GraphQL reads it back
    row = await stored_version(session, draft["id"])
    assert (row.name, row.description, row.readme) == (
        "CRM (EU)",
        "Contacts and deals",
        "# CRM\n\nHow to connect.",
    )
    assert (row.definition, row.config) == (canonical, CONFIG)
    assert row.content_hash == version["contentHash"]
    assert row.published_at is None
    assert await read_version(graphql, draft["id"], key=keys.alpha.viewer) == version
    # and one event says which fields changed
    (event,) = await events_since(session, since)
    assert event.kind == "version.updated"
    assert (event.connector_id, event.version_id) == (uuid_of(connector_id), row.id)
    assert event.api_key_id == await api_key_id(graphql, keys.alpha.admin)
    assert event.payload["fields"] == ["config", "definition", "description", "name", "readme"]


async def test_each_field_alone_changes_the_hash_and_leaves_the_others(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a draft with content
    _, draft = await _draft(graphql, keys)
    current = await updated(
        graphql, draft["id"], key=keys.alpha.admin, description="d", readme="r", definition=BASE
    )
    hashes = {current["contentHash"]}
    for field, value in [
        ("name", "Renamed"),
        ("description", "Other"),
        ("readme", "Other readme"),
        ("definition", edited(BASE, MINOR_CHANGE)),
        ("config", CONFIG),
    ]:
        # when one field is edited
        edited_version = await updated(graphql, draft["id"], key=keys.alpha.admin, **{field: value})
        # then only that field changed, and the hash is new
        for other in ("name", "description", "readme", "definition", "config"):
            if other != field:
                assert edited_version[other] == current[other], (field, other)
        assert edited_version["contentHash"] not in hashes, field
        hashes.add(edited_version["contentHash"])
        current = edited_version
    assert (await stored_version(session, draft["id"])).content_hash == current["contentHash"]


async def test_an_invalid_definition_is_refused_with_every_problem(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a draft
    _, draft = await _draft(graphql, keys)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, draft["id"]))
    invalid = {
        "auth": {"type": " oauth2", "colour": "blue"},
        "actions": [
            {"id": "list", "params": [{"name": "limit", "type": "int"}]},
            {"id": "list", "response": [{"name": "id", "type": "string", "required": "yes"}]},
        ],
    }

    # when its definition is set to one with problems
    result = await update(graphql, draft["id"], key=keys.alpha.admin, definition=invalid)

    # then each problem is listed at its path, and nothing changed
    assert_error(result, "InvalidDefinitionError", "INVALID_DEFINITION")
    paths = [problem["path"] for problem in result["problems"]]
    assert paths == [
        "actions[0].params[0].type",
        "actions[1].id",
        "actions[1].response[0].required",
        "auth.colour",
        "auth.type",
    ]
    assert all(problem["message"] for problem in result["problems"])
    assert await written(session) == before
    assert fingerprint(await stored_version(session, draft["id"])) == row_before


@pytest.mark.parametrize(
    ("definition", "path"),
    [("not an object", ""), ([], ""), ({"auth": {"type": "basic"}}, "actions")],
)
async def test_a_definition_of_the_wrong_shape_is_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, definition: object, path: str
) -> None:
    _, draft = await _draft(graphql, keys)
    before = await written(session)

    result = await update(graphql, draft["id"], key=keys.alpha.admin, definition=definition)

    assert_error(result, "InvalidDefinitionError", "INVALID_DEFINITION")
    assert [problem["path"] for problem in result["problems"]] == [path]
    assert await written(session) == before


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"unknown": {}}, "config"),
        ({"vcs": "git@example.com:crm.git"}, "config.vcs"),
        ({"execution": [1, 2]}, "config.execution"),
        ([{"vcs": {}}], "config"),
        ("vcs", "config"),
    ],
)
async def test_a_bad_config_section_is_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, config: object, field: str
) -> None:
    _, draft = await _draft(graphql, keys)
    before = await written(session)
    row_before = fingerprint(await stored_version(session, draft["id"]))

    result = await update(graphql, draft["id"], key=keys.alpha.admin, config=config)

    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == field
    assert await written(session) == before
    assert fingerprint(await stored_version(session, draft["id"])) == row_before


@pytest.mark.parametrize(
    ("fields", "field"),
    [({}, "input"), ({"name": "  "}, "name"), ({"name": "x" * 201}, "name")],
)
async def test_an_edit_needs_a_valid_field(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    fields: dict[str, Any],
    field: str,
) -> None:
    _, draft = await _draft(graphql, keys)
    before = await written(session)

    result = await update(graphql, draft["id"], key=keys.alpha.admin, **fields)

    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == field
    assert await written(session) == before


@pytest.mark.parametrize("state", ["BUILT", "DEV_SYNCED", "TESTED", "PROD_SYNCED"])
async def test_an_edit_past_updated_sends_the_version_back_to_updated(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, state: str
) -> None:
    # given a draft the pipeline has taken to `state`
    _, draft = await _draft(graphql, keys)
    await set_version(session, draft["id"], state=state)
    since = await last_event_id(session)

    # when it is edited
    version = await updated(graphql, draft["id"], key=keys.alpha.admin, readme="Changed")

    # then it is UPDATED again (it must be built again), in the row too
    assert version["state"] == "UPDATED"
    assert (await stored_version(session, draft["id"])).state == "UPDATED"
    (event,) = await events_since(session, since)
    assert event.payload["state"] == {"from": state, "to": "UPDATED"}


async def test_a_published_version_is_immutable(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a published 1.0.0
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    version = (await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin))["version"]
    before = await written(session)
    row_before = fingerprint(await stored_version(session, version["id"]))

    # when any field of it is edited
    edits: list[dict[str, Any]] = [{"name": "Renamed"}, {"definition": edited(BASE, MINOR_CHANGE)}]
    for fields in edits:
        result = await update(graphql, version["id"], key=keys.alpha.admin, **fields)
        # then it is immutable, and unchanged
        assert_error(result, "VersionImmutableError", "VERSION_IMMUTABLE")
        assert result["versionNumber"] == "1.0.0"
    assert await written(session) == before
    assert fingerprint(await stored_version(session, version["id"])) == row_before
    assert await read_version(graphql, version["id"], key=keys.alpha.admin) == version


async def test_only_the_owners_admin_may_edit(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's draft, and a managed connector's draft
    _, draft = await _draft(graphql, keys)
    managed_id = await new_connector(graphql, "erp", key=keys.platform)
    managed = await created(graphql, managed_id, key=keys.platform)
    before = await written(session)

    # when others edit them
    for version_id, key, typename, code in [
        (draft["id"], keys.alpha.viewer, "ForbiddenError", "FORBIDDEN"),
        (draft["id"], keys.beta.admin, "NotFoundError", "NOT_FOUND"),
        (managed["id"], keys.alpha.admin, "ForbiddenError", "FORBIDDEN"),
        (global_id("ConnectorVersion"), keys.alpha.admin, "NotFoundError", "NOT_FOUND"),
        (with_type(draft["id"], "Connector"), keys.alpha.admin, "NotFoundError", "NOT_FOUND"),
    ]:
        result = await update(graphql, version_id, key=key, name="Taken over")
        # then they are refused, and nothing changed
        assert_error(result, typename, code)
    assert await written(session) == before
    assert (await stored_version(session, draft["id"])).name == "CRM"

    # while the platform edits the managed draft
    assert (await updated(graphql, managed["id"], key=keys.platform, name="ERP"))["name"] == "ERP"
