"""What a page costs in SQL: one statement for the pages of many parents, a count only for a
request that reads `totalCount` (for linked accounts, the auth configs' kept counts: no count
at all), and never a numbering of rows or an OFFSET."""

import re
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import LinkedAccount
from app.db.types import utc_now
from tests.graphql.assignments.assignments import assigned
from tests.graphql.operations import create_auth_config, create_connector, row_id
from tests.graphql.versions.versioning import pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

DEFINITION = {"auth": {"type": "api_key"}, "actions": [{"id": "list_contacts"}]}


def _accounts_query(total: bool) -> str:
    count = "totalCount" if total else ""
    return f"""
    query ($configs: Int!, $after: String) {{
      authConfigs(first: $configs) {{ edges {{ node {{
        linkedAccounts(first: 3, after: $after) {{
          {count} pageInfo {{ hasNextPage }} edges {{ cursor node {{ externalId }} }}
        }}
      }} }} }}
    }}
    """


# Every list, without and with its totalCount (through a fragment: it still counts as selected).
LISTS = {
    "connectors": "connectors(first: 3) {{ {} edges {{ node {{ key }} }} }}",
    "authConfigs": "authConfigs(first: 3) {{ {} edges {{ node {{ name }} }} }}",
    "events": "events(first: 3) {{ {} edges {{ node {{ kind }} }} }}",
    "versions": 'connector(key: "crm") {{ versions(first: 3) {{ {} edges {{ node {{ id }} }} }} }}',
    "connector's authConfigs": (
        'connector(key: "crm") {{ authConfigs(first: 3) {{ {} edges {{ node {{ name }} }} }} }}'
    ),
    "apiKeys": "viewer {{ project {{ apiKeys(first: 3) {{ {} edges {{ node {{ name }} }} }} }} }}",
    "version's assignments": (
        'connector(key: "crm") {{ versions(first: 3) {{ edges {{ node {{ '
        "assignments(first: 3) {{ {} edges {{ node {{ siteId }} }} }} }} }} }} }}"
    ),
    "projects": "projects(first: 3) {{ {} edges {{ node {{ slug }} }} }}",
}
TOTAL_IN_A_FRAGMENT = "... on {} {{ totalCount }}"
CONNECTION_TYPES = {
    "connectors": "ConnectorConnection",
    "authConfigs": "AuthConfigConnection",
    "events": "EventConnection",
    "versions": "ConnectorVersionConnection",
    "connector's authConfigs": "AuthConfigConnection",
    "apiKeys": "ApiKeyConnection",
    "version's assignments": "AssignmentConnection",
    "projects": "ProjectConnection",
}


async def _world(graphql: GraphQLClient, keys: Keys, session: AsyncSession) -> list[UUID]:
    """Three auth configs of alpha's with 5 accounts each, and its crm 1.0.0 assigned to a site."""
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    version = await pushed(graphql, "crm", "1.0.0", DEFINITION, key=keys.alpha.admin)
    await assigned(graphql, version["version"]["id"], "site-1", key=keys.alpha.admin)
    configs = [
        UUID(row_id(await create_auth_config(graphql, "crm", name, key=keys.alpha.admin)))
        for name in ("One", "Two", "Three")
    ]
    start = utc_now()
    session.add_all(
        LinkedAccount(
            auth_config_id=config,
            external_id=f"{index}-{n}",
            # a millisecond later for each auth config: a cursor is a position in any of them
            created_at=start + timedelta(seconds=n, milliseconds=index),
        )
        for index, config in enumerate(configs)
        for n in range(5)
    )
    await session.commit()
    return configs


def _page_queries(statements: list[str]) -> list[str]:
    return [statement for statement in statements if "LIMIT" in statement.upper()]


def _reading_accounts(statements: list[str]) -> list[str]:
    """The statements that read the linked_account table."""
    return [s for s in statements if re.search(r"\bFROM linked_account\b|JOIN linked_account\b", s)]


def _reads_kept_counts(statement: str) -> bool:
    """Whether `statement` reads auth configs' kept account counts for a list of them."""
    return (
        re.match(r"\s*SELECT auth_config\.id, auth_config\.linked_account_count\b", statement)
        is not None
    )


def _no_numbering_or_offset(statements: list[str]) -> None:
    for statement in _page_queries(statements):
        assert "row_number" not in statement.lower(), statement
        assert "offset" not in statement.lower(), statement


