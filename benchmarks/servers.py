"""The two servers under test, started the way an operator starts them, and their memory.

The registry runs as `python -m app.cli serve --port P --workers W` with `DATABASE_URL` set, at
the log level asked for (`serve`'s default, `info`, writes a line per request; `warning` writes
none); the plain endpoint runs under uvicorn with the same workers and uvicorn's default loop and
HTTP implementation (which is what `serve` uses), at `warning`, so the yardstick never pays for
access logs. `environment` overrides what a server is given (another database URL: through a
pooler, or through the statement-counting relay).
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import URL

from benchmarks.databases import asyncpg_dsn

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 120
"""Generous: on a busy machine a process compiles and imports the app for many seconds."""


@dataclass(frozen=True)
class Server:
    """A running server: where it listens, and its supervisor's process id."""

    name: str
    base_url: str
    pid: int

    def rss_bytes(self) -> int:
        """The resident memory of the server's processes (the supervisor and its workers)."""
        return sum(_rss(pid) for pid in _tree(self.pid))


class ServerExited(RuntimeError):
    """A server stopped (or never answered) at start; the message holds its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(url: URL, pool_size: int, log_level: str = "warning") -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        # Read by the app once it has the setting; the plain endpoint sizes its pool with it.
        "DATABASE_POOL_SIZE": str(pool_size),
        "LOG_LEVEL": log_level,
        # The subscriptions figure holds 200 of one key, over however many workers.
        "MAX_SUBSCRIPTIONS_PER_KEY": "1000",
    }


@contextmanager
def registry(
    url: URL,
    *,
    workers: int,
    pool_size: int,
    log: Path,
    log_level: str = "warning",
    environment: Mapping[str, str] | None = None,
    name: str = "graphql",
) -> Iterator[Server]:
    """`connector-registry serve` on a free port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    env = {**_environment(url, pool_size, log_level), **(environment or {})}
    with _running(name, command, env, port, log) as server:
        yield server


@contextmanager
def plain(
    url: URL,
    *,
    workers: int,
    pool_size: int,
    log: Path,
    environment: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """The plain endpoint (`benchmarks.plain`) under uvicorn on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "benchmarks.plain:create_app", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    env = {**_environment(url, pool_size), "PLAIN_DATABASE_URL": asyncpg_dsn(url)}
    env.update(environment or {})
    with _running("plain", command, env, port, log) as server:
        yield server


@contextmanager
def _running(
    name: str, command: list[str], env: dict[str, str], port: int, log_path: Path
) -> Iterator[Server]:
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        server = Server(name=name, base_url=f"http://127.0.0.1:{port}", pid=process.pid)
        try:
            _wait_until_healthy(server, process, log_path)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


STARTUP_FAILED = "Application startup failed"
"""What uvicorn logs when the app's lifespan fails; the process may linger after it."""
UNHEALTHY_SECONDS = 20.0
"""How long a server may answer /healthz with an error before it counts as failed to start."""


def _wait_until_healthy(server: Server, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    failing_since: float | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerExited(f"the {server.name} server exited at start:\n{log.read_text()}")
        if STARTUP_FAILED in log.read_text(errors="replace"):
            raise ServerExited(f"the {server.name} server failed to start:\n{log.read_text()}")
        try:
            status = httpx.get(f"{server.base_url}/healthz", timeout=1).status_code
        except httpx.TransportError:
            status = None
        if status == 200:
            return
        if status is not None:
            # It answers, and says it is not healthy (e.g. it cannot reach its database).
            failing_since = failing_since or time.monotonic()
            if time.monotonic() - failing_since > UNHEALTHY_SECONDS:
                raise ServerExited(
                    f"the {server.name} server answered /healthz with HTTP {status} for"
                    f" {UNHEALTHY_SECONDS:.0f} s:\n" + log.read_text(errors="replace")[-3000:]
                )
        time.sleep(0.2)
    raise ServerExited(
        f"the {server.name} server was not healthy in {START_TIMEOUT_SECONDS}s:\n"
        + log.read_text(errors="replace")[-3000:]
    )


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
