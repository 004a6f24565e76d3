"""Prometheus metrics, and `/metrics` in the text format.

With several worker processes (`connector-registry serve --workers N`), each process writes its
values to files under `PROMETHEUS_MULTIPROC_DIR` and a scrape, served by whichever worker,
sums them (prometheus-client's multiprocess mode). `serve` makes that directory when the
operator has not; each worker marks itself dead on exit so its gauges stop counting.

The `process_*` metrics (memory, CPU, open files, start time) come from prometheus-client's
`ProcessCollector`: in one process, as the default registry has them; with several, each worker
writes its own, labelled with its `pid`, for as long as it lives (`sample_process`).
"""

import asyncio
import hmac
import os
import re
from collections.abc import Awaitable, Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.db.engine import Database
from app.observability import MULTIPROCESS_DIR_VARIABLE

ANONYMOUS = "anonymous"
"""The label of an operation without a name."""
UNKNOWN = "unknown"
"""The label of a request refused before its operation was known (401, 413, 503, invalid)."""
OTHER = "other"
"""The label of names past `MAX_OPERATION_LABELS`, or that do not look like GraphQL names."""
MAX_OPERATION_LABELS = 200
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")

REQUESTS = Counter(
    "registry_requests_total",
    "GraphQL requests, by operation name, operation type and outcome.",
    ["operation", "operation_type", "outcome"],
)
REQUEST_DURATION = Histogram(
    "registry_request_duration_seconds",
    "Time to answer a GraphQL request, by operation name and outcome.",
    ["operation", "outcome"],
)
MUTATION_ERRORS = Counter(
    "registry_mutation_errors_total",
    "Typed errors mutations answered with, by the error's code.",
    ["code"],
)
POOL_CHECKED_OUT = Gauge(
    "registry_db_pool_checked_out",
    "Database connections in use by requests.",
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "registry_db_pool_waiting",
    "Requests waiting for a database connection.",
    multiprocess_mode="livesum",
)
REQUESTS_IN_FLIGHT = Gauge(
    "registry_requests_in_flight",
    "HTTP requests being served (probes and scrapes aside); what a drain waits for.",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS_OPEN = Gauge(
    "registry_subscriptions_open",
    "Subscriptions being served.",
    multiprocess_mode="livesum",
)
EVENT_DELIVERY_LAG = Histogram(
    "registry_event_delivery_lag_seconds",
    "From an event's write to its delivery to a subscriber.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

POOL_SAMPLE_SECONDS = 1.0

_this_process = ProcessCollector(registry=None)
_process_gauges: dict[str, Gauge] = {}

_operation_labels: set[str] = set()


def operation_label(name: str | None) -> str:
    """A bounded label for an operation name: clients choose names, so a process keeps at most
    `MAX_OPERATION_LABELS` of them and counts the rest as `other`."""
    if not name:
        return ANONYMOUS
    if name in _operation_labels:
        return name
    if len(_operation_labels) >= MAX_OPERATION_LABELS or not _GRAPHQL_NAME.fullmatch(name):
        return OTHER
    _operation_labels.add(name)
    return name


_request_series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
"""Each (operation, operation type, outcome)'s children of `REQUESTS` and `REQUEST_DURATION`:
finding a child by its labels checks and sorts them on every call. Bounded as the labels are
(`MAX_OPERATION_LABELS` operations)."""


def observe_request(operation: str, operation_type: str, outcome: str, seconds: float) -> None:
    """Count a GraphQL request and its duration."""
    key = (operation, operation_type, outcome)
    series = _request_series.get(key)
    if series is None:
        series = (
            REQUESTS.labels(operation=operation, operation_type=operation_type, outcome=outcome),
            REQUEST_DURATION.labels(operation=operation, outcome=outcome),
        )
        _request_series[key] = series
    counter, duration = series
    counter.inc()
    duration.observe(seconds)


def sample_pool(database: Database) -> None:
    """Note this process's pool use (cheap: two numbers the pool and the queue keep)."""
    pool = database.engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if callable(checked_out):
        POOL_CHECKED_OUT.set(checked_out())
    POOL_WAITING.set(0 if database.admission is None else database.admission.waiting)


def sample_process() -> None:
    """Note this process's `process_*` values where a scrape by any worker reads them (several
    workers only: with one, the default registry's collector reads them at the scrape)."""
    if not is_multiprocess():
        return
    for family in _this_process.collect():
        for sample in family.samples:
            gauge = _process_gauges.get(sample.name)
            if gauge is None:
                gauge = Gauge(
                    sample.name,
                    family.documentation,
                    registry=None,  # the default registry has these names (its own collector)
                    multiprocess_mode="liveall",
                )
                _process_gauges[sample.name] = gauge
            gauge.set(sample.value)


async def keep_sampling_pool(database: Database) -> None:
    """Sample the pool and the process every `POOL_SAMPLE_SECONDS` (a scrape also samples its
    own process)."""
    while True:
        sample_pool(database)
        sample_process()
        await asyncio.sleep(POOL_SAMPLE_SECONDS)


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


def mark_process_dead() -> None:
    """Stop counting this process's live gauges (its pool, its subscriptions)."""
    if is_multiprocess():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    if not is_multiprocess():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def metrics_endpoint(token: str) -> Callable[[Request], Awaitable[Response]]:
    """`/metrics`; with a `token` (METRICS_TOKEN), only for `Authorization: Bearer <token>`."""
    expected = f"bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        if token:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given[:7].lower() + given[7:], expected):
                return JSONResponse(
                    {"error": "send the metrics token: Authorization: Bearer <METRICS_TOKEN>"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        sample_pool(request.app.state.database)
        sample_process()
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
