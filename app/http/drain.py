"""Draining on SIGTERM: stop being ready at once, refuse new work, let the work in flight finish.

uvicorn stops at SIGTERM: it closes its listening socket, waits for the open connections, and
closes websockets with 1012 ("service restart": reconnect, to another instance or to this one
once it is back). Before it does, a process of this server drains (`hand_over_after_drain`):

1. `/readyz` answers 503 (`draining`) from the moment the signal arrives, so a load balancer
   sends nothing more; `/livez` still answers 200 (the process is alive and finishing).
2. New HTTP requests get 503 `SHUTTING_DOWN` with `Connection: close`, and new websocket
   connections are refused (HTTP 503 before the upgrade): a client retries elsewhere.
3. Requests already running finish, for up to SHUTDOWN_GRACE_SECONDS after the signal; then
   uvicorn's own shutdown runs: subscriptions are closed with 1012, requests still running after
   the grace are cancelled, and the process exits.

Each worker process of `serve --workers N` drains on its own: uvicorn's supervisor passes the
signal on to every worker.
"""

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.refusals import RefusalCode, refusal
from app.observability.metrics import REQUESTS_IN_FLIGHT

CLOSE_SERVICE_RESTART = 1012
"""The close code of subscriptions when the process stops (RFC 6455's "service restart"; sent by
uvicorn's shutdown): reconnect, to another instance or to this one once it is back."""
PROBE_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/metrics"})
"""What a draining process still answers: the probes (readiness says `draining`) and a scrape."""
SHUTTING_DOWN_MESSAGE = (
    "the server is shutting down and takes no new requests: send the request again "
    "(another instance takes it)"
)

logger = logging.getLogger(__name__)

SignalHandler = Callable[[int, FrameType | None], Any]


class Drain:
    """Whether this process is draining, and how many requests it is still running."""

    def __init__(self) -> None:
        self.draining = False
        self.in_flight = 0
        self._changed: asyncio.Event | None = None

    def begin(self) -> None:
        self.draining = True
        self._notify()

    def started(self) -> None:
        self.in_flight += 1
        REQUESTS_IN_FLIGHT.inc()

    def finished(self) -> None:
        self.in_flight -= 1
        REQUESTS_IN_FLIGHT.dec()
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    async def until_idle(self, seconds: float) -> bool:
        """Wait until no request runs (True), or `seconds` (False)."""
        try:
            async with asyncio.timeout(seconds):
                while self.in_flight > 0:
                    self._changed = asyncio.Event()
                    await self._changed.wait()
        except TimeoutError:
            return False
        return True


class DrainGate:
    """Counts the HTTP requests in flight; while draining, refuses new ones (except the probes)
    and new websocket connections."""

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.drain.draining:
            await _refuse_upgrade(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"] in PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        if self.drain.draining:
            answer = refusal(
                503,
                SHUTTING_DOWN_MESSAGE,
                RefusalCode.SHUTTING_DOWN,
                headers={"Connection": "close"},
            )
            await answer(scope, receive, send)
            return
        self.drain.started()
        try:
            await self.app(scope, receive, send)
        finally:
            self.drain.finished()


async def _refuse_upgrade(scope: Scope, receive: Receive, send: Send) -> None:
    """A 503 instead of the upgrade, when the server offers that; otherwise a close before the
    accept (which the client sees as a 403)."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": CLOSE_SERVICE_RESTART})
        return
    answer = refusal(503, SHUTTING_DOWN_MESSAGE, RefusalCode.SHUTTING_DOWN)
    start: Message = {
        "type": "websocket.http.response.start",
        "status": answer.status_code,
        "headers": answer.raw_headers,
    }
    await send(start)
    await send({"type": "websocket.http.response.body", "body": answer.body})


def hand_over_after_drain(drain: Drain, grace_seconds: float) -> Callable[[], None] | None:
    """On SIGTERM, drain, then hand the signal to the handler it had (uvicorn's, which stops the
    server). Returns what puts that handler back; None where there is none to chain to (not the
    main thread, or no server's handler: the app runs in tests or under another server)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return None
    loop = asyncio.get_running_loop()
    handover: list[asyncio.Task[None]] = []

    async def drain_then_hand_over(frame: FrameType | None) -> None:
        finished = await drain.until_idle(grace_seconds)
        if not finished:
            logger.warning(
                "%d request(s) still running after SHUTDOWN_GRACE_SECONDS (%g s): stopping them",
                drain.in_flight,
                grace_seconds,
            )
        previous(signal.SIGTERM, frame)

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        if drain.draining:  # a second SIGTERM: stop now
            previous(sig, frame)
            return
        drain.begin()
        logger.info(
            "SIGTERM: draining (not ready; %d request(s) in flight, up to %g s to finish)",
            drain.in_flight,
            grace_seconds,
        )
        loop.call_soon_threadsafe(
            lambda: handover.append(loop.create_task(drain_then_hand_over(frame)))
        )

    signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, previous)

    return restore
