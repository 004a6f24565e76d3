"""Entering the schema extensions' hooks without building each hook's wrapper anew per operation.

For every operation, and each of its stages (operation, parsing, validation, execution),
Strawberry's runner inspects every extension's hook and wraps it in a new context manager
(`contextlib.contextmanager`, which copies the hook's name and docstring onto the new wrapper):
about 35 Python calls a hook, the same answer every time. Here what a hook is — a generator or an
async generator function, or none — is worked out once per extension class and stage, and one
context manager factory per kind serves them all. Entering and leaving the hooks is Strawberry's
own (its exit stacks), so an exception reaches them exactly as before.
"""

import inspect
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner


def _generator_hook(hook: Callable[[SchemaExtension], Iterator[None]], extension: Any) -> Any:
    return hook(extension)


_enter_sync = contextmanager(_generator_hook)
_enter_async = asynccontextmanager(_generator_hook)

_SYNC, _ASYNC, _OTHER = "sync", "async", "other"
_KINDS: dict[tuple[type[SchemaExtension], str], tuple[Any, str] | None] = {}
"""(extension class, hook name) → (the hook, its kind), or None when the class has no such
hook."""


def _kind(extension_class: type[SchemaExtension], name: str) -> tuple[Any, str] | None:
    key = (extension_class, name)
    if key in _KINDS:
        return _KINDS[key]
    hook = getattr(extension_class, name)
    found: tuple[Any, str] | None
    if hook is getattr(SchemaExtension, name):
        found = None
    elif inspect.isgeneratorfunction(hook):
        found = (hook, _SYNC)
    elif inspect.isasyncgenfunction(hook):
        found = (hook, _ASYNC)
    else:
        found = (hook, _OTHER)
    _KINDS[key] = found
    return found


class _KnownHooks(ExtensionContextManagerBase):
    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        known = _kind(type(extension), self.HOOK_NAME)
        if known is None:
            return None
        hook, kind = known
        if kind is _SYNC:
            return WrappedHook(extension, partial(_enter_sync, hook, extension), False)
        if kind is _ASYNC:
            return WrappedHook(extension, partial(_enter_async, hook, extension), True)
        return super().get_hook(extension)  # a plain function: Strawberry wraps it


class _Operation(_KnownHooks, OperationContextManager):
    pass


class _Parsing(_KnownHooks, ParsingContextManager):
    pass


class _Validation(_KnownHooks, ValidationContextManager):
    pass


class _Executing(_KnownHooks, ExecutingContextManager):
    pass


class KnownHooksRunner(SchemaExtensionsRunner):
    """Strawberry's runner, with the hooks of the four stages found as above (a stream's
    results keep Strawberry's)."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)
