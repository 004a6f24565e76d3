"""Admission: how many requests a process serves at once, and how many wait, for how long.

A request that uses the database holds one pooled connection from its first statement to its
end (one answered from the process's memory holds none: `FirstUseSlot`), so a process serves as
many such requests at once as its pool holds. Beyond that, requests wait in arrival order, each
at most `wait_timeout` seconds (then a 503 it can retry), and at most `max_waiting` of them
(beyond, a 503 at once). So no request queues for long, and a burst the process can serve
within the timeout is served.

Why not refuse at once every request whose wait is merely expected to be long: clients that
retry without waiting (load generators, naive retry loops) then send a flood of requests that
are refused in a fraction of a millisecond each, and answering that flood starves the admitted
ones — measured with 200 such clients on one worker, the requests served fell from about 400 to
under 50 a second. A refusal after the wait costs such a client the wait, so the process keeps
serving at its capacity while no admitted request waits beyond the timeout.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Overloaded(Exception):
    """The process is serving all it can and did not reach this request in time: retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Admission:
    """`slots` requests at once; up to `max_waiting` more wait, each up to `wait_timeout` s."""

    def __init__(self, slots: int, *, max_waiting: int, wait_timeout: float) -> None:
        self._slots = asyncio.Semaphore(slots)
        self.in_use = 0
        """How many slots are held now."""
        self.max_waiting = max_waiting
        self.wait_timeout = wait_timeout
        self.waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; raise `Overloaded` rather than wait too long."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    async def acquire(self) -> None:
        """Take one slot, which the caller must `release`; raise `Overloaded` rather than wait
        too long. (For a holder that gives its slot back before it ends: a subscription holds
        one while it is set up, not while it waits for events.)

        Waiters go in first come, first served: the pool alone would hand a returned connection
        to whichever request asks first, passing some over again and again (p99 of 0.7-0.9 s at
        16 requests in flight on a pool of 15)."""
        if self._slots.locked():
            await self._wait_for_slot()
        else:
            await self._slots.acquire()
        self.in_use += 1

    def release(self) -> None:
        self.in_use -= 1
        self._slots.release()

    async def _wait_for_slot(self) -> None:
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


class FirstUseSlot:
    """One request's slot of `admission`, taken when the request first uses the database and
    held until it ends (`release`): a request answered from this process's memory takes none.

    A refusal sticks: once the request found no slot, its later uses of the database are
    refused at once (its answer is then the refusal, `refused`), without waiting again. One
    request's session is used by one resolver at a time, so `take` is never entered twice at
    once."""

    __slots__ = ("_admission", "held", "refused")

    def __init__(self, admission: Admission) -> None:
        self._admission = admission
        self.held = False
        self.refused: Overloaded | None = None

    async def take(self) -> None:
        if self.held:
            return
        if self.refused is not None:
            raise Overloaded(self.refused.reason)
        try:
            await self._admission.acquire()
        except Overloaded as refused:
            self.refused = refused
            raise
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._admission.release()
