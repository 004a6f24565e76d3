"""A session given a first-use slot takes it before it first uses the database, whichever way it
does (a statement, a flush, its connection), gives it back at its end, and takes none if it
never uses the database."""

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.admission import Overloaded
from app.db.engine import Database
from app.db.models import Project
from tests.counted_admission import CountedAdmission


async def _a_statement(session: AsyncSession) -> None:
    await session.exec(select(Project))


async def _a_flush(session: AsyncSession) -> None:
    session.add(Project(slug="admitted", name="Admitted"))
    await session.flush()


async def _its_connection(session: AsyncSession) -> None:
    connection = await session.connection()
    await connection.execute(text("SELECT 1"))


async def _a_core_statement(session: AsyncSession) -> None:
    await session.scalar(text("SELECT 1"))


@pytest.mark.parametrize("use", [_a_statement, _a_flush, _its_connection, _a_core_statement])
async def test_the_first_use_takes_the_slot_and_the_end_gives_it_back(
    database: Database, use: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    admission = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    database.admission = admission
    slot = database.first_use_slot()
    async with database.session(first_use_slot=slot) as session:
        await use(session)
        assert (admission.given, admission.in_use) == (1, 1)
        await _a_statement(session)  # held: not taken again
        assert admission.given == 1
    assert admission.in_use == 0


async def test_a_session_that_never_uses_the_database_takes_no_slot(database: Database) -> None:
    admission = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    database.admission = admission
    slot = database.first_use_slot()
    async with admission.slot(), database.session(first_use_slot=slot) as session:  # all taken
        assert session.info is not None
    assert (admission.given, admission.in_use) == (1, 0)


async def test_a_refusal_sticks_without_waiting_again(database: Database) -> None:
    admission = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    database.admission = admission
    slot = database.first_use_slot()
    assert slot is not None
    async with admission.slot(), database.session(first_use_slot=slot) as session:
        with pytest.raises(Overloaded):
            await _a_statement(session)
    # the slot is free again, yet the request that was refused stays refused
    with pytest.raises(Overloaded):
        await slot.take()
    assert (admission.given, admission.in_use, slot.held) == (1, 0, False)
