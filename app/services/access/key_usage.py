"""`lastUsedAt`, written after the requests that used the keys, never during them.

A request whose key's `last_used_at` is a minute old or more (the key lookup reads it anyway)
notes the key here, in memory: no statement, no wait. A background task of each server process
(started by the app's lifespan) writes the noted keys in one statement, through a pool slot
like any request, so it never takes a connection a request is waiting for, and never waits for
another writer (`app.services.access.api_keys.record_use`): uses that could not be written stay
noted and are tried again a moment later.
"""

import asyncio
import logging
from uuid import UUID

from app.db.engine import Database
from app.db.types import utc_now
from app.services.access.api_keys import record_use

RETRY_SECONDS = 1.0

logger = logging.getLogger(__name__)


class KeyUsage:
    """The keys used since their `last_used_at` was last due, until they are written."""

    def __init__(self) -> None:
        self._noted: set[UUID] = set()
        self._wake = asyncio.Event()

    def note(self, api_key_id: UUID) -> None:
        """Remember that the key was used just now (called on the request path: memory only)."""
        self._noted.add(api_key_id)
        self._wake.set()

    @property
    def noted(self) -> frozenset[UUID]:
        return frozenset(self._noted)

    async def write(self, database: Database) -> bool:
        """Write the noted uses; False when they could not be written (they stay noted)."""
        if not self._noted:
            return True
        batch, self._noted = self._noted, set()
        try:
            async with database.request_slot(), database.session() as session:
                await record_use(session, api_key_ids=batch, used_at=utc_now())
        except Exception as error:  # noqa: BLE001  (the writer outlives any failure)
            # Busy (SQLite's write lock), no free connection, or unreachable: the uses are kept
            # for the next try.
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            logger.info(
                "the last use of %d API keys is not written yet: %s", len(batch), first_line
            )
            self._noted |= batch
            return False
        return True

    async def keep_writing(self, database: Database) -> None:
        """Write noted uses as they come, until cancelled (the app's lifespan runs this)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not await self.write(database):
                await asyncio.sleep(RETRY_SECONDS)
                self._wake.set()
