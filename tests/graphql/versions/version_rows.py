"""Stored rows for the version tests, read and set with the test's own session.

The test session shares the app's connection (see `tests/conftest.py`): what it commits is a
savepoint the app sees, and every read here ends its transaction, so that the next read sees later
writes. Rows are returned detached, readable after the session moves on.
"""

from typing import Any
from uuid import UUID

from sqlmodel import SQLModel, col, select
from sqlmodel import update as sql_update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import (
    AuthConfig,
    ConnectorVersion,
    Event,
    RetiredVersionNumber,
    VersionRevision,
)
from tests.graphql.operations import count_rows, row_id


def uuid_of(global_id_value: str) -> UUID:
    return UUID(row_id(global_id_value))


async def stored_version(session: AsyncSession, version_id: str) -> ConnectorVersion:
    """The version row as committed, detached so that it can be read after the session moves on."""
    query = select(ConnectorVersion).where(col(ConnectorVersion.id) == uuid_of(version_id))
    row = (await session.exec(query.execution_options(populate_existing=True))).one()
    session.expunge_all()
    await session.rollback()
    return row


async def stored_versions(session: AsyncSession, connector_id: str) -> dict[str, ConnectorVersion]:
    """Every version row of a connector, by number."""
    query = select(ConnectorVersion).where(
        col(ConnectorVersion.connector_id) == uuid_of(connector_id)
    )
    rows = (await session.exec(query.execution_options(populate_existing=True))).all()
    session.expunge_all()
    await session.rollback()
    return {row.version: row for row in rows}


async def stored_revisions(session: AsyncSession, version_id: str) -> list[VersionRevision]:
    query = (
        select(VersionRevision)
        .where(col(VersionRevision.version_id) == uuid_of(version_id))
        .order_by(col(VersionRevision.revision))
    )
    rows = (await session.exec(query.execution_options(populate_existing=True))).all()
    session.expunge_all()
    await session.rollback()
    return list(rows)


async def events_since(session: AsyncSession, after_id: int) -> list[Event]:
    """The events written after the one with id `after_id`, oldest first."""
    query = select(Event).where(col(Event.id) > after_id).order_by(col(Event.id))
    rows = (await session.exec(query.execution_options(populate_existing=True))).all()
    session.expunge_all()
    await session.rollback()
    return list(rows)


async def last_event_id(session: AsyncSession) -> int:
    query = select(Event.id).order_by(col(Event.id).desc()).limit(1)
    found = (await session.exec(query)).first()
    await session.rollback()
    return found or 0


async def set_version(session: AsyncSession, version_id: str, **values: Any) -> None:
    """Change stored columns directly (for states the API reaches only through later features)."""
    statement = (
        sql_update(ConnectorVersion)
        .where(col(ConnectorVersion.id) == uuid_of(version_id))
        .values(**values)
    )
    await session.exec(statement)
    await session.commit()


async def set_auth_config(session: AsyncSession, auth_config_id: str, **values: Any) -> None:
    """Change an auth config's stored columns directly (for data written before a rule that
    the API now enforces)."""
    statement = (
        sql_update(AuthConfig).where(col(AuthConfig.id) == uuid_of(auth_config_id)).values(**values)
    )
    await session.exec(statement)
    await session.commit()


async def retire_number(session: AsyncSession, connector_id: str, number: str) -> None:
    """The tombstone a permanent delete leaves."""
    session.add(RetiredVersionNumber(connector_id=uuid_of(connector_id), version=number))
    await session.commit()


WRITTEN: tuple[type[SQLModel], ...] = (ConnectorVersion, VersionRevision, Event)


async def written(session: AsyncSession) -> dict[str, int]:
    """Row counts of what version mutations write."""
    return {model.__name__: await count_rows(session, model) for model in WRITTEN}


def fingerprint(row: ConnectorVersion) -> dict[str, Any]:
    """What a refused change must leave exactly as it was."""
    return {
        "version": row.version,
        "name": row.name,
        "description": row.description,
        "readme": row.readme,
        "definition": row.definition,
        "config": row.config,
        "state": row.state,
        "published_at": row.published_at,
        "revision": row.revision,
        "content_hash": row.content_hash,
        "updated_at": row.updated_at,
        "dev_environment": row.dev_environment,
        "prod_environment": row.prod_environment,
    }
