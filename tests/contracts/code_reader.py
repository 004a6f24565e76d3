"""Reading expressions for `tests.contracts.raises`: what evaluating one may run (`NodeKey`s) and
the value it gives (see `tests.contracts.code_values`)."""

import ast
import importlib
import inspect
import types
from typing import Any

from tests.contracts.code_index import CodeIndex, NodeKey
from tests.contracts.code_values import (
    SUPER,
    UNKNOWN,
    BoundMethod,
    Instance,
    Scope,
    agreed,
    builtin,
    class_of,
    entered,
    hints,
    instance_of,
    returned,
    substitute,
    unpacked,
)

# Annotations and type comments are not run when the code runs.
NOT_RUN = frozenset({"annotation", "returns", "type_comment", "type_params"})
_BUILT = {
    ast.Tuple: tuple,
    ast.List: list,
    ast.Set: set,
    ast.Dict: dict,
    ast.ListComp: list,
    ast.SetComp: set,
    ast.DictComp: dict,
    ast.JoinedStr: str,
}


class ExpressionReader:
    def __init__(self, index: CodeIndex) -> None:
        self.index = index

    def runs(self, expression: ast.expr, scope: Scope) -> list[NodeKey]:
        return self.eval(expression, scope)[0]

    def eval(self, expression: ast.expr, scope: Scope) -> tuple[list[NodeKey], object]:
        """What evaluating `expression` may run, and its value."""
        if isinstance(expression, ast.Name):
            if not isinstance(expression.ctx, ast.Load):
                return [], UNKNOWN
            value = self._name(expression, scope)
            return self._naming(value, expression, scope), value
        if isinstance(expression, ast.Attribute):
            runs, base = self.eval(expression.value, scope)
            if not isinstance(expression.ctx, ast.Load):
                return runs, UNKNOWN
            more, value = self.attribute(base, expression.attr, scope)
            return runs + more, value
        if isinstance(expression, ast.Call):
            return self._call_expression(expression, scope)
        if isinstance(expression, ast.Await):
            return self.eval(expression.value, scope)  # return annotations give awaited types
        if isinstance(expression, ast.Constant):
            return [], Instance((type(expression.value),))
        built = _BUILT.get(type(expression))
        return self._parts(expression, scope), UNKNOWN if built is None else Instance((built,))

    def attribute(self, base: object, name: str, scope: Scope) -> tuple[list[NodeKey], object]:
        """What `base.name` may run, and its value."""
        if base is UNKNOWN:
            return self.index.by_name(name, None), UNKNOWN
        if base is SUPER:
            assert scope.cls is not None
            for klass in scope.cls.__mro__[1:]:
                if name in vars(klass):
                    return self.index.keys_of(vars(klass)[name]), vars(klass)[name]
            return [], UNKNOWN
        if isinstance(base, types.ModuleType):
            try:
                value = inspect.getattr_static(base, name)
            except AttributeError:
                value = importlib.import_module(f"{base.__name__}.{name}")
            keys = self.index.keys_of(value)
            defined = None if keys else self.index.defined_value(base.__name__, name)
            return keys + ([defined] if defined else []), value
        if isinstance(base, type):
            overrides = self.index.by_name(name, base)
            try:
                value = inspect.getattr_static(base, name)
            except AttributeError:
                return overrides, UNKNOWN
            return self.index.keys_of(value) + overrides, value
        instance = base if isinstance(base, Instance) else Instance((type(base),))
        runs: list[NodeKey] = []
        values = []
        for annotation in instance.types:
            cls = class_of(annotation)
            if cls is None:
                return self.index.by_name(name, None), UNKNOWN
            runs += self.index.by_name(name, cls)
            member = inspect.getattr_static(cls, name, None)
            runs += self.index.keys_of(member)
            values.append(_member_value(cls, name, member, annotation))
        return runs, agreed(values)

    def caught(self, expression: ast.expr, scope: Scope) -> tuple[type[BaseException], ...]:
        """The exception classes an `except` names."""
        caught = []
        for part in expression.elts if isinstance(expression, ast.Tuple) else [expression]:
            value = self.eval(part, scope)[1]
            if isinstance(value, type) and issubclass(value, BaseException):
                caught.append(value)
            else:
                self.index.unresolved.add(f"{where(scope, part)}: except {ast.unparse(part)}")
        return tuple(caught)

    def _call_expression(self, call: ast.Call, scope: Scope) -> tuple[list[NodeKey], object]:
        runs, function = self.eval(call.func, scope)
        arguments = [self.eval(a, scope) for a in call.args]
        arguments += [self.eval(k.value, scope) for k in call.keywords]
        for argument_runs, _ in arguments:
            runs += argument_runs
        if function is builtin("super") and not call.args and scope.cls is not None:
            return runs, SUPER
        if function is getattr and len(call.args) >= 2:
            name = call.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                runs += self.attribute(arguments[0][1], name.value, scope)[0]
            else:
                runs += self._computed_attribute(arguments[0][1], call, scope)
        more, value = self._call(function, scope)
        return runs + more, value

    def _call(self, function: object, scope: Scope) -> tuple[list[NodeKey], object]:
        """What calling `function` may run beyond what naming it runs, and what it gives."""
        if isinstance(function, type):
            return [], Instance((function,))
        if isinstance(function, BoundMethod):
            result = returned(function.function)
            if isinstance(result, Instance):
                return [], Instance(tuple(substitute(t, function.owner) for t in result.types))
            return [], result
        if isinstance(function, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
            return [], returned(inspect.unwrap(function))
        if function is UNKNOWN or isinstance(function, Instance):
            return self.attribute(function, "__call__", scope)[0], UNKNOWN
        return [], UNKNOWN

    def _computed_attribute(self, base: object, call: ast.Call, scope: Scope) -> list[NodeKey]:
        """`getattr(base, <computed>)`: any method or property of the base's class, or of any
        subclass of it."""
        if isinstance(base, type):
            classes: list[type | None] = [base]
        elif isinstance(base, Instance):
            classes = [class_of(t) for t in base.types]
        else:
            classes = [None]
        if any(cls is None for cls in classes):
            self.index.unresolved.add(
                f"{where(scope, call)}: {ast.unparse(call)} (a computed attribute of a value of "
                "unknown type)"
            )
            return []
        runs = []
        for cls in classes:
            assert cls is not None
            for name in dir(cls):
                runs += self.index.keys_of(inspect.getattr_static(cls, name, None))
            for name in self.index.method_names():
                runs += self.index.by_name(name, cls)
        return runs

    def _parts(self, node: ast.AST, scope: Scope) -> list[NodeKey]:
        """What evaluating the parts of `node` may run (lambdas' bodies included)."""
        runs: list[NodeKey] = []
        for name, value in ast.iter_fields(node):
            if name in NOT_RUN:
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.expr):
                    runs += self.runs(child, scope)
                elif isinstance(child, ast.AST):
                    runs += self._parts(child, scope)
        return runs

    def _name(self, name_node: ast.Name, scope: Scope) -> object:
        name = name_node.id
        if name in scope.imported:
            return scope.imported[name]
        if name in scope.bindings:
            return self._local(name, scope)
        namespace = vars(scope.module)
        if name in namespace:
            return namespace[name]
        value = builtin(name)
        if value is UNKNOWN:
            self.index.unresolved.add(f"{where(scope, name_node)}: {name} is bound nowhere")
        return value

    def _naming(self, value: object, expression: ast.Name, scope: Scope) -> list[NodeKey]:
        """What naming `value` may run."""
        if expression.id in scope.bindings and expression.id not in scope.imported:
            return []  # a local: whatever it holds was named where it was made
        keys = self.index.keys_of(value)
        if keys or expression.id in scope.imported:
            return keys
        defined = self.index.defined_value(scope.module.__name__, expression.id)
        return [defined] if defined else []

    def _local(self, name: str, scope: Scope) -> object:
        """A local's value: what all the places that bind it agree on."""
        known = scope.local_values
        if name not in known:
            known[name] = UNKNOWN  # while it is being worked out (`x = f(x)`)
            known[name] = agreed([self._bound(name, node, scope) for node in scope.bindings[name]])
        return known[name]

    def _bound(self, name: str, node: ast.AST, scope: Scope) -> object:
        """The value one binding of a local gives it."""
        if isinstance(node, ast.arg):
            own = id(node) in scope.own_arguments
            if own and scope.function is not None and name in hints(scope.function):
                return instance_of(hints(scope.function)[name])
            if own and scope.cls is not None and name == "self":
                return Instance((scope.cls,))
            if own and scope.cls is not None and name == "cls":
                return scope.cls
            return UNKNOWN
        if isinstance(node, ast.Assign | ast.NamedExpr):
            targets: list[ast.expr] = (
                node.targets if isinstance(node, ast.Assign) else [node.target]
            )
            value = self.eval(node.value, scope)[1]
            if all(isinstance(target, ast.Name) for target in targets):
                return value
            return unpacked(name, targets, value)
        if isinstance(node, ast.AnnAssign):
            return self._annotation(node.annotation, scope)
        if isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            return entered(self.eval(node.context_expr, scope)[1])
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = self.caught(node.type, scope)
            return Instance(tuple(caught)) if caught else UNKNOWN
        return UNKNOWN

    def _annotation(self, expression: ast.expr, scope: Scope) -> object:
        """The value an annotation written in a function describes."""
        if isinstance(expression, ast.BinOp) and isinstance(expression.op, ast.BitOr):
            left = self._annotation(expression.left, scope)
            return agreed([left, self._annotation(expression.right, scope)])
        if isinstance(expression, ast.Constant):
            if expression.value is None:
                return Instance(())
            if isinstance(expression.value, str):
                return self._annotation(ast.parse(expression.value, mode="eval").body, scope)
        target = expression.value if isinstance(expression, ast.Subscript) else expression
        value = self.eval(target, scope)[1]
        return Instance((value,)) if isinstance(value, type) else UNKNOWN


def _member_value(cls: type, name: str, member: object, annotation: object) -> object:
    """The value of `name` on an instance of `cls` (described by `annotation`)."""
    if isinstance(member, property):
        result = hints(member.fget).get("return", Any) if member.fget else Any
        return instance_of(substitute(result, annotation))
    if isinstance(member, type):
        return member
    if member is not None and (callable(member) or isinstance(member, classmethod | staticmethod)):
        return BoundMethod(member, annotation)
    return instance_of(substitute(hints(cls).get(name, Any), annotation))


def where(scope: Scope, node: ast.AST) -> str:
    return f"{scope.where} line {getattr(node, 'lineno', '?')}"
