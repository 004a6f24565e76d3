"""A log line is the one structlog's `ProcessorFormatter` writes, whichever way it is written
(`app.observability.logs.LineFormatter` skips its copy of the record where nothing needs it), in
both formats, from structlog's loggers and the standard library's."""

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import structlog

from app.observability import logs


@contextmanager
def _lines(log_format: str) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """What the server's formatter and structlog's own, set up alike, write in the block."""
    ours = logs.formatter(log_format)
    theirs = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=ours.foreign_pre_chain, processors=ours.processors
    )
    streams = (io.StringIO(), io.StringIO())
    handlers = [logging.StreamHandler(stream) for stream in streams]
    for handler, formatter in zip(handlers, (ours, theirs), strict=True):
        handler.setFormatter(formatter)
    root = logging.getLogger()
    level = root.level
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield streams
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_a_line_is_the_processor_formatters_own(log_format: str) -> None:
    logs.configure_structlog()
    events = structlog.get_logger("app.test_lines")
    with _lines(log_format) as (ours, theirs):
        events.info("request", method="POST", status=200, duration_ms=1.5, error_id=None)
        events.info("quoted", text='with "quotes" and = signs', codes=["A"])
        try:
            raise ValueError("boom")
        except ValueError as error:
            events.error("unexpected error", exc_info=error)
            events.exception("with the current exception")
        events.info("with a stack", stack_info=True)
        logging.getLogger("app.test_lines.stdlib").warning("a %s line", "stdlib")
        try:
            raise KeyError("gone")
        except KeyError:
            logging.getLogger("app.test_lines.stdlib").exception("a stdlib traceback")
    assert ours.getvalue().count("\n") >= 7
    # then the server's formatter wrote the lines structlog's writes, tracebacks and all
    written = (_comparable(ours.getvalue(), log_format), _comparable(theirs.getvalue(), log_format))
    assert written[0] == written[1]


def _comparable(text: str, log_format: str) -> str:
    """`text` without the timestamps of the standard library's lines (stamped as formatted)."""
    if log_format == "json":
        return re.sub(r'"timestamp": "[^"]+"', '"timestamp": ""', text)
    return re.sub(r"^\S+Z ", "", text, flags=re.MULTILINE)
