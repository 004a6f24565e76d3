"""Which domain errors a function can raise, found by reading its code (static analysis).

`RaiseAnalysis` reads a function's source and follows, transitively, every function, method,
class and module-level value it names within the given packages. Names are resolved through
the modules' namespaces at run time (so imports, aliases and re-exports resolve as Python
resolves them), and `value.attribute` through the value's type where annotations tell it
(parameters, return types, fields, properties; `tests.contracts.code_reader`). Where the code
does not tell, the analysis assumes the worst rather than the best, so that no raise is missed
quietly:

- `value.name` on a value of unknown type may be any method or property called `name` of any
  class in the packages (except `never_guessed` ones, such as GraphQL field resolvers, which
  only the GraphQL executor calls); on a value of a known class, that class's or a subclass's;
- calling a value of unknown type may run any `__call__`; `with` on one, any `__enter__`,
  `__exit__`, `__aenter__` or `__aexit__`;
- naming a class may run its dunder methods (constructor, `__post_init__`, operators) and its
  pydantic validators, its bases' included; naming a function may call it;
- naming a module-level value runs what its definition names (a lambda in it, say); nested
  functions, classes and lambdas are read as part of the code that contains them;
- an `except` removes what it catches unless it re-raises it (`raise` or `raise e`).

What it cannot follow is reported (`UnresolvedCode`) instead of being skipped: a `raise` of
anything but a domain error class, an instance of one, or a call of a function annotated to
return specific ones; a name bound nowhere; a `getattr` with a computed name on a value of
unknown type; a star import; an `except` of something that is not an exception class.
Not followed (a documented limit): code that libraries call back (SQLAlchemy event hooks,
functions kept in registries filled at import), and setters run by attribute assignments.
"""

import ast
import importlib
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from app.domain.errors import DomainError
from tests.contracts.code_index import (
    CodeIndex,
    NodeKey,
    arguments_of,
    assigned_names,
    class_at,
    find_definition,
    validator_names,
)
from tests.contracts.code_reader import NOT_RUN, ExpressionReader, where
from tests.contracts.code_values import Instance, Scope, bindings_of, class_of, import_binding

DomainErrorType = type[DomainError]
# How a raise is reached: each step's "module.qualname", the last one with the raise's line.
Path_ = tuple[str, ...]

_UNKNOWN_WITH = ("__enter__", "__exit__", "__aenter__", "__aexit__")


class UnresolvedCode(AssertionError):
    """Code the analysis could not follow; it cannot vouch for what that code raises."""


# What a node runs, reduced to what matters for raising.
@dataclass(frozen=True)
class _Raise:
    error: DomainErrorType
    line: int


@dataclass(frozen=True)
class _Runs:
    target: NodeKey


@dataclass(frozen=True)
class _Handler:
    catches: tuple[type[BaseException], ...] | None  # None: a bare `except:`
    reraises: bool
    body: "list[_Item]"


@dataclass(frozen=True)
class _Try:
    body: "list[_Item]"
    handlers: list[_Handler]
    rest: "list[_Item]"  # `else` and `finally`


_Item = _Raise | _Runs | _Try


