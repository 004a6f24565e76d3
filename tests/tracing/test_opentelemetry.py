"""OpenTelemetry (the `otel` extra): a span per GraphQL operation, with the SQL statements it
runs below it, on the app's engine."""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

pytest.importorskip("opentelemetry.sdk", reason="needs the otel extra")

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from app.db.engine import Database, create_engine
from app.main import create_app
from app.settings import Settings
from app.tracing.otel import EXCLUDED_URLS_VARIABLES, OpenTelemetryTracing, excluded_urls
from tests.graphql.connectors.documents import CONNECTOR_KEYS
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys
from tests.observability.log_lines import json_log_lines


class Traced:
    def __init__(self, graphql: GraphQLClient, exporter: InMemorySpanExporter, keys: Keys):
        self.graphql = graphql
        self.exporter = exporter
        self.keys = keys


@pytest.fixture
async def traced(committed_database: Database) -> AsyncIterator[Traced]:
    """The app on its own database (its engine is instrumented), spans kept in memory."""
    exporter = InMemorySpanExporter()
    tracing = OpenTelemetryTracing(SimpleSpanProcessor(exporter))
    url = committed_database.engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url), database=committed_database, tracing=tracing)
    async with committed_database.session() as session:
        keys = await make_keys(session)
    exporter.clear()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        yield Traced(GraphQLClient(http), exporter, keys)
    tracing.shutdown()


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    found = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        found.append(by_id[parent.span_id])
        parent = by_id[parent.span_id].parent
    return found


def _is_sql(span: ReadableSpan) -> bool:
    return span.kind is SpanKind.CLIENT and "db.statement" in (span.attributes or {})


async def test_an_operation_gets_a_span_with_its_sql_statements_below_it(traced: Traced) -> None:
    await traced.graphql(CONNECTOR_KEYS, key=traced.keys.alpha.admin)

    spans = traced.exporter.get_finished_spans()
    by_id = {span.context.span_id: span for span in spans if span.context is not None}
    operations = [span for span in spans if span.name == "GraphQL Query: Connectors"]
    assert len(operations) == 1
    (operation,) = operations
    below_operation = [
        span for span in spans if _is_sql(span) and operation in _ancestors(span, by_id)
    ]
    assert below_operation, [span.name for span in spans]
    assert any(
        "connector" in str((span.attributes or {})["db.statement"]) for span in below_operation
    )
    # One trace: the request's span holds the operation and the key lookup before it.
    assert {span.context.trace_id for span in spans if span.context is not None} == {
        operation.context.trace_id if operation.context is not None else 0
    }


async def test_each_operation_gets_its_own_span(traced: Traced) -> None:
    await traced.graphql(CONNECTOR_KEYS, key=traced.keys.alpha.admin)
    await traced.graphql(CONNECTOR_KEYS, key=traced.keys.beta.admin)

    names = [span.name for span in traced.exporter.get_finished_spans()]
    assert names.count("GraphQL Query: Connectors") == 2


async def test_a_callers_trace_is_continued(traced: Traced) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    await traced.graphql.http.post(
        "/graphql",
        json={"query": CONNECTOR_KEYS},
        headers={
            "Authorization": f"Bearer {traced.keys.alpha.admin}",
            "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
        },
    )

    spans = traced.exporter.get_finished_spans()
    assert spans
    assert {f"{span.context.trace_id:032x}" for span in spans if span.context} == {trace_id}


async def test_the_log_lines_of_a_request_carry_its_trace_and_span_ids(traced: Traced) -> None:
    with json_log_lines() as log:
        await traced.graphql(CONNECTOR_KEYS, key=traced.keys.alpha.admin)

    spans = traced.exporter.get_finished_spans()
    (request_span,) = [span for span in spans if span.parent is None]
    assert request_span.context is not None
    (line,) = log.events("request")
    assert line["trace_id"] == f"{request_span.context.trace_id:032x}"
    assert line["span_id"] in {f"{span.context.span_id:016x}" for span in spans if span.context}


async def test_a_line_written_outside_any_span_has_no_trace_ids(traced: Traced) -> None:
    with json_log_lines() as log:
        logging.getLogger("app.test").info("outside")
    (line,) = log.events("outside")
    assert "trace_id" not in line
    assert "span_id" not in line


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz", "/metrics"])
async def test_probes_and_scrapes_make_no_span(traced: Traced, path: str) -> None:
    response = await traced.graphql.http.get(path)

    assert response.status_code in (200, 503)  # 503: a PostgreSQL app that is not listening
    assert traced.exporter.get_finished_spans() == ()
    # while a request to the API still has its span
    await traced.graphql(CONNECTOR_KEYS, key=traced.keys.alpha.admin)
    assert traced.exporter.get_finished_spans()


def test_opentelemetrys_variable_chooses_the_urls_without_spans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in EXCLUDED_URLS_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    assert excluded_urls().url_disabled("http://registry.test/healthz")
    assert not excluded_urls().url_disabled("http://registry.test/graphql")

    monkeypatch.setenv("OTEL_PYTHON_ASGI_EXCLUDED_URLS", "graphql")
    assert excluded_urls().url_disabled("http://registry.test/graphql")
    assert not excluded_urls().url_disabled("http://registry.test/healthz")


async def test_sql_outside_a_request_is_not_traced_unless_asked(
    committed_database: Database,
) -> None:
    url = committed_database.engine.url
    counts = {}
    for background_sql in (False, True):
        exporter = InMemorySpanExporter()
        tracing = OpenTelemetryTracing(SimpleSpanProcessor(exporter), background_sql=background_sql)
        engine = create_engine(url)
        tracing.instrument(engine)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                # within a span (a request's), a statement is traced either way
                with tracing.provider.get_tracer(__name__).start_as_current_span("request"):
                    await connection.execute(text("SELECT 2"))
        finally:
            await engine.dispose()
            tracing.shutdown()
        statements = [
            (span.attributes or {}).get("db.statement") for span in exporter.get_finished_spans()
        ]
        # (SQLite's connection also runs its own BEGIN, traced or not as the SELECTs are)
        counts[background_sql] = sorted(
            str(statement) for statement in statements if str(statement).startswith("SELECT")
        )
    assert counts == {False: ["SELECT 2"], True: ["SELECT 1", "SELECT 2"]}
