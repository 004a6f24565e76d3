"""What a running rollout costs in SQL: nothing more for the auth config lookup, and a fixed
number of statements for a page of accounts with their effective versions and statuses, the
same for 1 account as for 100 (the auth config is resolved once; each account adds a hash)."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import pinned_auth_config
from tests.graphql.rollouts.rollouts import crm_with_two_majors, link_in_bulk, start
from tests.graphql.versions.version_rows import uuid_of
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

ACCOUNT_FIELDS = "id status effectiveVersion { version { version } rule reason }"

THROUGH_LIST = f"""
query ($accounts: Int!) {{
  authConfigs(first: 10) {{ edges {{ node {{
    name rollout {{ percent }}
    linkedAccounts(first: $accounts) {{ edges {{ node {{ {ACCOUNT_FIELDS} }} }} }}
  }} }} }}
}}
"""

THROUGH_NODE = f"""
query ($id: ID!, $accounts: Int!) {{
  node(id: $id) {{ ... on AuthConfig {{
    linkedAccounts(first: $accounts) {{ edges {{ node {{ {ACCOUNT_FIELDS} }} }} }}
  }} }}
}}
"""

LOOKUP = """
query ($id: ID!) {
  node(id: $id) { ... on AuthConfig { effectiveVersion { version { version } rule source } } }
}
"""

ACCOUNT = f"query ($id: ID!) {{ node(id: $id) {{ ... on LinkedAccount {{ {ACCOUNT_FIELDS} }} }} }}"


async def _world(graphql: GraphQLClient, keys: Keys, session: AsyncSession) -> dict[str, str]:
    """Two auth configs of crm with 101 accounts each: "Rolling" rolls 2.0.0 out to half of
    them, "Still" runs no rollout."""
    crm = await crm_with_two_majors(graphql, keys)
    still = await pinned_auth_config(graphql, "crm", "Still", key=keys.alpha.admin, pin="1.x.x")
    for auth_config in (crm.auth_config, still):
        await link_in_bulk(session, auth_config, 101, authenticated=uuid_of(crm.v1))
    started = await start(graphql, crm.auth_config, "2.0.0", 50, key=keys.alpha.admin)
    assert started["__typename"] == "StartRolloutSuccess", started
    return {"Rolling": crm.auth_config, "Still": still}


async def _statements(
    graphql: GraphQLClient, engine: AsyncEngine, keys: Keys, query: str, **variables: Any
) -> tuple[list[str], dict[str, Any]]:
    with recorded_statements(engine) as statements:
        data = await graphql(query, variables, key=keys.alpha.viewer)
    return statements, data


def _rules(accounts: list[dict[str, Any]]) -> set[str]:
    return {account["effectiveVersion"]["rule"] for account in accounts}


@pytest.mark.parametrize("through", ["list", "node"])
async def test_a_page_of_accounts_costs_the_same_for_1_and_100_accounts_during_a_rollout(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, engine: AsyncEngine, through: str
) -> None:
    # given an auth config rolling 2.0.0 out to half of its 101 accounts, and one without
    configs = await _world(graphql, keys, session)

    # when a page of 1 and a page of 100 accounts are read with their versions and statuses
    runs = {}
    pages: dict[int, list[dict[str, Any]]] = {}
    for size in (1, 100):
        if through == "list":
            statements, data = await _statements(graphql, engine, keys, THROUGH_LIST, accounts=size)
            nodes = [edge["node"] for edge in data["authConfigs"]["edges"]]
            assert [node["rollout"] for node in nodes] == [{"percent": 50}, None]
            page = [a["node"] for node in nodes for a in node["linkedAccounts"]["edges"]]
        else:
            statements, data = await _statements(
                graphql, engine, keys, THROUGH_NODE, id=configs["Rolling"], accounts=size
            )
            page = [a["node"] for a in data["node"]["linkedAccounts"]["edges"]]
        runs[size] = statements
        pages[size] = page

    # then both send the same statements
    assert len(runs[1]) == len(runs[100]), (runs[1], runs[100])
    # and the page of 100 shows accounts in the rollout and outside it
    assert _rules(pages[100]) == {"ROLLOUT", "MAJOR_LINE"}
    statuses = {account["status"] for account in pages[100]}
    assert statuses == {"ACTIVE", "NEEDS_REAUTHENTICATION"}


async def test_the_lookup_and_an_accounts_version_cost_nothing_more_during_a_rollout(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, engine: AsyncEngine
) -> None:
    # given an auth config with a rollout running and one without, on the same key
    configs = await _world(graphql, keys, session)

    # when each is looked up the way the runtime does
    lookups = {
        name: await _statements(graphql, engine, keys, LOOKUP, id=auth_config)
        for name, auth_config in configs.items()
    }
    # then both send the same statements, and answer with their own resolution
    assert len(lookups["Rolling"][0]) == len(lookups["Still"][0]), lookups
    for _, data in lookups.values():
        assert data["node"]["effectiveVersion"]["version"] == {"version": "1.0.0"}

    # and one account of each, by id, costs the same too
    first = "query ($id: ID!) { node(id: $id) { ... on AuthConfig { linkedAccounts(first: 1) "
    first += "{ edges { node { id } } } } } }"
    accounts = {}
    for name, auth_config in configs.items():
        data = await graphql(first, {"id": auth_config}, key=keys.alpha.viewer)
        account_id = data["node"]["linkedAccounts"]["edges"][0]["node"]["id"]
        accounts[name] = await _statements(graphql, engine, keys, ACCOUNT, id=account_id)
    assert len(accounts["Rolling"][0]) == len(accounts["Still"][0]), accounts
