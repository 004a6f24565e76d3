"""The reads that keep copies (`app.db.invalidation`): a read overtaken by a change keeps
nothing, and a process's own commits drop what they change at once.

The change notification is delivered here by hand in the middle of the read (as the listener
would while the read's statement is on the wire), so that the interleaving is certain."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import Database
from app.db.invalidation import API_KEY, AUTH_CONFIG, LookupMemory
from app.db.models import ApiKey
from app.db.types import utc_now
from app.services.access.auth import Authenticated, authenticate
from tests.graphql.auth_configs.pinning import pinned_auth_config
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.version_rows import uuid_of
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

LOOKUP = """
query ($id: ID!) {
  node(id: $id) { ... on AuthConfig { effectiveVersion { version { version } } } }
}
"""


def _trusted(database: Database) -> LookupMemory:
    """The test's database serves from copies as a listening process does (its sessions share
    one connection, so nothing changes it unseen)."""
    memory = database.live_events.memory
    memory.trust()
    return memory


@contextmanager
def _changed_during(engine: AsyncEngine, table: str, change: Any) -> Iterator[list[str]]:
    """Run `change()` as the first statement reading `table` is sent."""
    fired: list[str] = []

    def before(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not fired and f"FROM {table}" in statement:
            fired.append(statement)
            change()

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def test_a_key_read_overtaken_by_a_change_is_not_kept(
    database: Database, session: AsyncSession, engine: AsyncEngine, keys: Keys
) -> None:
    memory = _trusted(database)
    found = await authenticate(session, keys.alpha.viewer)
    assert isinstance(found, Authenticated)
    memory.drop_all()
    tag = (API_KEY, str(found.principal.api_key_id))

    # when the key's change notification arrives while its read is under way
    with _changed_during(engine, "api_key", lambda: memory.drop([tag])) as fired:
        assert isinstance(await authenticate(session, keys.alpha.viewer), Authenticated)
    assert fired

    # then what it read was not kept: the next use reads the key again, and keeps it
    with recorded_statements(engine, cold=False) as again:
        assert isinstance(await authenticate(session, keys.alpha.viewer), Authenticated)
    assert len([s for s in again if "FROM api_key" in s]) == 1
    with recorded_statements(engine, cold=False) as kept:
        assert isinstance(await authenticate(session, keys.alpha.viewer), Authenticated)
    assert kept == []


async def test_an_auth_config_read_overtaken_by_a_change_is_not_kept(
    database: Database, graphql: GraphQLClient, engine: AsyncEngine, keys: Keys
) -> None:
    memory = _trusted(database)
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    auth_config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    tag = (AUTH_CONFIG, str(uuid_of(auth_config)))
    await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)
    memory.drop([tag])

    with _changed_during(engine, "auth_config", lambda: memory.drop([tag])) as fired:
        await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)
    assert fired

    with recorded_statements(engine, cold=False) as again:
        await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)
    assert len([s for s in again if "FROM auth_config" in s]) == 1, again
    with recorded_statements(engine, cold=False) as kept:
        await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)
    assert kept == []


async def test_a_commit_drops_the_copies_it_changes_at_once(
    database: Database, session: AsyncSession, keys: Keys
) -> None:
    # given a key this process keeps a copy of
    _trusted(database)
    assert isinstance(await authenticate(session, keys.alpha.viewer), Authenticated)

    # when this process revokes it, even with a bulk UPDATE that names no row
    revoke_viewers = update(ApiKey).where(col(ApiKey.role) == "VIEWER")
    await session.exec(revoke_viewers.values(revoked_at=utc_now()))
    await session.commit()

    # then the next use is refused at once
    assert not isinstance(await authenticate(session, keys.alpha.viewer), Authenticated)
