"""Relay connections: `first` is 1..100, cursors are this API's own, and pages cover every item."""

from typing import Any

import pytest

from tests.graphql.operations import (
    create_auth_config,
    create_connector,
    raw_cursor,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

CONNECTORS = """
query ($first: Int!, $after: String) {
  connectors(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id key source } }
  }
}
"""

CONNECTOR_AUTH_CONFIGS = """
query ($first: Int!, $after: String) {
  connector(key: "crm") { authConfigs(first: $first, after: $after) { totalCount } }
}
"""

CONNECTOR_VERSIONS = """
query ($first: Int!, $after: String) {
  connector(key: "crm") { versions(first: $first, after: $after) { totalCount } }
}
"""

LINKED_ACCOUNTS = """
query ($first: Int!, $after: String) {
  authConfigs(first: 1) {
    edges { node { linkedAccounts(first: $first, after: $after) { totalCount } } }
  }
}
"""

# Each connection, and the path of its field: nested ones check their arguments too.
CONNECTIONS = [
    (CONNECTORS, ["connectors"]),
    (CONNECTOR_AUTH_CONFIGS, ["connector", "authConfigs"]),
    (CONNECTOR_VERSIONS, ["connector", "versions"]),
    (LINKED_ACCOUNTS, ["authConfigs", "edges", 0, "node", "linkedAccounts"]),
]


@pytest.mark.parametrize("first", [0, -1, 101, 1000])
async def test_first_outside_1_to_100_is_an_invalid_input_error(
    graphql: GraphQLClient, keys: Keys, first: int
) -> None:
    # given a connector with an auth config, so nested connections are reached too
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    for document, path in CONNECTIONS:
        # when a connection is asked for `first` out of range
        errors = await graphql.errors(document, {"first": first}, key=keys.alpha.viewer)
        # then every such field says so with INVALID_INPUT (a query argument, not a mutation)
        assert [error["path"] for error in errors] == [path]
        for error in errors:
            assert error["extensions"]["code"] == "INVALID_INPUT", error
            assert "first" in error["message"]


BAD_CURSORS = {
    "garbage": "garbage",
    "not base64": "!!!",
    "empty": "",
    "base64 of something else": raw_cursor("hello"),
    "no number": raw_cursor("offset:"),
    "negative": raw_cursor("offset:-3"),
    "not a number": raw_cursor("offset:ten"),
    "too big for the database": raw_cursor("offset:" + "9" * 30),
    "the largest 64-bit integer": raw_cursor(f"offset:{2**63 - 1}"),
    "not utf-8": "_w==",
}


@pytest.mark.parametrize("after", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
async def test_a_cursor_not_made_by_this_api_is_an_invalid_input_error(
    graphql: GraphQLClient, keys: Keys, after: str
) -> None:
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    for document, path in CONNECTIONS:
        errors = await graphql.errors(
            document, {"first": 10, "after": after}, key=keys.alpha.viewer
        )
        assert [error["path"] for error in errors] == [path]
        for error in errors:
            assert error["extensions"]["code"] == "INVALID_INPUT", error
            assert "after" in error["message"]


async def test_paging_through_connectors_returns_every_one_once(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given 3 managed connectors and 4 custom ones of alpha's (beta's 2 must not count)
    for key in ("m-1", "m-2", "shared"):
        await create_connector(graphql, key, key=keys.platform)
    for key in ("a-1", "a-2", "a-3", "shared"):
        await create_connector(graphql, key, key=keys.alpha.admin)
    for key in ("b-1", "shared"):
        await create_connector(graphql, key, key=keys.beta.admin)
    everything = await graphql(CONNECTORS, {"first": 100}, key=keys.alpha.viewer)
    expected = [edge["node"] for edge in everything["connectors"]["edges"]]
    assert len(expected) == 7
    assert everything["connectors"]["pageInfo"]["hasNextPage"] is False
    assert everything["connectors"]["pageInfo"]["hasPreviousPage"] is False

    # when alpha pages through them 3 at a time
    seen: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = (await graphql(CONNECTORS, {"first": 3, "after": after}, key=keys.alpha.viewer))[
            "connectors"
        ]
        pages.append(page)
        seen.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 10, "paging does not end"

    # then every connector comes once, in the same order as one big page
    assert seen == expected
    assert [len(page["edges"]) for page in pages] == [3, 3, 1]
    assert [page["totalCount"] for page in pages] == [7, 7, 7]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, False]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]
    for page in pages:
        info, edges = page["pageInfo"], page["edges"]
        assert (info["startCursor"], info["endCursor"]) == (edges[0]["cursor"], edges[-1]["cursor"])

    # and a page past the end is empty, not an error
    beyond = (
        await graphql(
            CONNECTORS,
            {"first": 3, "after": pages[-1]["pageInfo"]["endCursor"]},
            key=keys.alpha.viewer,
        )
    )["connectors"]
    assert beyond["edges"] == []
    assert beyond["totalCount"] == 7
    assert beyond["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_a_cursor_far_past_the_end_gives_empty_pages(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a connector with an auth config
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    # when every connection is asked for what comes after a very large offset
    after = raw_cursor(f"offset:{2**62 - 1}")
    results = [
        await graphql(document, {"first": 100, "after": after}, key=keys.alpha.viewer)
        for document, _ in CONNECTIONS
    ]
    # then the pages are empty and the totals still right
    top, auth_configs, versions, accounts = results
    assert top["connectors"]["edges"] == []
    assert top["connectors"]["totalCount"] == 1
    assert top["connectors"]["pageInfo"]["hasPreviousPage"] is True
    assert auth_configs["connector"] == {"authConfigs": {"totalCount": 1}}
    assert versions["connector"] == {"versions": {"totalCount": 0}}
    assert accounts["authConfigs"]["edges"][0]["node"]["linkedAccounts"] == {"totalCount": 0}
