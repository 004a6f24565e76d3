"""Parsing, validation and a fixed cost are worked out once per distinct document, in a bounded
cache (`app.graphql.guards.documents`): the shape limits' rule classes are built once, so the
answer kept with a document still holds for the next request."""

import uuid
from collections.abc import Mapping

import pytest
from graphql import DocumentNode, GraphQLSchema

from app.graphql.guards import budget, cost
from app.graphql.guards.cost import OperationCost
from app.graphql.guards.documents import DOCUMENT_CACHE_SIZE, DOCUMENTS, DocumentCache
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_the_same_document_is_parsed_and_validated_once(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a document no request has sent before
    document = f"{{ viewer: viewer {{ role }} unique_{uuid.uuid4().hex}: viewer {{ role }} }}"
    parses, hits, validations = DOCUMENTS.parses, DOCUMENTS.hits, DOCUMENTS.validations

    # when three requests send it
    for _ in range(3):
        data = await graphql(document, key=keys.alpha.viewer)
        assert data["viewer"] == {"role": "VIEWER"}

    # then it was parsed and validated once, and the two later requests found it
    assert DOCUMENTS.parses - parses == 1
    assert DOCUMENTS.hits - hits == 2
    assert DOCUMENTS.validations - validations == 1


async def test_a_cost_no_variable_changes_is_counted_once(
    graphql: GraphQLClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a document no request has sent before, whose cost takes no variable, and one whose
    # `first` is a variable
    fixed = (
        f"{{ connectors(first: 3) {{ edges {{ node {{ key }} }} }} "
        f"u{uuid.uuid4().hex}: viewer {{ role }} }}"
    )
    paged = (
        f"query ($n: Int!) {{ connectors(first: $n) {{ edges {{ node {{ key }} }} }} "
        f"u{uuid.uuid4().hex}: viewer {{ role }} }}"
    )
    counted: list[DocumentNode] = []

    def operation_cost(
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, object] | None,
    ) -> OperationCost:
        counted.append(document)
        return cost.operation_cost(schema, document, operation_name, variables)

    monkeypatch.setattr(budget, "operation_cost", operation_cost)

    # when three requests send each
    for _ in range(3):
        await graphql(fixed, key=keys.alpha.viewer)
    for n in (1, 2, 3):
        await graphql(paged, {"n": n}, key=keys.alpha.viewer)

    # then the first was counted once, the second for each request (its variable changes it)
    assert len(counted) == 1 + 3
    assert len({id(document) for document in counted}) == 2


def test_the_cache_is_bounded() -> None:
    assert DOCUMENTS.maxsize == DOCUMENT_CACHE_SIZE
    cache = DocumentCache(2)
    texts = [f"{{ a{index}: viewer {{ role }} }}" for index in range(3)]
    cache.document(texts[0], None)
    cache.document(texts[1], None)
    cache.document(texts[0], None)  # used again: texts[1] is now the least recently used
    cache.document(texts[2], None)
    assert len(cache) == 2
    assert (cache.parses, cache.hits) == (3, 1)
    cache.document(texts[0], None)
    assert (cache.parses, cache.hits) == (3, 2)
    cache.document(texts[1], None)  # it had left: parsed again
    assert (cache.parses, cache.hits) == (4, 2)


async def test_the_limits_still_apply_to_a_cached_document(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a document with more aliases than allowed
    document = "{ " + " ".join(f"a{index}: viewer {{ role }}" for index in range(51)) + " }"

    # when it is sent twice, then it is refused both times
    for _ in range(2):
        errors = await graphql.errors(document, key=keys.alpha.viewer)
        assert "aliases" in errors[0]["message"], errors
