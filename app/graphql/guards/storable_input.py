"""Refusing an operation whose input holds text the databases cannot store
(`app.domain.storable_text`), before any of it runs.

One check for every field, in queries, mutations and subscriptions alike, over both ways a
value arrives: string literals in the document are checked by a validation rule, so once per
distinct document (its validation answer is kept with it); variable values
differ per request and are checked with each request's validation, also for a document found in
the caches. The error is `INVALID_INPUT` and names the argument (`createConnector.input.name`),
the same whichever way the value came.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    SKIP,
    ArgumentNode,
    ASTValidationRule,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    get_operation_ast,
    visit,
)

from app.domain.storable_text import UnstorableText, find_unstorable_text, unstorable_character
from app.graphql.errors import PublicError


def unstorable_input_error(
    argument: str, found: UnstorableText, nodes: list[Node] | None = None
) -> PublicError:
    field = argument + found.path
    return PublicError(f"{field}: {found.problem()}", field=field, nodes=nodes)


class _Arguments(Visitor):
    """Every argument value of the visited nodes, with the path that names it:
    `createConnector.input` (a field's), `@include.if` (a directive's), `$name` (a variable's
    default value)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, ValueNode]] = []

    def enter_argument(
        self, node: ArgumentNode, _key: Any, _parent: Any, _path: Any, ancestors: Any
    ) -> object:
        owner = ancestors[-1]
        if isinstance(owner, DirectiveNode):
            prefix = f"@{owner.name.value}"
        else:
            assert isinstance(owner, FieldNode)
            prefix = owner.name.value
        self.found.append((f"{prefix}.{node.name.value}", node.value))
        return SKIP  # the value is walked by `_leaves`

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        if node.default_value is not None:
            self.found.append((f"${node.variable.name.value}", node.default_value))


def _arguments(nodes: list[Node]) -> list[tuple[str, ValueNode]]:
    arguments = _Arguments()
    for node in nodes:
        visit(node, arguments)
    return arguments.found


def _leaves(path: str, value: ValueNode) -> Iterator[tuple[str, ValueNode]]:
    """The strings and variables inside an argument value, with their paths, in order."""
    pending: list[tuple[str, ValueNode]] = [(path, value)]
    while pending:
        where, node = pending.pop()
        if isinstance(node, ObjectValueNode):
            pending.extend(
                (f"{where}.{field.name.value}", field.value) for field in reversed(node.fields)
            )
        elif isinstance(node, ListValueNode):
            pending.extend(
                (f"{where}[{index}]", item)
                for index, item in reversed(list(enumerate(node.values)))
            )
        elif isinstance(node, StringValueNode | VariableNode):
            yield where, node


class StorableStringLiterals(ASTValidationRule):
    """A string literal the databases cannot store is a validation error."""

    def enter_document(self, node: DocumentNode, *_: Any) -> object:
        for argument, value in _arguments([node]):
            for path, leaf in _leaves(argument, value):
                if not isinstance(leaf, StringValueNode):
                    continue
                character = unstorable_character(leaf.value)
                if character is not None:
                    found = UnstorableText(path="", character=character, in_key=False)
                    self.report_error(unstorable_input_error(path, found, [leaf]))
        return SKIP  # nothing else here to visit


def unstorable_variable_error(
    document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None
) -> PublicError | None:
    """The error for the first variable holding unstorable text, named by where the operation
    uses it (`createConnector.input.name` for `$input`'s `name`), else by the variable."""
    for name, value in (variables or {}).items():
        found = find_unstorable_text(value)
        if found is None:
            continue
        where, usage = _usage(document, operation_name, name)
        return unstorable_input_error(where, found, None if usage is None else [usage])
    return None


def _usage(
    document: DocumentNode, operation_name: str | None, variable: str
) -> tuple[str, Node | None]:
    operation = get_operation_ast(document, operation_name)
    fragments = [
        definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    ]
    scope: list[Node] = [*([] if operation is None else [operation]), *fragments]
    for argument, value in _arguments(scope):
        for path, leaf in _leaves(argument, value):
            if isinstance(leaf, VariableNode) and leaf.name.value == variable:
                return path, leaf
    return f"${variable}", None


LITERAL_RULES: list[type[ASTValidationRule]] = [StorableStringLiterals]
