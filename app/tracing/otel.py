"""OpenTelemetry: a span per HTTP request, per GraphQL operation (with its resolvers), and per
SQL statement, each a child of the one it runs in.

Imported only when `TRACING` is on: the packages come with the optional `otel` extra. Where
spans go and how many are kept is set by OpenTelemetry's own variables (`OTEL_SERVICE_NAME`,
`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_SAMPLER`, ...), read by the SDK as it documents.
"""

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
from opentelemetry.util.http import get_excluded_urls
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

DEFAULT_SERVICE_NAME = "connector-registry"
# Health checks come every few seconds and say nothing a trace would help with.
DEFAULT_EXCLUDED_URLS = "healthz"


class OpenTelemetryTracing:
    """This app's tracer provider, and the pieces that make spans with it.

    The provider is the app's own, not OpenTelemetry's global one, so that an app (or a test)
    never changes what another app in the same process traces.
    """

    def __init__(self, processor: SpanProcessor) -> None:
        self.provider = TracerProvider(resource=_resource())
        self.provider.add_span_processor(processor)

    @classmethod
    def exporting_by_otlp(cls) -> "OpenTelemetryTracing":
        """Spans sent in batches by OTLP over HTTP (`OTEL_EXPORTER_OTLP_*`)."""
        return cls(BatchSpanProcessor(OTLPSpanExporter()))

    def middleware(self) -> Middleware:
        """The request's span; it continues a caller's trace (a `traceparent` header)."""
        excluded = get_excluded_urls("ASGI") or DEFAULT_EXCLUDED_URLS
        return Middleware(
            OpenTelemetryMiddleware,
            tracer_provider=self.provider,
            excluded_urls=excluded,
            exclude_spans=["receive", "send"],
        )

    def operation_extension(self) -> SchemaExtension:
        return OpenTelemetryExtension(tracer_provider=self.provider)

    def instrument(self, engine: AsyncEngine) -> None:
        """A span per statement `engine` runs, as a child of the span it runs in.

        On this engine only: the instrumentor's `instrument()` would also patch SQLAlchemy's
        `create_engine` for the whole process.
        """
        tracer = self.provider.get_tracer(
            "opentelemetry.instrumentation.sqlalchemy", sqlalchemy_instrumentation
        )
        connections = NoOpMeterProvider().get_meter(__name__).create_up_down_counter("unused")
        # The instrumentation is untyped; its listeners live as long as the engine does.
        EngineTracer(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]

    def shutdown(self) -> None:
        """Send the spans still waiting, then stop."""
        self.provider.shutdown()


def _resource() -> Resource:
    """What the SDK reads from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, named
    `connector-registry` unless they name it."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return resource
