"""Renaming and deleting auth configs, and unlinking accounts (DESIGN §10): a rename takes the
revision; a delete is refused while accounts are linked, with their number; each change writes
its event, which outlives what it names."""

from uuid import UUID

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.validation import NAME_MAX_LENGTH
from tests.graphql.auth_configs.edits import (
    account_by_external_id,
    delete_auth_config,
    unlink_account,
    update_auth_config,
)
from tests.graphql.auth_configs.pinning import (
    link,
    pin,
    pinned_auth_config,
    read_auth_config,
    written,
)
from tests.graphql.operations import global_id, with_type
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of
from tests.graphql.versions.versioning import api_key_id, assert_error, new_connector
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

NODE = "query ($id: ID!) { node(id: $id) { id } }"


async def test_renaming_takes_the_revision_and_writes_its_event(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's auth config "Sales" at revision 1
    await new_connector(graphql, "crm", key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    admin = await api_key_id(graphql, keys.alpha.admin)
    since = await last_event_id(session)

    # when alpha's ADMIN renames it at revision 1
    renamed = await update_auth_config(
        graphql, sales, " Sales EU ", revision=1, key=keys.alpha.admin
    )

    # then it has its new name at revision 2, and the rename is an event
    assert renamed == {
        "__typename": "UpdateAuthConfigSuccess",
        "authConfig": {"id": sales, "name": "Sales EU", "connectorKey": "crm", "revision": 2},
    }
    (event,) = await events_since(session, since)
    assert (event.kind, event.payload) == (
        "auth_config.updated",
        {"name": {"from": "Sales", "to": "Sales EU"}, "revision": 2},
    )
    assert (event.auth_config_id, event.project_id, event.api_key_id) == (
        uuid_of(sales),
        UUID(keys.alpha.project_id),
        admin,
    )

    # and a rename or a pin with the revision read before it is CONFLICT, changing nothing
    before = await written(session)
    stale = await update_auth_config(graphql, sales, "Sales US", revision=1, key=keys.alpha.admin)
    assert_error(stale, "ConflictError", "CONFLICT")
    assert_error(
        await pin(graphql, sales, "latest", revision=1, key=keys.alpha.admin),
        "ConflictError",
        "CONFLICT",
    )
    assert await written(session) == before
    assert (await read_auth_config(graphql, sales, key=keys.alpha.admin))["name"] == "Sales EU"

    # while the same name at the current revision changes nothing, the revision included
    same = await update_auth_config(graphql, sales, "Sales EU", revision=2, key=keys.alpha.admin)
    assert same["authConfig"]["revision"] == 2
    assert await written(session) == before


@pytest.mark.parametrize("name", ["", "   ", "n" * (NAME_MAX_LENGTH + 1)])
async def test_an_invalid_name_is_refused(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, name: str
) -> None:
    await new_connector(graphql, "crm", key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    before = await written(session)
    result = await update_auth_config(graphql, sales, name, revision=1, key=keys.alpha.admin)
    assert_error(result, "InvalidInputError", "INVALID_INPUT")
    assert result["field"] == "name"
    assert await written(session) == before


async def test_deleting_is_refused_while_accounts_are_linked_and_works_once_they_are_unlinked(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's auth config with two linked accounts
    await new_connector(graphql, "crm", key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    first = (await link(graphql, sales, "cust-1", key=keys.alpha.admin))["id"]
    second = (await link(graphql, sales, "cust-2", key=keys.alpha.admin))["id"]
    before = await written(session)

    # when alpha's ADMIN deletes it
    refused = await delete_auth_config(graphql, sales, key=keys.alpha.admin)
    # then it is refused with the number of accounts, and nothing is written
    assert_error(refused, "AuthConfigHasAccountsError", "AUTH_CONFIG_HAS_ACCOUNTS")
    assert refused["linkedAccountCount"] == 2
    assert await written(session) == before

    # when one account is unlinked
    since = await last_event_id(session)
    unlinked = await unlink_account(graphql, first, key=keys.alpha.admin)
    # then it is gone, the kept count follows, and the lookup no longer finds it
    assert unlinked == {
        "__typename": "UnlinkAccountSuccess",
        "unlinkedAccountId": first,
        "externalId": "cust-1",
        "authConfig": {"id": sales, "linkedAccounts": {"totalCount": 1}},
    }
    assert (await graphql(NODE, {"id": first}, key=keys.alpha.admin))["node"] is None
    assert await account_by_external_id(graphql, sales, "cust-1", key=keys.alpha.admin) is None
    # and the delete still counts the one left
    still = await delete_auth_config(graphql, sales, key=keys.alpha.admin)
    assert still["linkedAccountCount"] == 1

    # when the other is unlinked too, the delete works (with the current revision, here)
    await unlink_account(graphql, second, key=keys.alpha.admin)
    deleted = await delete_auth_config(graphql, sales, revision=1, key=keys.alpha.admin)

    # then the auth config is gone by every path
    assert deleted == {"__typename": "DeleteAuthConfigSuccess", "deletedAuthConfigId": sales}
    assert (await graphql(NODE, {"id": sales}, key=keys.alpha.admin))["node"] is None
    listed = await graphql("{ authConfigs { totalCount } }", key=keys.alpha.admin)
    assert listed["authConfigs"]["totalCount"] == 0

    # and the history keeps each step, naming the ids that no longer exist
    events = await events_since(session, since)
    assert [(event.kind, event.payload) for event in events] == [
        ("account.unlinked", {"externalId": "cust-1"}),
        ("account.unlinked", {"externalId": "cust-2"}),
        ("auth_config.deleted", {"name": "Sales", "connectorKey": "crm", "revision": 1}),
    ]
    assert [event.linked_account_id for event in events] == [uuid_of(first), uuid_of(second), None]
    assert all(event.auth_config_id == uuid_of(sales) for event in events)
    history = await graphql(
        "{ events(first: 3) { edges { node { kind authConfigId } } } }", key=keys.alpha.admin
    )
    assert [edge["node"] for edge in history["events"]["edges"]] == [
        {"kind": kind, "authConfigId": sales}
        for kind in ("AUTH_CONFIG_DELETED", "ACCOUNT_UNLINKED", "ACCOUNT_UNLINKED")
    ]

    # and the same name can be used again, and a deleted one is simply not found
    again = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    assert again != sales
    assert_error(
        await delete_auth_config(graphql, sales, key=keys.alpha.admin),
        "NotFoundError",
        "NOT_FOUND",
    )
    assert_error(
        await unlink_account(graphql, first, key=keys.alpha.admin), "NotFoundError", "NOT_FOUND"
    )


async def test_a_delete_with_a_stale_revision_is_a_conflict(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's auth config, renamed (revision 2)
    await new_connector(graphql, "crm", key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    await update_auth_config(graphql, sales, "Sales EU", revision=1, key=keys.alpha.admin)
    before = await written(session)
    # when it is deleted with the revision read before the rename
    stale = await delete_auth_config(graphql, sales, revision=1, key=keys.alpha.admin)
    # then it is CONFLICT and the auth config stays
    assert_error(stale, "ConflictError", "CONFLICT")
    assert await written(session) == before
    assert (await graphql(NODE, {"id": sales}, key=keys.alpha.admin))["node"] == {"id": sales}


async def test_an_account_can_be_linked_again_after_it_was_unlinked(
    graphql: GraphQLClient, keys: Keys
) -> None:
    await new_connector(graphql, "crm", key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    first = (await link(graphql, sales, "cust-1", key=keys.alpha.admin))["id"]
    await unlink_account(graphql, first, key=keys.alpha.admin)
    # when the same external id is linked again, it is a new account
    again = (await link(graphql, sales, "cust-1", key=keys.alpha.admin))["id"]
    assert again != first
    found = await account_by_external_id(graphql, sales, "cust-1", key=keys.alpha.admin)
    assert found is not None
    assert found["id"] == again


async def test_another_projects_auth_configs_and_accounts_are_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given beta's auth config with an account
    await new_connector(graphql, "crm", key=keys.platform)
    beta_sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.beta.admin)
    beta_account = (await link(graphql, beta_sales, "cust-1", key=keys.beta.admin))["id"]
    await unlink_account(
        graphql,
        (await link(graphql, beta_sales, "cust-2", key=keys.beta.admin))["id"],
        key=keys.beta.admin,
    )
    before = await written(session)

    # when alpha's ADMIN renames or deletes beta's auth config, or unlinks beta's account, or
    # uses ids that name nothing of the kind
    results = [
        await update_auth_config(graphql, beta_sales, "Mine", revision=1, key=keys.alpha.admin),
        await delete_auth_config(graphql, beta_sales, key=keys.alpha.admin),
        await unlink_account(graphql, beta_account, key=keys.alpha.admin),
        await update_auth_config(
            graphql, global_id("AuthConfig"), "Mine", revision=1, key=keys.alpha.admin
        ),
        await delete_auth_config(
            graphql, with_type(beta_account, "AuthConfig"), key=keys.beta.admin
        ),
        await unlink_account(graphql, with_type(beta_sales, "LinkedAccount"), key=keys.beta.admin),
    ]
    # then each is NOT_FOUND, and beta's objects are untouched
    for result in results:
        assert_error(result, "NotFoundError", "NOT_FOUND")
    assert await written(session) == before
    assert (await read_auth_config(graphql, beta_sales, key=keys.beta.admin))["name"] == "Sales"
    assert (await graphql(NODE, {"id": beta_account}, key=keys.beta.admin))["node"] is not None
