"""OpenTelemetry: a span per HTTP request, per GraphQL operation (with its resolvers), and per
SQL statement, each a child of the one it runs in.

Imported only when `TRACING` is on: the packages come with the optional `otel` extra. Where
spans go and how many are kept is set by OpenTelemetry's own variables (`OTEL_SERVICE_NAME`,
`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_SAMPLER`, ...), read by the SDK as it documents.
"""

import os
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.sqlalchemy.version import (
    __version__ as sqlalchemy_instrumentation,
)
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.util.http import ExcludeList, parse_excluded_urls
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

DEFAULT_SERVICE_NAME = "connector-registry"
# Probes and scrapes come every few seconds and say nothing a trace would help with (each entry
# is a regular expression searched in the URL).
DEFAULT_EXCLUDED_URLS = r"/livez$,/readyz$,/healthz$,/metrics$"
EXCLUDED_URLS_VARIABLES = ("OTEL_PYTHON_ASGI_EXCLUDED_URLS", "OTEL_PYTHON_EXCLUDED_URLS")


def excluded_urls() -> ExcludeList:
    """The URLs without spans: OpenTelemetry's variables when set, else `DEFAULT_EXCLUDED_URLS`.
    (`get_excluded_urls` returns an empty list object, which is not falsy, when neither is set.)"""
    for variable in EXCLUDED_URLS_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return parse_excluded_urls(value)
    return parse_excluded_urls(DEFAULT_EXCLUDED_URLS)


class OpenTelemetryTracing:
    """This app's tracer provider, and the pieces that make spans with it.

    The provider is the app's own, not OpenTelemetry's global one, so that an app (or a test)
    never changes what another app in the same process traces.
    """

    def __init__(self, processor: SpanProcessor, *, background_sql: bool = False) -> None:
        self.provider = TracerProvider(resource=_resource())
        self.provider.add_span_processor(processor)
        self.background_sql = background_sql

    @classmethod
    def exporting_by_otlp(cls, *, background_sql: bool = False) -> "OpenTelemetryTracing":
        """Spans sent in batches by OTLP over HTTP (`OTEL_EXPORTER_OTLP_*`)."""
        return cls(BatchSpanProcessor(OTLPSpanExporter()), background_sql=background_sql)

    def middleware(self) -> Middleware:
        """The request's span; it continues a caller's trace (a `traceparent` header)."""
        return Middleware(
            OpenTelemetryMiddleware,
            tracer_provider=self.provider,
            excluded_urls=excluded_urls(),
            exclude_spans=["receive", "send"],
        )

    def operation_extension(self) -> SchemaExtension:
        return OpenTelemetryExtension(tracer_provider=self.provider)

    def instrument(self, engine: AsyncEngine) -> None:
        """A span per statement `engine` runs, as a child of the span it runs in; a statement
        outside any span (the live-events listener's catch-up, the admission queue, key-usage
        writes, a probe) gets none unless `background_sql` (TRACING_BACKGROUND_SQL) asks for
        them, each then a trace of its own.

        On this engine only: the instrumentor's `instrument()` would also patch SQLAlchemy's
        `create_engine` for the whole process.
        """
        tracer = self.provider.get_tracer(
            "opentelemetry.instrumentation.sqlalchemy", sqlalchemy_instrumentation
        )
        connections = NoOpMeterProvider().get_meter(__name__).create_up_down_counter("unused")
        # The instrumentation is untyped; its listeners live as long as the engine does.
        tracer_class = EngineTracer if self.background_sql else _RequestEngineTracer
        tracer_class(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]

    def shutdown(self) -> None:
        """Send the spans still waiting, then stop."""
        self.provider.shutdown()


class _RequestEngineTracer(EngineTracer):
    """Spans only for statements run within a span (a request's, an operation's)."""

    def _before_cur_exec(self, conn: Any, cursor: Any, statement: Any, *args: Any) -> Any:
        if not trace.get_current_span().get_span_context().is_valid:
            return statement, args[0]
        return super()._before_cur_exec(conn, cursor, statement, *args)  # type: ignore[no-untyped-call]


def _resource() -> Resource:
    """What the SDK reads from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, named
    `connector-registry` unless they name it."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return resource
