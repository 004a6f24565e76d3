"""The request limits of one websocket operation: REQUEST_TIMEOUT and a slot of the admission
queue (`app.db.admission`), as an HTTP request has them, and the typed errors of a refusal.

A query or mutation holds both until it ends. A subscription holds both while it is set up (its
first resolution, up to `Context.subscription_set_up`); its waits between deliveries are no
request and hold neither.
"""

import asyncio

from graphql import GraphQLError

from app.db.admission import Admission, Overloaded
from app.domain.api_keys import KeyRefusal
from app.http.refusals import RefusalCode


class OperationLimits:
    """The admission slot and time limit one websocket operation holds until `lift`."""

    def __init__(self, admission: Admission | None) -> None:
        self._admission = admission
        self._holding = False
        self._deadline: asyncio.Timeout | None = None

    async def admit(self, deadline: asyncio.Timeout) -> None:
        """Wait, in the process's queue, for a slot; raise `Overloaded` as HTTP would."""
        self._deadline = deadline
        if self._admission is not None:
            await self._admission.acquire()
            self._holding = True

    def lift(self) -> None:
        """Give the slot back and stop the clock (a subscription, set up)."""
        self.release()
        if self._deadline is not None and not self._deadline.expired():
            self._deadline.reschedule(None)

    def release(self) -> None:
        if self._holding and self._admission is not None:
            self._holding = False
            self._admission.release()


def _error(message: str, code: RefusalCode) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


def overloaded_error(overloaded: Overloaded) -> GraphQLError:
    return _error(
        f"the server is at capacity ({overloaded.reason}): retry shortly", RefusalCode.OVERLOADED
    )


def timeout_error(timeout: float) -> GraphQLError:
    return _error(
        f"the operation took longer than {timeout:g} s (REQUEST_TIMEOUT): ask for less at once; "
        "a write it made was rolled back unless its answer had been sent",
        RefusalCode.TIMEOUT,
    )


def key_error(refused: KeyRefusal) -> GraphQLError:
    return _error(refused.value, RefusalCode.UNAUTHENTICATED)


def response_too_large_error(size: int, limit: int) -> GraphQLError:
    return _error(
        f"the response would be about {size:,} bytes, over the limit of {limit:,} "
        "(MAX_RESPONSE_BYTES): ask for smaller pages or fewer large fields at once",
        RefusalCode.RESPONSE_TOO_LARGE,
    )
