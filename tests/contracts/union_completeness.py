"""Do mutations' result unions list every error their resolvers can raise?

A domain error that reaches a mutation's resolver becomes a typed error only when the
exception handler that maps it (`app.graphql.errors.EXCEPTION_HANDLERS`) returns a type the
mutation's union lists; otherwise the client gets "Unexpected error.". This module puts the two
sides side by side: what each resolver can raise (`tests.contracts.raises`, read from the code)
and what its union lists (read from the schema), so that no union is kept complete by hand.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import strawberry
from strawberry.schema.exception_handlers import get_error_type, get_exception_types
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.union import StrawberryUnion

from tests.contracts.raises import DomainErrorType, Path_, RaiseAnalysis


@dataclass(frozen=True)
class Mutation:
    """A mutation field: its GraphQL name, its resolver and the types its result may be."""

    name: str
    resolver: Callable[..., object]
    result: str
    members: frozenset[type]


@dataclass(frozen=True)
class Handler:
    """One row of the exception table: domain exceptions and the GraphQL type they become."""

    exceptions: tuple[type[BaseException], ...]
    error_type: type


@dataclass(frozen=True)
class Gap:
    """An error a mutation can raise that its union does not list."""

    mutation: str
    result: str
    error: DomainErrorType
    error_type: type | None  # None: no handler maps the exception at all
    path: Path_

    def __str__(self) -> str:
        becomes = (
            f"{self.error_type.__name__}, which {self.result} does not list"
            if self.error_type
            else "no GraphQL type: no exception handler maps it"
        )
        return (
            f"{self.mutation} can raise {self.error.__name__} ({becomes}), via\n      "
            + "\n      -> ".join(self.path)
        )


def mutations_of(schema: strawberry.Schema) -> list[Mutation]:
    """Every field of the schema's Mutation type."""
    mutation_type = schema.schema_converter.type_map["Mutation"].definition
    assert isinstance(mutation_type, StrawberryObjectDefinition)
    found = []
    for field in mutation_type.fields:
        resolver = field.base_resolver
        assert resolver is not None, f"mutation {field.name} has no resolver"
        field_type = field.type
        # Not a union: no error can be returned as a result.
        members: frozenset[type] = frozenset()
        result = "-"
        if isinstance(field_type, StrawberryUnion):
            members = frozenset(t for t in field_type.types if isinstance(t, type))
            result = field_type.graphql_name or "-"
        name = schema.config.name_converter.get_graphql_name(field)
        function = resolver.wrapped_func
        assert callable(function), f"mutation {name}'s resolver is not a function"
        found.append(Mutation(name, function, result, members))
    return found


def field_resolvers(schema: strawberry.Schema) -> list[Callable[..., object]]:
    """The functions the GraphQL executor calls to resolve fields of the schema's types."""
    found = []
    for graphql_type in schema.schema_converter.type_map.values():
        for field in getattr(graphql_type.definition, "fields", []):
            resolver = getattr(field, "base_resolver", None)
            if resolver is not None:
                found.append(resolver.wrapped_func)
    return found


def handlers_of(schema: strawberry.Schema) -> list[Handler]:
    return [
        Handler(get_exception_types(handler), get_error_type(handler))
        for handler in schema.exception_handlers
    ]


def error_type_for(error: DomainErrorType, handlers: Sequence[Handler]) -> type | None:
    """The GraphQL type `error` is meant to become: that of the handler of its nearest class
    (a subclass's own handler before its base's), None when no handler takes it."""
    best: tuple[int, type] | None = None
    for handler in handlers:
        distances = [error.__mro__.index(e) for e in handler.exceptions if issubclass(error, e)]
        if distances and (best is None or min(distances) < best[0]):
            best = (min(distances), handler.error_type)
    return None if best is None else best[1]


def find_gaps(
    mutations: Iterable[Mutation],
    handlers: Sequence[Handler],
    analysis: RaiseAnalysis,
    allowed: Mapping[tuple[str, str], str],
) -> tuple[list[Gap], list[tuple[str, str]]]:
    """The gaps not in `allowed` (keyed by mutation and exception class name), and the entries
    of `allowed` that no longer match a gap (a stale allowance hides nothing and must go)."""
    gaps, used = [], set()
    for mutation in mutations:
        for error, path in sorted(
            analysis.raises(mutation.resolver).items(), key=lambda item: item[0].__name__
        ):
            error_type = error_type_for(error, handlers)
            if error_type is not None and error_type in mutation.members:
                continue
            key = (mutation.name, error.__name__)
            if key in allowed:
                used.add(key)
                continue
            gaps.append(
                Gap(mutation.name, mutation.result, error, error_type, (str(mutation.name), *path))
            )
    stale = sorted(set(allowed) - used)
    return gaps, stale
