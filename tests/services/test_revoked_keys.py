"""Revoked and deleted keys are announced once committed (app.db.revoked_keys)."""

import asyncio

from app.db.engine import Database
from app.db.models import ApiKey
from app.db.types import utc_now
from app.domain.access import Principal
from app.domain.api_keys import KeyRefusal
from app.domain.enums import Role
from app.services.access.api_keys import IssuedKey, create_api_key, revoke_api_key
from app.services.transactions import transaction

DELIVERY_TIMEOUT_SECONDS = 10
QUIET_SECONDS = 0.5


class Boom(Exception):
    pass


async def _platform_key(database: Database, name: str) -> IssuedKey:
    async with database.session() as session:
        return await create_api_key(
            session, actor=None, name=name, role=Role.PLATFORM_ADMIN, project_id=None
        )


async def _end_then_roll_back(database: Database, issued: IssuedKey) -> None:
    """Revoke the key and delete it, each in a transaction that is then rolled back."""
    for end in ("revoke", "delete"):
        async with database.session() as session:
            try:
                async with transaction(session):
                    row = await session.get(ApiKey, issued.key.id)
                    assert row is not None
                    if end == "revoke":
                        row.revoked_at = utc_now()
                        session.add(row)
                    else:
                        await session.delete(row)
                    await session.flush()
                    raise Boom
            except Boom:
                pass


async def test_committed_revocations_and_deletions_are_announced_rolled_back_ones_not(
    committed_database: Database,
) -> None:
    # given four keys, and this process watching three of them
    await committed_database.start_listening()
    hub = committed_database.live_events.revoked_keys
    actor_key, kept, revoked, deleted = [
        await _platform_key(committed_database, name)
        for name in ("actor", "kept", "revoked", "deleted")
    ]
    actor = Principal(api_key_id=actor_key.key.id, role=Role.PLATFORM_ADMIN, project_id=None)
    with (
        hub.watch(kept.key.id) as kept_ended,
        hub.watch(revoked.key.id) as revoked_ended,
        hub.watch(deleted.key.id) as deleted_ended,
    ):
        # when one key's revocation and deletion are rolled back, another key is revoked and
        # a third deleted
        await _end_then_roll_back(committed_database, kept)
        async with committed_database.session() as session:
            await revoke_api_key(session, actor=actor, api_key_id=revoked.key.id)
        async with committed_database.session() as session, transaction(session):
            row = await session.get(ApiKey, deleted.key.id)
            assert row is not None
            await session.delete(row)

        # then the committed ones are announced, with why, and the rolled-back ones never
        async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS):
            assert await revoked_ended == KeyRefusal.REVOKED
            assert await deleted_ended == KeyRefusal.UNKNOWN
        await asyncio.sleep(QUIET_SECONDS)
        assert not kept_ended.done()
    await committed_database.live_events.stop()
