"""The cost directives the schema publishes (`@cost`, `@listSize`) give a gateway the cost this
server counts (app/graphql/guards/cost.py), on every document the tests and the benchmark send.

`StaticCostAnalysis` is a gateway's static analysis as the GraphQL cost-directive specification
describes it and as federation gateways implement it, working from the published SDL alone:

- an operation costs the sum of its fields, a mutation 10 more;
- a field costs `count * (weight + its selection's cost) + its arguments' cost`, where `weight`
  is the field's `@cost`, else 1 for an object, an interface or a union and 0 for a scalar or an
  enum; `count` is 1 for a field that is not a list, else the size its parent's `@listSize`
  gives it as a sized field, else its own `@listSize` (the largest slicing argument, its default
  when absent from the operation, or `assumedSize`), else the gateway's default list size;
- an argument costs its `@cost`, else 1 for an input object and 0 for anything else, plus the
  cost of the input fields it sets (a variable's value is scored the same way);
- `__typename` costs nothing, nor a field skipped by a literal `@skip`/`@include`.

The published directives never leave a list's size to the gateway's default: the analysis comes
to the same total whatever that default is.
"""

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLType,
    GraphQLUnionType,
    GraphQLWrappingType,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    build_ast_schema,
    get_named_type,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.error import GraphQLSyntaxError

from app.graphql.guards.cost import operation_cost
from app.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[3]
MUTATION_BASE_COST = 10


@dataclass(frozen=True)
class ListSize:
    expected: int | None
    sized_fields: frozenset[str]


class StaticCostAnalysis:
    """A gateway's static cost analysis over an SDL with the cost directives."""

    def __init__(self, sdl: str, *, default_list_size: int) -> None:
        # The SDL is a subgraph's: it applies federation's directives without defining them.
        self.schema = build_ast_schema(parse(sdl), assume_valid_sdl=True)
        self.default_list_size = default_list_size

    def cost(
        self, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
    ) -> int:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        operation = next(
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        )
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        root = self.schema.get_root_type(operation.operation)
        assert root is not None
        base = MUTATION_BASE_COST if operation.operation is OperationType.MUTATION else 0
        return base + self.selection_set(operation.selection_set, root, None)

    def selection_set(
        self, selections: SelectionSetNode, parent: GraphQLNamedType, sizing: ListSize | None
    ) -> int:
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                upstream = None
                if sizing is not None and selection.name.value in sizing.sized_fields:
                    upstream = sizing.expected
                total += self.field(selection, parent, upstream)
            elif isinstance(selection, InlineFragmentNode):
                on = parent
                if selection.type_condition is not None:
                    named = self.schema.get_type(selection.type_condition.name.value)
                    assert named is not None
                    on = named
                total += self.selection_set(selection.selection_set, on, sizing)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                on_type = self.schema.get_type(fragment.type_condition.name.value)
                assert on_type is not None
                total += self.selection_set(fragment.selection_set, on_type, sizing)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType, upstream: int | None) -> int:
        name = node.name.value
        if name == "__typename" or skipped(node):
            return 0
        assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType), parent
        definition = parent.fields[name]
        named = get_named_type(definition.type)
        list_size = self.list_size(definition, node)
        if not is_list(definition.type):
            count = 1
        elif upstream is not None:
            count = upstream
        elif list_size is not None and list_size.expected is not None:
            count = list_size.expected
        else:
            count = self.default_list_size
        weight = directive_argument(definition, "cost", "weight")
        if weight is None:
            weight = directive_argument(named, "cost", "weight")
        if weight is None:
            composite = isinstance(
                named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
            )
            weight = 1 if composite else 0
        selected = 0
        if node.selection_set is not None:
            selected = self.selection_set(node.selection_set, named, list_size)
        arguments = sum(
            self.argument(argument.value, definition.args[argument.name.value])
            for argument in node.arguments or ()
        )
        return max(count * (weight + selected) + arguments, 0)

    def list_size(self, definition: GraphQLField, node: FieldNode) -> ListSize | None:
        directive = applied(definition, "listSize")
        if directive is None:
            return None
        arguments = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments}
        slicing: dict[str, int] = {}
        for name in arguments.get("slicingArguments") or ():
            given_default = definition.args[name].ast_node
            default = (
                value_from_ast_untyped(given_default.default_value)
                if given_default is not None and given_default.default_value is not None
                else None
            )
            if isinstance(default, int):
                slicing[name] = default
        for argument in node.arguments or ():
            if argument.name.value not in slicing and argument.name.value not in (
                arguments.get("slicingArguments") or ()
            ):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                slicing[argument.name.value] = int(value.value)
            elif isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int):
                    slicing[argument.name.value] = given
        if arguments.get("slicingArguments") and arguments.get("requireOneSlicingArgument", True):
            assert len(slicing) == 1, f"exactly one slicing argument expected: {slicing}"
        expected = max(slicing.values()) if slicing else arguments.get("assumedSize")
        return ListSize(expected, frozenset(arguments.get("sizedFields") or ()))

    def argument(self, value: ValueNode, definition: GraphQLArgument | GraphQLInputField) -> int:
        if isinstance(value, VariableNode):
            return self.variable(self.variables.get(value.name.value), definition)
        weight = directive_argument(definition, "cost", "weight")
        named = get_named_type(definition.type)
        if isinstance(value, NullValueNode):
            return 0
        if isinstance(value, ObjectValueNode) and isinstance(named, GraphQLInputObjectType):
            return (1 if weight is None else weight) + sum(
                self.argument(field.value, named.fields[field.name.value]) for field in value.fields
            )
        if isinstance(value, ListValueNode):
            return (weight or 0) + sum(self.argument(item, definition) for item in value.values)
        return weight or 0

    def variable(self, value: object, definition: GraphQLArgument | GraphQLInputField) -> int:
        weight = directive_argument(definition, "cost", "weight")
        named = get_named_type(definition.type)
        if value is None:
            return 0
        if isinstance(value, dict) and isinstance(named, GraphQLInputObjectType):
            return (1 if weight is None else weight) + sum(
                self.variable(item, named.fields[key]) for key, item in value.items()
            )
        if isinstance(value, list):
            return (weight or 0) + sum(self.variable(item, definition) for item in value)
        return weight or 0


