"""Everything the database holds, to show that a refused operation changed nothing."""

from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

import app.db.models  # noqa: F401  (the tables, registered on the metadata)


async def database_contents(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order, read outside the app."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = (await session.exec(select(table))).all()  # type: ignore[call-overload]
        contents[table.name] = sorted((tuple(row) for row in rows), key=repr)
    await session.rollback()  # end this read, so the next one sees later writes
    return contents
