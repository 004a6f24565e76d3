"""A real server with two workers: `/metrics` sums what both served, and its log is one JSON
line per request."""

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.http.server import serving

pytestmark = pytest.mark.slow

BATCH = 30
MAX_REQUESTS = 600
TOKEN = "metrics-token-for-tests"
OPERATION = "MetricsProbe"


@pytest.fixture(scope="module")
def observed_server(
    running_server: str, server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, Path]]:
    """Two workers logging JSON at INFO, their metrics files in a folder the test can read.
    The module's tests share it: each counts and logs only requests of its own."""
    tmp_path = tmp_path_factory.mktemp("observed")
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **server_env,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    log_path = tmp_path / "server.log"
    with serving(env, log_path, workers=2) as base_url:
        yield base_url, metrics_dir, log_path


def _probe_counts_by_process(metrics_dir: Path) -> dict[str, float]:
    counts: dict[str, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):  # type: ignore[no-untyped-call]
            _, name, labels, _ = json.loads(key)
            if name == "registry_requests_total" and labels.get("operation") == OPERATION:
                counts[path.name] = counts.get(path.name, 0.0) + value
    return counts


def _settled(read: Callable[[], float], expected: float, seconds: float = 10.0) -> float:
    """`read()` once it equals `expected`, or its last value after `seconds`.

    A request is counted and logged once its response has gone out (its duration includes
    sending it), so the client may hold the last answer a moment before the count moves."""
    deadline = time.monotonic() + seconds
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def _scraped_total(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "registry_requests_total" and sample.labels["operation"] == OPERATION
    )


def test_metrics_sum_both_workers_and_logs_are_json_lines(
    observed_server: tuple[str, Path, Path], platform_key: str
) -> None:
    base_url, metrics_dir, log_path = observed_server
    request_ids: list[str] = []
    # when a client sends requests, each on a new connection, until both workers served some
    # (which worker accepts a connection is the kernel's choice, so a batch may miss one)
    while len(request_ids) < MAX_REQUESTS:
        for _ in range(BATCH):
            request_id = f"probe-{uuid.uuid4().hex}"
            request_ids.append(request_id)
            response = httpx.post(
                f"{base_url}/graphql",
                json={"query": f"query {OPERATION} {{ viewer {{ role }} }}"},
                headers={"Authorization": f"Bearer {platform_key}", "X-Request-ID": request_id},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            assert response.headers["X-Request-ID"] == request_id
        if len(_probe_counts_by_process(metrics_dir)) == 2:
            break
    # then both workers counted some, and a scrape (served by either) sums them
    _settled(lambda: sum(_probe_counts_by_process(metrics_dir).values()), len(request_ids))
    by_process = _probe_counts_by_process(metrics_dir)
    assert len(by_process) == 2, by_process
    assert all(count > 0 for count in by_process.values()), by_process
    assert sum(by_process.values()) == len(request_ids)
    assert httpx.get(f"{base_url}/metrics", timeout=30).status_code == 401
    for _ in range(4):
        scraped = httpx.get(
            f"{base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )
        assert scraped.status_code == 200
        assert _scraped_total(scraped.text) == len(request_ids)
    # and the log holds exactly one JSON line per request, without the key's secret
    sent = set(request_ids)

    def probes_logged() -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in log_path.read_text().splitlines() if line[:1] == "{"]
        return [line for line in lines if line.get("request_id") in sent]

    _settled(lambda: len(probes_logged()), len(request_ids))
    log = log_path.read_text()
    assert platform_key not in log
    probes = probes_logged()
    assert len(probes) == len(request_ids)
    assert all(line["event"] == "request" for line in probes)
    assert {line["operation"] for line in probes} == {OPERATION}
    assert all(line["api_key_id"] and line["duration_ms"] >= 0 for line in probes)
    assert not [line for line in log.splitlines() if '"POST /graphql' in line]
    # every line of the log is JSON, from the first (the start-up lines too)
    assert all(json.loads(line) for line in log.splitlines() if line.strip())


def _process_pids(text: str, name: str) -> set[str]:
    return {
        sample.labels.get("pid", "")
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_each_worker_publishes_its_process_metrics(
    observed_server: tuple[str, Path, Path],
) -> None:
    base_url, _metrics_dir, _log_path = observed_server
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def workers_seen() -> float:
        scraped = httpx.get(f"{base_url}/metrics", headers=headers, timeout=30).text
        return len(_process_pids(scraped, "process_resident_memory_bytes"))

    # each worker samples itself every second; a scrape shows both, by pid
    assert _settled(workers_seen, 2, seconds=30) == 2
    scraped = httpx.get(f"{base_url}/metrics", headers=headers, timeout=30).text
    for name in ("process_cpu_seconds_total", "process_start_time_seconds", "process_open_fds"):
        pids = _process_pids(scraped, name)
        assert len(pids) == 2, (name, pids)
        assert all(pid.isdigit() for pid in pids)


def test_serve_removes_the_metrics_folder_it_made(
    running_server: str, server_env: dict[str, str], tmp_path: Path
) -> None:
    env = {key: value for key, value in server_env.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env["TMPDIR"] = str(tmp_path)
    with serving(env, tmp_path / "server.log", workers=2) as base_url:
        made = list(tmp_path.glob("connector-registry-metrics-*"))
        assert len(made) == 1
        assert list(made[0].glob("*.db")) or httpx.get(f"{base_url}/metrics").status_code == 200
    assert not made[0].exists()
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None
