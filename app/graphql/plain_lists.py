"""Lists of plain data completed without graphql-core's machinery per field.

graphql-core completes every field of every item of a list on its own: a path, a resolve info,
the resolver, an awaitable check, then a walk down the field's type (non-null? list? leaf?
abstract? object?) before the next level does the same. For a page of accounts that only shows
each account's effective version, that walk is most of what an extra account costs.

When every field a list's items select is read as it is (`app.graphql.plain`: an attribute, or
an answer at hand asked for with null arguments) down to its leaves, and no extension hooks into
resolving, the executor reads the items with a plan made once per list field and operation: an
attribute read and a type check per field, the leaves serialised as graphql-core does. Anything
a plan does not expect (a null where the schema forbids one, an answer not at hand, a value its
type refuses, any exception) sends the whole list through graphql-core as before, which reads
the same attributes again and reports what it finds, so answers and errors are the same.
"""

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graphql.plain import PlainRead, plain_read_of

Complete = Callable[[Any], Any]


class NotPlain(Exception):
    """Raised by a plan when an item is not what it expects: graphql-core completes the list."""


class PlainListsExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with lists of plain data completed by plans."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLOutputType, int], tuple[object, Complete | None]] = {}

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        plan = self._plan(item_type, field_details_list, info)
        if plan is not None and self.get_stream_usage(field_details_list, path) is None:
            items = list(items)
            try:
                return [plan(item) for item in items]
            except Exception:  # noqa: BLE001 - graphql-core completes it, and reports any error
                pass
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _plan(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
    ) -> Complete | None:
        """The list's plan, made on first use for this operation (None: not plain)."""
        # Keyed like graphql-core's own memo of collected subfields: the list is kept alive
        # with its plan, so its id is not reused while the operation runs.
        key = (item_type, id(field_details_list))
        kept = self._plans.get(key)
        if kept is None:
            plan = None
            if not (self.middleware_manager and self.middleware_manager.middlewares):
                plan = self._completion(item_type, field_details_list, info)
            kept = self._plans[key] = (field_details_list, plan)
        return kept[1]

    def _completion(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
    ) -> Complete | None:
        """How a value of `return_type` is completed, when plainly (None: not plain)."""
        required = isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if isinstance(named, GraphQLLeafType):
            present = _leaf(named)
        elif isinstance(named, GraphQLObjectType):
            found = self._object(named, field_details_list, info)
            if found is None:
                return None
            present = found
        else:
            return None  # lists and abstract types: graphql-core's
        return _required(present) if required else _nullable(present)

    def _object(
        self,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
    ) -> Complete | None:
        grouped, defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        if defer_usages:
            return None
        fields: list[tuple[str, Complete]] = []
        for response_name, details in grouped.items():
            field = self._field(object_type, details, info)
            if field is None:
                return None
            fields.append((response_name, field))
        return _object_completion(object_type, fields, info)

    def _field(
        self,
        object_type: GraphQLObjectType,
        details: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
    ) -> Complete | None:
        """How one selected field is read and completed, when plainly."""
        first = details[0]
        name = first.node.name.value
        if name == "__typename":
            type_name = object_type.name
            return lambda _source: type_name
        definition = self.schema.get_field(object_type, name)
        read = None if definition is None else plain_read_of(definition.resolve)
        if definition is None or read is None or not self._null_arguments(definition, details):
            return None
        complete = self._completion(definition.type, details, info)
        if complete is None:
            return None
        return _reading(read, complete)

    def _null_arguments(self, definition: GraphQLField, details: FieldDetailsList) -> bool:
        """Whether every argument of the field, as this operation gives them, is null."""
        if not definition.args and not details[0].node.arguments:
            return True
        first = details[0]
        arguments = get_argument_values(
            definition,
            first.node,
            self.variable_values,
            first.fragment_variable_values,
            self.hide_suggestions,
        )
        return all(value is None for value in arguments.values())


def _reading(read: PlainRead, complete: Complete) -> Complete:
    get = attrgetter(read.attribute)
    if not read.at_hand:
        return lambda source: complete(get(source))

    def at_hand(source: Any) -> Any:
        answer = get(source)
        if answer is None:
            raise NotPlain  # not at hand: its resolver answers
        return complete(answer)

    return at_hand


def _object_completion(
    object_type: GraphQLObjectType,
    fields: list[tuple[str, Complete]],
    info: GraphQLResolveInfo[Any],
) -> Complete:
    is_type_of = object_type.is_type_of

    def complete(source: Any) -> dict[str, Any]:
        # graphql-core asks with the info of the field that returned the object; the schema's
        # checks (Strawberry's) read only the object.
        if is_type_of is not None and is_type_of(source, info) is not True:
            raise NotPlain
        completed = {}
        for name, field in fields:
            completed[name] = field(source)
        return completed

    return complete


def _leaf(leaf_type: GraphQLLeafType) -> Complete:
    coerce = leaf_type.coerce_output_value

    def complete(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise NotPlain
        return coerced

    return complete


def _required(complete: Complete) -> Complete:
    """A non-null type's completion: a null is graphql-core's to report."""

    def required(value: Any) -> Any:
        if value is None:
            raise NotPlain
        return complete(value)

    return required


def _nullable(complete: Complete) -> Complete:
    def nullable(value: Any) -> Any:
        return None if value is None else complete(value)

    return nullable
