"""Resolvers over `services`, as the GraphQL layer writes them."""

from tests.contracts.union_samples import services


async def create_thing(name: str) -> str:
    return await services.create_thing(services.Store(), name, "1.0.0")


def save_anything(value: object, name: str) -> None:
    services.save_anything(value, name)


def count_names(names: list[str]) -> int:
    return services.count_names(names)


def create_versioned_thing(version: str) -> str:
    return services.create_versioned_thing(version)


def unmapped() -> None:
    services.unmapped()


def raise_picked(name: str) -> None:
    services.raise_picked(name)


def call_computed(target: object, name: str) -> object:
    return services.call_computed(target, name)
