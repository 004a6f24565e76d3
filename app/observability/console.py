"""The `console` log line: structlog's `ConsoleRenderer`, written with fewer Python calls.

Every request writes a line, at the default level `info`. structlog formats each key-value of a
line through a `StringIO` of its own (about 14 calls a field, 10 fields a request line); here the
same text is built in one expression per field, and the rest of the line (columns, their order,
the level, the traceback) is structlog's own. The text is the same, character for character
(`tests/observability/test_console_lines.py`).
"""

from typing import Any

from structlog.dev import ConsoleRenderer, KeyValueColumnFormatter
from structlog.typing import EventDict, WrappedLogger

_NOTHING = object()


def _key_value(formatter: Any, key: str, value: object) -> str:
    """What `formatter(key, value)` returns, for structlog's key-value formatter without its
    `StringIO`; other formatters (the level's) are called."""
    if type(formatter) is not KeyValueColumnFormatter:
        text: str = formatter(key, value)
        return text
    text = formatter.value_repr(value)
    missing = formatter.width - len(text)
    if missing > 0:
        text += " " * missing
    reset = formatter.reset_style
    if formatter.key_style is None:
        text = f"{formatter.value_style}{text}{reset}"
    else:
        text = f"{formatter.key_style}{key}{reset}={formatter.value_style}{text}{reset}"
    if formatter.prefix:
        text = f"{formatter.prefix}{reset}{text}"
    if formatter.postfix:
        text = f"{text}{formatter.postfix}{reset}"
    return text


class ConsoleLines(ConsoleRenderer):
    """`ConsoleRenderer` (same arguments, same lines), each field formatted by `_key_value`."""

    def __call__(self, logger: WrappedLogger, name: str, event_dict: EventDict) -> str:
        if "stack" in event_dict or "exception" in event_dict or "exc_info" in event_dict:
            text: str = super().__call__(logger, name, event_dict)
            return text
        kvs = [
            _key_value(column.formatter, column.key, value)
            for column in self.columns  # the default column (key "") first, as structlog's
            if (value := event_dict.pop(column.key, _NOTHING)) is not _NOTHING
        ]
        default = self._default_column_formatter
        keys = sorted(event_dict) if self._sort_keys else event_dict
        kvs += [_key_value(default, key, event_dict[key]) for key in keys]
        return " ".join([kv for kv in kvs if kv]).rstrip(" ")
