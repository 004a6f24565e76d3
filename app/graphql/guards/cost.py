"""What an operation may cost before it runs: a count of the objects and heavy values it can return.

The rule, applied to the operation about to run (fragments inlined, variables substituted):

- every object a field returns costs 1, plus what is selected on it;
- a connection (a field with `first`) is one object whose `edges` hold up to `first` objects (its
  default when the argument or its variable is absent), `_entities` returns one object per
  representation, and any other list counts as `ASSUMED_LIST_SIZE` items;
- a heavy value — a JSON document (a definition, a config, an event's payload) or a readme —
  costs `HEAVY_VALUE_COST`: it can be as large as a definition may be;
- scalars, `__typename`, introspection and arguments cost nothing: their size is bounded by the
  schema or by the request's own size;
- a write costs `WRITE_COST` on top of what it returns: each mutation field, and each `impact`
  field, which runs its change's mutation (and reads before and after it) and rolls it back;
  a mutation operation costs `MUTATION_COST` once besides.

Aliases count once each: fifty aliases of one field cost fifty times that field. So with the
default `MAX_QUERY_COST` an operation makes fewer than 50 writes, and fifty aliased previews are
refused before any of them runs.

The schema publishes this rule as the GraphQL cost directives (`@cost`, `@listSize`; see
`app.graphql.guards.cost_directives`), so that a gateway's static cost analysis of an operation
comes to the same total as this count.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    value_from_ast,
)

ASSUMED_LIST_SIZE = 10
HEAVY_VALUE_COST = 100
HEAVY_SCALARS = frozenset({"JSON"})
HEAVY_TEXT_FIELDS = frozenset({"readme"})
WRITE_COST = 1_000
"""What a write costs besides what it returns: a transaction, its locks and its statements, worth
about as much work as a thousand objects read."""
MUTATION_COST = 10
"""What a mutation operation costs once, whatever its fields: the base cost gateways' static
analysis gives every mutation, counted here too so that both totals agree."""
PREVIEW_FIELDS = frozenset({("Query", "impact")})
"""Fields that run a mutation (rolled back): each costs a write."""
PAGE_SIZE_ARGUMENT = "first"
"""A field with this argument is a connection: the lists of the object it returns (its `edges`)
hold up to that many items."""


def is_heavy(field_name: str, type_name: str) -> bool:
    """Whether a leaf field's value is a heavy one (`HEAVY_VALUE_COST` each)."""
    return type_name in HEAVY_SCALARS or field_name in HEAVY_TEXT_FIELDS


def writes(parent: GraphQLNamedType, field_name: str, schema: GraphQLSchema) -> bool:
    """Whether the field makes a write (`WRITE_COST` each): a mutation field, or a preview."""
    return parent is schema.mutation_type or (parent.name, field_name) in PREVIEW_FIELDS


def is_connection(field: GraphQLField) -> bool:
    return PAGE_SIZE_ARGUMENT in field.args


@dataclass(frozen=True, slots=True)
class OperationCost:
    total: int
    heavy_values: int
    """How many heavy values the operation may return: when none, its response stays small."""
    uses_variables: bool = False
    """Whether a variable's value entered the count (else it holds for any variables)."""
    previews: int = 0
    """How many `impact` fields (previews, each running a mutation) the operation holds."""


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, object] | None,
) -> OperationCost:
    """The cost of the operation `operation_name` selects in a validated `document`."""
    operation = _operation(document, operation_name)
    if operation is None:
        return OperationCost(0, 0)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return OperationCost(0, 0)
    counter = _Counter(schema, document, variables or {})
    total = counter.selection_cost(operation.selection_set, root)
    if root is schema.mutation_type:
        total += MUTATION_COST
    return OperationCost(total, counter.heavy_values, counter.uses_variables, counter.previews)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


class _Counter:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, object]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.heavy_values = 0
        self.uses_variables = False
        self.previews = 0

    def selection_cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLType,
        *,
        page_size: int | None = None,
    ) -> int:
        """`page_size`: `parent` is a connection's object, whose lists hold that many items."""
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent, page_size=page_size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_cost(
                    selection.selection_set, on or parent, page_size=page_size
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    on = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection_cost(
                        fragment.selection_set, on or parent, page_size=page_size
                    )
        return total

    def field_cost(self, node: FieldNode, parent: GraphQLType, *, page_size: int | None) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        field = parent.fields.get(name)
        if field is None:
            return 0
        named, is_list = unwrap(field.type)
        write = 0
        if writes(parent, name, self.schema):
            write = WRITE_COST
            self.previews += (parent.name, name) in PREVIEW_FIELDS
        times = self.multiplier(node, field, is_list, page_size)
        if node.selection_set is None:
            if is_heavy(name, named.name):
                self.heavy_values += times
                return HEAVY_VALUE_COST * times + write
            return write
        before = self.heavy_values
        inner_page = self.page_size(node, field) if is_connection(field) else None
        per_object = 1 + self.selection_cost(node.selection_set, named, page_size=inner_page)
        self.heavy_values = before + (self.heavy_values - before) * times
        return times * per_object + write

    def multiplier(
        self, node: FieldNode, field: GraphQLField, is_list: bool, page_size: int | None
    ) -> int:
        """How many objects (or values) the field can return."""
        if "representations" in field.args:
            arguments = {argument.name.value: argument for argument in node.arguments or ()}
            representations = self.argument(arguments, field, "representations")
            return len(representations) if isinstance(representations, list) else 1
        if not is_list:
            return 1
        return ASSUMED_LIST_SIZE if page_size is None else page_size

    def page_size(self, node: FieldNode, field: GraphQLField) -> int:
        """How many items a connection's lists hold: its `first`, or `first`'s default when the
        argument, or its variable, is absent."""
        arguments = {argument.name.value: argument for argument in node.arguments or ()}
        first = self.argument(arguments, field, PAGE_SIZE_ARGUMENT)
        if not isinstance(first, int):
            first = field.args[PAGE_SIZE_ARGUMENT].default_value
        return max(first, 0) if isinstance(first, int) else ASSUMED_LIST_SIZE

    def argument(self, arguments: Mapping[str, object], field: GraphQLField, name: str) -> object:
        definition = field.args[name]
        node = arguments.get(name)
        if node is None:
            return definition.default_value
        self.uses_variables = self.uses_variables or _has_variable(node)
        return value_from_ast(getattr(node, "value", None), definition.type, dict(self.variables))


def _has_variable(node: object) -> bool:
    value = getattr(node, "value", None)
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(isinstance(item, VariableNode) for item in value.values)
    return isinstance(value, ObjectValueNode)  # a variable may hide in a field: assume so


def unwrap(type_: GraphQLType) -> tuple[GraphQLNamedType, bool]:
    """The named type under a field's type, and whether a list is on the way."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    return type_, is_list
