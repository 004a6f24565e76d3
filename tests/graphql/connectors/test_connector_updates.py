"""Renaming and re-describing connectors (DESIGN §10): the key never changes; custom connectors
by their project's ADMIN, managed ones by a platform key; each change writes its event."""

from uuid import UUID

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.validation import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from tests.graphql.auth_configs.edits import update_connector
from tests.graphql.auth_configs.pinning import written
from tests.graphql.connectors.documents import READ_CONNECTOR
from tests.graphql.operations import create_connector, global_id, with_type
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of
from tests.graphql.versions.versioning import api_key_id, assert_error
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_a_project_admin_renames_and_redescribes_its_custom_connector(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's custom "crm", named "Crm" with no description
    connector = await create_connector(graphql, "crm", key=keys.alpha.admin)
    admin = await api_key_id(graphql, keys.alpha.admin)
    since = await last_event_id(session)

    # when alpha's ADMIN renames it, then gives it a description only
    renamed = await update_connector(graphql, connector, name="  Sales CRM ", key=keys.alpha.admin)
    described = await update_connector(
        graphql, connector, description="Contacts and deals", key=keys.alpha.admin
    )

    # then each answers the connector as it is now, with its key as it was
    assert renamed == {
        "__typename": "UpdateConnectorSuccess",
        "connector": {
            "id": connector,
            "key": "crm",
            "name": "Sales CRM",
            "description": "",
            "source": "CUSTOM",
        },
    }
    assert described["connector"] == {**renamed["connector"], "description": "Contacts and deals"}
    read = await graphql(
        READ_CONNECTOR,
        {"id": connector},
        key=keys.alpha.viewer,
    )
    assert read["node"] == {"key": "crm", "name": "Sales CRM", "description": "Contacts and deals"}

    # and each wrote its event with only the fields it changed, from and to
    events = await events_since(session, since)
    assert [event.kind for event in events] == ["connector.updated", "connector.updated"]
    assert [event.payload for event in events] == [
        {"name": {"from": "Crm", "to": "Sales CRM"}},
        {"description": {"from": "", "to": "Contacts and deals"}},
    ]
    assert all(event.connector_id == uuid_of(connector) for event in events)
    assert all(event.project_id == UUID(keys.alpha.project_id) for event in events)
    assert all(event.api_key_id == admin for event in events)


async def test_a_platform_key_updates_a_managed_connector_and_a_project_key_may_not(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed "crm"
    connector = await create_connector(graphql, "crm", key=keys.platform)
    before = await written(session)

    # when alpha's ADMIN tries to rename it
    refused = await update_connector(graphql, connector, name="Mine", key=keys.alpha.admin)
    # then it is FORBIDDEN (it can see the connector, not change it), and nothing is written
    assert_error(refused, "ForbiddenError", "FORBIDDEN")
    assert await written(session) == before

    # when the platform key renames and re-describes it at once
    since = await last_event_id(session)
    updated = await update_connector(
        graphql, connector, name="CRM", description="The CRM", key=keys.platform
    )
    # then it changes, in one event of the platform (no project)
    assert updated["connector"]["name"] == "CRM"
    assert updated["connector"]["description"] == "The CRM"
    (event,) = await events_since(session, since)
    assert event.kind == "connector.updated"
    assert event.project_id is None
    assert event.payload == {
        "name": {"from": "Crm", "to": "CRM"},
        "description": {"from": "", "to": "The CRM"},
    }


async def test_setting_what_is_already_there_writes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's "crm", named "Crm"
    connector = await create_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)

    # when it is given its own name and description
    result = await update_connector(
        graphql, connector, name="Crm", description="", key=keys.alpha.admin
    )

    # then it succeeds as it is, and no event is written
    assert result["__typename"] == "UpdateConnectorSuccess"
    assert result["connector"]["name"] == "Crm"
    assert await written(session) == before


INVALID = {
    "nothing to change": ({}, "input"),
    "a blank name": ({"name": "   "}, "name"),
    "a long name": ({"name": "n" * (NAME_MAX_LENGTH + 1)}, "name"),
    "a long description": ({"description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
}


@pytest.mark.parametrize(("fields", "field"), INVALID.values(), ids=INVALID.keys())
async def test_invalid_updates_are_refused_and_write_nothing(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    fields: dict[str, str],
    field: str,
) -> None:
    connector = await create_connector(graphql, "crm", key=keys.alpha.admin)
    before = await written(session)
    # when the update is invalid
    result = await update_connector(graphql, connector, key=keys.alpha.admin, **fields)
    # then it is INVALID_INPUT naming the field, and nothing changes
    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == field
    assert await written(session) == before


async def test_another_projects_or_a_missing_connector_is_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given beta's custom "crm"
    beta_crm = await create_connector(graphql, "crm", key=keys.beta.admin)
    before = await written(session)

    # when alpha's ADMIN, or the platform key, renames it; or an id names nothing of the kind
    attempts = [
        (beta_crm, keys.alpha.admin),
        (beta_crm, keys.platform),
        (global_id("Connector"), keys.alpha.admin),
        (with_type(beta_crm, "AuthConfig"), keys.beta.admin),
    ]
    for connector, key in attempts:
        result = await update_connector(graphql, connector, name="Stolen", key=key)
        # then it is NOT_FOUND, as for a connector that does not exist
        assert_error(result, "NotFoundError", "NOT_FOUND")

    # and beta's connector is untouched
    assert await written(session) == before
    data = await graphql('{ connector(key: "crm") { name } }', key=keys.beta.viewer)
    assert data["connector"] == {"name": "Crm"}
