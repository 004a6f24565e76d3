"""Linked accounts and re-authentication (DESIGN §5.3): an account records the version its
credentials were captured under; when the version it runs needs a MAJOR change to `auth` from that
one, it is NEEDS_REAUTHENTICATION until reauthenticateAccount records the new one."""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import (
    link,
    pinned_auth_config,
    publish_managed,
    read_account,
    reauthenticate,
    repin,
    set_active,
    written,
)
from tests.graphql.operations import global_id, with_type
from tests.graphql.versions.version_definitions import (
    BASE,
    MAJOR_CHANGE,
    MINOR_CHANGE,
    add_scope,
    edited,
    remove_scope,
    set_auth_type,
)
from tests.graphql.versions.version_rows import events_since, last_event_id, uuid_of
from tests.graphql.versions.versioning import assert_error, new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

WITH_WRITE_SCOPE = edited(BASE, MAJOR_CHANGE, add_scope("contacts.write"))


async def _status(graphql: GraphQLClient, account_id: str, keys: Keys) -> str:
    return str((await read_account(graphql, account_id, key=keys.alpha.viewer))["status"])


async def _statuses(graphql: GraphQLClient, accounts: dict[str, str], keys: Keys) -> dict[str, str]:
    return {name: await _status(graphql, account, keys) for name, account in accounts.items()}


async def test_linking_records_the_effective_version_as_authenticated(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given managed "crm" 1.0.0 and 1.1.0, and alpha's auth config pinned to exactly 1.0.0
    await new_connector(graphql, "crm", key=keys.platform)
    first = await publish_managed(graphql, keys, "1.0.0", BASE)
    await publish_managed(graphql, keys, "1.1.0", edited(BASE, MINOR_CHANGE))
    auth_config = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.0.0"
    )
    since = await last_event_id(session)

    # when an account is linked through it
    account = await link(graphql, auth_config, "cust-1", key=keys.alpha.admin)

    # then its credentials count as captured under 1.0.0, the version it runs, and it is ACTIVE
    assert account["authenticatedVersion"] == {"id": first, "version": "1.0.0"}
    assert account["effectiveVersion"]["version"]["id"] == first
    assert account["status"] == "ACTIVE"
    assert await read_account(graphql, account["id"], key=keys.alpha.viewer) == account
    # and one event records it
    (event,) = await events_since(session, since)
    assert event.kind == "account.linked"
    assert (event.auth_config_id, event.linked_account_id) == (
        uuid_of(auth_config),
        uuid_of(account["id"]),
    )
    assert event.payload == {"externalId": "cust-1", "authenticatedVersion": "1.0.0"}


