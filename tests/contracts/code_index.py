"""The code `tests.contracts.raises` reads: the packages' sources, what runs when an object is
named (`NodeKey`s), and every method by its name for calls on values of unknown type."""

import ast
import functools
import importlib
import inspect
import pkgutil
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.contracts.code_values import absolute_module


@dataclass(frozen=True, order=True)
class NodeKey:
    """Code that runs: a function (by qualname), a class, or a module-level value."""

    kind: str  # "function", "class" or "value"
    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


class CodeIndex:
    """The packages' code, and `unresolved`: what could not be followed, for the report."""

    def __init__(self, packages: Iterable[str], never_guessed: Iterable[object]) -> None:
        self.packages = tuple(packages)
        self.unresolved: set[str] = set()
        self._never_guessed = {id(function) for function in never_guessed}
        self._functions: dict[NodeKey, types.FunctionType] = {}
        self._trees: dict[str, ast.Module] = {}
        self._methods: dict[str, list[tuple[type, object]]] | None = None

    def keys_of(self, value: object) -> list[NodeKey]:
        """What naming `value` may run: the function, or the class, it is (none when it is not
        the packages' own code)."""
        if isinstance(value, classmethod | staticmethod):
            value = value.__func__
        if isinstance(value, property):
            return [k for f in (value.fget, value.fset) if f for k in self.keys_of(f)]
        if isinstance(value, functools.partial):
            value = value.func
        if isinstance(value, type):
            if not self.ours(value):
                return []
            if "<locals>" in value.__qualname__:
                return [_enclosing(value.__module__, value.__qualname__)]
            return [NodeKey("class", value.__module__, value.__qualname__)]
        if callable(value):
            value = inspect.unwrap(value)
        if not isinstance(value, types.FunctionType) or not self.ours(value):
            return []
        if value.__name__ == "<lambda>" or not _has_source(value):
            return []  # a lambda is read where it is written; generated code raises nothing
        if "<locals>" in value.__qualname__:
            return [_enclosing(value.__module__, value.__qualname__)]
        key = NodeKey("function", value.__module__, value.__qualname__)
        self._functions.setdefault(key, value)
        return [key]

    def function(self, key: NodeKey) -> types.FunctionType | None:
        """The function object behind `key` (a method, a resolver inside a field, ...)."""
        if key in self._functions:
            return self._functions[key]
        value: Any = importlib.import_module(key.module)
        for part in key.name.split("."):
            value = inspect.getattr_static(value, part, None)
        if isinstance(value, classmethod | staticmethod):
            value = value.__func__
        if isinstance(value, property):
            value = value.fget
        resolver = getattr(value, "base_resolver", None)  # a Strawberry field's resolver
        if resolver is not None:
            value = resolver.wrapped_func
        value = inspect.unwrap(value) if callable(value) else value
        return value if isinstance(value, types.FunctionType) else None

    def by_name(self, name: str, within: type | None) -> list[NodeKey]:
        """Methods and properties called `name` of the packages' classes (of subclasses of
        `within` only, when given: an instance of a class may be one of a subclass)."""
        return [
            key
            for owner, member in self._method_index().get(name, [])
            if within is None or (owner is not within and _is_subclass(owner, within))
            for key in self.keys_of(member)
        ]

    def method_names(self) -> list[str]:
        return list(self._method_index())

    def defined_value(self, module_name: str, name: str) -> NodeKey | None:
        """The module-level value `name` of `module_name`, followed through imports."""
        if not self.in_packages(module_name):
            return None
        for node in self.tree(module_name).body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and name in assigned_names(node):
                return NodeKey("value", module_name, name)
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        source = absolute_module(node.module or "", node.level, module_name)
                        return self.defined_value(source, alias.name)
        return None

    def ours(self, value: object) -> bool:
        return self.in_packages(getattr(value, "__module__", None) or "")

    def in_packages(self, module: str) -> bool:
        return any(module == p or module.startswith(f"{p}.") for p in self.packages)

    def tree(self, module_name: str) -> ast.Module:
        if module_name not in self._trees:
            source = Path(inspect.getfile(importlib.import_module(module_name))).read_text()
            tree = self._trees[module_name] = ast.parse(source)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                    self.unresolved.add(f"{module_name} line {node.lineno}: star import")
        return self._trees[module_name]

    def _method_index(self) -> dict[str, list[tuple[type, object]]]:
        if self._methods is None:
            self._methods = {}
            for module in _modules(self.packages):
                for cls in vars(module).values():
                    if not isinstance(cls, type) or cls.__module__ != module.__name__:
                        continue
                    for name, member in vars(cls).items():
                        if isinstance(member, _METHODS) and id(member) not in self._never_guessed:
                            self._methods.setdefault(name, []).append((cls, member))
        return self._methods


_METHODS = (types.FunctionType, classmethod, staticmethod, property)


def find_definition(
    tree: ast.Module, qualname: str, module: types.ModuleType
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, type | None]:
    """The def of `qualname` in `tree`, and the class it is a method of."""
    body: list[ast.stmt] = tree.body
    owner: Any = module
    cls: type | None = None
    parts = qualname.split(".")
    for index, part in enumerate(parts):
        found = next(
            (
                node
                for node in body
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.name == part
            ),
            None,
        )
        last = index == len(parts) - 1
        if last and isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef):
            return found, cls
        if last or not isinstance(found, ast.ClassDef):
            return None, None
        owner = getattr(owner, part)
        cls = owner
        body = found.body
    return None, None


def class_at(module: types.ModuleType, qualname: str) -> type:
    value: Any = module
    for part in qualname.split("."):
        value = getattr(value, part)
    assert isinstance(value, type)
    return value


def validator_names(tree: ast.Module, qualname: str) -> set[str]:
    """Methods of the class decorated as validators (pydantic runs them on construction)."""
    body: list[ast.stmt] = tree.body
    for part in qualname.split("."):
        found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
        if found is None:
            return set()
        body = found.body
    return {
        node.name
        for node in body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
        if ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator).endswith(
            "validator"
        )
    }


def arguments_of(arguments: ast.arguments) -> list[ast.arg]:
    found = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return found + [a for a in (arguments.vararg, arguments.kwarg) if a is not None]


def assigned_names(node: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _enclosing(module: str, qualname: str) -> NodeKey:
    """Something made inside a function is read as part of that function."""
    return NodeKey("function", module, qualname.split(".<locals>")[0])


def _has_source(function: types.FunctionType) -> bool:
    """Whether `function` was written in its module's file (not generated, as a dataclass's
    `__init__` is)."""
    module = importlib.import_module(function.__module__)
    filename = getattr(module, "__file__", None)
    return filename is not None and Path(function.__code__.co_filename) == Path(filename)


def _is_subclass(cls: type, base: type) -> bool:
    try:
        return issubclass(cls, base)
    except TypeError:  # typing constructs (TypedDict, protocols) refuse the check
        return False


@functools.cache
def _modules(packages: tuple[str, ...]) -> tuple[types.ModuleType, ...]:
    """Every module of `packages`, imported."""
    found = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            found.append(importlib.import_module(info.name))
    return tuple(found)
