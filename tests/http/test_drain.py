"""SIGTERM on a real server with two workers: readiness turns 503 at once, new work is refused,
the request in flight finishes, subscriptions close with 1012, and the process exits within the
grace. Every line of its log is JSON, from the first.

The request in flight is one whose body trickles in: the server runs it from its headers on, and
it ends when the test sends the rest, with no code path of the server's made for the test."""

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.http.server import PROBE_TIMEOUT_SECONDS, free_port, run_cli, running

pytestmark = pytest.mark.slow

GRACE_SECONDS = 90
"""Generous: the test releases its request long before; the process must exit within it."""
WAIT_SECONDS = 60
"""How long a step may take on a busy machine before the test gives up."""
PROTOCOL = Subprotocol("graphql-transport-ws")

T = TypeVar("T")


def _eventually(attempt: Callable[[], T | None], what: str) -> T:
    """`attempt()`'s first result that is not None; transport errors count as None."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            result = attempt()
        except (httpx.TransportError, OSError):
            result = None
        if result is not None:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {WAIT_SECONDS} s: {what}")


def _in_flight(base_url: str) -> float:
    scraped = httpx.get(f"{base_url}/metrics", timeout=PROBE_TIMEOUT_SECONDS).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "registry_requests_in_flight"
    )


def _trickling_body(release: threading.Event) -> Iterator[bytes]:
    yield b'{"query": "{ __typ'
    release.wait(WAIT_SECONDS * 2)
    yield b'ename }"}'


@pytest.fixture
def platform_key(server_env: dict[str, str]) -> str:
    migrated = run_cli("migrate", env=server_env)
    assert migrated.returncode == 0, migrated.stderr
    issued = run_cli("create-platform-key", env=server_env)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip().rsplit(" ", 1)[-1]


def test_sigterm_drains_the_server(
    server_env: dict[str, str], platform_key: str, tmp_path: Path
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {platform_key}"}
    env = {
        **server_env,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
        "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log_path = tmp_path / "server.log"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]

    def ready() -> bool:
        return httpx.get(f"{base_url}/readyz", timeout=PROBE_TIMEOUT_SECONDS).is_success

    with (
        running(command, env=env, log_path=log_path, ready=ready, name="the server") as process,
        ThreadPoolExecutor(max_workers=1) as pool,
        connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL], open_timeout=WAIT_SECONDS
        ) as socket,
    ):
        # given an open websocket connection, and a request whose body is still coming in
        socket.send(json.dumps({"type": "connection_init", "payload": {"apiKey": platform_key}}))
        assert json.loads(socket.recv(WAIT_SECONDS))["type"] == "connection_ack"
        release = threading.Event()
        in_flight = pool.submit(
            httpx.post,
            f"{base_url}/graphql",
            content=_trickling_body(release),
            headers={**auth, "Content-Type": "application/json"},
            timeout=WAIT_SECONDS * 3,
        )
        _eventually(lambda: True if _in_flight(base_url) == 1 else None, "the request runs")

        # when the server is asked to stop
        process.send_signal(signal.SIGTERM)

        # then it is not ready (while the process still answers)
        def draining() -> dict[str, Any] | None:
            response = httpx.get(f"{base_url}/readyz", timeout=PROBE_TIMEOUT_SECONDS)
            return response.json() if response.status_code == 503 else None

        assert _eventually(draining, "readiness fails") == {"status": "draining"}
        # and refuses new work: a request, a websocket
        refused = _eventually(
            lambda: httpx.post(
                f"{base_url}/graphql",
                json={"query": "{ __typename }"},
                headers=auth,
                timeout=PROBE_TIMEOUT_SECONDS,
            ),
            "a new request is answered",
        )
        assert refused.status_code == 503, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "SHUTTING_DOWN"

        def websocket_refusal() -> int | None:
            try:
                with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL]):
                    return 101
            except InvalidStatus as refusal:
                return refusal.response.status_code

        assert _eventually(websocket_refusal, "a new websocket is answered") == 503
        assert process.poll() is None

        # while the request in flight finishes, with its answer
        release.set()
        answer = in_flight.result(WAIT_SECONDS * 3)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"data": {"__typename": "Query"}}
        # the open websocket is closed with "service restart": reconnect elsewhere
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(WAIT_SECONDS)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1012
        # and the process exits within the grace
        process.wait(GRACE_SECONDS)

    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line, from the first, is JSON
    (starting,) = [line for line in parsed if line["event"] == "starting"]
    assert {key: starting[key] for key in ("workers", "tracing", "metrics")} == {
        "workers": 2,
        "tracing": "off",
        "metrics": "on",
    }
    assert starting["database"] in ("sqlite", "postgresql")
    drains = [line for line in parsed if str(line["event"]).startswith("SIGTERM: draining")]
    assert len(drains) == 2, drains  # each worker drained
    assert not [line for line in parsed if "still running after" in str(line["event"])]
