"""`/livez` (the process answers) and `/readyz` (it can serve); `/healthz` is `/readyz`.

Ready means: not draining (`app.http.drain`), the database answers, its schema is at this
release's newest migration — or at a newer one, which a newer release applied during a rolling
deploy and which this one is not the judge of — and live events reach the process (a process
whose listener is reconnecting would leave its subscribers waiting). None of them is traced
(`app.tracing.otel`).
"""

import asyncio
import logging
from enum import StrEnum
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.db.engine import Database
from app.db.migrate import alembic_config
from app.http.drain import Drain

PROBE_TIMEOUT_SECONDS = 4.0
"""How long `/readyz` waits for the database: less than an orchestrator's probe timeout."""

logger = logging.getLogger(__name__)


class SchemaState(StrEnum):
    AT_HEAD = "at-head"
    AHEAD = "ahead"
    """Migrated by a newer release: this one still serves (migrations add before they remove)."""
    BEHIND = "behind"


@cache
def _known_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(this release's heads, all its revisions), read once: the files do not change."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = frozenset(revision.revision for revision in script.walk_revisions())
    return frozenset(script.get_heads()), revisions


def schema_state(connection: Connection) -> SchemaState:
    """Where the database's schema stands (read straight from Alembic's table: its migration
    context would write two log lines at every probe)."""
    heads, known = _known_revisions()
    try:
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:  # no such table: never migrated
        return SchemaState.BEHIND
    current = {str(revision) for (revision,) in rows}
    if current == heads:
        return SchemaState.AT_HEAD
    if current and not current <= known:
        return SchemaState.AHEAD
    return SchemaState.BEHIND


async def livez(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    drain: Drain = request.app.state.drain
    if drain.draining:
        return JSONResponse({"status": "draining"}, status_code=503)
    database: Database = request.app.state.database
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                schema = await connection.run_sync(schema_state)
    except Exception:
        logger.exception("readiness: the database cannot be used")
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    live_events = database.live_events_state()
    ready = schema is not SchemaState.BEHIND and live_events.delivers
    body = {
        "status": "ok" if ready else "unavailable",
        "database": "ok",
        "schema": schema.value,
        "liveEvents": live_events.value,
    }
    return JSONResponse(body, status_code=200 if ready else 503)
