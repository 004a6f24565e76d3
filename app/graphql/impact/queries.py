"""`Query.impact`: what a change would do, before it is made."""

from typing import cast

import strawberry
from graphql import GraphQLError
from starlette.responses import Response

from app.domain.errors import DomainError
from app.graphql.context import Info
from app.graphql.errors import EXCEPTION_HANDLERS, PublicError
from app.graphql.impact.inputs import ChangeInput
from app.graphql.impact.types import Impact, ImpactRefusal
from app.http.refusals import RefusalCode
from app.services.impact import preview as impact


@strawberry.type
class ImpactQueries:
    @strawberry.field(
        description="What one change would do, without making it: each auth config whose "
        "effective version would change (from, to, accounts moving and needing "
        "re-authentication), the totals, and the error the mutation would return if it would "
        "refuse the change. It runs the mutation itself in a transaction that is rolled back, "
        "so it waits for the same locks."
    )
    async def impact(self, info: Info, change: ChangeInput) -> Impact:
        try:
            proposed = change.proposed(info)
        except DomainError as error:
            return Impact(result=impact.Impact(), refusal=_refusal(error, info))
        try:
            async with info.context.session() as session:
                result = await impact.preview_change(
                    session, actor=info.context.principal, change=proposed
                )
        except impact.PreviewContended:
            raise _contended(info) from None
        refusal = None if result.refusal is None else _refusal(result.refusal, info)
        return Impact(result=result, refusal=refusal)


class _Overloaded(PublicError):
    """A preview that other writers kept from the write lock (SQLite): OVERLOADED, as a request
    refused for capacity, with `Retry-After` over HTTP."""

    def __init__(self, message: str) -> None:
        GraphQLError.__init__(self, message, extensions={"code": RefusalCode.OVERLOADED.value})


def _contended(info: Info) -> _Overloaded:
    response = info.context.response
    if isinstance(response, Response):  # over a websocket: the socket
        response.status_code = 503
        response.headers["Retry-After"] = "1"
    return _Overloaded(
        f"other writes kept the impact preview from the database's write lock "
        f"{impact.PREVIEW_ATTEMPTS} times in a row: retry shortly"
    )


def _refusal(error: DomainError, info: Info) -> ImpactRefusal:
    """The mutation's own error type for `error` (the exception handlers' conversion)."""
    handlers = {handler.exception_type: handler for handler in EXCEPTION_HANDLERS}
    for kind in type(error).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            return cast(ImpactRefusal, handler.handle(error, field=None, info=info))
    raise error
