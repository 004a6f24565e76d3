"""A warm lookup answered from memory, counted: the Python work a lookup pays when it sends no
statement (on PostgreSQL with the listener up, on SQLite in one process) is the framework's
per-request work alone, so every cut to it shows here, and undoing one goes over the bound.

The app is built as `serve` builds it (`create_app` with its settings), on a database whose
commits are real, with a live events listener on PostgreSQL.
"""

import io
import logging
from collections.abc import AsyncIterator
from statistics import median

import httpx
import pytest
from starlette.applications import Starlette

from app.db.admission import Admission
from app.db.engine import Database
from app.db.listener import LiveEventsState
from app.db.notifications import LiveEvents
from app.main import create_app
from app.observability.logs import formatter
from app.settings import Settings
from tests.db.lookup_changes import eventually
from tests.graphql.auth_configs.pinning import pinned_auth_config
from tests.graphql.guards.test_request_work import LOOKUP, WARM_REQUESTS
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys
from tests.python_calls import CountingCalls
from tests.statements import recorded_statements

MAX_CALLS_PER_LOOKUP_FROM_MEMORY = {"postgres": 1_640, "sqlite": 1_700}
"""A warm lookup from memory measures about 1,620 calls on PostgreSQL and 1,680 on SQLite (logging
at `warning`, as the tests do); 2,060 and 2,125 when the auth config and its effective version each
waited for a DataLoader batch although memory held the answer (`app.graphql.loader_now`); 2,230 and
2,300 before a request took its admission slot at its first statement (and closed a session that
began nothing without a task), the request id and the request's observation became one layer, and
CORS wrote `Vary` without header objects for a request without `Origin`; 2,455 on both before an
operation's one extension entered its hooks without exit stacks, a JSON POST skipped Strawberry's
general body parsing, request metrics kept their series and an operation without previews skipped
the preview slot machinery."""
MAX_CALLS_PER_LOOKUP_AT_INFO = {"postgres": 1_790, "sqlite": 1_850}
"""The same lookup at the default log level, `info`, writing its `console` line: about 1,770 on
PostgreSQL and 1,830 on SQLite, some 150 calls for the line (about 230 when the standard library
made a second log record for it and looked for its caller; its text is structlog's,
`tests/observability/test_line_formatter.py`)."""


def _admission() -> Admission:
    settings = Settings()
    return Admission(
        settings.database_pool_size,
        max_waiting=settings.max_queued_requests,
        wait_timeout=settings.queue_timeout,
    )


@pytest.fixture
async def serving(backend: str, committed_database: Database) -> AsyncIterator[Database]:
    """The committed database as a server process holds it: with its admission queue; on
    PostgreSQL with its listener up (so lookups are answered from memory); on SQLite a single
    process's."""
    url = committed_database.engine.url
    if backend != "postgres":
        committed_database.admission = _admission()
        yield committed_database
        return
    live_events = LiveEvents(listener_url=url)
    database = Database(committed_database.engine, live_events=live_events)
    database.admission = _admission()
    await database.start_listening()

    async def state() -> LiveEventsState:
        return live_events.state

    await eventually(state, LiveEventsState.LISTENING, "the listener is up")  # type: ignore[arg-type]
    try:
        yield database
    finally:
        await live_events.stop()


@pytest.fixture
def served_app(serving: Database) -> Starlette:
    url = serving.engine.url.render_as_string(hide_password=False)
    return create_app(Settings(database_url=url, log_level="warning"), database=serving)


async def _warm_lookups(served_app: Starlette, serving: Database) -> list[int]:
    """The calls of each of WARM_REQUESTS warm lookups, each answered from memory."""
    counting = CountingCalls(served_app)
    transport = httpx.ASGITransport(app=counting)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        graphql = GraphQLClient(http)
        # given an auth config looked up before
        async with serving.session() as session:
            keys: Keys = await make_keys(session)
        await new_connector(graphql, "crm", key=keys.alpha.admin)
        await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
        config = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
        for _ in range(3):
            await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)
        counting.counts.clear()

        # when it is looked up again, a few times
        with recorded_statements(serving.engine, cold=False) as statements:
            for _ in range(WARM_REQUESTS):
                data = await graphql(LOOKUP, {"id": config}, key=keys.alpha.viewer)
                assert data["node"]["effectiveVersion"]["version"] == {"version": "1.0.0"}

    # then it was answered from memory
    assert [s for s in statements if s.lstrip().upper().startswith("SELECT")] == []
    return counting.counts


async def test_a_warm_lookup_from_memory_stays_under_its_calls(
    served_app: Starlette, serving: Database, backend: str
) -> None:
    counts = await _warm_lookups(served_app, serving)
    assert median(counts) <= MAX_CALLS_PER_LOOKUP_FROM_MEMORY[backend], counts


async def test_a_warm_lookup_logged_at_info_stays_under_its_calls(
    served_app: Starlette, serving: Database, backend: str
) -> None:
    # given the server's log at its default level, `info`, in its default format, `console`
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("console"))
    # (its one handler, as `serve` sets it up: the test runner's own are set aside meanwhile)
    root = logging.getLogger()
    level, handlers = root.level, root.handlers
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    try:
        counts = await _warm_lookups(served_app, serving)
    finally:
        root.handlers = handlers
        root.setLevel(level)
    # then every lookup wrote its line, each with no more calls than the bound
    lines = [line for line in stream.getvalue().splitlines() if "operation=Lookup" in line]
    assert len(lines) >= WARM_REQUESTS, stream.getvalue()[-2000:]
    assert median(counts) <= MAX_CALLS_PER_LOOKUP_AT_INFO[backend], counts
