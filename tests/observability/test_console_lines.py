"""The `console` log line is structlog's, character for character, however it is written."""

from typing import Any

import pytest
from structlog.dev import ConsoleRenderer

from app.observability.console import ConsoleLines

EVENTS: list[dict[str, Any]] = [
    {
        "timestamp": "2026-01-01T00:00:00.000000Z",
        "level": "info",
        "event": "request",
        "logger": "app.requests",
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "duration_ms": 1.234,
        "outcome": "ok",
        "operation": "Lookup",
        "operation_type": "query",
        "api_key_id": "0b6f5c1e-7a4d-4c55-9f5e-0f3c1b2a9d8e",
        "error_id": None,
        "request_id": "abc",
    },
    {
        "level": "warning",
        "event": "a longer event name than the padding",
        "logger_name": "x",
        "text": 'with spaces, "quotes" and = signs',
        "tab": "a\tb",
        "empty": "",
        "codes": ["A", "B"],
        "nested": {"k": 1},
    },
    {"event": "no level, no time", "zeta": 1, "alpha": 2},
    {"event": "one short of the padding widt", "level": "debug"},
    {"level": "error", "event": "e", "": "the default column"},
    {"event": "with an exception", "exc_info": (ValueError, ValueError("boom"), None)},
    {"event": "with a stack", "stack": "Stack (most recent call last):\n  here"},
]


@pytest.mark.parametrize("colors", [False, True])
@pytest.mark.parametrize("sort_keys", [True, False])
@pytest.mark.parametrize("event", EVENTS)
def test_a_line_is_structlogs_own(event: dict[str, Any], colors: bool, sort_keys: bool) -> None:
    expected = ConsoleRenderer(colors=colors, sort_keys=sort_keys)(None, "info", dict(event))
    assert ConsoleLines(colors=colors, sort_keys=sort_keys)(None, "info", dict(event)) == expected