async def test_only_a_major_auth_change_needs_reauthentication_and_only_where_it_is_run(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed "crm" 1.0.0, and an account on each of no pin, latest, 1.x.x and exactly 1.0.0
    await new_connector(graphql, "crm", key=keys.platform)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    accounts = {}
    for pin in (None, "latest", "1.x.x", "1.0.0"):
        auth_config = await pinned_auth_config(
            graphql, "crm", pin or "Default", key=keys.alpha.admin, pin=pin
        )
        accounts[pin or "none"] = (await link(graphql, auth_config, "c", key=keys.alpha.admin))[
            "id"
        ]
    all_active = dict.fromkeys(accounts, "ACTIVE")

    # when versions that change no auth are published: a MINOR 1.1.0, a MAJOR 2.0.0, and 2.0.1
    # which drops a scope (an auth change, but a PATCH: the credentials still cover it)
    await publish_managed(graphql, keys, "1.1.0", edited(BASE, MINOR_CHANGE))
    await publish_managed(graphql, keys, "2.0.0", edited(BASE, MAJOR_CHANGE))
    await publish_managed(
        graphql, keys, "2.0.1", edited(BASE, MAJOR_CHANGE, remove_scope("contacts.read"))
    )
    # then every account is still ACTIVE, though most now run other versions
    assert await _statuses(graphql, accounts, keys) == all_active
    assert (await read_account(graphql, accounts["none"], key=keys.alpha.viewer))[
        "effectiveVersion"
    ]["version"]["version"] == "2.0.1"

    # when 3.0.0 adds a scope (a MAJOR change to auth)
    await publish_managed(graphql, keys, "3.0.0", WITH_WRITE_SCOPE)

    # then the accounts whose floating pins run it need re-authentication, the others do not
    assert await _statuses(graphql, accounts, keys) == {
        "none": "NEEDS_REAUTHENTICATION",
        "latest": "NEEDS_REAUTHENTICATION",
        "1.x.x": "ACTIVE",
        "1.0.0": "ACTIVE",
    }
    account = await read_account(graphql, accounts["latest"], key=keys.alpha.viewer)
    assert account["authenticatedVersion"]["version"] == "1.0.0"
    assert account["effectiveVersion"]["version"]["version"] == "3.0.0"


async def test_reauthenticating_records_the_version_it_runs_and_clears_the_status(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an account on no pin that needs re-authentication after 2.0.0 added a scope
    await new_connector(graphql, "crm", key=keys.platform)
    first = await publish_managed(graphql, keys, "1.0.0", BASE)
    auth_config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    account = (await link(graphql, auth_config, "cust-1", key=keys.alpha.admin))["id"]
    second = await publish_managed(graphql, keys, "2.0.0", WITH_WRITE_SCOPE)
    assert await _status(graphql, account, keys) == "NEEDS_REAUTHENTICATION"
    since = await last_event_id(session)

    # when its credentials are captured again
    result = await reauthenticate(graphql, account, key=keys.alpha.admin)

    # then it is authenticated under 2.0.0, and ACTIVE
    assert result == {
        "__typename": "ReauthenticateAccountSuccess",
        "linkedAccount": {
            "id": account,
            "status": "ACTIVE",
            "authenticatedVersion": {"version": "2.0.0"},
        },
    }
    stored = await read_account(graphql, account, key=keys.alpha.viewer)
    assert (stored["status"], stored["authenticatedVersion"]["id"]) == ("ACTIVE", second)
    # and one event records it, from 1.0.0
    (event,) = await events_since(session, since)
    assert event.kind == "account.reauthenticated"
    assert (event.project_id, event.auth_config_id, event.linked_account_id) == (
        UUID(keys.alpha.project_id),
        uuid_of(auth_config),
        uuid_of(account),
    )
    assert event.payload == {"fromVersionId": str(uuid_of(first)), "authenticatedVersion": "2.0.0"}

    # and when 2.0.1 then drops the scope again (a PATCH), the credentials still cover it
    await publish_managed(
        graphql, keys, "2.0.1", edited(WITH_WRITE_SCOPE, remove_scope("contacts.write"))
    )
    assert await _status(graphql, account, keys) == "ACTIVE"


async def test_the_status_compares_with_the_authenticated_version_not_the_way_there(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given an account authenticated under 1.0.0, on no pin
    await new_connector(graphql, "crm", key=keys.platform)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    auth_config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    account = (await link(graphql, auth_config, "cust-1", key=keys.alpha.admin))["id"]

    # when 2.0.0 adds a scope, and 3.0.0 removes it again (and changes something else)
    await publish_managed(graphql, keys, "2.0.0", WITH_WRITE_SCOPE)
    assert await _status(graphql, account, keys) == "NEEDS_REAUTHENTICATION"
    await publish_managed(
        graphql,
        keys,
        "3.0.0",
        edited(WITH_WRITE_SCOPE, remove_scope("contacts.write"), MAJOR_CHANGE),
    )

    # then 3.0.0 needs nothing 1.0.0's credentials lack: ACTIVE again
    assert await _status(graphql, account, keys) == "ACTIVE"


async def test_changing_the_pin_can_need_reauthentication_and_changing_it_back_clears_it(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed 1.0.0 and 2.0.0 (which adds a scope), and an account on exactly 1.0.0
    await new_connector(graphql, "crm", key=keys.platform)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    await publish_managed(graphql, keys, "2.0.0", WITH_WRITE_SCOPE)
    auth_config = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.0.0"
    )
    account = (await link(graphql, auth_config, "cust-1", key=keys.alpha.admin))["id"]
    assert await _status(graphql, account, keys) == "ACTIVE"

    # when the pin moves to 2.x.x, and back to 1.x.x
    await repin(graphql, auth_config, "2.x.x", key=keys.alpha.admin)
    moved = await _status(graphql, account, keys)
    await repin(graphql, auth_config, "1.x.x", key=keys.alpha.admin)
    back = await _status(graphql, account, keys)

    # then it needs re-authentication only while it runs 2.0.0
    assert (moved, back) == ("NEEDS_REAUTHENTICATION", "ACTIVE")


async def test_moving_from_managed_to_custom_with_other_auth_needs_reauthentication(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed "crm" 1.0.0 (oauth2), alpha's custom "crm" with no version, and an account
    # on no pin, running the managed version
    await new_connector(graphql, "crm", key=keys.platform)
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    auth_config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    account = (await link(graphql, auth_config, "cust-1", key=keys.alpha.admin))["id"]

    # when alpha publishes its custom 1.0.0 with API-key auth
    await pushed(
        graphql, "crm", "1.0.0", edited(BASE, set_auth_type("api_key")), key=keys.alpha.admin
    )

    # then the account runs the custom version, whose credentials it does not have
    found = await read_account(graphql, account, key=keys.alpha.viewer)
    assert found["effectiveVersion"]["source"] == "CUSTOM"
    assert found["status"] == "NEEDS_REAUTHENTICATION"


async def test_an_inactive_auth_config_makes_its_accounts_inactive_whatever_else(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given an account that needs re-authentication
    await new_connector(graphql, "crm", key=keys.platform)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    auth_config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    account = (await link(graphql, auth_config, "cust-1", key=keys.alpha.admin))["id"]
    await publish_managed(graphql, keys, "2.0.0", WITH_WRITE_SCOPE)
    assert await _status(graphql, account, keys) == "NEEDS_REAUTHENTICATION"

    # when its auth config is deactivated, it is INACTIVE
    await set_active(graphql, auth_config, False, key=keys.alpha.admin)
    assert await _status(graphql, account, keys) == "INACTIVE"
    # and activated again, it still needs re-authentication: toggling captures nothing
    await set_active(graphql, auth_config, True, key=keys.alpha.admin)
    assert await _status(graphql, account, keys) == "NEEDS_REAUTHENTICATION"

    # when it is re-authenticated while its auth config is inactive
    await set_active(graphql, auth_config, False, key=keys.alpha.admin)
    result = await reauthenticate(graphql, account, key=keys.alpha.admin)
    # then the new version is recorded, and it stays INACTIVE until the auth config is back
    assert result["linkedAccount"]["authenticatedVersion"] == {"version": "2.0.0"}
    assert result["linkedAccount"]["status"] == "INACTIVE"
    await set_active(graphql, auth_config, True, key=keys.alpha.admin)
    assert await _status(graphql, account, keys) == "ACTIVE"


async def test_an_account_linked_before_any_version_needs_authenticating_once_one_runs(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a managed "crm" with no version, and an account linked through it
    await new_connector(graphql, "crm", key=keys.platform)
    auth_config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    account = await link(graphql, auth_config, "cust-1", key=keys.alpha.admin)
    # then it was authenticated under no version, and there is nothing to need
    assert (account["authenticatedVersion"], account["status"]) == (None, "ACTIVE")

    # when 1.0.0 is published, its credentials were captured under no known version
    await publish_managed(graphql, keys, "1.0.0", BASE)
    assert await _status(graphql, account["id"], keys) == "NEEDS_REAUTHENTICATION"

    # and re-authenticating records 1.0.0
    result = await reauthenticate(graphql, account["id"], key=keys.alpha.admin)
    assert result["linkedAccount"]["authenticatedVersion"] == {"version": "1.0.0"}
    assert result["linkedAccount"]["status"] == "ACTIVE"


async def test_only_a_project_admin_may_reauthenticate_and_only_its_own_accounts(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an account of alpha's and one of beta's, both needing re-authentication
    await new_connector(graphql, "crm", key=keys.platform)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    alpha_config = await pinned_auth_config(graphql, "crm", "Alpha", key=keys.alpha.admin)
    beta_config = await pinned_auth_config(graphql, "crm", "Beta", key=keys.beta.admin)
    alpha_account = (await link(graphql, alpha_config, "cust-1", key=keys.alpha.admin))["id"]
    beta_account = (await link(graphql, beta_config, "cust-1", key=keys.beta.admin))["id"]
    await publish_managed(graphql, keys, "2.0.0", WITH_WRITE_SCOPE)
    alpha_before = await read_account(graphql, alpha_account, key=keys.alpha.admin)
    beta_before = await read_account(graphql, beta_account, key=keys.beta.admin)
    counts = await written(session)

    # when alpha's VIEWER or the platform key re-authenticates alpha's account
    for key in (keys.alpha.viewer, keys.platform):
        assert_error(
            await reauthenticate(graphql, alpha_account, key=key), "ForbiddenError", "FORBIDDEN"
        )
    # or alpha's ADMIN re-authenticates beta's account, or ids that find nothing
    for target in (
        beta_account,
        global_id("LinkedAccount"),
        with_type(alpha_account, "AuthConfig"),
    ):
        assert_error(
            await reauthenticate(graphql, target, key=keys.alpha.admin),
            "NotFoundError",
            "NOT_FOUND",
        )

    # then neither account changed, and nothing was written
    assert await read_account(graphql, alpha_account, key=keys.alpha.admin) == alpha_before
    assert await read_account(graphql, beta_account, key=keys.beta.admin) == beta_before
    assert alpha_before["status"] == beta_before["status"] == "NEEDS_REAUTHENTICATION"
    assert await written(session) == counts
