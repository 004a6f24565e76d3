"""Parsing and validation run once per distinct document, in a bounded cache: the shape limits'
rule classes are built once, so the validation cache's key does not change between requests."""

import functools
import uuid
from typing import Any, cast

from strawberry.extensions import ParserCache, ValidationCache

from app.graphql.schema import DOCUMENT_CACHE_SIZE
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_the_same_document_is_parsed_and_validated_once(
    graphql: GraphQLClient, keys: Keys
) -> None:
    parse, validate = _caches()
    # given a document no request has sent before
    document = f"{{ viewer: viewer {{ role }} unique_{uuid.uuid4().hex}: viewer {{ role }} }}"
    parsed, validated = parse.cache_info(), validate.cache_info()

    # when three requests send it
    for _ in range(3):
        data = await graphql(document, key=keys.alpha.viewer)
        assert data["viewer"] == {"role": "VIEWER"}

    # then it was parsed and validated once, and the two later requests hit both caches
    assert parse.cache_info().misses - parsed.misses == 1
    assert parse.cache_info().hits - parsed.hits == 2
    assert validate.cache_info().misses - validated.misses == 1
    assert validate.cache_info().hits - validated.hits == 2


def test_the_caches_are_bounded() -> None:
    parse, validate = _caches()
    assert parse.cache_info().maxsize == validate.cache_info().maxsize == DOCUMENT_CACHE_SIZE


async def test_the_limits_still_apply_to_a_cached_document(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a document with more aliases than allowed
    document = "{ " + " ".join(f"a{index}: viewer {{ role }}" for index in range(51)) + " }"

    # when it is sent twice, then it is refused both times
    for _ in range(2):
        errors = await graphql.errors(document, key=keys.alpha.viewer)
        assert "aliases" in errors[0]["message"], errors


def _caches() -> "tuple[functools._lru_cache_wrapper[Any], functools._lru_cache_wrapper[Any]]":
    """The process-wide parse and validation caches the schema's extensions use."""
    parse = ParserCache(maxsize=DOCUMENT_CACHE_SIZE).cached_parse_document
    validate = ValidationCache(maxsize=DOCUMENT_CACHE_SIZE).cached_validate_document
    return (
        cast("functools._lru_cache_wrapper[Any]", parse),
        cast("functools._lru_cache_wrapper[Any]", validate),
    )
