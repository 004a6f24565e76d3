"""Admission: how many requests a process serves at once, and which ones it lets wait.

A request holds one pooled connection from start to end, so a process serves as many requests at
once as its pool holds. Beyond that, requests wait in arrival order — but only when their wait
would be short: a request that would queue behind more than `wait_timeout` seconds of work (by
the time requests have recently held a slot) gets an immediate 503 it can retry, and one that was
let in but still waits `wait_timeout` gets it then. A hard cap bounds the queue whatever the
estimate says. So a burst the process can absorb within the timeout waits, and the excess of one
it cannot is refused at once instead of every client waiting seconds.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# Weight of the newest hold time in the running average: about the last 20 requests count.
_SMOOTHING = 0.05


class Overloaded(Exception):
    """The process is serving all it can and would not reach this request in time: retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Admission:
    """`slots` requests at once; more wait while their expected wait is within `wait_timeout`
    seconds and fewer than `max_waiting` wait; none waits longer than `wait_timeout`."""

    def __init__(self, slots: int, *, max_waiting: int, wait_timeout: float) -> None:
        self._slots = asyncio.Semaphore(slots)
        self.slot_count = slots
        self.max_waiting = max_waiting
        self.wait_timeout = wait_timeout
        self.waiting = 0
        self.hold_seconds = 0.0
        """Running average of how long a request holds its slot (0 until one has)."""

    def expected_wait(self) -> float:
        """Seconds a request arriving now would wait, from the queue ahead of it."""
        return (self.waiting + 1) * self.hold_seconds / self.slot_count

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; raise `Overloaded` rather than wait too long.

        Waiters go in first come, first served: the pool alone would hand a returned connection
        to whichever request asks first, passing some over again and again (p99 of 0.7-0.9 s at
        16 requests in flight on a pool of 15)."""
        if self._slots.locked():
            await self._wait_for_slot()
        else:
            await self._slots.acquire()
        started = time.monotonic()
        try:
            yield
        finally:
            held = time.monotonic() - started
            if self.hold_seconds == 0.0:
                self.hold_seconds = held  # the first one sets the scale
            else:
                self.hold_seconds += _SMOOTHING * (held - self.hold_seconds)
            self._slots.release()

    async def _wait_for_slot(self) -> None:
        if self.waiting >= self.max_waiting:
            raise Overloaded(f"{self.waiting} requests are already waiting")
        expected = self.expected_wait()
        if expected > self.wait_timeout:
            raise Overloaded(f"the requests ahead would take about {expected:.1f} s")
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise Overloaded(f"no connection was free within {self.wait_timeout:g} s") from None
        finally:
            self.waiting -= 1
