"""`/metrics`: Prometheus text with requests by operation and outcome and typed errors by code;
`METRICS=off` hides it and `METRICS_TOKEN` protects it."""

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette

from app.db.engine import Database
from app.main import create_app
from app.observability import metrics
from app.settings import Settings
from tests.graphql.operations import CREATE_CONNECTOR
from tests.keys import Keys


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registry.test"
    )


async def test_requests_and_typed_errors_are_counted_and_scraped(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    requests = {"operation": "Counted", "operation_type": "query", "outcome": "ok"}
    before = _count("registry_requests_total", **requests)
    errors_before = _count("registry_mutation_errors_total", code="ALREADY_EXISTS")
    headers = {"Authorization": f"Bearer {keys.alpha.admin}"}
    for _ in range(3):
        await http.post(
            "/graphql", json={"query": "query Counted { viewer { role } }"}, headers=headers
        )
    create = {"query": CREATE_CONNECTOR, "variables": {"input": {"key": "crm", "name": "CRM"}}}
    await http.post("/graphql", json=create, headers=headers)
    await http.post("/graphql", json=create, headers=headers)

    assert _count("registry_requests_total", **requests) == before + 3
    assert _count("registry_mutation_errors_total", code="ALREADY_EXISTS") == errors_before + 1
    scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert 'registry_requests_total{operation="Counted",operation_type="query",outcome="ok"}' in (
        scraped.text
    )
    for name in (
        "registry_request_duration_seconds_bucket",
        "registry_db_pool_checked_out",
        "registry_db_pool_waiting",
        "registry_subscriptions_open",
        "registry_event_delivery_lag_seconds_count",
    ):
        assert name in scraped.text


async def test_requests_refused_before_their_operation_count_as_unknown(
    http: httpx.AsyncClient,
) -> None:
    labels = {"operation": "unknown", "operation_type": "unknown", "outcome": "client_error"}
    before = _count("registry_requests_total", **labels)
    response = await http.post("/graphql", json={"query": "query Secret { viewer { role } }"})
    assert response.status_code == 401
    assert _count("registry_requests_total", **labels) == before + 1


def test_operation_labels_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_operation_labels", set())
    assert metrics.operation_label(None) == metrics.ANONYMOUS
    assert metrics.operation_label("") == metrics.ANONYMOUS
    assert metrics.operation_label("x" * 65) == metrics.OTHER
    names = [f"Operation{number}" for number in range(metrics.MAX_OPERATION_LABELS)]
    assert [metrics.operation_label(name) for name in names] == names
    assert metrics.operation_label("OneTooMany") == metrics.OTHER
    assert metrics.operation_label("Operation0") == "Operation0"


async def test_metrics_off_is_a_404(database: Database, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics": "off"}), database=database)
    async with _client(app) as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_a_metrics_token_is_required_when_set(database: Database, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": "s3cret"}), database=database)
    async with _client(app) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 200
        assert "registry_requests_total" in right.text
