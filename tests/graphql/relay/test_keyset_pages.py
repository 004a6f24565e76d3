"""Keyset pages stay right while the list changes between page requests.

A cursor names a position in the list's order, not a row number: rows inserted before it, rows
deleted before it, and the deletion of the cursor's own row must neither skip nor repeat a row
on the following pages; rows inserted after it appear on them.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import delete
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Connector, Event, LinkedAccount
from app.db.types import utc_now
from tests.graphql.operations import create_auth_config, create_connector, row_id
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

FIRST_ID = UUID(int=0)
LAST_ID = UUID(int=2**128 - 1)

LINKED_ACCOUNTS = """
query ($first: Int!, $after: String) {
  authConfigs(first: 1) { edges { node {
    linkedAccounts(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { externalId } }
    }
  } } }
}
"""

AUTH_CONFIGS = """
query ($first: Int!, $after: String) {
  authConfigs(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { name } }
  }
}
"""

CONNECTOR_AUTH_CONFIGS = """
query ($first: Int!, $after: String) {
  connector(key: "crm") { authConfigs(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { name } }
  } }
}
"""

CONNECTORS = """
query ($first: Int!, $after: String) {
  connectors(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { key source } }
  }
}
"""

EVENTS = """
query ($first: Int!, $after: String) {
  events(first: $first, after: $after, kind: CONNECTOR_CREATED) {
    pageInfo { hasNextPage endCursor } edges { node { id payload } }
  }
}
"""


def _connection(data: dict[str, Any]) -> dict[str, Any]:
    """The one connection in a response: the innermost object with `pageInfo`."""
    (value,) = data.values()
    if "pageInfo" in value:
        return value  # type: ignore[no-any-return]
    if "edges" in value:
        return _connection(value["edges"][0]["node"])
    return _connection(value)


async def _page(
    graphql: GraphQLClient, document: str, key: str, after: str | None
) -> tuple[list[dict[str, Any]], str | None, bool]:
    page = _connection(await graphql(document, {"first": 4, "after": after}, key=key))
    nodes = [edge["node"] for edge in page["edges"]]
    return nodes, page["pageInfo"]["endCursor"], page["pageInfo"]["hasNextPage"]


async def _rest(
    graphql: GraphQLClient, document: str, key: str, after: str | None
) -> list[dict[str, Any]]:
    """Every node after `after`, 4 at a time."""
    seen: list[dict[str, Any]] = []
    for _ in range(20):
        nodes, end, more = await _page(graphql, document, key, after)
        seen += nodes
        if not more:
            return seen
        after = end
    raise AssertionError("paging does not end")


async def _commit(session: AsyncSession, *rows: SQLModel) -> None:
    session.add_all(rows)
    await session.commit()


async def _delete(session: AsyncSession, model: type[SQLModel], *ids: object) -> None:
    await session.exec(delete(model).where(col(model.id).in_(ids)))  # type: ignore[attr-defined]
    await session.commit()


def _account(auth_config: UUID, name: str, at: datetime, id: UUID | None = None) -> LinkedAccount:
    account = LinkedAccount(auth_config_id=auth_config, external_id=name, created_at=at)
    if id is not None:
        account.id = id
    return account


async def test_linked_account_pages_survive_inserts_and_deletes(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given ten accounts a0..a9, one second apart
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    auth_config = UUID(
        row_id(await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin))
    )
    start = utc_now()
    accounts = [_account(auth_config, f"a{i}", start + timedelta(seconds=i)) for i in range(10)]
    await _commit(session, *accounts)
    key = keys.alpha.viewer

    # when the first page (a0..a3) is read
    first, cursor, _ = await _page(graphql, LINKED_ACCOUNTS, key, None)
    assert [node["externalId"] for node in first] == ["a0", "a1", "a2", "a3"]

    # and then accounts are added before the cursor (one at its very time but a lower id),
    # after it (one at its very time with a higher id), and the cursor's own row and one
    # before it are deleted
    at_cursor = accounts[3].created_at
    await _commit(
        session,
        _account(auth_config, "before", start + timedelta(seconds=1.5)),
        _account(auth_config, "tie-before", at_cursor, FIRST_ID),
        _account(auth_config, "tie-after", at_cursor, LAST_ID),
        _account(auth_config, "after", start + timedelta(seconds=5.5)),
        _account(auth_config, "last", start + timedelta(seconds=60)),
    )
    await _delete(session, LinkedAccount, accounts[3].id, accounts[1].id)

    # then the following pages hold every account after the cursor once, and nothing before it
    rest = [node["externalId"] for node in await _rest(graphql, LINKED_ACCOUNTS, key, cursor)]
    assert rest == ["tie-after", "a4", "a5", "after", "a6", "a7", "a8", "a9", "last"]


@pytest.mark.parametrize(
    "document", [AUTH_CONFIGS, CONNECTOR_AUTH_CONFIGS], ids=["Query", "Connector"]
)
async def test_auth_config_pages_survive_inserts_and_deletes(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, document: str
) -> None:
    # given ten auth configs c0..c9 of alpha's on "crm", one second apart (and one of beta's)
    project = UUID(keys.alpha.project_id)
    start = utc_now() + timedelta(minutes=1)
    configs = [
        AuthConfig(project_id=project, connector_key="crm", name=f"c{i}", created_at=at)
        for i, at in ((i, start + timedelta(seconds=i)) for i in range(10))
    ]
    await _commit(session, *configs)
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_connector(graphql, "crm", key=keys.beta.admin)
    await create_auth_config(graphql, "crm", "beta's", key=keys.beta.admin)
    key = keys.alpha.viewer

    # when the first page is read
    first, cursor, _ = await _page(graphql, document, key, None)
    assert [node["name"] for node in first] == ["c0", "c1", "c2", "c3"]

    # and auth configs are added before and after the cursor (one on another key: not in the
    # connector's list), and the cursor's own row and one before it are deleted
    await _commit(
        session,
        AuthConfig(
            project_id=project,
            connector_key="crm",
            name="before",
            created_at=start + timedelta(seconds=0.5),
        ),
        AuthConfig(
            project_id=project,
            connector_key="crm",
            name="after",
            created_at=start + timedelta(seconds=4.5),
        ),
        AuthConfig(
            project_id=project,
            connector_key="erp",
            name="erp",
            created_at=start + timedelta(seconds=6.5),
        ),
    )
    await _delete(session, AuthConfig, configs[3].id, configs[0].id)

    # then the following pages hold what comes after the cursor, once each, and none of beta's
    rest = [node["name"] for node in await _rest(graphql, document, key, cursor)]
    erp = ["erp"] if document == AUTH_CONFIGS else []
    assert rest == ["c4", "after", "c5", "c6", *erp, "c7", "c8", "c9"]


async def test_connector_pages_survive_inserts_and_deletes(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given custom connectors k0..k7 and a managed k2 (after the custom one of its key)
    ids = {
        name: await create_connector(graphql, name, key=keys.alpha.admin)
        for name in ("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7")
    }
    await create_connector(graphql, "k2", key=keys.platform)
    key = keys.alpha.viewer

    # when the first page (k0, k1, custom k2, managed k2) is read
    first, cursor, _ = await _page(graphql, CONNECTORS, key, None)
    assert [(node["key"], node["source"]) for node in first] == [
        ("k0", "CUSTOM"),
        ("k1", "CUSTOM"),
        ("k2", "CUSTOM"),
        ("k2", "MANAGED"),
    ]

    # and connectors are added before the cursor (k05) and after it (k25, k8), another project
    # adds one after it, and the custom k2 and k1 are deleted
    for name in ("k05", "k25", "k8"):
        await create_connector(graphql, name, key=keys.alpha.admin)
    await create_connector(graphql, "k35", key=keys.beta.admin)
    await _delete(session, Connector, UUID(row_id(ids["k2"])), UUID(row_id(ids["k1"])))

    # then the following pages hold what comes after the cursor, once each, and none of beta's
    rest = [node["key"] for node in await _rest(graphql, CONNECTORS, key, cursor)]
    assert rest == ["k25", "k3", "k4", "k5", "k6", "k7", "k8"]


async def test_event_pages_survive_inserts_and_deletes(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given ten connector events e0..e9
    for index in range(10):
        await create_connector(graphql, f"e{index}", key=keys.alpha.admin)
    key = keys.alpha.viewer

    # when the first page, newest first (e9..e6), is read
    first, cursor, _ = await _page(graphql, EVENTS, key, None)
    assert [node["payload"]["key"] for node in first] == ["e9", "e8", "e7", "e6"]
    everything = await _rest(graphql, EVENTS, key, None)
    by_key = {node["payload"]["key"]: int(node["id"]) for node in everything}

    # and newer events are added (before the cursor), an older one is written again under its
    # id (after the cursor), and the cursor's own event and one before it are deleted
    await create_connector(graphql, "e10", key=keys.alpha.admin)
    await _delete(session, Event, by_key["e4"])
    await _commit(
        session,
        Event(
            id=by_key["e4"],
            project_id=UUID(keys.alpha.project_id),
            kind="connector.created",
            payload={"key": "e4-again"},
        ),
    )
    await _delete(session, Event, by_key["e6"], by_key["e8"])

    # then the following pages hold the older events, once each
    rest = [node["payload"]["key"] for node in await _rest(graphql, EVENTS, key, cursor)]
    assert rest == ["e5", "e4-again", "e3", "e2", "e1", "e0"]
