"""Relay connections: `first` is 1..100, cursors are this API's own, and pages cover every item."""

from typing import Any

import pytest

from tests.graphql.operations import (
    create_auth_config,
    create_connector,
    raw_cursor,
)
from tests.graphql.relay.cursors import LAST_ROW_ID, LAST_TIMESTAMP, document_cursor, keyset_cursor
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

AUTH_CONFIGS = """
query ($first: Int!, $after: String) { authConfigs(first: $first, after: $after) { totalCount } }
"""

EVENTS = """
query ($first: Int!, $after: String) { events(first: $first, after: $after) { totalCount } }
"""

# Each connection, the path of its field (nested ones check their arguments too), the shape
# of its cursors' sort key, and a sort key of that shape.
CONNECTIONS: list[tuple[str, list[str | int], str, list[object]]] = [
    (CONNECTORS, ["connectors"], "connector", ["crm", False, LAST_ROW_ID]),
    (AUTH_CONFIGS, ["authConfigs"], "created", [LAST_TIMESTAMP, LAST_ROW_ID]),
    (
        CONNECTOR_AUTH_CONFIGS,
        ["connector", "authConfigs"],
        "created",
        [LAST_TIMESTAMP, LAST_ROW_ID],
    ),
    (CONNECTOR_VERSIONS, ["connector", "versions"], "version", ["1.0.0"]),
    (
        LINKED_ACCOUNTS,
        ["authConfigs", "edges", 0, "node", "linkedAccounts"],
        "created",
        [LAST_TIMESTAMP, LAST_ROW_ID],
    ),
    (EVENTS, ["events"], "event", [1]),
]


@pytest.mark.parametrize("first", [0, -1, 101, 1000])
async def test_first_outside_1_to_100_is_an_invalid_input_error(
    graphql: GraphQLClient, keys: Keys, first: int
) -> None:
    # given a connector with an auth config, so nested connections are reached too
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    for document, path, _, _ in CONNECTIONS:
        # when a connection is asked for `first` out of range
        errors = await graphql.errors(document, {"first": first}, key=keys.alpha.viewer)
        # then every such field says so with INVALID_INPUT (a query argument, not a mutation)
        assert [error["path"] for error in errors] == [path]
        for error in errors:
            assert error["extensions"]["code"] == "INVALID_INPUT", error
            assert "first" in error["message"]


# Cursors no list accepts.
BAD_CURSORS = {
    "garbage": "garbage",
    "not base64": "!!!",
    "empty": "",
    "base64 of something else": raw_cursor("hello"),
    "not utf-8": "_w==",
    "an offset cursor of the old format": raw_cursor("offset:3"),
    "JSON but no document": document_cursor([1, "created", []]),
    "a document without its sort key": document_cursor({"v": 1, "s": "created"}),
    "a document with more parts": document_cursor({"v": 1, "s": "event", "k": [1], "x": 0}),
    "another format": keyset_cursor("event", [1], version=2),
    "a format number of another type": keyset_cursor("event", [1], version="1"),
    "an unknown shape": keyset_cursor("offset", [1]),
    "far too long": keyset_cursor("version", ["1.0.0-" + "a" * 600]),
    "deeply nested JSON": document_cursor([[[[[[[[[[[]]]]]]]]]]]),
}