def applied(element: Any, name: str) -> Any:
    node = getattr(element, "ast_node", None)
    for directive in getattr(node, "directives", None) or ():
        if directive.name.value == name:
            return directive
    return None


def directive_argument(element: Any, directive: str, argument: str) -> int | None:
    found = applied(element, directive)
    if found is None:
        return None
    for given in found.arguments:
        if given.name.value == argument:
            value = value_from_ast_untyped(given.value)
            return int(value)
    return None


def is_list(type_: GraphQLType) -> bool:
    while isinstance(type_, GraphQLWrappingType):
        if isinstance(type_, GraphQLList):
            return True
        type_ = type_.of_type
    return False


def skipped(node: FieldNode) -> bool:
    for directive in node.directives or ():
        condition = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        if isinstance(condition, BooleanValueNode):
            if directive.name.value == "skip" and condition.value:
                return True
            if directive.name.value == "include" and not condition.value:
                return True
    return False


# -- the documents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    source: str
    text: str
    name: str | None


def sent_documents() -> Iterator[tuple[str, str]]:
    """Every GraphQL document the areas' tests and the benchmark send, by where it is defined."""
    import benchmarks.queries
    import tests.graphql

    modules = [benchmarks.queries]
    for info in pkgutil.walk_packages(tests.graphql.__path__, "tests.graphql."):
        if info.name.endswith(".documents") or info.name == "tests.graphql.operations":
            modules.append(importlib.import_module(info.name))
    for module in modules:
        for attribute, value in vars(module).items():
            if isinstance(value, str) and not attribute.startswith("_"):
                yield f"{module.__name__}.{attribute}", value


def operations() -> list[Operation]:
    found = []
    for source, text in sent_documents():
        try:
            document = parse(text)
        except GraphQLSyntaxError:
            continue  # a fragment of a document, or not GraphQL at all
        if validate(schema._schema, document):
            continue  # a document the tests send to see it refused
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                name = definition.name.value if definition.name else None
                found.append(Operation(source, text, name))
    return found


