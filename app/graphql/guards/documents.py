"""What the server learns once about a document and keeps for its next requests: the parsed
document, its validation errors and, when no variable changes it, each operation's cost.

Clients send the same few documents again and again; parsing one, validating it and counting its
cost again is work repeated on every request. Entries are keyed by the document's text and the
token limit it was parsed under, in a bounded cache (least recently used leaves first).

Strawberry's `ParserCache` and `ValidationCache` did the first two, but the validation cache
keys on the parsed document, whose hash walks its whole syntax tree on every request; here the
text is the key, and the document found for it carries its answers.
"""

from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.schema.schema import validate_document

from app.graphql.guards.cost import OperationCost

Rules = tuple[type[ASTValidationRule], ...]


@dataclass(slots=True, eq=False)
class KnownDocument:
    document: DocumentNode
    validated_for: tuple[GraphQLSchema, Rules] | None = None
    errors: list[GraphQLError] = field(default_factory=list)
    """The validation errors under `validated_for` (its schema and rules)."""
    fixed_costs: dict[str | None, OperationCost] = field(default_factory=dict)
    """The cost of each operation (by name) that no variable's value changes."""


class DocumentCache:
    """Parsed documents by text and token limit; counts what it did, for tests and tuning."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, int | None], KnownDocument] = OrderedDict()
        self.parses = 0
        self.hits = 0
        self.validations = 0

    def __len__(self) -> int:
        return len(self._entries)

    def document(self, text: str, max_tokens: int | None) -> KnownDocument:
        """The document `text` parses to; a syntax error (or too many tokens) raises
        `GraphQLError` and is not kept."""
        key = (text, max_tokens)
        known = self._entries.get(key)
        if known is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            return known
        self.parses += 1
        known = KnownDocument(parse(text, max_tokens=max_tokens))
        self._entries[key] = known
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return known

    def validation_errors(
        self, known: KnownDocument, schema: GraphQLSchema, rules: Rules
    ) -> list[GraphQLError]:
        """The document's validation errors under these rules, worked out once."""
        validated_for = known.validated_for
        if validated_for is None or validated_for[0] is not schema or validated_for[1] != rules:
            known.errors = validate_document(schema, known.document, rules)
            known.validated_for = (schema, rules)
            self.validations += 1
        return list(known.errors)


DOCUMENT_CACHE_SIZE = 1024
"""Distinct documents kept; a client sends a handful of them."""

DOCUMENTS = DocumentCache(DOCUMENT_CACHE_SIZE)
"""The process's documents (one schema per process)."""
