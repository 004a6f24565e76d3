"""What a name or expression in a function refers to, as far as the code tells (for
`tests.contracts.raises`).

A value is either an object the analysis holds (a module, a class, a function, a module-level
value, looked up in the module's namespace at run time), an `Instance` of types known from
annotations (parameters, return types, fields, properties), `UNKNOWN`, or `SUPER`.
"""

import ast
import builtins
import importlib
import types
import typing
from collections import abc
from dataclasses import dataclass, field
from typing import Any

# Generic types whose first argument is what `with` (or `async with`) gives.
_CONTEXT_MANAGERS = (
    abc.AsyncIterator,
    abc.Iterator,
    abc.AsyncGenerator,
    abc.Generator,
    typing.AsyncContextManager,
    typing.ContextManager,
)


@dataclass(frozen=True)
class Instance:
    """An instance of one of `types` (classes, or generic aliases such as `Info[Context, None]`)."""

    types: tuple[object, ...]


@dataclass(frozen=True)
class BoundMethod:
    """`value.method` of a value whose type is known: calling it gives its return type."""

    function: object
    owner: object  # the annotation of the value, for its type arguments


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


class _Super:
    def __repr__(self) -> str:
        return "SUPER"


UNKNOWN: Any = _Unknown()
SUPER: Any = _Super()


@dataclass
class Scope:
    """Where names are looked up: a function (or a module-level value) of a module."""

    module: types.ModuleType
    where: str
    function: types.FunctionType | None = None
    cls: type | None = None
    bindings: dict[str, list[ast.AST]] = field(default_factory=dict)
    imported: dict[str, object] = field(default_factory=dict)
    handler_names: list[str] = field(default_factory=list)
    # The function's own parameters (`ast.arg` ids): their annotations are the function's.
    own_arguments: set[int] = field(default_factory=set)
    local_values: dict[str, object] = field(default_factory=dict)


def instance_of(annotation: object) -> object:
    """The value an annotation describes: `Instance` of its members (None left out)."""
    members = [
        member
        for member in (
            typing.get_args(annotation)
            if typing.get_origin(annotation) in (typing.Union, types.UnionType)
            else (annotation,)
        )
        if member is not type(None)
    ]
    if not members or any(m is Any or isinstance(m, typing.TypeVar) for m in members):
        return UNKNOWN
    return Instance(tuple(members))


def class_of(annotation: object) -> type | None:
    """The class behind an annotation (`list` for `list[int]`), None when there is none."""
    origin = typing.get_origin(annotation) or annotation
    return origin if isinstance(origin, type) else None


def hints(owner: object) -> dict[str, Any]:
    """`typing.get_type_hints`, or nothing when the annotations cannot be evaluated."""
    try:
        return typing.get_type_hints(owner)
    except (NameError, TypeError, AttributeError):
        return {}


def substitute(annotation: object, generic: object) -> object:
    """`annotation` with the type variables of `generic`'s class replaced by its arguments."""
    origin = typing.get_origin(generic)
    if not isinstance(annotation, typing.TypeVar) or origin is None:
        return annotation
    parameters = getattr(origin, "__parameters__", ())
    arguments = typing.get_args(generic)
    if annotation in parameters and len(arguments) == len(parameters):
        return arguments[parameters.index(annotation)]
    return annotation


def returned(function: object) -> object:
    """The value a call of `function` gives, from its return annotation."""
    if isinstance(function, classmethod | staticmethod):
        function = function.__func__
    if not callable(function):
        return UNKNOWN
    annotation = hints(function).get("return")
    return UNKNOWN if annotation is None else instance_of(annotation)


def entered(value: object) -> object:
    """What `with value as name` binds, when the value's type says it."""
    if not isinstance(value, Instance) or len(value.types) != 1:
        return UNKNOWN
    (annotation,) = value.types
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in _CONTEXT_MANAGERS and arguments:
        return instance_of(arguments[0])
    return UNKNOWN


# Nodes that bind the name in their `name` field.
_NAMED = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.ExceptHandler,
    ast.MatchAs,
    ast.MatchStar,
)


def bindings_of(roots: list[ast.AST]) -> dict[str, list[ast.AST]]:
    """Where each local name is bound: the nodes that bind it (parameters, assignments, `for`,
    `with`, `except`, comprehension and match targets, nested definitions), keyed by name."""
    found: dict[str, list[ast.AST]] = {}
    declared_global: set[str] = set()

    def bind(name: str, node: ast.AST) -> None:
        found.setdefault(name, []).append(node)

    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.arg):
                bind(node.arg, node)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in _stored_names(target):
                        bind(name, node)
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                for name in _stored_names(node.target):
                    bind(name, node)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                for name in _stored_names(node.optional_vars):
                    bind(name, node)
            elif isinstance(node, _NAMED):
                if node.name:
                    bind(node.name, node)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                bind(node.rest, node)
            elif isinstance(node, ast.Global):
                # (a `nonlocal` name stays local: nested functions are read with their own)
                declared_global.update(node.names)
    for name in declared_global:
        found.pop(name, None)
    return found


def _stored_names(target: ast.AST) -> list[str]:
    """The names an assignment target binds (not those read in `a.b = ...` or `a[i] = ...`)."""
    return [
        node.id
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    ]


def absolute_module(module: str, level: int, importer: str) -> str:
    """The absolute name of a `from .module import ...` in module `importer`."""
    if level == 0:
        return module
    package = importer.rsplit(".", level)[0]
    return f"{package}.{module}" if module else package


def import_binding(statement: ast.Import | ast.ImportFrom, importer: str) -> dict[str, object]:
    """The names an import statement binds, and what they are."""
    bound: dict[str, object] = {}
    for alias in statement.names:
        if isinstance(statement, ast.Import):
            top = alias.name.split(".")[0]
            bound[alias.asname or top] = importlib.import_module(
                alias.name if alias.asname else top
            )
            continue
        base = importlib.import_module(
            absolute_module(statement.module or "", statement.level, importer)
        )
        try:
            bound[alias.asname or alias.name] = getattr(base, alias.name)
        except AttributeError:
            bound[alias.asname or alias.name] = importlib.import_module(
                f"{base.__name__}.{alias.name}"
            )
    return bound


def builtin(name: str) -> object:
    return getattr(builtins, name, UNKNOWN)


def agreed(values: list[object]) -> object:
    """One value for several: the union of instances' types, the same object, or UNKNOWN."""
    if not values or any(value is UNKNOWN for value in values):
        return UNKNOWN
    instances = [value for value in values if isinstance(value, Instance)]
    if len(instances) == len(values):
        return Instance(tuple(dict.fromkeys(t for value in instances for t in value.types)))
    first = values[0]
    return first if all(value is first for value in values) else UNKNOWN


def unpacked(name: str, targets: list[ast.expr], value: object) -> object:
    """The value `name` gets from `a, b = value` when `value` is a typed tuple."""
    if not isinstance(value, Instance) or len(value.types) != 1 or len(targets) != 1:
        return UNKNOWN
    (target,) = targets
    (annotation,) = value.types
    arguments = typing.get_args(annotation)
    if (
        not isinstance(target, ast.Tuple)
        or typing.get_origin(annotation) is not tuple
        or len(arguments) != len(target.elts)
    ):
        return UNKNOWN
    for element, argument in zip(target.elts, arguments, strict=True):
        if isinstance(element, ast.Name) and element.id == name:
            return instance_of(argument)
    return UNKNOWN
