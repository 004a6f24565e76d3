"""The server's log as JSON lines, formatted as `LOG_FORMAT=json` formats them."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.observability.logs import formatter


class LogLines:
    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.parsed() if line.get("event") == event]


@contextmanager
def json_log_lines() -> Iterator[LogLines]:
    """Every log line written in the block, at INFO and above, as the server writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield LogLines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