# Cursors of each shape that the lists of that shape refuse: the values' parts, types and ranges.
BAD_SORT_KEYS: dict[str, tuple[str, object]] = {
    "a sort key with a part missing (created)": ("created", [LAST_TIMESTAMP]),
    "a sort key with a part too many (created)": ("created", [LAST_TIMESTAMP, LAST_ROW_ID, 1]),
    "a sort key that is not a list": ("created", {"at": LAST_TIMESTAMP}),
    "a timestamp of another type": ("created", [1700000000, LAST_ROW_ID]),
    "a timestamp that is not one": ("created", ["yesterday", LAST_ROW_ID]),
    "a timestamp without a time zone": ("created", ["2026-01-01T00:00:00", LAST_ROW_ID]),
    "a timestamp beyond year 9999 in UTC": ("created", ["9999-12-31T23:00:00-05:00", LAST_ROW_ID]),
    "an id that is not a UUID": ("created", [LAST_TIMESTAMP, "42"]),
    "an id of another type": ("created", [LAST_TIMESTAMP, 42]),
    "a sort key with a part missing (connector)": ("connector", ["crm", False]),
    "a connector key no connector can have": ("connector", ["CRM; DROP", False, LAST_ROW_ID]),
    "a connector key with a NUL": ("connector", ["crm\u0000", False, LAST_ROW_ID]),
    "a flag that is a number": ("connector", ["crm", 0, LAST_ROW_ID]),
    "a flag that is a string": ("connector", ["crm", "false", LAST_ROW_ID]),
    "an event id that is a string": ("event", ["12"]),
    "an event id that is a boolean": ("event", [True]),
    "an event id that is a fraction": ("event", [1.5]),
    "a negative event id": ("event", [-3]),
    "a huge event id": ("event", [10**30]),
    "the largest 64-bit integer plus one": ("event", [2**63]),
    "no sort key values (event)": ("event", []),
    "a version that is not a number": ("version", ["latest"]),
    "a version of another type": ("version", [1]),
    "a version with parts missing": ("version", ["1.0"]),
    "a version too long for its column": ("version", ["1.0.0-" + "a" * 200]),
}


def _bad_cursors_for(shape: str) -> dict[str, str]:
    """Every cursor a list of `shape` must refuse: the shared ones, those of its own shape, and
    a valid cursor of each other shape (another list's)."""
    other_shapes = {other: values for _, _, other, values in CONNECTIONS if other != shape}
    return {
        **BAD_CURSORS,
        **{
            name: keyset_cursor(of, values)
            for name, (of, values) in BAD_SORT_KEYS.items()
            if of == shape
        },
        **{
            f"a cursor of a {of} list": keyset_cursor(of, values)
            for of, values in other_shapes.items()
        },
    }


async def test_a_cursor_not_made_by_this_api_is_an_invalid_input_error(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a connector with an auth config, so nested connections are reached too
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    for document, path, shape, good in CONNECTIONS:
        # a well-formed cursor of the list's shape is accepted (a position past the end)
        assert await graphql(
            document, {"first": 10, "after": keyset_cursor(shape, good)}, key=keys.alpha.viewer
        )
        for case, after in _bad_cursors_for(shape).items():
            # when a connection is given a cursor it did not make
            errors = await graphql.errors(
                document, {"first": 10, "after": after}, key=keys.alpha.viewer
            )
            # then that field alone fails, with INVALID_INPUT naming `after`
            assert [error["path"] for error in errors] == [path], (case, path, errors)
            for error in errors:
                assert error["extensions"]["code"] == "INVALID_INPUT", (case, error)
                assert "after" in error["message"], (case, error)


def test_every_kind_of_bad_sort_key_is_tried_on_every_shape_that_has_it() -> None:
    shapes = {shape for _, _, shape, _ in CONNECTIONS}
    assert {shape for shape, _ in BAD_SORT_KEYS.values()} == shapes


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
    # given a connector with an auth config (and the events that made them)
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    events = (await graphql(EVENTS, {"first": 100}, key=keys.alpha.viewer))["events"]
    # when every connection is asked for what comes after a position past its last row
    past_the_end = {
        "connector": ["zzz", True, LAST_ROW_ID],
        "created": [LAST_TIMESTAMP, LAST_ROW_ID],
        "version": ["0.0.0-0"],  # the lowest precedence there is: versions go highest first
        "event": [1],  # events go newest first: nothing comes after the first id
    }
    results = [
        await graphql(
            document,
            {"first": 100, "after": keyset_cursor(shape, past_the_end[shape])},
            key=keys.alpha.viewer,
        )
        for document, _, shape, _ in CONNECTIONS
    ]
    # then the pages are empty and the totals still right
    top, auth_configs, connector_auth_configs, versions, accounts, history = results
    assert top["connectors"]["edges"] == []
    assert top["connectors"]["totalCount"] == 1
    assert top["connectors"]["pageInfo"]["hasPreviousPage"] is True
    assert auth_configs["authConfigs"] == {"totalCount": 1}
    assert connector_auth_configs["connector"] == {"authConfigs": {"totalCount": 1}}
    assert versions["connector"] == {"versions": {"totalCount": 0}}
    assert accounts["authConfigs"]["edges"][0]["node"]["linkedAccounts"] == {"totalCount": 0}
    assert history["events"] == {"totalCount": events["totalCount"]}
    assert events["totalCount"] >= 2
