"""A real server for end-to-end tests: started through the CLI as an operator starts it, and a
small synchronous client for the "given" steps (projects, connectors) over real HTTP."""

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.projects.documents import CREATE_PROJECT, UPDATE_PROJECT_SETTINGS

# How long a process may take to answer its readiness probe. A start takes seconds, but on a
# busy machine (parallel test workers, other jobs) importing the app alone can take ten times
# as long; the probe is polled, so a quick start is not kept waiting.
START_TIMEOUT_SECONDS = 120
PROBE_TIMEOUT_SECONDS = 5
CLI_TIMEOUT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`connector-registry ARGS` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )


@contextmanager
def serving(env: dict[str, str], log_path: Path, *, workers: int = 2) -> Iterator[str]:
    """`connector-registry serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with running(
        [*command, "--workers", str(workers)],
        env=env,
        log_path=log_path,
        ready=lambda: (
            httpx.get(f"{base_url}/healthz", timeout=PROBE_TIMEOUT_SECONDS).status_code == 200
        ),
        name="the server",
    ):
        yield base_url


@contextmanager
def running(
    command: list[str],
    *,
    env: dict[str, str],
    log_path: Path,
    ready: Callable[[], bool],
    name: str,
    cwd: Path | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` in a process of its own, logging to `log_path`, from when `ready()` holds
    until the block ends (which stops it, unless it has stopped)."""
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(process, ready, log_path, name, timeout)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    log_path: Path,
    name: str,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{name} exited during start-up:\n{log_path.read_text()}")
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{name} did not become ready in {timeout:g}s:\n{log_path.read_text()}")


def graphql(
    base_url: str, key: str | None, query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=60,
    )


def mutate(base_url: str, key: str, document: str, input: dict[str, Any]) -> dict[str, Any]:
    """The result union of a one-mutation document; fails on anything but a 200 with data."""
    response = graphql(base_url, key, document, {"input": input})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    (result,) = body["data"].values()
    return result  # type: ignore[no-any-return]


def unique(prefix: str) -> str:
    """A slug or key no other test uses: tests share one server and its database."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_project(base_url: str, platform_key: str, *, immutable_versioning: bool = True) -> str:
    """A new project; returns its ADMIN key."""
    created = mutate(
        base_url,
        platform_key,
        CREATE_PROJECT,
        {"slug": unique("project"), "name": "End to end"},
    )
    assert created["__typename"] == "CreateProjectSuccess", created
    admin_key = str(created["secret"])
    if not immutable_versioning:
        settings = mutate(
            base_url,
            admin_key,
            UPDATE_PROJECT_SETTINGS,
            {"immutableVersioning": False},
        )
        assert settings["__typename"] == "UpdateProjectSettingsSuccess", settings
    return admin_key


def create_connector(base_url: str, admin_key: str, prefix: str = "crm") -> str:
    """A new DEFINITION connector in the key's project; returns its key."""
    key = unique(prefix)
    created = mutate(
        base_url,
        admin_key,
        CREATE_CONNECTOR,
        {"key": key, "name": key.upper()},
    )
    assert created["__typename"] == "CreateConnectorSuccess", created
    return key


@dataclass(frozen=True)
class Project:
    """A project on the running server: where it is, and its ADMIN key."""

    base_url: str
    key: str

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    def connector(self, prefix: str = "crm") -> str:
        """A new DEFINITION connector of this project; returns its key."""
        return create_connector(self.base_url, self.key, prefix)
