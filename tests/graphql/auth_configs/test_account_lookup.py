"""`AuthConfig.linkedAccount(externalId:)`: the runtime's natural lookup (DESIGN §10). It finds
the account by the id the runtime knows it by, shows what any account shows, and costs the same
statements for one auth config as for a page of them."""

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.graphql.auth_configs.documents import ACCOUNT_BY_EXTERNAL_ID
from tests.graphql.auth_configs.edits import account_by_external_id
from tests.graphql.auth_configs.pinning import link, pinned_auth_config, read_account, set_active
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements


async def test_the_lookup_finds_the_account_of_that_external_id_in_that_auth_config_only(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a managed "crm" 1.0.0, and two of alpha's auth configs, each with a "cust-1"
    await new_connector(graphql, "crm", key=keys.platform)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.platform)
    sales = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    support = await pinned_auth_config(graphql, "crm", "Support", key=keys.alpha.admin)
    in_sales = (await link(graphql, sales, "cust-1", key=keys.alpha.admin))["id"]
    in_support = (await link(graphql, support, "cust-1", key=keys.alpha.admin))["id"]

    # when a runtime (a VIEWER key) looks "cust-1" up in each, " cust-1 " as typed, and others
    found = await account_by_external_id(graphql, sales, "cust-1", key=keys.alpha.viewer)
    other = await account_by_external_id(graphql, support, "cust-1", key=keys.alpha.viewer)
    padded = await account_by_external_id(graphql, sales, " cust-1 ", key=keys.alpha.viewer)
    missing = await account_by_external_id(graphql, sales, "cust-2", key=keys.alpha.viewer)
    blank = await account_by_external_id(graphql, sales, "", key=keys.alpha.viewer)

    # then each finds its own auth config's account, with what the account itself shows
    assert found == {
        "id": in_sales,
        "externalId": "cust-1",
        "status": "ACTIVE",
        "effectiveVersion": {"version": {"version": "1.0.0"}},
    }
    assert other is not None
    assert other["id"] == in_support
    assert padded == found
    by_id = await read_account(graphql, in_sales, key=keys.alpha.viewer)
    assert (by_id["status"], by_id["effectiveVersion"]["version"]["version"]) == ("ACTIVE", "1.0.0")
    # and null where there is none
    assert missing is None
    assert blank is None

    # and its status follows its auth config, as any account's does
    await set_active(graphql, sales, False, key=keys.alpha.admin)
    inactive = await account_by_external_id(graphql, sales, "cust-1", key=keys.alpha.viewer)
    assert inactive is not None
    assert inactive["status"] == "INACTIVE"


LOOKUP_IN_A_PAGE = """
query ($first: Int!) {
  authConfigs(first: $first) { edges { node {
    name
    linkedAccount(externalId: "cust-1") {
      externalId status effectiveVersion { version { version } }
    }
  } } }
}
"""


async def test_a_page_of_auth_configs_each_looking_up_an_account_costs_the_same_statements(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given five of alpha's auth configs, each with "cust-1"
    await new_connector(graphql, "crm", key=keys.platform)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.platform)
    for n in range(5):
        config = await pinned_auth_config(graphql, "crm", f"Config {n}", key=keys.alpha.admin)
        await link(graphql, config, "cust-1", key=keys.alpha.admin)

    # when a page of one, then of five, looks up "cust-1" in each
    counts = []
    for first in (1, 5):
        with recorded_statements(engine) as statements:
            data = await graphql(LOOKUP_IN_A_PAGE, {"first": first}, key=keys.alpha.viewer)
        nodes = [edge["node"] for edge in data["authConfigs"]["edges"]]
        assert len(nodes) == first
        assert all(node["linkedAccount"]["status"] == "ACTIVE" for node in nodes)
        counts.append(beyond_authentication(statements))
        # and the accounts are read by one statement for the whole page
        lookups = [s for s in statements if "linked_account.external_id" in s]
        assert len(lookups) == 1, lookups

    # then both cost the same number of statements
    assert len(counts[0]) == len(counts[1]), counts


async def test_another_project_cannot_reach_the_lookup(graphql: GraphQLClient, keys: Keys) -> None:
    # given beta's auth config with "cust-1", and alpha's with "cust-1" too
    await new_connector(graphql, "crm", key=keys.platform)
    beta = await pinned_auth_config(graphql, "crm", "Beta", key=keys.beta.admin)
    await link(graphql, beta, "cust-1", key=keys.beta.admin)
    alpha = await pinned_auth_config(graphql, "crm", "Alpha", key=keys.alpha.admin)
    await link(graphql, alpha, "cust-1", key=keys.alpha.admin)

    # when alpha looks through beta's auth config, and through its own
    through_beta = await graphql(
        ACCOUNT_BY_EXTERNAL_ID, {"id": beta, "externalId": "cust-1"}, key=keys.alpha.viewer
    )
    own = await account_by_external_id(graphql, alpha, "cust-1", key=keys.alpha.viewer)

    # then beta's auth config is not there to ask; its own answers
    assert through_beta["node"] is None
    assert own is not None
