"""Admission: as many requests at once as the pool holds, a bounded queue, a bounded wait."""

import asyncio

import pytest

from app.db.admission import Admission, Overloaded


async def test_a_request_beyond_the_waiting_limit_is_refused_at_once() -> None:
    admission = Admission(1, max_waiting=2, wait_timeout=30)
    release = asyncio.Event()
    admitted: list[int] = []

    async def request(number: int) -> None:
        async with admission.slot():
            admitted.append(number)
            await release.wait()

    first = asyncio.ensure_future(request(0))
    await asyncio.sleep(0)
    waiting = [asyncio.ensure_future(request(n)) for n in (1, 2)]
    await asyncio.sleep(0)
    assert admission.waiting == 2

    with pytest.raises(Overloaded, match="2 requests are already waiting"):
        async with admission.slot():
            pass

    release.set()
    await asyncio.gather(first, *waiting)
    assert admitted == [0, 1, 2]
    assert admission.waiting == 0


async def test_a_request_that_waits_past_the_timeout_is_refused_and_leaves_the_queue() -> None:
    admission = Admission(1, max_waiting=5, wait_timeout=0.01)
    async with admission.slot():
        with pytest.raises(Overloaded, match=r"within 0\.01 s"):
            async with admission.slot():
                pass
        assert admission.waiting == 0
    async with admission.slot():  # the slot it did not get is free for the next one
        pass
