"""Sessions that take their request's admission slot when they first use the database.

A request answered from this process's memory (`app.db.invalidation`) sends no statement, so it
needs no slot of the admission queue (`app.db.admission`), which bounds how many requests use
the pool's connections at once. A request's session is made with a `FirstUseSlot`, and takes it
just before it first needs a connection: before its first statement (`do_orm_execute`, which
every `execute`, `exec`, `scalars`, `get` and `refresh` goes through), its first flush
(`before_flush`) or its first `connection()` (Core statements on the session's connection).
Every one of these runs inside SQLAlchemy's greenlet, where the wait for the slot is awaited.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, UOWTransaction
from sqlalchemy.util import await_
from sqlmodel.orm.session import Session

from app.db.admission import FirstUseSlot


class AdmittedSession(Session):
    """The sync session behind every `AsyncSession` of `app.db.engine.Database`: with a
    `first_use_slot`, it takes that slot before it first uses the database (without one, as any
    session)."""

    first_use_slot: FirstUseSlot | None = None

    def admit(self) -> None:
        """Take the slot, waiting for it (inside the greenlet), unless held already."""
        slot = self.first_use_slot
        if slot is not None and not slot.held:
            await_(slot.take())

    def connection(
        self,
        bind_arguments: Any = None,
        execution_options: Any = None,
    ) -> Connection:
        self.admit()
        return super().connection(bind_arguments, execution_options)


@event.listens_for(AdmittedSession, "do_orm_execute")
def _before_a_statement(state: ORMExecuteState) -> None:
    session = state.session
    if isinstance(session, AdmittedSession):
        session.admit()


@event.listens_for(AdmittedSession, "before_flush")
def _before_a_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if isinstance(session, AdmittedSession):
        session.admit()
