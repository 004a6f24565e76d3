"""Live events reach subscribers only once committed (app.db.notifications)."""

import asyncio

from app.db.engine import Database
from app.domain.events import EventKind
from app.services.events import record_event
from app.services.transactions import transaction

DELIVERY_TIMEOUT_SECONDS = 10
QUIET_SECONDS = 0.5


class Boom(Exception):
    pass


async def test_committed_events_are_delivered_and_rolled_back_ones_are_not(
    committed_database: Database,
) -> None:
    await committed_database.start_listening()
    with committed_database.live_events.subscribe() as queue:
        # a rolled-back transaction's event never arrives
        try:
            async with committed_database.session() as session, transaction(session):
                record_event(session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=None)
                await session.flush()
                raise Boom
        except Boom:
            pass
        # a committed one does, with its id
        async with committed_database.session() as session, transaction(session):
            committed = record_event(
                session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=None
            )

        delivered = await asyncio.wait_for(queue.get(), DELIVERY_TIMEOUT_SECONDS)
        assert delivered == committed.id
        await asyncio.sleep(QUIET_SECONDS)
        assert queue.empty()
    await committed_database.live_events.stop()


async def test_a_rolled_back_test_database_delivers_nothing(database: Database) -> None:
    with database.live_events.subscribe() as queue:
        async with database.session() as session, transaction(session):
            record_event(session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=None)
        await asyncio.sleep(QUIET_SECONDS)
    # On PostgreSQL the NOTIFY waits for the outer transaction, which is rolled back; SQLite's
    # in-process hub only sees this Database's own sessions.
    assert queue.empty()
