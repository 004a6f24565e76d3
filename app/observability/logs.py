"""Logs through structlog, as readable lines (`LOG_FORMAT=console`) or JSON (`json`).

Both structlog's loggers and the standard library's (uvicorn's, SQLAlchemy's, Strawberry's) end
in one handler whose formatter adds the time, the level and the request id, so every line of a
request — its one access line, a traceback — carries the same `request_id`; with tracing on
(`TRACING`), also the `trace_id` and `span_id` of the span it was written in. Uvicorn's own access
line is switched off: `app.observability.middleware` writes a richer one.
"""

import logging
import sys
from typing import Any

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from app.observability.console import ConsoleLines
from app.observability.request_ids import current_request_id

# Header names whose values are secrets: never logged, whatever logs them.
_SECRET_KEYS = frozenset({"authorization", "metrics_token", "secret", "api_key", "apikey"})


def _add_request_id(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    request_id = current_request_id()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


def _add_trace_ids(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """The current span's ids, in the form trace back ends show them (hex). OpenTelemetry is
    looked up, not imported: it is an optional extra, loaded only when tracing is on."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return event
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event


_NOT_SECRET: set[str] = set()
"""Keys seen and found not to name a secret: a line's keys are checked in one set operation."""
_MAX_NOT_SECRET = 1024


def _drop_secrets(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    unchecked = event.keys() - _NOT_SECRET
    for key in unchecked:
        if key.lower() in _SECRET_KEYS:
            event[key] = "[hidden]"
        elif len(_NOT_SECRET) < _MAX_NOT_SECRET:
            _NOT_SECRET.add(key)
    return event


def _shared_processors() -> list[Processor]:
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_id,
        _add_trace_ids,
        _drop_secrets,
    ]


def _renderer(log_format: str) -> Processor:
    if log_format == "json":
        return structlog.processors.JSONRenderer()
    return ConsoleLines(colors=False)


class LineFormatter(structlog.stdlib.ProcessorFormatter):
    """structlog's `ProcessorFormatter`, without its copy of the record for a structlog event
    with no traceback or stack (every request's line).

    The copy (a second `LogRecord`, about 25 Python calls) keeps the processors and the base
    formatter from changing the record other handlers format too; with neither a traceback nor
    a stack to clear, the processors here read only the event, and the base formatter's
    `%(message)s` is the rendered event itself, so the line is the same without it."""

    def format(self, record: logging.LogRecord) -> str:
        event = record.msg
        if (
            type(event) is not dict
            or record.exc_info
            or record.stack_info
            or self._fmt != _MESSAGE_ONLY
            or not hasattr(record, "_logger")
        ):
            return super().format(record)
        logger = self.logger if self.logger is not None else record._logger
        name: str = record._name  # type: ignore[attr-defined]
        line: Any = {**event, "_record": record, "_from_structlog": True}
        for processor in self.processors:
            line = processor(logger, name, line)
        text: str = line  # the last processor renders the line
        return text


_MESSAGE_ONLY = "%(message)s"


def formatter(log_format: str) -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every log line, for the standard library's handlers."""
    return LineFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info
            if log_format == "json"
            else structlog.processors.ExceptionPrettyPrinter(),
            _renderer(log_format),
        ],
    )


_UNLOCATED = ("(unknown file)", 0, "(unknown function)", None)
"""Where the standard library says a line was written when it is not asked to look."""


class _EventLogger(logging.Logger):
    """The standard library logger behind a structlog logger: it does not look for the line of
    code that wrote each event (no log line shows it, and looking walked the stack, about 20
    Python calls a line), unless asked for the stack itself."""

    def findCaller(  # noqa: N802  (the standard library's name)
        self, stack_info: bool = False, stacklevel: int = 1
    ) -> tuple[str, int, str, str | None]:
        if stack_info:
            return super().findCaller(stack_info, stacklevel)
        return _UNLOCATED


def _event_logger(name: str | None = None) -> logging.Logger:
    """structlog's logger factory: the standard library's logger of that name, made an
    `_EventLogger` unless something made it before."""
    made_as = logging.getLoggerClass()
    logging.setLoggerClass(_EventLogger)
    try:
        return logging.getLogger(name)
    finally:
        logging.setLoggerClass(made_as)


def configure_structlog() -> None:
    """structlog's loggers hand their events to the standard library's handlers (idempotent)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=_event_logger,
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def uvicorn_log_config(log_format: str, log_level: str) -> dict[str, Any]:
    """`logging.config.dictConfig` for uvicorn's `log_config`: applied in every worker before
    the app is built, so start-up lines are formatted like the rest."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "registry": {"()": formatter, "log_format": log_format},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "registry",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"handlers": ["default"], "level": log_level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "level": log_level.upper(), "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # One line per request, from the app; uvicorn's has no request id or duration.
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
            # Alembic lists the plugins it loads whenever it sets up: nothing an operator needs.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def silence_uvicorn_access_log() -> None:
    """For servers started by `uvicorn` itself rather than `connector-registry serve`."""
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
