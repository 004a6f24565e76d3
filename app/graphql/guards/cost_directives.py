"""The cost rule of `app.graphql.guards.cost`, published in the schema as the GraphQL cost
directives (`@cost(weight:)` and `@listSize(...)`, as the cost-directive specification defines
them and as federation gateways read them), so that a gateway's static analysis of an operation
comes to the total this server counts, and can enforce the same `MAX_QUERY_COST`.

The directives are derived from the rule, not written by hand on each field: a field added to the
schema is published with its cost by construction. What the analysis assumes by default (an object
costs 1, a scalar or an enum 0, an input object 1, a list the gateway's configured size) is stated
wherever the rule differs from it:

- a heavy value (`HEAVY_VALUE_COST`): `@cost(weight: 100)` on the field;
- a write (each mutation field, each `impact`): `@cost(weight: 1001)`, the write and the object
  the field returns (a weight replaces the default of the field's type);
- a connection: `@listSize(slicingArguments: ["first"], sizedFields: ["edges"])`;
- any other list: `@listSize(assumedSize: 10)` (`ASSUMED_LIST_SIZE`), whatever a gateway's default;
- an argument or input field of an input object type: `@cost(weight: 0)`, as arguments cost the
  server nothing.
"""

from collections.abc import Iterable, Iterator

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLUnionType,
    is_composite_type,
)
from strawberry import UNSET
from strawberry.federation.schema_directives import Cost, ListSize

from app.graphql.guards.cost import (
    ASSUMED_LIST_SIZE,
    HEAVY_VALUE_COST,
    PAGE_SIZE_ARGUMENT,
    PREVIEW_FIELDS,
    WRITE_COST,
    is_connection,
    is_heavy,
    unwrap,
)

_BACKREF = "strawberry-definition"
"""Where Strawberry keeps, on a graphql-core field or argument, the definition it converted."""


def attach_cost_directives(
    types: Iterable[GraphQLNamedType | None], mutation: GraphQLObjectType | None
) -> None:
    """Attach the directives that state the cost rule to the Strawberry definitions behind
    `types` and every type they reach, before the schema collects its directives."""
    for type_ in _reachable(types):
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in type_.fields.items():
                if not name.startswith("_"):  # federation's own fields, never a client's
                    _publish_field(type_, name, field, writes=type_ is mutation)
        elif isinstance(type_, GraphQLInputObjectType):
            for input_field in type_.fields.values():
                _publish_free_input(input_field)


def field_weight(parent: str, name: str, field: GraphQLField, *, writes: bool) -> int | None:
    """The `@cost` weight the rule gives a field, or None where the default weight is the rule's."""
    named, _ = unwrap(field.type)
    composite = is_composite_type(named)
    default = 1 if composite else 0
    weight = default
    if not composite and is_heavy(name, named.name):
        weight = HEAVY_VALUE_COST
    if writes or (parent, name) in PREVIEW_FIELDS:
        weight += WRITE_COST
    return None if weight == default else weight


def _publish_field(
    parent: GraphQLObjectType | GraphQLInterfaceType,
    name: str,
    field: GraphQLField,
    *,
    writes: bool,
) -> None:
    weight = field_weight(parent.name, name, field, writes=writes)
    if weight is not None:
        if isinstance(parent, GraphQLInterfaceType):
            # The specification allows no @cost on an interface's fields: its implementations'
            # weights apply. The rule never asks for one there; if it ever did, say so.
            raise ValueError(f"{parent.name}.{name}: an interface field cannot carry @cost")
        _add(field, Cost(weight=weight))
    named, is_list = unwrap(field.type)
    if is_connection(field):
        if is_list or not isinstance(named, GraphQLObjectType):
            raise ValueError(f"{parent.name}.{name}: a connection returns one object")
        sized = [item for item, inner in named.fields.items() if unwrap(inner.type)[1]]
        _add(
            field,
            ListSize(
                assumed_size=UNSET,
                slicing_arguments=[PAGE_SIZE_ARGUMENT],
                sized_fields=sized,
                require_one_slicing_argument=UNSET,  # true, the default: `first` has a default
            ),
        )
    elif is_list and (is_composite_type(named) or weight is not None):
        # a list of scalars costs nothing, whatever its size: its size is left unsaid
        _add(
            field,
            ListSize(
                assumed_size=ASSUMED_LIST_SIZE,
                slicing_arguments=UNSET,
                sized_fields=UNSET,
                require_one_slicing_argument=UNSET,
            ),
        )
    for argument in field.args.values():
        _publish_free_input(argument)


def _publish_free_input(value: GraphQLArgument | GraphQLInputField) -> None:
    """An input object given as an argument costs nothing here; the analysis' default is 1."""
    if isinstance(unwrap(value.type)[0], GraphQLInputObjectType):
        _add(value, Cost(weight=0))


def _add(element: GraphQLField | GraphQLArgument | GraphQLInputField, directive: object) -> None:
    definition = element.extensions.get(_BACKREF)
    if definition is None:
        raise ValueError(f"{element!r} has no Strawberry definition to carry {directive!r}")
    present = list(definition.directives)
    if any(type(existing) is type(directive) for existing in present):
        return  # attached by an earlier schema built from the same definitions
    definition.directives = [*present, directive]


def _reachable(types: Iterable[GraphQLNamedType | None]) -> Iterator[GraphQLNamedType]:
    seen: set[str] = set()
    pending = [type_ for type_ in types if type_ is not None]
    while pending:
        type_ = pending.pop()
        if type_.name in seen:
            continue
        seen.add(type_.name)
        yield type_
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field in type_.fields.values():
                pending.append(unwrap(field.type)[0])
                pending.extend(unwrap(argument.type)[0] for argument in field.args.values())
            pending.extend(type_.interfaces)
        elif isinstance(type_, GraphQLUnionType):
            pending.extend(type_.types)
        elif isinstance(type_, GraphQLInputObjectType):
            pending.extend(unwrap(field.type)[0] for field in type_.fields.values())