@pytest.mark.parametrize("configs", [1, 3])
async def test_the_accounts_of_many_auth_configs_are_one_statement_and_count_only_if_asked(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    engine: AsyncEngine,
    configs: int,
) -> None:
    # given three auth configs with five accounts each
    await _world(graphql, keys, session)

    for total in (False, True):
        # when one request reads a page of accounts of 1 or 3 auth configs
        with recorded_statements(engine) as statements:
            data = await graphql(
                _accounts_query(total), {"configs": configs}, key=keys.alpha.viewer
            )
        pages = [edge["node"]["linkedAccounts"] for edge in data["authConfigs"]["edges"]]
        assert [len(page["edges"]) for page in pages] == [3] * configs
        assert all(page["pageInfo"]["hasNextPage"] for page in pages)
        accounts = _reading_accounts(statements)

        # then the accounts of all of them are read by one statement, their totals (when
        # totalCount is selected) by one more that reads the kept counts, and nothing is counted
        assert len(accounts) == 1, accounts
        assert [s for s in statements if "count(" in s.lower()] == []
        kept_counts = [s for s in statements if _reads_kept_counts(s)]
        if total:
            assert [page["totalCount"] for page in pages] == [5] * configs
            assert len(kept_counts) == 1, kept_counts
        else:
            assert kept_counts == []
        # and no page is found by numbering rows or skipping them
        _no_numbering_or_offset(statements)

        # and the page after the first one's last cursor (a position in each of them: after
        # two accounts of the first, two of the others and the third, made a moment later) is
        # the same one statement, and still no OFFSET
        after = pages[0]["edges"][-1]["cursor"]
        with recorded_statements(engine) as statements:
            data = await graphql(
                _accounts_query(total), {"configs": configs, "after": after}, key=keys.alpha.viewer
            )
        pages = [edge["node"]["linkedAccounts"] for edge in data["authConfigs"]["edges"]]
        assert [len(page["edges"]) for page in pages] == [2] + [3] * (configs - 1)
        assert len(_reading_accounts(statements)) == 1
        assert len([s for s in statements if _reads_kept_counts(s)]) == (1 if total else 0)
        _no_numbering_or_offset(statements)


@pytest.mark.parametrize("name", LISTS.keys())
async def test_every_list_counts_only_when_total_count_is_selected(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, engine: AsyncEngine, name: str
) -> None:
    # given some of everything
    await _world(graphql, keys, session)
    selections = {
        "without totalCount": "",
        "with totalCount": "totalCount",
        "with totalCount in a fragment": TOTAL_IN_A_FRAGMENT.format(CONNECTION_TYPES[name]),
    }
    for selection, total in selections.items():
        # when the list is read with or without its totalCount
        with recorded_statements(engine) as statements:
            data = await graphql("{ " + LISTS[name].format(total) + " }", key=keys.alpha.admin)
        # then it is counted exactly when it is selected (versions are all read to be put in
        # semver order, so their total is the list's length: no count), and never by OFFSET
        counts = [s for s in statements if "count(" in s.lower()]
        counted_in_sql = bool(total) and name != "versions"
        assert len(counts) == (1 if counted_in_sql else 0), (selection, counts)
        assert ("totalCount" in str(data)) == bool(total), data
        _no_numbering_or_offset(statements)


ASSIGNMENTS_OF_VERSIONS = """
query {
  connector(key: "crm") { versions(first: 100) { edges { node {
    displayName
    usage { inUse assignments { siteId kind } }
    assignments(first: 2) { totalCount edges { node { siteId kind version { version } } } }
  } } } }
}
"""


async def test_the_assignments_of_a_page_of_versions_cost_the_same_whatever_its_size(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given alpha's crm 1.0.0 assigned to two sites, read with its assignments and usage
    admin = keys.alpha.admin
    await create_connector(graphql, "crm", key=admin)
    numbers = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    ids = []
    for number in numbers:
        ids.append((await pushed(graphql, "crm", number, DEFINITION, key=admin))["version"]["id"])
    for site in ("site-1", "site-2"):
        await assigned(graphql, ids[0], site, key=admin)
    with recorded_statements(engine) as one:
        await graphql(ASSIGNMENTS_OF_VERSIONS, key=admin)

    # when all four versions are assigned to three sites and read again
    for version_id in ids:
        for site in ("site-3", "site-4", "site-5"):
            await assigned(graphql, version_id, site, "EXPORT", key=admin)
    with recorded_statements(engine) as four:
        data = await graphql(ASSIGNMENTS_OF_VERSIONS, key=admin)

    # then every version shows its assignments, read with as many statements as before: one
    # for the pages, one for their totals, one for usage, one for display names
    nodes = [edge["node"] for edge in data["connector"]["versions"]["edges"]]
    assert [node["assignments"]["totalCount"] for node in nodes] == [3, 3, 3, 5]
    assert all(len(node["assignments"]["edges"]) == 2 for node in nodes)
    assert all(node["usage"]["inUse"] for node in nodes)
    assert len(beyond_authentication(four)) == len(beyond_authentication(one))
    pages = [s for s in four if re.search(r"\bFROM assignment\b|JOIN assignment\b", s)]
    assert len(pages) == 3, pages
    _no_numbering_or_offset(four)
