"""Turning an auth config off and on (DESIGN §5.3): its accounts are INACTIVE while it is off; the
change takes the revision, and writes its event."""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import (
    link,
    pin,
    pinned_auth_config,
    read_account,
    read_auth_config,
    set_active,
    written,
)
from tests.graphql.operations import global_id, with_type
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of
from tests.graphql.versions.versioning import api_key_id, assert_error, new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_deactivating_makes_its_accounts_inactive_and_activating_brings_them_back(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed "crm" 1.0.0, and two of alpha's auth configs with an ACTIVE account each
    await new_connector(graphql, "crm", key=keys.platform)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    support = await pinned_auth_config(graphql, "crm", "Support", key=keys.alpha.admin)
    sales_account = (await link(graphql, sales, "cust-1", key=keys.alpha.admin))["id"]
    support_account = (await link(graphql, support, "cust-2", key=keys.alpha.admin))["id"]
    assert (await read_account(graphql, sales_account, key=keys.alpha.viewer))["status"] == "ACTIVE"
    admin = await api_key_id(graphql, keys.alpha.admin)
    since = await last_event_id(session)

    # when Sales is deactivated at its revision
    off = await set_active(graphql, sales, False, revision=1, key=keys.alpha.admin)

    # then it is inactive at the next revision, and its account is INACTIVE
    assert off == {
        "__typename": "SetAuthConfigActiveSuccess",
        "authConfig": {"id": sales, "active": False, "revision": 2},
    }
    account = await read_account(graphql, sales_account, key=keys.alpha.viewer)
    assert account["status"] == "INACTIVE"
    # though it still resolves, and still knows what it was authenticated under
    assert account["effectiveVersion"]["version"]["version"] == "1.0.0"
    assert account["authenticatedVersion"]["version"] == "1.0.0"
    # while Support's account is untouched
    other = await read_account(graphql, support_account, key=keys.alpha.viewer)
    assert other["status"] == "ACTIVE"

    # when Sales is activated again (without a revision: it is optional)
    on = await set_active(graphql, sales, True, key=keys.alpha.admin)

    # then its account is ACTIVE again, at the next revision
    assert on["authConfig"] == {"id": sales, "active": True, "revision": 3}
    account = await read_account(graphql, sales_account, key=keys.alpha.viewer)
    assert account["status"] == "ACTIVE"

    # and each change wrote its event, by alpha's ADMIN
    events = await events_since(session, since)
    assert [event.kind for event in events] == ["auth_config.deactivated", "auth_config.activated"]
    assert [event.payload for event in events] == [
        {"active": False, "revision": 2},
        {"active": True, "revision": 3},
    ]
    assert all(event.auth_config_id == uuid_of(sales) for event in events)
    assert all(event.project_id == UUID(keys.alpha.project_id) for event in events)
    assert all(event.api_key_id == admin for event in events)


async def test_activation_and_pinning_share_one_revision(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's auth config, deactivated (revision 2)
    await new_connector(graphql, "crm", key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.x.x")
    assert (await set_active(graphql, sales, False, key=keys.alpha.admin))["authConfig"][
        "revision"
    ] == 2
    before = await read_auth_config(graphql, sales, key=keys.alpha.admin)
    counts = await written(session)

    # when someone pins it, or activates it, with the revision read before the deactivation
    pinned = await pin(graphql, sales, "latest", revision=1, key=keys.alpha.admin)
    activated = await set_active(graphql, sales, True, revision=1, key=keys.alpha.admin)

    # then both are CONFLICT, and nothing changes
    assert_error(pinned, "ConflictError", "CONFLICT")
    assert_error(activated, "ConflictError", "CONFLICT")
    assert await read_auth_config(graphql, sales, key=keys.alpha.admin) == before
    assert await written(session) == counts

    # while pinning at revision 2 works, and activating must then pass revision 3
    assert (await pin(graphql, sales, "latest", revision=2, key=keys.alpha.admin))["authConfig"][
        "revision"
    ] == 3
    assert_error(
        await set_active(graphql, sales, True, revision=2, key=keys.alpha.admin),
        "ConflictError",
        "CONFLICT",
    )
    activated = await set_active(graphql, sales, True, revision=3, key=keys.alpha.admin)
    assert activated["authConfig"] == {"id": sales, "active": True, "revision": 4}


async def test_setting_the_state_it_already_has_changes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's active auth config
    await new_connector(graphql, "crm", key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    counts = await written(session)

    # when it is activated
    result = await set_active(graphql, sales, True, revision=1, key=keys.alpha.admin)

    # then it succeeds as it is: no new revision, no event
    assert result["authConfig"] == {"id": sales, "active": True, "revision": 1}
    assert await written(session) == counts


async def test_only_a_project_admin_may_activate_and_only_its_own(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's and beta's auth configs
    await new_connector(graphql, "crm", key=keys.platform)
    alpha_config = await pinned_auth_config(graphql, "crm", "Alpha", key=keys.alpha.admin)
    beta_config = await pinned_auth_config(graphql, "crm", "Beta", key=keys.beta.admin)
    alpha_before = await read_auth_config(graphql, alpha_config, key=keys.alpha.admin)
    beta_before = await read_auth_config(graphql, beta_config, key=keys.beta.admin)
    counts = await written(session)

    # when alpha's VIEWER or the platform key deactivates alpha's
    for key in (keys.alpha.viewer, keys.platform):
        result = await set_active(graphql, alpha_config, False, key=key)
        # then it is FORBIDDEN
        assert_error(result, "ForbiddenError", "FORBIDDEN")
    # and when alpha's ADMIN deactivates beta's, or ids that find nothing
    for target in (beta_config, global_id("AuthConfig"), with_type(alpha_config, "Project")):
        result = await set_active(graphql, target, False, key=keys.alpha.admin)
        # then it is NOT_FOUND
        assert_error(result, "NotFoundError", "NOT_FOUND")

    # and neither changed
    assert await read_auth_config(graphql, alpha_config, key=keys.alpha.admin) == alpha_before
    assert await read_auth_config(graphql, beta_config, key=keys.beta.admin) == beta_before
    assert await written(session) == counts
