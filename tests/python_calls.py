"""Counting the Python calls (functions and built-ins) an app makes to answer a request.

Counts, not times: a count does not change with the machine's load, and work added to every
request (or to every account of a page) shows in it at once.
"""

import sys
from types import FrameType
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_CALLS = frozenset({"call", "c_call"})


class CountingCalls:
    """An ASGI app that counts the calls the wrapped app makes for each request it answers
    (in this thread: everything an in-process request runs, its tasks included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        count = 0

        def profile(_frame: FrameType, event: str, _arg: Any) -> None:
            nonlocal count
            if event in _CALLS:
                count += 1

        previous = sys.getprofile()
        sys.setprofile(profile)
        try:
            await self.app(scope, receive, send)
        finally:
            sys.setprofile(previous)
            self.counts.append(count)
