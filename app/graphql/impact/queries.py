"""`Query.impact`: what a change would do, before it is made."""

from typing import cast

import strawberry

from app.domain.errors import DomainError
from app.graphql.context import Info
from app.graphql.errors import EXCEPTION_HANDLERS
from app.graphql.impact.inputs import ChangeInput
from app.graphql.impact.types import Impact, ImpactRefusal
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
        async with info.context.session() as session:
            result = await impact.preview_change(
                session, actor=info.context.principal, change=proposed
            )
        refusal = None if result.refusal is None else _refusal(result.refusal, info)
        return Impact(result=result, refusal=refusal)


def _refusal(error: DomainError, info: Info) -> ImpactRefusal:
    """The mutation's own error type for `error` (the exception handlers' conversion)."""
    handlers = {handler.exception_type: handler for handler in EXCEPTION_HANDLERS}
    for kind in type(error).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            return cast(ImpactRefusal, handler.handle(error, field=None, info=info))
    raise error
