"""A real PgBouncer in transaction mode in front of the test PostgreSQL, started, stopped and
restarted by the tests (DESIGN §18). CI installs it (`.ci/run`); elsewhere a test needing it is
skipped when it is not installed, and fails under CI=true."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from tests.http.server import free_port

# Debian's package installs it outside a normal user's PATH.
CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer")
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30
# Server connections per database and user: fewer than the clients of two server processes
# (their pools are 15 each), as in production, where many instances share a few of them.
DEFAULT_POOL_SIZE = 4


def pgbouncer_binary() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class PgBouncer:
    """One PgBouncer process at a time on a fixed port, in front of `server`."""

    def __init__(self, binary: str, server: URL, workdir: Path) -> None:
        self.binary = binary
        self.port = free_port()
        self.workdir = workdir
        self.config = workdir / "pgbouncer.ini"
        self.log = workdir / "pgbouncer.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        user = server.username or "postgres"
        password = server.password if isinstance(server.password, str) else ""
        (workdir / "users.txt").write_text(f'"{user}" "{password}"\n')
        self.config.write_text(
            "[databases]\n"
            f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {workdir / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {DEFAULT_POOL_SIZE}\n"
            "max_client_conn = 1000\n"
        )
        for path in (workdir, self.config, workdir / "users.txt"):
            path.chmod(0o755 if path.is_dir() else 0o644)

    def url_for(self, database: URL) -> URL:
        """`database` reached through this PgBouncer."""
        return database.set(host="127.0.0.1", port=self.port)

    def start(self) -> None:
        assert self._process is None, "PgBouncer is running already"
        command = [self.binary, str(self.config)]
        if os.geteuid() == 0:
            # It refuses to run as root.
            command[1:1] = ["-u", "nobody"]
        with self.log.open("a") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._accepts_connections():
            if self._process.poll() is not None:
                raise AssertionError(f"PgBouncer exited at start:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"PgBouncer did not listen:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop at once (SIGTERM: PgBouncer's immediate shutdown), closing every client's
        connection as a crash or a restart by an operator does."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False


@contextmanager
def running_pgbouncer(binary: str, server: URL) -> Iterator[PgBouncer]:
    """A PgBouncer in front of `server` until the block ends. Its files live in a folder of
    their own that the unprivileged user it runs as (when started as root) can read."""
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    pgbouncer = PgBouncer(binary, server, workdir)
    pgbouncer.start()
    try:
        yield pgbouncer
    finally:
        pgbouncer.stop()
        shutil.rmtree(workdir, ignore_errors=True)
