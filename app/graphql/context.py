"""The per-request context: the caller, one database session, and fresh DataLoaders."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from app.domain.access import Principal
from app.graphql.loaders import Loaders


class RequestSession:
    """The request's one session, used by one resolver at a time.

    Strawberry resolves sibling fields concurrently, and an AsyncSession allows only one
    operation at a time; the lock makes them take turns.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            yield self._session


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    principal: Principal
    session: RequestSession
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session, self.principal)


Info = strawberry.Info[Context, None]
