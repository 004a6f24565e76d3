"""Writing `lastUsedAt` never waits for another writer (app.services.access.key_usage)."""

import asyncio
from uuid import UUID

from sqlmodel import col, select

from app.db.engine import Database
from app.db.models import ApiKey
from app.domain.enums import Role
from app.services.access.api_keys import create_api_key
from app.services.access.key_usage import KeyUsage
from app.services.transactions import transaction

# Far below SQLite's 30 s busy timeout: a write that queued behind the other writer would not
# finish within it.
GUARD_SECONDS = 10


async def _last_used_at(database: Database, api_key_id: UUID) -> object:
    async with database.session() as session:
        query = select(ApiKey.last_used_at).where(col(ApiKey.id) == api_key_id)
        return (await session.exec(query)).one()


async def test_a_write_gives_way_to_another_writer_and_succeeds_after_it(
    committed_database: Database, backend: str
) -> None:
    # given a key whose use is noted
    async with committed_database.session() as session:
        issued = await create_api_key(
            session, actor=None, name="busy", role=Role.PLATFORM_ADMIN, project_id=None
        )
    usage = KeyUsage()
    usage.note(issued.key.id)

    # when the noted use is written while another transaction writes (SQLite: it holds the
    # database's write lock) and holds the key's row (PostgreSQL: revoking it, say)
    async with committed_database.session() as holder, transaction(holder):
        locked = select(ApiKey).where(col(ApiKey.id) == issued.key.id).with_for_update()
        await holder.exec(locked)
        async with asyncio.timeout(GUARD_SECONDS):
            written = await usage.write(committed_database)

    # then it did not wait: on SQLite it was refused and the use stays noted for the next try;
    # on PostgreSQL the locked key was skipped (its next use is noted again)
    assert await _last_used_at(committed_database, issued.key.id) is None
    if backend == "sqlite":
        assert written is False
        assert usage.noted == {issued.key.id}
    else:
        assert written is True
        assert usage.noted == frozenset()
        usage.note(issued.key.id)

    # and once the other writer is done, the next write records the use
    assert await usage.write(committed_database) is True
    assert await _last_used_at(committed_database, issued.key.id) is not None
