"""`/livez`, `/readyz` and a draining process, in this process (the real SIGTERM is in
`test_drain.py`): readiness names what it checked, and a draining process answers its probes
but refuses new work, over HTTP and websockets."""

import asyncio
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.types import Message

from app.db.engine import Database
from app.http.drain import Drain, hand_over_after_drain
from app.http.probes import SchemaState, _known_revisions, schema_state
from tests.graphql.events.websocket import websocket_scope
from tests.keys import Keys
from tests.observability.log_lines import json_log_lines

WHO_AM_I = {"query": "{ viewer { role } }"}


async def test_livez_answers_and_readyz_names_what_it_checked(
    backend: str, database: Database, http: httpx.AsyncClient
) -> None:
    await database.start_listening()
    try:
        with json_log_lines() as log:
            live = await http.get("/livez")
            ready = await http.get("/readyz")
    finally:
        await database.live_events.stop()
    # one line per probe, its request's: a probe every few seconds adds nothing more
    server_lines = [line for line in log.parsed() if line["logger"] != "httpx"]  # the client's
    assert [line["logger"] for line in server_lines] == ["app.requests", "app.requests"]
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "schema": "at-head",
            "liveEvents": "in-process" if backend == "sqlite" else "listening",
        },
    )


async def test_readyz_is_503_while_live_events_cannot_arrive(
    backend: str, http: httpx.AsyncClient
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite needs no listener")
    # this app's listener was never started: it hears nothing from other processes
    ready = await http.get("/readyz")
    assert (ready.status_code, ready.json()["liveEvents"]) == (503, "stopped")
    assert (await http.get("/livez")).status_code == 200


@pytest.fixture
def version_table(tmp_path: Path) -> Iterator[Any]:
    engine = create_engine(f"sqlite:///{tmp_path / 'versions.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("revisions", "state"),
    [
        ("heads", SchemaState.AT_HEAD),
        ("first", SchemaState.BEHIND),
        ("none", SchemaState.BEHIND),
        ("unknown", SchemaState.AHEAD),  # a newer release migrated it
    ],
)
def test_the_schema_is_at_head_behind_or_ahead(
    version_table: Any, revisions: str, state: SchemaState
) -> None:
    heads, known = _known_revisions()
    rows = {
        "heads": sorted(heads),
        "first": sorted(known - heads)[:1],
        "none": [],
        "unknown": ["ffffffffffff"],
    }[revisions]
    with version_table.begin() as connection:
        for revision in rows:
            connection.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    with version_table.connect() as connection:
        assert schema_state(connection) is state


async def test_a_draining_process_answers_its_probes_and_refuses_new_work(
    app: Starlette, http: httpx.AsyncClient, keys: Keys
) -> None:
    headers = {"Authorization": f"Bearer {keys.alpha.admin}"}
    assert (await http.post("/graphql", json=WHO_AM_I, headers=headers)).status_code == 200
    drain: Drain = app.state.drain

    drain.begin()

    ready = await http.get("/readyz")
    assert (ready.status_code, ready.json()) == (503, {"status": "draining"})
    assert (await http.get("/livez")).status_code == 200
    refused = await http.post("/graphql", json=WHO_AM_I, headers=headers)
    assert refused.status_code == 503
    assert refused.headers["connection"] == "close"
    (error,) = refused.json()["errors"]
    assert error["extensions"] == {"code": "SHUTTING_DOWN"}
    assert "shutting down" in error["message"]
    assert drain.in_flight == 0


async def _upgrade(app: Starlette, scope: dict[str, Any]) -> list[Message]:
    """What the app sends to a websocket upgrade, up to its close or HTTP answer."""
    sent: list[Message] = []
    incoming: asyncio.Queue[Message] = asyncio.Queue()
    incoming.put_nowait({"type": "websocket.connect"})

    async def send(message: Message) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, incoming.get, send), 15)
    return sent


async def test_a_draining_process_refuses_websockets_and_logs_it(app: Starlette) -> None:
    app.state.drain.begin()
    scope = {**websocket_scope(), "extensions": {"websocket.http.response": {}}}
    with json_log_lines() as log:
        sent = await _upgrade(app, scope)
    start, body = sent
    assert (start["type"], start["status"]) == ("websocket.http.response.start", 503)
    assert json.loads(body["body"])["errors"][0]["extensions"]["code"] == "SHUTTING_DOWN"
    (line,) = log.events("websocket refused")
    assert (line["path"], line["status"]) == ("/graphql", 503)
    # a server without the HTTP-answer extension gets a close before the accept
    assert await _upgrade(app, websocket_scope()) == [{"type": "websocket.close", "code": 1012}]


class ServerHandler:
    """What uvicorn's SIGTERM handler would be: notes the signals handed on to it."""

    def __init__(self) -> None:
        self.signals: list[int] = []
        self.called = asyncio.Event()

    def __call__(self, sig: int, _frame: FrameType | None) -> None:
        self.signals.append(sig)
        self.called.set()


async def test_sigterm_drains_then_hands_the_signal_on() -> None:
    server = ServerHandler()
    original = signal.signal(signal.SIGTERM, server)
    drain = Drain()
    try:
        restore = hand_over_after_drain(drain, grace_seconds=60)
        assert restore is not None
        drain.started()  # a request in flight

        os.kill(os.getpid(), signal.SIGTERM)  # Python runs its handler before the next line
        assert drain.draining
        for _ in range(20):  # the handover waits for the request, however long it loops
            await asyncio.sleep(0)
        assert server.signals == []

        drain.finished()
        await asyncio.wait_for(server.called.wait(), 30)
        assert server.signals == [signal.SIGTERM]
        restore()
        assert signal.getsignal(signal.SIGTERM) is server
    finally:
        signal.signal(signal.SIGTERM, original)


async def test_the_handover_comes_after_the_grace_when_requests_do_not_end() -> None:
    server = ServerHandler()
    original = signal.signal(signal.SIGTERM, server)
    drain = Drain()
    try:
        restore = hand_over_after_drain(drain, grace_seconds=0.2)
        assert restore is not None
        drain.started()  # a request that never ends
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(server.called.wait(), 30)
        assert server.signals == [signal.SIGTERM]
        assert drain.in_flight == 1
        restore()
    finally:
        signal.signal(signal.SIGTERM, original)


def test_no_handler_is_installed_where_none_stops_a_server() -> None:
    async def install() -> object:
        return hand_over_after_drain(Drain(), grace_seconds=1)

    original = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        assert asyncio.run(install()) is None
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, original)
