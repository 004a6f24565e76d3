"""A lookup whose answer is in this process's memory is answered without a DataLoader batch
(`app.graphql.loader_now`), under the same rules as one that reads: the caller's project only,
and memory only while it may serve (`app.db.invalidation`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import strawberry.dataloader
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import Database
from app.db.invalidation import LookupMemory
from tests.graphql.auth_configs.pinning import pinned_auth_config, repin
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

LOOKUP = """
query Lookup($id: ID!) {
  node(id: $id) { ... on AuthConfig { effectiveVersion { version { version } rule source } } }
}
"""


@contextmanager
def batches_scheduled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every DataLoader batch scheduled inside the block (its loader)."""
    scheduled: list[Any] = []
    dispatch = strawberry.dataloader.dispatch

    def counted(loader: Any, batch: Any) -> None:
        scheduled.append(loader)
        dispatch(loader, batch)

    with monkeypatch.context() as patched:
        patched.setattr(strawberry.dataloader, "dispatch", counted)
        yield scheduled


def _trusted(database: Database) -> LookupMemory:
    """The test's database serves from memory as a listening process does (its sessions share
    one connection, so nothing changes it unseen)."""
    memory = database.live_events.memory
    memory.trust()
    return memory


async def _auth_config(graphql: GraphQLClient, keys: Keys) -> str:
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.1.0", BASE, key=keys.alpha.admin)
    return await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)


def _version(data: dict[str, Any]) -> str:
    version: str = data["node"]["effectiveVersion"]["version"]["version"]
    return version


async def test_a_warm_lookup_is_answered_without_a_batch(
    database: Database,
    graphql: GraphQLClient,
    engine: AsyncEngine,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an auth config this process has looked up once (reading it, in batches)
    _trusted(database)
    config = await _auth_config(graphql, keys)
    with batches_scheduled(monkeypatch) as cold:
        first = await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)
    assert cold

    # when it is looked up again
    with batches_scheduled(monkeypatch) as warm, recorded_statements(engine, cold=False) as sent:
        again = await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)

    # then memory answered the same, with no batch and no statement
    assert again == first
    assert _version(again) == "1.1.0"
    assert warm == []
    assert sent == []


async def test_a_lookup_from_memory_sees_another_projects_auth_config_as_null(
    database: Database,
    graphql: GraphQLClient,
    engine: AsyncEngine,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given alpha's auth config in memory, and beta's and the platform's keys known
    _trusted(database)
    config = await _auth_config(graphql, keys)
    await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)
    for key in (keys.beta.viewer, keys.beta.admin, keys.platform):
        await graphql("{ viewer { role } }", key=key)

    for key in (keys.beta.viewer, keys.beta.admin, keys.platform):
        # when another project, or the platform, looks it up
        with (
            batches_scheduled(monkeypatch) as scheduled,
            recorded_statements(engine, cold=False) as sent,
        ):
            data = await graphql(LOOKUP, {"id": config}, key=key)
        # then it is as if it did not exist, although memory holds it
        assert data == {"node": None}, key
        assert scheduled == []
        assert sent == []

    # while alpha still finds it through the same path
    assert _version(await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)) == "1.1.0"


async def test_a_lookup_reads_in_batches_while_memory_does_not_serve(
    database: Database,
    graphql: GraphQLClient,
    engine: AsyncEngine,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a lookup answered from memory once
    memory = _trusted(database)
    config = await _auth_config(graphql, keys)
    from_memory = await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)

    # when memory stops serving (the listener is away)
    memory.distrust()
    for _ in range(2):
        with (
            batches_scheduled(monkeypatch) as scheduled,
            recorded_statements(engine, cold=False) as sent,
        ):
            data = await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)

        # then every lookup reads the auth config again, in a batch, and answers the same
        # (the candidates, kept under the stamps it read, need no batch of their own)
        assert data == from_memory
        assert scheduled != []
        assert [s for s in sent if "FROM auth_config" in s], sent


async def test_a_change_is_seen_by_the_next_lookup_then_kept_again(
    database: Database,
    graphql: GraphQLClient,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a lookup answered from memory
    _trusted(database)
    config = await _auth_config(graphql, keys)
    await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)
    with batches_scheduled(monkeypatch) as warm:
        assert _version(await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)) == "1.1.0"
    assert warm == []

    # when this process commits a change of its pin
    await repin(graphql, config, "1.0.0", key=keys.alpha.admin)

    # then the next lookup reads and sees it, and the one after answers it from memory
    with batches_scheduled(monkeypatch) as changed:
        assert _version(await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)) == "1.0.0"
    assert changed
    with batches_scheduled(monkeypatch) as kept:
        assert _version(await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)) == "1.0.0"
    assert kept == []
