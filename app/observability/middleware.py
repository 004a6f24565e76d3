"""Every HTTP request's id, log line and metrics; the line is written when its answer has gone
out.

One layer, wrapping `send` once: it gives the request its id (`app.observability.request_ids`)
and echoes it on the answer, whatever the answer is; it sits outside everything but CORS and
tracing, so an exception nothing else caught becomes a 500 here, with an error id in both the
answer and the logged traceback, and the code INTERNAL_SERVER_ERROR. A websocket gets its id
too, and the server's refusal of one (before its upgrade, or closed with a 4xxx code) a log
line.
"""

import time
from typing import Any

import structlog
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.refusals import RefusalCode
from app.observability import metrics
from app.observability.record import Outcome, RequestRecord, start_record
from app.observability.request_ids import HEADER_KEY, start_request_id

GRAPHQL_PATH = "/graphql"

logger = structlog.get_logger("app.requests")


class RequestObservation:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            start_request_id(scope)
            await self.app(scope, receive, _logging_refusals(scope, send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = start_request_id(scope).encode("latin-1")
        record = start_record()
        started = time.perf_counter()
        status = 500
        answered = False

        async def identified_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (HEADER_KEY, request_id)]
            await send(message)

        async def watched_send(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                message["headers"] = [*message.get("headers", ()), (HEADER_KEY, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as error:
            error_id = record.error_id_for(error)
            logger.exception("unexpected error", error_id=error_id, path=scope["path"])
            if answered:
                raise
            status = 500
            error_body = {
                "message": f"Unexpected error (id {error_id}).",
                "extensions": {"code": RefusalCode.INTERNAL_SERVER_ERROR.value},
            }
            response = JSONResponse({"errors": [error_body]}, status_code=500)
            await response(scope, receive, identified_send)
        finally:
            _observe(scope, record, status, time.perf_counter() - started)


FIRST_APPLICATION_CLOSE_CODE = 4000
"""Close codes from here up are the application's (graphql-transport-ws: 4400, 4401, 4403, 4408,
4429...), which this server sends only to refuse something; below are the protocol's own."""


def _logging_refusals(scope: Scope, send: Send) -> Send:
    """`send`, writing a line when the server refuses the connection: before accepting it (a
    close, or an HTTP answer instead of the upgrade), or by closing it with a 4xxx code."""
    accepted = False

    async def watched_send(message: Message) -> None:
        nonlocal accepted
        kind = message["type"]
        if kind == "websocket.accept":
            accepted = True
        elif kind == "websocket.http.response.start":
            logger.info("websocket refused", path=scope["path"], status=message["status"])
        elif kind == "websocket.close":
            code = message.get("code", 1000)
            if not accepted or code >= FIRST_APPLICATION_CLOSE_CODE:
                logger.info(
                    "websocket refused",
                    path=scope["path"],
                    code=code,
                    reason=message.get("reason") or None,
                    accepted=accepted,
                )
        await send(message)

    return watched_send


def _observe(scope: Scope, record: RequestRecord, status: int, seconds: float) -> None:
    outcome = record.outcome(status)
    fields: dict[str, Any] = {
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "outcome": outcome.value,
        "operation": record.operation_name,
        "operation_type": record.operation_type,
        "api_key_id": None if record.api_key_id is None else str(record.api_key_id),
        "error_id": record.error_id,
    }
    if record.error_codes:
        fields["error_codes"] = record.error_codes
    if outcome is Outcome.SERVER_ERROR:
        logger.error("request", **fields)
    else:
        logger.info("request", **fields)
    if scope["path"] != GRAPHQL_PATH:
        return
    operation = (
        metrics.operation_label(record.operation_name)
        if record.operation_type is not None
        else metrics.UNKNOWN
    )
    metrics.observe_request(
        operation, record.operation_type or metrics.UNKNOWN, outcome.value, seconds
    )
