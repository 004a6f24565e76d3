"""Re-authentication after a forced overwrite (DESIGN §2, §5.3): accounts that run an overwritten
version get its new content at once, so new `auth` needs their credentials captured again, even
though the version number they were authenticated under is the same."""

from tests.graphql.auth_configs.pinning import (
    link,
    pinned_auth_config,
    read_account,
    reauthenticate,
)
from tests.graphql.versions.version_definitions import BASE, MINOR_CHANGE, add_scope, edited
from tests.graphql.versions.versioning import new_connector, pushed, turn_immutable_versioning
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def _status(graphql: GraphQLClient, account_id: str, keys: Keys) -> str:
    return str((await read_account(graphql, account_id, key=keys.alpha.viewer))["status"])


async def test_an_overwrite_that_adds_a_scope_needs_reauthentication(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given alpha's custom "crm" 1.0.0, with immutable versioning off, and accounts on exactly
    # 1.0.0 and on no pin
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await turn_immutable_versioning(graphql, False, key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    accounts = []
    for pin in ("1.0.0", None):
        auth_config = await pinned_auth_config(
            graphql, "crm", pin or "Default", key=keys.alpha.admin, pin=pin
        )
        accounts.append((await link(graphql, auth_config, "cust-1", key=keys.alpha.admin))["id"])

    # when 1.0.0 is overwritten by force with a definition that adds a scope
    overwrite = edited(BASE, add_scope("contacts.write"))
    result = await pushed(graphql, "crm", "1.0.0", overwrite, key=keys.alpha.admin, force=True)
    assert (result["changed"], result["version"]["revision"]) == (True, 2)

    # then both accounts run the new content, which their credentials were not captured for
    for account in accounts:
        found = await read_account(graphql, account, key=keys.alpha.viewer)
        assert found["effectiveVersion"]["version"]["version"] == "1.0.0"
        assert found["authenticatedVersion"]["version"] == "1.0.0"
        assert found["status"] == "NEEDS_REAUTHENTICATION", found

    # and re-authenticating captures them for it
    reauthenticated = await reauthenticate(graphql, accounts[0], key=keys.alpha.admin)
    assert reauthenticated["linkedAccount"]["status"] == "ACTIVE", reauthenticated
    assert await _status(graphql, accounts[0], keys) == "ACTIVE"
    assert await _status(graphql, accounts[1], keys) == "NEEDS_REAUTHENTICATION"

    # and when 1.0.0 is overwritten again, adding another scope, it needs capturing again
    again = edited(overwrite, add_scope("deals.read"))
    await pushed(graphql, "crm", "1.0.0", again, key=keys.alpha.admin, force=True)
    assert await _status(graphql, accounts[0], keys) == "NEEDS_REAUTHENTICATION"


async def test_an_overwrite_that_leaves_auth_alone_needs_nothing(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given alpha's custom "crm" 1.0.0, immutable versioning off, and an account on it
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await turn_immutable_versioning(graphql, False, key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    auth_config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    account = (await link(graphql, auth_config, "cust-1", key=keys.alpha.admin))["id"]

    # when 1.0.0 is overwritten by force twice: an action added, then a scope added and removed
    await pushed(
        graphql, "crm", "1.0.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin, force=True
    )
    await pushed(
        graphql,
        "crm",
        "1.0.0",
        edited(BASE, MINOR_CHANGE, add_scope("contacts.write")),
        key=keys.alpha.admin,
        force=True,
    )
    assert await _status(graphql, account, keys) == "NEEDS_REAUTHENTICATION"
    await pushed(
        graphql, "crm", "1.0.0", edited(BASE, MINOR_CHANGE), key=keys.alpha.admin, force=True
    )

    # then its credentials, captured for revision 1, cover revision 3: ACTIVE
    assert await _status(graphql, account, keys) == "ACTIVE"