class RaiseAnalysis:
    """The domain errors code in `packages` can raise, each with a path to a raise."""

    def __init__(self, packages: Sequence[str], *, never_guessed: Iterable[object] = ()) -> None:
        self._index = CodeIndex(packages, never_guessed)
        self._reader = ExpressionReader(self._index)
        self._programs: dict[NodeKey, list[_Item]] = {}
        self._raises: dict[NodeKey, dict[DomainErrorType, Path_]] = {}

    def raises(self, function: Callable[..., object]) -> dict[DomainErrorType, Path_]:
        """What `function` can raise; `UnresolvedCode` when part of it cannot be followed."""
        keys = self._index.keys_of(function)
        if not keys:
            raise UnresolvedCode(f"{function!r} is not a function of {self._index.packages}")
        self._load(keys)
        self._solve()
        if self._index.unresolved:
            lines = sorted(self._index.unresolved)
            raise UnresolvedCode("cannot tell what this code raises:\n  " + "\n  ".join(lines))
        return dict(self._raises[keys[0]])

    # -- the graph ---------------------------------------------------------------------

    def _load(self, roots: list[NodeKey]) -> None:
        pending = [key for key in roots if key not in self._programs]
        while pending:
            key = pending.pop()
            if key not in self._programs:
                self._programs[key] = self._program(key)
                self._raises[key] = {}
                pending.extend(t for t in _targets(self._programs[key]) if t not in self._programs)

    def _solve(self) -> None:
        """Raise sets to a fixed point (calls may be recursive)."""
        changed = True
        while changed:
            changed = False
            for key, program in self._programs.items():
                found = self._evaluate(key, program)
                if found.keys() != self._raises[key].keys():
                    self._raises[key] = found
                    changed = True

    def _evaluate(self, here: NodeKey, items: list[_Item]) -> dict[DomainErrorType, Path_]:
        found: dict[DomainErrorType, Path_] = {}
        for item in items:
            if isinstance(item, _Raise):
                found.setdefault(item.error, (f"{here} (line {item.line})",))
            elif isinstance(item, _Runs):
                for error, path in self._raises.get(item.target, {}).items():
                    found.setdefault(error, (str(here), *path))
            else:
                escaping = self._evaluate(here, item.body)
                for handler in item.handlers:
                    caught = {
                        error: path
                        for error, path in escaping.items()
                        if handler.catches is None or issubclass(error, handler.catches)
                    }
                    for error in caught:
                        del escaping[error]
                    if handler.reraises:
                        _merge(found, caught)
                    _merge(found, self._evaluate(here, handler.body))
                _merge(found, escaping)
                _merge(found, self._evaluate(here, item.rest))
        return found

    # -- what each node runs -----------------------------------------------------------

    def _program(self, key: NodeKey) -> list[_Item]:
        module = importlib.import_module(key.module)
        if key.kind == "class":
            return self._class_program(class_at(module, key.name))
        if key.kind == "value":
            return self._value_program(key, module)
        definition, cls = find_definition(self._index.tree(key.module), key.name, module)
        if definition is None:
            self._index.unresolved.add(f"{key}: no source found")
            return []
        scope = Scope(
            module,
            str(key),
            function=self._index.function(key),
            cls=cls,
            bindings=bindings_of([definition.args, *definition.body]),
            own_arguments={id(argument) for argument in arguments_of(definition.args)},
        )
        items = [_Runs(k) for d in definition.decorator_list for k in self._reader.runs(d, scope)]
        return items + self._block(definition.body, scope)

    def _class_program(self, cls: type) -> list[_Item]:
        """What naming (and so perhaps constructing) `cls` may run."""
        items: list[_Item] = []
        for klass in cls.__mro__:
            if not self._index.ours(klass):
                continue
            validators = validator_names(self._index.tree(klass.__module__), klass.__qualname__)
            for name, member in vars(klass).items():
                if (name.startswith("__") and name.endswith("__")) or name in validators:
                    items += [_Runs(target) for target in self._index.keys_of(member)]
        return items

    def _value_program(self, key: NodeKey, module: types.ModuleType) -> list[_Item]:
        """What a module-level value's definition runs."""
        values: list[ast.expr] = [
            node.value
            for node in self._index.tree(key.module).body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            and node.value is not None
            and key.name in assigned_names(node)
        ]
        scope = Scope(module, str(key), bindings=bindings_of(list(values)))
        return [_Runs(k) for value in values for k in self._reader.runs(value, scope)]

    def _block(self, statements: Sequence[ast.stmt], scope: Scope) -> list[_Item]:
        return [item for statement in statements for item in self._statement(statement, scope)]

    def _statement(self, statement: ast.stmt, scope: Scope) -> list[_Item]:
        if isinstance(statement, ast.Try | ast.TryStar):
            return [self._try(statement, scope)]
        if isinstance(statement, ast.Raise):
            return self._raise(statement, scope)
        if isinstance(statement, ast.Import | ast.ImportFrom):
            if any(alias.name == "*" for alias in statement.names):
                self._index.unresolved.add(f"{where(scope, statement)}: star import")
            else:
                scope.imported.update(import_binding(statement, scope.module.__name__))
            return []
        if isinstance(statement, ast.With | ast.AsyncWith):
            items: list[_Item] = []
            for with_item in statement.items:
                runs, value = self._reader.eval(with_item.context_expr, scope)
                for name in _UNKNOWN_WITH:
                    runs += self._reader.attribute(value, name, scope)[0]
                items += [_Runs(k) for k in runs]
            return items + self._block(statement.body, scope)
        return self._parts(statement, scope)

    def _parts(self, node: ast.AST, scope: Scope) -> list[_Item]:
        items: list[_Item] = []
        for name, value in ast.iter_fields(node):
            if name in NOT_RUN:
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.stmt):
                    items += self._statement(child, scope)
                elif isinstance(child, ast.expr):
                    items += [_Runs(k) for k in self._reader.runs(child, scope)]
                elif isinstance(child, ast.AST):
                    items += self._parts(child, scope)
        return items

    def _try(self, statement: ast.Try | ast.TryStar, scope: Scope) -> _Try:
        handlers = []
        for handler in statement.handlers:
            catches = None if handler.type is None else self._reader.caught(handler.type, scope)
            scope.handler_names.append(handler.name or "")
            try:
                body = self._block(handler.body, scope)
            finally:
                scope.handler_names.pop()
            handlers.append(_Handler(catches, _reraises(handler), body))
        rest = self._block(statement.orelse, scope) + self._block(statement.finalbody, scope)
        return _Try(self._block(statement.body, scope), handlers, rest)

    def _raise(self, statement: ast.Raise, scope: Scope) -> list[_Item]:
        cause = [] if statement.cause is None else self._reader.runs(statement.cause, scope)
        items: list[_Item] = [_Runs(k) for k in cause]
        raised = statement.exc
        if raised is None or (isinstance(raised, ast.Name) and raised.id in scope.handler_names):
            return items  # re-raises what a handler caught: counted at its `try`
        runs, value = self._reader.eval(raised, scope)
        items += [_Runs(k) for k in runs]
        errors = self._raised_errors(raised, value, scope)
        if errors is None:
            self._index.unresolved.add(
                f"{where(scope, raised)}: raise {ast.unparse(raised)} (not a class, an instance "
                "of one, or a call of a function annotated to return specific ones)"
            )
            return items
        return items + [_Raise(error, statement.lineno) for error in errors]

    def _raised_errors(
        self, raised: ast.expr, value: object, scope: Scope
    ) -> list[DomainErrorType] | None:
        """The domain errors a `raise` raises ([] for other exceptions), None when unknown."""
        if isinstance(raised, ast.Call):
            called = self._reader.eval(raised.func, scope)[1]
            if isinstance(called, type):
                return [called] if issubclass(called, DomainError) else []
            foreign = isinstance(called, types.FunctionType | types.BuiltinFunctionType)
            if foreign and not self._index.ours(called):
                return []  # another library's exception, never one of ours
        if isinstance(value, type):
            return [value] if issubclass(value, DomainError) else []
        if isinstance(value, Instance):
            classes = [class_of(t) for t in value.types]
            if all(c is not None and issubclass(c, BaseException) for c in classes):
                errors = [c for c in classes if c is not None and issubclass(c, DomainError)]
                if DomainError not in errors:
                    return errors  # a base class would not tell which error it is
        return None


def _targets(items: list[_Item]) -> Iterator[NodeKey]:
    for item in items:
        if isinstance(item, _Runs):
            yield item.target
        elif isinstance(item, _Try):
            yield from _targets(item.body)
            yield from _targets(item.rest)
            for handler in item.handlers:
                yield from _targets(handler.body)


def _merge(into: dict[DomainErrorType, Path_], found: dict[DomainErrorType, Path_]) -> None:
    for error, path in found.items():
        into.setdefault(error, path)


def _reraises(handler: ast.ExceptHandler) -> bool:
    """Whether the handler's own code (not a nested function) re-raises what it caught."""
    pending: list[ast.AST] = list(handler.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Raise):
            if node.exc is None:
                return True
            if isinstance(node.exc, ast.Name) and node.exc.id == handler.name:
                return True
        pending.extend(ast.iter_child_nodes(node))
    return False
