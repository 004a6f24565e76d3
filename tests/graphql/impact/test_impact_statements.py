"""What an impact preview costs in SQL: the same statements however many accounts move."""

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.graphql.auth_configs.pinning import in_line, link, pinned_auth_config
from tests.graphql.impact.documents import IMPACT_WITH_ACCOUNTS
from tests.graphql.impact.impact import push_change, reauth_line
from tests.graphql.rollouts.rollouts import read_rollout, start
from tests.graphql.versions.versioning import new_connector, pushed
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


async def _rollout_preview_statements(
    graphql: GraphQLClient, engine: AsyncEngine, keys: Keys, connector_key: str, accounts: int
) -> list[str]:
    """The statements of the previews of a push and of a percentage while three auth configs
    with `accounts` accounts each roll 2.0.0 out: the first to none of them (the percentage
    takes it to all, so it moves however the buckets fall), the others to half."""
    admin = keys.alpha.admin
    await new_connector(graphql, connector_key, key=admin)
    await pushed(graphql, connector_key, "1.0.0", in_line(1), key=admin)
    await pushed(graphql, connector_key, "2.0.0", reauth_line(2, "x"), key=admin)
    configs = [
        await pinned_auth_config(graphql, connector_key, name, key=admin, pin="1.x.x")
        for name in ("One", "Two", "Three")
    ]
    for config, percent in zip(configs, (0, 50, 50), strict=True):
        for n in range(accounts):
            await link(graphql, config, f"account-{n}", key=admin)
        assert (await start(graphql, config, "2.0.0", percent, key=admin))["rollout"]
    revision = (await read_rollout(graphql, configs[0], key=admin))["revision"]
    changes = [
        push_change(connector_key, "1.1.0", in_line(1, "a")),
        {"setRolloutPercent": {"authConfigId": configs[0], "percent": 100, "revision": revision}},
    ]
    found = []
    for change in changes:
        with recorded_statements(engine) as statements:
            answer = await graphql(IMPACT_WITH_ACCOUNTS, {"change": change}, key=admin)
        assert answer["impact"]["refusal"] is None, answer
        # the push moves every config's own version (the first one's accounts all run it), the
        # percentage only the first's rollout
        moved = len(configs) if "pushVersion" in change else 1
        assert answer["impact"]["authConfigsChanged"] == moved
        assert answer["impact"]["accountsMoving"] >= accounts
        found += beyond_authentication(statements)
    return found


async def test_a_preview_during_rollouts_costs_the_same_statements_for_few_and_many(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given three auth configs with 2 accounts each rolling 2.0.0 out, and another key's three
    # with 20 each; when a push and a percentage are previewed for each
    few = await _rollout_preview_statements(graphql, engine, keys, "few", 2)
    many = await _rollout_preview_statements(graphql, engine, keys, "many", 20)
    # then both send the same statements: the accounts are split by bucket in SQL
    assert len(few) == len(many), (few, many)
    assert len(many) < 60, many


MOVES_WITH_VERSIONS = """
query ($change: ChangeInput!) {
  impact(change: $change) {
    refusal { __typename }
    moves(first: 100) { edges { node {
      from { version { id version } } to { version { id version } }
      rolloutBefore { targetVersion { id version } }
      rolloutAfter { targetVersion { id version } }
    } } }
  }
}
"""


async def _moves_page_statements(
    graphql: GraphQLClient, engine: AsyncEngine, keys: Keys, connector_key: str, configs: int
) -> list[str]:
    """The statements of a push's preview that moves `configs` auth configs, each rolling
    another target out, so every move of the page shows versions of its own."""
    admin = keys.alpha.admin
    await new_connector(graphql, connector_key, key=admin)
    await pushed(graphql, connector_key, "1.0.0", in_line(1), key=admin)
    ids = []
    for n in range(configs):
        await pushed(graphql, connector_key, f"2.{n}.0", in_line(2, *"abcdef"[:n]), key=admin)
        config = await pinned_auth_config(graphql, connector_key, f"C{n}", key=admin, pin="1.x.x")
        await link(graphql, config, "account", key=admin)
        assert (await start(graphql, config, f"2.{n}.0", 50, key=admin))["rollout"]
        ids.append(config)
    change = push_change(connector_key, "1.1.0", in_line(1, "a"))
    with recorded_statements(engine) as statements:
        answer = await graphql(MOVES_WITH_VERSIONS, {"change": change}, key=admin)
    moves = answer["impact"]["moves"]["edges"]
    assert len(moves) == configs, answer
    targets = {move["node"]["rolloutBefore"]["targetVersion"]["version"] for move in moves}
    assert targets == {f"2.{n}.0" for n in range(configs)}
    return beyond_authentication(statements)


async def test_a_page_of_moves_loads_its_versions_together(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given two auth configs, and another key's five, each rolling out a target of its own;
    # when a push that moves them all is previewed with every version of each move
    two = await _moves_page_statements(graphql, engine, keys, "two", 2)
    five = await _moves_page_statements(graphql, engine, keys, "five", 5)
    # then the page costs the same statements: its versions are read together
    assert len(two) == len(five), (two, five)
