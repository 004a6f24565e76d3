"""`lastUsedAt` (DESIGN §11): at most one write a minute per key, never inside the request.

A request only notes a key whose `last_used_at` is due (a minute old, or unset) in the process's
`KeyUsage`; the lifespan's background task writes the noted keys. The app under test runs no
lifespan, so the tests call `KeyUsage.write` where that task would.
"""

import re
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from app.db.engine import Database
from app.db.models import ApiKey
from app.db.types import utc_now
from app.services.access.key_usage import KeyUsage
from tests.graphql.access.api_keys import issue_key, set_key_columns
from tests.graphql.access.documents import VIEWER_KEY
from tests.graphql.operations import row_id
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

ROLE = "{ viewer { role } }"


def _unnamed(statement: str) -> str:
    """A statement with its savepoint's name (a counter) left out."""
    return re.sub(r"sa_savepoint_\d+", "sa_savepoint", statement)


def _usage(app: Starlette) -> KeyUsage:
    usage: KeyUsage = app.state.key_usage
    return usage


async def _last_used_at(session: AsyncSession, api_key_id: str) -> datetime | None:
    query = select(ApiKey.last_used_at).where(col(ApiKey.id) == UUID(row_id(api_key_id)))
    value = (await session.exec(query)).one()
    await session.rollback()  # end this read, so the next one sees later writes
    return value


async def test_a_use_is_noted_in_the_request_and_written_after_it(
    graphql: GraphQLClient, app: Starlette, database: Database, session: AsyncSession, keys: Keys
) -> None:
    # given a key that was never used
    api_key_id, secret = await issue_key(graphql, key=keys.alpha.admin)
    usage = _usage(app)

    # when it is used
    data = await graphql(VIEWER_KEY, key=secret)

    # then the request only noted it: it saw no lastUsedAt, and none is stored yet
    assert data["viewer"]["apiKey"]["lastUsedAt"] is None
    assert UUID(row_id(api_key_id)) in usage.noted
    assert await _last_used_at(session, api_key_id) is None

    # and once the noted uses are written, the key shows when it was used
    assert await usage.write(database) is True
    assert usage.noted == frozenset()
    written = await _last_used_at(session, api_key_id)
    assert written is not None
    data = await graphql(VIEWER_KEY, key=secret)
    assert datetime.fromisoformat(data["viewer"]["apiKey"]["lastUsedAt"]) == written

    # and a use within the minute is not even noted
    assert UUID(row_id(api_key_id)) not in usage.noted


async def test_a_use_is_noted_again_once_the_stored_one_is_a_minute_old(
    graphql: GraphQLClient, app: Starlette, database: Database, session: AsyncSession, keys: Keys
) -> None:
    api_key_id, secret = await issue_key(graphql, key=keys.alpha.admin)
    usage = _usage(app)
    stored = {
        "59 seconds ago": (utc_now() - timedelta(seconds=59), False),
        "two minutes ago": (utc_now() - timedelta(minutes=2), True),
    }
    for when, (last_used_at, noted) in stored.items():
        # given the key was last used then
        await set_key_columns(session, api_key_id, last_used_at=last_used_at)
        # when it is used
        await graphql(ROLE, key=secret)
        # then the use is noted only when the stored one is a minute old
        assert (UUID(row_id(api_key_id)) in usage.noted) is noted, when

    # and writing it replaces the old value
    assert await usage.write(database) is True
    written = await _last_used_at(session, api_key_id)
    assert written is not None
    assert written > stored["two minutes ago"][0]


async def test_a_write_keeps_a_value_another_process_wrote_meanwhile(
    graphql: GraphQLClient, app: Starlette, database: Database, session: AsyncSession, keys: Keys
) -> None:
    # given a use noted here while the stored value was due
    api_key_id, secret = await issue_key(graphql, key=keys.alpha.admin)
    await graphql(ROLE, key=secret)
    # and another process wrote a fresh one before this process's write
    fresh = utc_now() - timedelta(seconds=5)
    await set_key_columns(session, api_key_id, last_used_at=fresh)

    # when this process writes its noted use
    assert await _usage(app).write(database) is True

    # then the fresh value stays: one write a minute per key, however many processes saw it
    assert await _last_used_at(session, api_key_id) == fresh


async def test_noting_a_use_costs_the_request_no_statement(
    graphql: GraphQLClient, app: Starlette, database: Database, engine: AsyncEngine, keys: Keys
) -> None:
    # given a key that was never used
    api_key_id, secret = await issue_key(graphql, key=keys.alpha.admin)
    usage = _usage(app)

    # when it is used once while its use is due, and again once that was written
    with recorded_statements(engine) as due:
        await graphql(ROLE, key=secret)
    assert UUID(row_id(api_key_id)) in usage.noted
    await usage.write(database)
    with recorded_statements(engine) as not_due:
        await graphql(ROLE, key=secret)
    assert usage.noted == frozenset()

    # then both requests sent the same statements, and neither wrote anything
    assert [_unnamed(s) for s in due] == [_unnamed(s) for s in not_due]
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in due)
