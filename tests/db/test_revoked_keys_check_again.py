"""A listener that connects again checks every watched key in one statement
(`RevokedKeys.check_again`): the watchers of a key revoked or deleted meanwhile are told, the
others are not."""

import asyncpg
import pytest
from sqlalchemy import delete, update
from sqlmodel import col

from app.db.engine import Database
from app.db.models import ApiKey
from app.db.revoked_keys import RevokedKeys
from app.db.types import utc_now
from app.domain.api_keys import KeyRefusal
from app.domain.enums import Role
from app.services.access.api_keys import create_api_key

TIMEOUT_SECONDS = 10


async def test_check_again_tells_the_watchers_of_keys_ended_unannounced(
    backend: str, committed_database: Database
) -> None:
    if backend != "postgres":
        pytest.skip("only PostgreSQL has a listener connection to check with")
    # given three keys, each watched
    async with committed_database.session() as session:
        kept, revoked, deleted = [
            (
                await create_api_key(
                    session, actor=None, name=name, role=Role.PLATFORM_ADMIN, project_id=None
                )
            ).key.id
            for name in ("kept", "revoked", "deleted")
        ]
        await session.commit()
    hub = RevokedKeys()
    # when two of them end past the session hooks that would announce it
    async with committed_database.session() as session:
        await session.exec(
            update(ApiKey).where(col(ApiKey.id) == revoked).values(revoked_at=utc_now())
        )
        await session.exec(delete(ApiKey).where(col(ApiKey.id) == deleted))
        await session.commit()
    url = committed_database.engine.url.set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        with (
            hub.watch(kept) as kept_ended,
            hub.watch(revoked) as revoked_ended,
            hub.watch(deleted) as deleted_ended,
            hub.watch(deleted) as deleted_too,
        ):
            # then checking again tells the watchers of the two, and only them
            assert await hub.check_again(connection, TIMEOUT_SECONDS) == 2
            assert revoked_ended.result() is KeyRefusal.REVOKED
            assert deleted_ended.result() is KeyRefusal.UNKNOWN
            assert deleted_too.result() is KeyRefusal.UNKNOWN
            assert not kept_ended.done()
    finally:
        await connection.close()
    # and with nothing watched, it sends nothing (the connection is closed by now)
    assert hub.watched() == []
    assert await hub.check_again(connection, TIMEOUT_SECONDS) == 0
