"""A PgBouncer of the benchmark's own, in transaction mode, for the pooled run of the lookup.

Started from a temporary configuration on a free loopback port in front of the PostgreSQL server
the benchmark uses, with trust authentication for the URL's user (the benchmark's server trusts
local connections, as the test server does), and stopped at the end. PgBouncer refuses to run as
root; as root it is started with `-u postgres` (its own option to drop to that user).
"""

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from benchmarks.databases import asyncpg_dsn
from benchmarks.servers import free_port

DEBIAN_PGBOUNCER = "/usr/sbin/pgbouncer"
START_TIMEOUT_SECONDS = 30
MAX_CLIENT_CONNECTIONS = 1000


class PoolerUnavailable(Exception):
    """No PgBouncer here, or it did not start: the pooled run is skipped with this reason."""


def find_pgbouncer(explicit: str | None = None) -> str | None:
    """The PgBouncer executable: `explicit`, else on PATH, else Debian's place for it."""
    if explicit:
        return explicit if Path(explicit).is_file() else None
    found = shutil.which("pgbouncer")
    if found:
        return found
    return DEBIAN_PGBOUNCER if Path(DEBIAN_PGBOUNCER).is_file() else None


def configuration(url: URL, *, port: int, server_connections: int, folder: Path) -> str:
    """pgbouncer.ini: every database of the URL's server, transaction pooling, `trust` for the
    URL's user (listed in the auth file next to it)."""
    return "\n".join(
        [
            "[databases]",
            f"* = host={url.host or '127.0.0.1'} port={url.port or 5432}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {folder / 'users.txt'}",
            "pool_mode = transaction",
            f"default_pool_size = {server_connections}",
            f"max_client_conn = {MAX_CLIENT_CONNECTIONS}",
            "",
        ]
    )


@contextmanager
def pgbouncer(executable: str, url: URL, *, server_connections: int, log: Path) -> Iterator[URL]:
    """A PgBouncer in front of `url`'s server until the block ends; yields `url` through it."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cr-bench-pgbouncer-") as name:
        folder = Path(name)
        (folder / "users.txt").write_text(f'"{url.username or "postgres"}" ""\n')
        ini = folder / "pgbouncer.ini"
        ini.write_text(
            configuration(url, port=port, server_connections=server_connections, folder=folder)
        )
        command = [executable]
        if os.geteuid() == 0:
            user = _unprivileged_user()
            shutil.chown(folder, user=user)
            for path in folder.iterdir():
                shutil.chown(path, user=user)
            command += ["-u", user]
        with log.open("w") as output:
            process = subprocess.Popen(
                [*command, str(ini)], stdout=output, stderr=subprocess.STDOUT
            )
        pooled = url.set(host="127.0.0.1", port=port)
        try:
            _wait_until_ready(process, pooled, log)
            yield pooled
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _unprivileged_user() -> str:
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return user
    raise PoolerUnavailable("PgBouncer refuses to run as root and no other user exists")


def _wait_until_ready(process: subprocess.Popen[bytes], pooled: URL, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PoolerUnavailable(f"PgBouncer exited at start:\n{log.read_text()[-2000:]}")
        try:
            _in_a_thread(_select_one(pooled))
            return
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            time.sleep(0.2)
    raise PoolerUnavailable(f"PgBouncer did not answer within {START_TIMEOUT_SECONDS} s")


def _in_a_thread(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to its end on an event loop of its own (the caller may be inside one)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(asyncio.run, work).result()


async def _select_one(pooled: URL) -> None:
    # No statement cache: asyncpg's named prepared statements are what a transaction pooler
    # cannot carry.
    connection = await asyncpg.connect(asyncpg_dsn(pooled), statement_cache_size=0, timeout=5)
    try:
        await connection.fetchval("SELECT 1")
    finally:
        await connection.close()
