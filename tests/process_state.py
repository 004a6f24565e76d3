"""What `serve` changes in the process that runs it (the logging set-up, structlog's, the
environment its workers inherit), put back after a test that runs `serve` in this process, so
that later tests in the same process (a pytest-xdist worker runs many modules) start from the
state they would have had."""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog


@contextmanager
def process_state_kept() -> Iterator[None]:
    environment = dict(os.environ)
    loggers = _loggers()
    structlog_config = structlog.get_config()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environment)
        _restore(loggers)
        structlog.reset_defaults()
        structlog.configure(**structlog_config)


def _loggers() -> dict[str, tuple[logging.Logger, list[logging.Handler], int, bool, bool]]:
    named: dict[str, Any] = dict(logging.Logger.manager.loggerDict)
    root: logging.Logger = logging.root
    kept: dict[str, tuple[logging.Logger, list[logging.Handler], int, bool, bool]] = {
        "": (root, list(root.handlers), root.level, True, False)
    }
    for name, logger in named.items():
        if isinstance(logger, logging.Logger):
            kept[name] = (
                logger,
                list(logger.handlers),
                logger.level,
                logger.propagate,
                logger.disabled,
            )
    return kept


def _restore(
    kept: dict[str, tuple[logging.Logger, list[logging.Handler], int, bool, bool]],
) -> None:
    for name, logger in dict(logging.Logger.manager.loggerDict).items():
        if isinstance(logger, logging.Logger) and name not in kept:
            logger.handlers.clear()
            logger.setLevel(logging.NOTSET)
            logger.propagate = True
            logger.disabled = False
    for logger, handlers, level, propagate, disabled in kept.values():
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled
