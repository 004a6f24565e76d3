"""The cost rule (app/graphql/guards/cost.py), one row per clause, and the response-size
estimate."""

import pytest
from graphql import get_introspection_query, parse

from app.graphql.guards.budget import json_size_over
from app.graphql.guards.cost import (
    ASSUMED_LIST_SIZE,
    HEAVY_VALUE_COST,
    MUTATION_COST,
    WRITE_COST,
    operation_cost,
)
from app.graphql.schema import schema

H = HEAVY_VALUE_COST
L = ASSUMED_LIST_SIZE

COSTS: dict[str, tuple[str, dict[str, object] | None, int, int]] = {
    "scalars cost nothing": ("{ viewer { role } }", None, 1, 0),
    "__typename and introspection cost nothing": (get_introspection_query(), None, 0, 0),
    "an object and its objects cost one each": (
        "{ viewer { role project { id name } } }",
        None,
        2,
        0,
    ),
    "a connection costs one, and first times its edge": (
        "{ connectors(first: 30) { edges { node { id } } } }",
        None,
        1 + 30 * (1 + 1),
        0,
    ),
    "a connection's page info counts once": (
        "{ connectors(first: 30) { totalCount pageInfo { hasNextPage } edges { node { id } } } }",
        None,
        1 + 1 + 30 * (1 + 1),
        0,
    ),
    "first from a variable": (
        "query ($n: Int!) { connectors(first: $n) { edges { node { id } } } }",
        {"n": 7},
        1 + 7 * 2,
        0,
    ),
    "first's default": ("{ connectors { edges { node { id } } } }", None, 1 + 20 * 2, 0),
    "first's default when its variable is absent": (
        "query ($n: Int) { connectors(first: $n) { edges { node { id } } } }",
        {},
        1 + 20 * 2,
        0,
    ),
    "nested connections multiply": (
        (
            "{ authConfigs(first: 10) { edges { node { linkedAccounts(first: 100) "
            "{ edges { node { id } } } } } } }"
        ),
        None,
        1 + 10 * (1 + 1 + 1 + 100 * (1 + 1)),
        0,
    ),
    "a heavy value costs HEAVY_VALUE_COST": (
        '{ connector(key: "k") { version(number: "1.0.0") { definition config readme } } }',
        None,
        1 + 1 + 3 * H,
        3,
    ),
    "aliases count each": (
        (
            '{ connector(key: "k") { a: version(number: "1.0.0") { definition } '
            'b: version(number: "1.0.0") { definition } } }'
        ),
        None,
        1 + 2 * (1 + H),
        2,
    ),
    "heavy values under a connection multiply": (
        '{ connector(key: "k") { versions(first: 50) { edges { node { definition } } } } }',
        None,
        1 + 1 + 50 * (1 + 1 + H),
        50,
    ),
    "a plain list of objects counts as ASSUMED_LIST_SIZE": (
        '{ connector(key: "k") { version(number: "1.0.0") { revisions { definition } } } }',
        None,
        1 + 1 + L * (1 + H),
        L,
    ),
    "_entities costs one per representation": (
        "query ($r: [_Any!]!) { _entities(representations: $r) { ... on LinkedAccount { id } } }",
        {"r": [{"__typename": "LinkedAccount", "id": str(n)} for n in range(40)]},
        40,
        0,
    ),
    "a preview costs a write plus what it returns": (
        (
            'query ($d: JSON!) { impact(change: { pushVersion: { connectorKey: "k", '
            'version: "1.1.0", definition: $d } }) { authConfigsChanged '
            "moves(first: 5) { edges { node { accountsMoving } } } } }"
        ),
        {"d": {}},
        WRITE_COST + 1 + 1 + 5 * 2,
        0,
    ),
    "a mutation costs a write per field plus what it returns, and its base once": (
        (
            'mutation { a: publishVersion(input: { versionId: "v" }) { __typename } '
            'b: publishVersion(input: { versionId: "w" }) { __typename } }'
        ),
        None,
        MUTATION_COST + 2 * WRITE_COST + 2,
        0,
    ),
    "fragments count where they are spread": (
        (
            "query { connectors(first: 2) { edges { node { ...C } } } } "
            "fragment C on Connector { versions(first: 3) { edges { node { id } } } }"
        ),
        None,
        1 + 2 * (1 + 1 + 1 + 3 * 2),
        0,
    ),
}


@pytest.mark.parametrize(
    ("document", "variables", "total", "heavy"), COSTS.values(), ids=COSTS.keys()
)
def test_the_cost_of_an_operation(
    document: str, variables: dict[str, object] | None, total: int, heavy: int
) -> None:
    cost = operation_cost(schema._schema, parse(document), None, variables)
    assert (cost.total, cost.heavy_values) == (total, heavy)


def test_the_attack_that_returned_419_mb_is_over_the_default_limit() -> None:
    fields = " ".join(
        f"a{i}: versions(first: 100) {{ edges {{ node {{ definition }} }} }}" for i in range(50)
    )
    cost = operation_cost(
        schema._schema, parse(f'{{ connector(key: "k") {{ {fields} }} }}'), None, {}
    )
    assert cost.total > 50_000


def test_fifty_previews_cost_more_than_the_default_limit() -> None:
    fields = " ".join(
        f'p{i}: impact(change: {{ pushVersion: {{ connectorKey: "k", version: "1.1.0", '
        f"definition: $d }} }}) {{ authConfigsChanged }}"
        for i in range(50)
    )
    document = parse(f"query ($d: JSON!) {{ {fields} }}")
    cost = operation_cost(schema._schema, document, None, {"d": {}})
    assert (cost.total, cost.previews) == (50 * (WRITE_COST + 1), 50)
    assert cost.total > 50_000


def test_the_response_size_counts_a_value_reached_twice_each_time() -> None:
    definition = {"description": "d" * 1000}
    data = {f"a{i}": {"definition": definition} for i in range(50)}
    # fifty references to one 1 KB definition: about 51 KB, not 1 KB
    assert json_size_over(data, 50_000) is not None
    assert json_size_over(data, 60_000) is None
    assert json_size_over({"a": [1, 2, "x"]}, 100) is None


@pytest.mark.parametrize(
    ("document", "uses_variables"),
    [
        ("query ($id: ID!) { node(id: $id) { id } }", False),
        ("{ connectors(first: 3) { edges { node { id } } } }", False),
        ("query ($n: Int!) { connectors(first: $n) { edges { node { id } } } }", True),
        (
            "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Connector { id } } }",
            True,
        ),
    ],
)
def test_a_cost_says_whether_variables_entered_it(document: str, uses_variables: bool) -> None:
    cost = operation_cost(schema._schema, parse(document), None, {"n": 2, "r": [], "id": "x"})
    assert cost.uses_variables is uses_variables
