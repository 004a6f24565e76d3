"""What an impact preview costs in SQL: the same statements however many accounts move."""

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.graphql.impact import IMPACT_WITH_ACCOUNTS, push_change, reauth_line
from tests.graphql.pinning import in_line, link, pinned_auth_config
from tests.graphql.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements


async def _preview_statements(
    graphql: GraphQLClient, engine: AsyncEngine, keys: Keys, connector_key: str, accounts: int
) -> list[str]:
    """The statements of a push's preview that moves three auth configs with `accounts`
    accounts each, authenticated under two versions."""
    admin = keys.alpha.admin
    await new_connector(graphql, connector_key, key=admin)
    await pushed(graphql, connector_key, "1.0.0", in_line(1), key=admin)
    configs = [
        await pinned_auth_config(graphql, connector_key, name, key=admin)
        for name in ("One", "Two", "Three")
    ]
    for config in configs:
        for n in range(accounts):
            await link(graphql, config, f"old-{n}", key=admin)
    await pushed(graphql, connector_key, "1.1.0", in_line(1, "a"), key=admin)
    for config in configs:
        for n in range(accounts):
            await link(graphql, config, f"new-{n}", key=admin)
    change = push_change(connector_key, "2.0.0", reauth_line(2, "x"))
    with recorded_statements(engine) as statements:
        answer = await graphql(IMPACT_WITH_ACCOUNTS, {"change": change}, key=admin)
    assert answer["impact"]["accountsMoving"] == 6 * accounts
    assert answer["impact"]["accountsNewlyNeedingReauthentication"] == 6 * accounts
    return beyond_authentication(statements)


async def test_a_preview_costs_the_same_statements_for_few_and_many_accounts(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given three auth configs with one account each under each of two versions, and another
    # key's three with ten each; when a push is previewed for each
    few = await _preview_statements(graphql, engine, keys, "few", 1)
    many = await _preview_statements(graphql, engine, keys, "many", 10)
    # then both send the same statements, and no statement reads accounts one by one
    assert len(few) == len(many), (few, many)
    assert len(many) < 30, many