OPERATIONS = operations()
FEDERATION_ONLY = ("_entities", "_service")
"""What only a gateway sends, never through its own analysis: left out."""


def int_variables(document: DocumentNode, value: int) -> dict[str, int]:
    """`value` for each Int variable the document declares (page sizes, mostly)."""
    given = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                type_ = variable.type
                while isinstance(type_, ListTypeNode | NonNullTypeNode):
                    type_ = type_.type
                if isinstance(type_, NamedTypeNode) and type_.name.value == "Int":
                    given[variable.variable.name.value] = value
    return given


def test_the_documents_are_many() -> None:
    sources = {operation.source.split(".")[-3] for operation in OPERATIONS}
    assert len(OPERATIONS) >= 60, len(OPERATIONS)
    assert {"benchmarks", "versions", "auth_configs", "impact", "rollouts", "events"} <= sources


@pytest.mark.parametrize("page", [None, 7, 100])
def test_a_gateway_counts_what_the_server_counts(page: int | None) -> None:
    gateway = StaticCostAnalysis(schema.as_str(), default_list_size=10)
    compared = 0
    disagreements = []
    for operation in OPERATIONS:
        if any(name in operation.text for name in FEDERATION_ONLY):
            continue
        document = parse(operation.text)
        variables = {} if page is None else int_variables(document, page)
        server = operation_cost(schema._schema, document, operation.name, variables).total
        published = gateway.cost(document, operation.name, variables)
        compared += 1
        if server != published:
            disagreements.append((operation.source, operation.name, server, published))
    assert disagreements == []
    assert compared >= 60


def test_no_list_is_left_to_the_gateways_default_size() -> None:
    small = StaticCostAnalysis(schema.as_str(), default_list_size=1)
    large = StaticCostAnalysis(schema.as_str(), default_list_size=1000)
    for operation in OPERATIONS:
        if any(name in operation.text for name in FEDERATION_ONLY):
            continue
        document = parse(operation.text)
        assert small.cost(document, operation.name, {}) == large.cost(
            document, operation.name, {}
        ), operation.source


EXTRA = {
    "input objects, nested, cost nothing": (
        (
            'query { impact(change: { pushVersion: { connectorKey: "k", version: "1.1.0", '
            "definition: {a: [1, {b: 2}]} } }) { authConfigsChanged moves(first: 3) "
            "{ edges { node { accountsMoving } } } } }"
        ),
        None,
    ),
    "input objects from variables cost nothing": (
        "mutation ($input: PushVersionInput!) { pushVersion(input: $input) { __typename } }",
        {"input": {"connectorKey": "k", "version": "1.0.0", "definition": {"x": {"y": [1]}}}},
    ),
    "aliased writes, each": (
        (
            'mutation { a: publishVersion(input: { versionId: "v" }) { __typename } '
            'b: publishVersion(input: { versionId: "w" }) { ... on Error { code } } }'
        ),
        None,
    ),
    "nested connections and heavy values": (
        (
            "{ connectors(first: 4) { pageInfo { hasNextPage } edges { node { "
            "versions(first: 6) { edges { node { definition config readme revisions { definition } "
            "} } } } } } }"
        ),
        None,
    ),
    "first from a variable that is absent takes its default": (
        "query ($n: Int) { connectors(first: $n) { edges { node { id } } } }",
        {},
    ),
    "fragments and interfaces": (
        (
            'query { node(id: "x") { ...N } } fragment N on Node { id ... on Connector { '
            "authConfigs(first: 2) { edges { node { connectors { key } } } } } }"
        ),
        None,
    ),
}


@pytest.mark.parametrize(("document", "variables"), EXTRA.values(), ids=EXTRA.keys())
def test_and_on_the_corners_of_the_rule(document: str, variables: dict[str, Any] | None) -> None:
    parsed = parse(document)
    assert validate(schema._schema, parsed) == []
    gateway = StaticCostAnalysis(schema.as_str(), default_list_size=10)

    server = operation_cost(schema._schema, parsed, None, variables)

    assert server.total == gateway.cost(parsed, None, variables or {})
    assert server.total > 0
