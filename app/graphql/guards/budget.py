"""What one operation may cost: tokens in its document, its cost before it runs (see
`app.graphql.guards.cost`), how many impact previews it holds, and the size of its response;
and how many operations with previews a process runs at once.

The limits come from the settings, through the app (`app.state.budget`), so that each server —
and each test's app — has its own.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

from app.db.admission import Admission
from app.graphql.context import Context
from app.graphql.guards.cost import OperationCost, operation_cost
from app.http.refusals import RefusalCode
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class Budget:
    max_tokens: int
    max_cost: int
    max_response_bytes: int
    request_timeout: float
    max_previews: int
    previews: Admission = field(compare=False)
    """The process's preview slots (`MAX_CONCURRENT_PREVIEWS`): an operation with `impact`
    fields holds one while it runs; as many more wait, in arrival order, up to `QUEUE_TIMEOUT`.
    Its previews take turns on the request's one session, so one slot covers all of them."""

    @classmethod
    def from_settings(cls, settings: Settings) -> "Budget":
        return cls(
            max_tokens=settings.max_query_tokens,
            max_cost=settings.max_query_cost,
            max_response_bytes=settings.max_response_bytes,
            request_timeout=settings.request_timeout,
            max_previews=settings.max_previews_per_operation,
            previews=preview_slots(settings.max_concurrent_previews, settings.queue_timeout),
        )


def preview_slots(slots: int, wait_timeout: float) -> Admission:
    """`slots` operations with previews at once, as many more waiting up to `wait_timeout` s:
    a waiting operation holds a connection of the pool, so few may wait."""
    return Admission(slots, max_waiting=slots, wait_timeout=wait_timeout)


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


# For an app built without settings of its own; never read from the environment at import.
DEFAULT_BUDGET = Budget(
    max_tokens=_default("max_query_tokens"),
    max_cost=_default("max_query_cost"),
    max_response_bytes=_default("max_response_bytes"),
    request_timeout=_default("request_timeout"),
    max_previews=_default("max_previews_per_operation"),
    previews=preview_slots(_default("max_concurrent_previews"), _default("queue_timeout")),
)


def budget_of(request: Any) -> Budget:
    """The budget of the app serving `request` (an HTTP request or a websocket)."""
    try:
        budget = request.app.state.budget
    except AttributeError:
        return DEFAULT_BUDGET
    return budget if isinstance(budget, Budget) else DEFAULT_BUDGET


def _refusal(message: str, code: RefusalCode) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


def cost_refusal(
    context: Any,
    budget: Budget,
    fixed_costs: dict[str | None, OperationCost] | None = None,
) -> GraphQLError | None:
    """QUERY_TOO_COSTLY when the operation of a valid document would cost more than the budget;
    otherwise None, and the cost is kept for the response-size check. `fixed_costs`: where the
    document keeps the costs no variable changes (`app.graphql.guards.documents`)."""
    cost = _cost(context, fixed_costs)
    if cost.total > budget.max_cost:
        return _refusal(
            f"the query would cost {cost.total:,}, over the limit of {budget.max_cost:,}: ask "
            "for smaller pages (first), fewer aliases, or fewer definitions, configs and readmes, "
            "writes and previews at once",
            RefusalCode.QUERY_TOO_COSTLY,
        )
    if cost.previews > budget.max_previews:
        return _refusal(
            f"the operation holds {cost.previews} impact previews, over the limit of "
            f"{budget.max_previews} (MAX_PREVIEWS_PER_OPERATION): each runs its change's "
            "mutation; send fewer at once",
            RefusalCode.TOO_MANY_PREVIEWS,
        )
    _remember(context.context, cost)
    return None


def holds_previews(context: Any) -> bool:
    """Whether the operation was counted to hold impact previews."""
    cost = context.operation_cost if isinstance(context, Context) else None
    return cost is not None and cost.previews > 0


@asynccontextmanager
async def preview_slot(context: Any, budget: Budget) -> AsyncIterator[None]:
    """Hold one of the process's preview slots while an operation with previews runs (none for
    one without); raise `app.db.admission.Overloaded` when none is free in time."""
    if not holds_previews(context):
        yield
        return
    async with budget.previews.slot():
        yield


def _cost(context: Any, fixed_costs: dict[str | None, OperationCost] | None) -> OperationCost:
    """The operation's cost: counted once per document (kept in `fixed_costs`, the document's
    own) when no variable's value enters it, else for every request."""
    name = context.operation_name
    known = None if fixed_costs is None else fixed_costs.get(name)
    if known is not None:
        return known
    cost = operation_cost(context.schema._schema, context.graphql_document, name, context.variables)
    if fixed_costs is not None and not cost.uses_variables:
        fixed_costs[name] = cost
    return cost


def _remember(context: object, cost: OperationCost) -> None:
    if isinstance(context, Context):
        context.operation_cost = cost


def may_be_large(context: object) -> bool:
    """Whether the operation selected heavy values, so its response needs its size checked."""
    cost = context.operation_cost if isinstance(context, Context) else None
    return cost is None or cost.heavy_values > 0


def json_size_over(value: object, limit: int) -> int | None:
    """The size of `value` as JSON, roughly, if it is over `limit`; None when it is not.

    Counted without encoding it: a value reached twice (fifty aliases of one definition) is
    measured once and counted each time, and counting stops as soon as the limit is passed.
    """
    sizes: dict[int, int] = {}
    total = 0

    def size(item: object) -> int:
        nonlocal total
        if isinstance(item, str):
            return len(item) + 2
        if item is None or isinstance(item, bool | int | float):
            return 8
        known = sizes.get(id(item))
        if known is not None:
            return known
        measured = 2
        if isinstance(item, dict):
            for key, child in item.items():
                measured += len(str(key)) + 4 + size(child)
                if measured > limit:
                    break
        elif isinstance(item, list | tuple):
            for child in item:
                measured += size(child) + 1
                if measured > limit:
                    break
        else:
            measured += len(str(item))
        sizes[id(item)] = measured
        return measured

    try:
        total = size(value)
    except RecursionError:  # nested deeper than the encoder would go: let it fail there
        return None
    return total if total > limit else None
