"""Admission: how many requests a process serves at once, and how many it lets wait.

A request holds one pooled connection from start to end, so a process serves as many requests at
once as its pool holds. Beyond that, requests wait in arrival order — but only so many, and only
so long: under a burst, a request that would queue behind hundreds of others (seconds of waiting,
no error) gets an immediate 503 it can retry, and the ones admitted stay fast.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Overloaded(Exception):
    """The process is serving all it can and its queue is full or too slow: retry shortly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Admission:
    """`slots` requests at once; up to `max_waiting` more wait, each up to `wait_timeout` s."""

    def __init__(self, slots: int, *, max_waiting: int, wait_timeout: float) -> None:
        self._slots = asyncio.Semaphore(slots)
        self.max_waiting = max_waiting
        self.wait_timeout = wait_timeout
        self.waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; raise `Overloaded` rather than wait beyond the limits.

        The semaphore lets waiters in first come, first served: the pool alone would hand a
        returned connection to whichever request asks first, passing some over again and
        again (p99 of 0.7-0.9 s at 16 requests in flight on a pool of 15)."""
        if self._slots.locked():
            if self.waiting >= self.max_waiting:
                raise Overloaded(f"{self.waiting} requests are already waiting")
            self.waiting += 1
            try:
                async with asyncio.timeout(self.wait_timeout):
                    await self._slots.acquire()
            except TimeoutError:
                raise Overloaded(f"no connection was free within {self.wait_timeout:g} s") from None
            finally:
                self.waiting -= 1
        else:
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()
