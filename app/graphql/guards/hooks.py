"""Entering the schema extensions' hooks without building each hook's wrapper anew per operation.

For every operation, and each of its stages (operation, parsing, validation, execution),
Strawberry's runner inspects every extension's hook and wraps it in a new context manager
(`contextlib.contextmanager`, which copies the hook's name and docstring onto the new wrapper):
about 35 Python calls a hook, the same answer every time. Here what a hook is — a generator or an
async generator function, or none — is worked out once per extension class and stage, and one
context manager factory per kind serves them all. Entering and leaving the hooks is Strawberry's
own (its exit stacks), so an exception reaches them exactly as before.

When an operation runs one extension (the schema's own, `app.graphql.guards.operation`: every
operation that asks for no trace), each stage is that extension's hook itself, entered without
an exit stack around it (`_OneHook`): an exit stack of one context manager passes an exception
to it and returns what it returns, as the hook does alone, for about 40 calls less a stage.
"""

import inspect
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from types import TracebackType
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


class _OneHook:
    """A stage whose one hook is entered directly: `async with` (Strawberry's async path) or
    `with` (its sync path, which refuses an async hook as Strawberry's stages do)."""

    __slots__ = ("_extension", "_hook_name", "_is_async", "_manager")

    def __init__(self, manager: Any, is_async: bool, extension: Any, hook_name: str) -> None:
        self._manager = manager
        self._is_async = is_async
        self._extension = extension
        self._hook_name = hook_name

    def __enter__(self) -> None:
        if self._is_async:
            raise RuntimeError(
                f"SchemaExtension hook {self._extension}.{self._hook_name} "
                "failed to complete synchronously."
            )
        self._manager.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        result: bool | None = self._manager.__exit__(exc_type, exc_val, exc_tb)
        return result

    async def __aenter__(self) -> None:
        if self._is_async:
            await self._manager.__aenter__()
        else:
            self._manager.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        if self._is_async:
            result: bool | None = await self._manager.__aexit__(exc_type, exc_val, exc_tb)
            return result
        result = self._manager.__exit__(exc_type, exc_val, exc_tb)
        return result


class _NoHook:
    """A stage none of the operation's extensions has a hook for."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


_NO_HOOK = _NoHook()


def _one_hook(extensions: list[SchemaExtension], name: str) -> _OneHook | _NoHook | None:
    """The stage `name` of a single extension, entered directly; None when there are several
    extensions, or the hook is a plain function (Strawberry's stages then run them)."""
    if len(extensions) != 1:
        return None
    extension = extensions[0]
    known = _kind(type(extension), name)
    if known is None:
        return _NO_HOOK
    hook, kind = known
    if kind is _SYNC:
        return _OneHook(_enter_sync(hook, extension), False, extension, name)
    if kind is _ASYNC:
        return _OneHook(_enter_async(hook, extension), True, extension, name)
    return None


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
    results keep Strawberry's). The stages of a single extension are its hooks themselves
    (they support what Strawberry does with a stage: `with` and `async with`)."""

    def operation(self) -> OperationContextManager:
        one = _one_hook(self.extensions, "on_operation")
        return _Operation(self.extensions) if one is None else one  # type: ignore[return-value]

    def parsing(self) -> ParsingContextManager:
        one = _one_hook(self.extensions, "on_parse")
        return _Parsing(self.extensions) if one is None else one  # type: ignore[return-value]

    def validation(self) -> ValidationContextManager:
        one = _one_hook(self.extensions, "on_validate")
        return _Validation(self.extensions) if one is None else one  # type: ignore[return-value]

    def executing(self) -> ExecutingContextManager:
        one = _one_hook(self.extensions, "on_execute")
        return _Executing(self.extensions) if one is None else one  # type: ignore[return-value]
