"""Transactions for services, and telling unique violations apart from other integrity errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

_UNIQUE_VIOLATION_SQLSTATE = "23505"


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block wrote, or roll all of it back if the block raises."""
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


def is_unique_violation(error: IntegrityError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate is not None:
        return bool(sqlstate == _UNIQUE_VIOLATION_SQLSTATE)
    return "UNIQUE constraint failed" in str(original)
