"""Checking a manifest of persisted documents before it is registered: each document must be
one the server would run — it parses within MAX_QUERY_TOKENS and validates against the schema
with the depth, alias and literal limits every operation is held to. What depends on a request
(its variables' cost, previews) is checked when the document runs, as for any document."""

from graphql import GraphQLError, parse, specified_rules
from strawberry.schema.schema import validate_document

from app.graphql.guards.limits import SHAPE_RULES
from app.graphql.guards.storable_input import LITERAL_RULES

_RULES = (*specified_rules, *SHAPE_RULES, *LITERAL_RULES)


def manifest_problems(manifest: dict[str, str], *, max_tokens: int) -> list[str]:
    """What keeps each document from running, as `<id>: <message>` lines (none: all run)."""
    from app.graphql.schema import schema  # the schema imports the endpoint's neighbours

    problems = []
    for document_id, document in manifest.items():
        try:
            parsed = parse(document, max_tokens=max_tokens)
        except GraphQLError as error:
            problems.append(f"{document_id}: {error.message}")
            continue
        problems.extend(
            f"{document_id}: {error.message}"
            for error in validate_document(schema._schema, parsed, _RULES)
        )
    return problems
