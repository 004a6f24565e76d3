"""Fields graphql-core answers by reading an attribute, without Strawberry's resolver wrapper.

Strawberry puts a wrapper in front of every field. One without a resolver reads its attribute
through four Python calls around a `getattr`; one with a resolver also builds an `Info`,
converts its arguments and chains its extensions, even when the object already holds the answer.
In a page of accounts that is a good part of what each account costs, however plain its data.

- `read_attributes_directly`: every field without a resolver (nor extension) reads its
  attribute with one call, as Strawberry's default resolver would.
- `answer_at_hand`: a field with a resolver answers from an attribute of its object when that is
  set and every argument is null; otherwise its resolver answers, as before.

Both change how a field is resolved, never what it answers, and run once, on the built schema.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.resolvers import is_default_resolver
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Resolve = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class PlainRead:
    """How a field set up here reads its answer: `attribute` of its object. `at_hand`: the
    answer is there only when not None (otherwise its resolver answers), and only for null
    arguments."""

    attribute: str
    at_hand: bool


_PLAIN_READS: dict[Resolve, PlainRead] = {}


def plain_read_of(resolve: Resolve | None) -> PlainRead | None:
    """How the field whose resolve function is `resolve` reads its answer, when it was set up
    here (`app.graphql.plain_lists` completes lists of them without graphql-core's help)."""
    return None if resolve is None else _PLAIN_READS.get(resolve)


def read_attributes_directly(schema: GraphQLSchema) -> None:
    """Every field without a resolver or extension reads its attribute itself."""
    for field in _strawberry_fields(schema):
        definition = _definition(field)
        if definition is None or not definition.is_basic_field:
            continue
        if definition.default_resolver is not getattr:
            continue
        if field.resolve is None or not is_default_resolver(field.resolve):
            continue
        field.resolve = _attribute_reader(definition.python_name)


def answer_at_hand(schema: GraphQLSchema, type_name: str, field_name: str, attribute: str) -> None:
    """`type_name.field_name` answers with its object's `attribute` when that is not None and
    every argument is null (or not given); otherwise through its resolver."""
    field = _field(schema, type_name, field_name)
    through_resolver = field.resolve
    if through_resolver is None:
        raise ValueError(f"{type_name}.{field_name} has no resolver to fall back to")
    nulls = dict.fromkeys(field.args)

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        answer = getattr(source, attribute)
        if answer is not None and (not arguments or arguments == nulls):
            return answer
        return through_resolver(source, info, **arguments)

    field.resolve = resolve
    _PLAIN_READS[resolve] = PlainRead(attribute, at_hand=True)


def _attribute_reader(name: str) -> Resolve:
    def read(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, name)

    # Strawberry's extensions (tracing) leave default resolvers alone: so is this one.
    read._is_default = True  # type: ignore[attr-defined]
    _PLAIN_READS[read] = PlainRead(name, at_hand=False)
    return read


def _strawberry_fields(schema: GraphQLSchema) -> list[GraphQLField]:
    return [
        field
        for named in schema.type_map.values()
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__")
        for field in named.fields.values()
    ]


def _definition(field: GraphQLField) -> StrawberryField | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None


def _field(schema: GraphQLSchema, type_name: str, field_name: str) -> GraphQLField:
    named = schema.get_type(type_name)
    if not isinstance(named, GraphQLObjectType) or field_name not in named.fields:
        raise LookupError(f"no field {type_name}.{field_name}")
    field: GraphQLField = named.fields[field_name]
    return field
