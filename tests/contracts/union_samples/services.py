"""Services that raise domain errors in every shape `tests.contracts.raises` follows."""

from typing import Any

import semver

from app.domain.errors import AlreadyExists, Conflict, DomainError, ErrorCode, NotFound
from app.domain.versions import InvalidVersion, parse_version


class Unmapped(DomainError):
    """A domain error that no exception handler turns into a GraphQL type."""

    code = ErrorCode.INVALID_INPUT


def require_name(name: str) -> str:
    if not name:
        raise NotFound("thing", name)
    return name


class Store:
    def store_thing(self, name: str) -> None:
        if name == "taken":
            raise AlreadyExists("thing", "name", name)


def changed_meanwhile() -> Conflict:
    """An error built here and raised by the caller."""
    return Conflict("the thing changed meanwhile")


def version_or_none(text: str) -> semver.Version | None:
    try:
        return parse_version(text)
    except InvalidVersion:
        return None


def version_or_raise(text: str) -> semver.Version:
    try:
        return parse_version(text)
    except InvalidVersion:
        raise


async def create_thing(store: Store, name: str, version: str) -> str:
    """NotFound (a helper), AlreadyExists (a method of a typed parameter), Conflict (an error a
    helper returns); not InvalidVersion, which `version_or_none` catches."""
    store.store_thing(require_name(name))
    version_or_none(version)
    if name == "late":
        raise changed_meanwhile()
    return name


def save_anything(store: Any, name: str) -> None:
    """A method of a value whose type nothing tells: any `store_thing` of the packages may run."""
    store.store_thing(name)


def count_names(names: list[str]) -> int:
    """A closure that rebinds a local of the function around it (`nonlocal`)."""
    total = 0

    def add(name: str) -> None:
        nonlocal total
        total += len(require_name(name))

    for name in names:
        add(name)
    return total


def create_versioned_thing(version: str) -> str:
    return str(version_or_raise(version))


def unmapped() -> None:
    raise Unmapped("no exception handler maps this")


def picked_error(name: str) -> object:
    return NotFound("thing", name)


def raise_picked(name: str) -> None:
    """Raises what an unannotated function returns: nothing tells which error it is."""
    raise picked_error(name)  # type: ignore[misc]


def call_computed(target: Any, name: str) -> object:
    """Calls an attribute whose name is computed, of a value whose type nothing tells."""
    return getattr(target, name)()
