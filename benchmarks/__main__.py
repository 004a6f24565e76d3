"""`python -m benchmarks`: the hot path against a plain endpoint, and how it scales.

Creates its own databases (a fresh PostgreSQL database, and with --sqlite a temporary SQLite
file), migrates and seeds them, starts the server as an operator does and the plain endpoint
next to it, measures every figure in interleaved rounds (the order alternating between rounds),
prints medians, each comparison as the median of the rounds' own ratios, and targets, and drops
the databases at the end. The lookup figures run at each worker count of --workers, on the server
at each log level of --log-levels and, with --pooled, behind a PgBouncer of its own; the other
figures run at the largest worker count.
"""

import argparse
import asyncio
import contextlib
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import URL

from app.db.engine import create_engine
from app.graphql.relay.ids import encode_id
from app.settings import DEFAULT_DATABASE_POOL_SIZE, parse_database_url
from benchmarks import servers
from benchmarks.cursors import deep_account_cursor
from benchmarks.databases import asyncpg_dsn, fresh_postgres, fresh_sqlite
from benchmarks.delay import DelayProbe, Sighting
from benchmarks.figures import (
    FIGURES,
    OWN_SERVER_FIGURES,
    PLAIN_FIGURES,
    VARIANT_FIGURES,
    Bench,
    Variant,
    check,
    run_round,
)
from benchmarks.load import Generator
from benchmarks.pooler import PoolerUnavailable, find_pgbouncer, pgbouncer
from benchmarks.queries import LOOKUP, graphql_request
from benchmarks.report import (
    Row,
    backend_json,
    delay_figures,
    delay_json,
    figures,
    statement_figures,
    summary,
    write_json,
)
from benchmarks.rounds import parse_counts
from benchmarks.seed import FULL, QUICK, SQLITE, DataSet, seed
from benchmarks.statement_counts import count_statements

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
POOLER_SETTINGS = {"DATABASE_POOLER": "transaction"}
"""What the pooled server is given besides its URL through the pooler (and DATABASE_DIRECT_URL)."""


def say(line: str) -> None:
    print(line, flush=True)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL server URL")
    parser.add_argument("--sqlite", action="store_true", help="also run the SQLite data set")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5; quick 1)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16, help="for the loaded figures")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="server worker processes: one count, or several (e.g. 1,2) for the lookup figures;"
        " the other figures run at the largest (default 1,2)",
    )
    parser.add_argument(
        "--log-levels",
        default="warning,info",
        help="the GraphQL server's LOG_LEVEL: the first for every figure, the others (as"
        " variants) for the lookup figures (default warning,info; `serve` defaults to info)",
    )
    parser.add_argument(
        "--pooled",
        action="store_true",
        help="also run the lookup figures through a PgBouncer in transaction mode (PostgreSQL)",
    )
    parser.add_argument("--pgbouncer", default=None, help="the PgBouncer executable to use")
    parser.add_argument(
        "--changes", type=int, default=None, help="changes per round of the delay figure"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=DEFAULT_DATABASE_POOL_SIZE,
        help="DATABASE_POOL_SIZE for both servers (default: the server's own default)",
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"some of {','.join(FIGURES)}")
    parser.add_argument("--python-load", action="store_true", help="use the Python generator")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.duration = args.duration or (1.0 if args.quick else 10.0)
    args.changes = args.changes or (20 if args.quick else 100)
    try:
        args.workers = parse_counts(args.workers)
    except ValueError as error:
        parser.error(f"--workers: {error}")
    args.log_levels = tuple(
        dict.fromkeys(level.strip().lower() for level in args.log_levels.split(",") if level)
    )
    if not args.log_levels or not set(args.log_levels) <= set(LOG_LEVELS):
        parser.error(f"--log-levels: some of {', '.join(LOG_LEVELS)}")
    args.only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(args.only) - set(FIGURES)
    if unknown:
        parser.error(f"--only: unknown figure(s) {', '.join(sorted(unknown))}")
    return args


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=servers.REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


async def _postgres_version(server: str) -> str:
    connection = await asyncpg.connect(asyncpg_dsn(parse_database_url(server)))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def header(args: argparse.Namespace, generator: Generator) -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": asyncio.run(_postgres_version(args.database)),
        "sqlite": sqlite3.sqlite_version if args.sqlite else None,
        "commit": _commit(),
        "workers": list(args.workers),
        "log_levels": list(args.log_levels),
        "pooled": args.pooled,
        "pool_size": args.pool_size,
        "connections": args.connections,
        "duration_seconds": args.duration,
        "rounds": args.rounds,
        "generator": generator.name,
        "figures": list(args.only),
        "delay_changes_per_round": args.changes if "delay" in args.only else None,
    }


async def run_data_set(
    backend: str, args: argparse.Namespace, generator: Generator, logs: Path
) -> tuple[list[str], list[Row], dict[str, Any]]:
    scale = QUICK if args.quick else (FULL if backend == "postgresql" else SQLITE)
    fresh = fresh_postgres(args.database) if backend == "postgresql" else fresh_sqlite()
    async with fresh as url:
        say(f"\n== {backend}: seeding {scale.describe()} …")
        engine = create_engine(url)
        try:
            data = await seed(
                engine,
                scale,
                rounds=args.rounds,
                impact="impact" in args.only,
                past="past" in args.only,
            )
            position = int(scale.deep_accounts * 0.9)
            async with engine.connect() as connection:
                cursor = await deep_account_cursor(connection, data.deep_config, position)
        finally:
            await engine.dispose()
        say(
            f"   seeded in {data.seconds:.1f} s: {data.versions:,} versions with definitions of "
            f"{data.definition_bytes[0]:,} to {data.definition_bytes[1]:,} bytes"
        )
        return _measure(backend, url, args, generator, logs, data, cursor, position)


def _measure(
    backend: str,
    url: URL,
    args: argparse.Namespace,
    generator: Generator,
    logs: Path,
    data: DataSet,
    cursor: str,
    position: int,
) -> tuple[list[str], list[Row], dict[str, Any]]:
    lines: list[str] = []
    rows: list[Row] = []
    result: dict[str, Any] = {"by_workers": {}}
    largest = max(args.workers)
    for workers in args.workers:
        selected = tuple(
            figure
            for figure in args.only
            if figure not in OWN_SERVER_FIGURES
            and (workers == largest or figure in VARIANT_FIGURES)
        )
        if not selected:
            continue
        say(f"\n== {backend}: {workers} worker(s) per server: {', '.join(selected)}")
        bench = _bench(backend, url, args, generator, logs, data, cursor, position, workers)
        with bench as running:
            check(running, selected)
            say("   answers checked (plain, variants and GraphQL agree); measuring")
            for number in range(1, args.rounds + 1):
                run_round(running, selected, number, say)
        more_lines, more_rows = figures(running, selected)
        lines += running.notes_lines() + more_lines
        rows += more_rows
        result["by_workers"][str(workers)] = backend_json(running, more_rows)
    if "statements" in args.only and backend == "postgresql":
        say(f"\n== {backend}: statements per warm lookup")
        counts = count_statements(
            url,
            viewer_key=data.viewer_key,
            auth_config_id=encode_id("AuthConfig", data.lookup_config),
            logs=logs,
            with_plain=True,
        )
        more_lines, more_rows = statement_figures(counts)
        lines += more_lines
        rows += more_rows
        result["statements"] = [count.as_json() for count in counts]
    if "delay" in args.only:
        say(f"\n== {backend}: the notification delay between two server processes")
        rounds = _delay(backend, url, args, logs, data)
        more_lines, more_rows = delay_figures(rounds)
        lines += more_lines
        rows += more_rows
        result["delay"] = delay_json(rounds)
    return lines, rows, result


class _Servers:
    """The servers of one worker count, started on entering and stopped on leaving."""

    def __init__(self, start: Any) -> None:
        self._start = start
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Bench:
        with self._stack as stack:
            bench: Bench = self._start(stack)
            self._stack = stack.pop_all()
        return bench

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


def _bench(
    backend: str,
    url: URL,
    args: argparse.Namespace,
    generator: Generator,
    logs: Path,
    data: DataSet,
    cursor: str,
    position: int,
    workers: int,
) -> _Servers:
    options = {"workers": workers, "pool_size": args.pool_size}
    main_level, *other_levels = args.log_levels
    selected = set(args.only)

    def start(stack: contextlib.ExitStack) -> Bench:
        def log(name: str) -> Path:
            return logs / f"{backend}-w{workers}-{name}.log"

        graphql = stack.enter_context(
            servers.registry(url, log=log("graphql"), log_level=main_level, **options)
        )
        variants: dict[str, Variant] = {}
        notes: list[str] = []
        if selected & set(VARIANT_FIGURES):
            for level in other_levels:
                server = stack.enter_context(
                    servers.registry(
                        url,
                        log=log(f"graphql-{level}"),
                        log_level=level,
                        name=f"graphql-{level}",
                        **options,
                    )
                )
                variants[level] = Variant(f"GraphQL (log {level})", server)
            if args.pooled and backend == "postgresql":
                pooled = _pooled(stack, url, args, workers, main_level, log, notes, data)
                if pooled is not None:
                    variants["pooled"] = pooled
            elif args.pooled:
                notes.append("pooled run skipped: PgBouncer pools PostgreSQL only")
        plain = (
            stack.enter_context(servers.plain(url, log=log("plain"), **options))
            if backend == "postgresql" and selected & set(PLAIN_FIGURES)
            else None
        )
        return Bench(
            data=data,
            graphql=graphql,
            plain=plain,
            generator=generator,
            connections=args.connections,
            duration=args.duration,
            deep_cursor=cursor,
            deep_position=position,
            pushes=40 if args.quick else 120,
            past_reads=5 if args.quick else 30,
            workers=workers,
            log_level=main_level,
            variants=variants,
            notes=notes,
        )

    return _Servers(start)


def _pooled(
    stack: contextlib.ExitStack,
    url: URL,
    args: argparse.Namespace,
    workers: int,
    level: str,
    log: Callable[[str], Path],
    notes: list[str],
    data: DataSet,
) -> Variant | None:
    """The GraphQL server behind a PgBouncer of its own in transaction mode, or None (with the
    reason in `notes`) when there is no PgBouncer or the server does not start behind it."""
    executable = find_pgbouncer(args.pgbouncer)
    if executable is None:
        notes.append(
            "pooled run skipped: no PgBouncer found (Debian package `pgbouncer`, or --pgbouncer)"
        )
        return None
    direct = url.render_as_string(hide_password=False)
    with contextlib.ExitStack() as attempt:
        try:
            pooled_url = attempt.enter_context(
                pgbouncer(
                    executable,
                    url,
                    server_connections=workers * args.pool_size,
                    log=log("pgbouncer"),
                )
            )
            server = attempt.enter_context(
                servers.registry(
                    pooled_url,
                    workers=workers,
                    pool_size=args.pool_size,
                    log=log("graphql-pooled"),
                    log_level=level,
                    name="graphql-pooled",
                    environment={**POOLER_SETTINGS, "DATABASE_DIRECT_URL": direct},
                )
            )
            _send_lookups(server, data)
        except (PoolerUnavailable, servers.ServerExited, RuntimeError) as error:
            notes.append(
                "pooled run skipped: the server does not serve behind PgBouncer in transaction"
                f" mode with {', '.join(f'{k}={v}' for k, v in POOLER_SETTINGS.items())}"
                f" and DATABASE_DIRECT_URL:\n{_reason(str(error))}"
            )
            say(f"   {notes[-1]}")
            return None
        stack.enter_context(attempt.pop_all())
    return Variant("GraphQL pooled (PgBouncer, transaction)", server)


def _reason(text: str) -> str:
    """The lines of a failure that say why (errors first), indented for the report."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line or "refuse" in line]
    chosen = list(dict.fromkeys(errors))[:4] or lines[-4:]
    return "\n".join(f"      {line[:200]}" for line in chosen)


def _send_lookups(server: servers.Server, data: DataSet) -> None:
    """Lookups before measuring, one at a time and eight at once: a server that starts but
    fails them (a pooler's "prepared statement already exists") is skipped."""
    request = graphql_request(
        server.base_url, data.viewer_key, LOOKUP, id=encode_id("AuthConfig", data.lookup_config)
    )

    def send(_: int) -> None:
        response = httpx.post(request.url, content=request.body, headers=request.headers)
        if response.status_code != 200 or response.json().get("errors"):
            raise RuntimeError(f"a lookup: HTTP {response.status_code}: {response.text[:300]}")

    for number in range(5):
        send(number)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(40)))


def _delay(
    backend: str, url: URL, args: argparse.Namespace, logs: Path, data: DataSet
) -> list[list[Sighting]]:
    """`args.rounds` rounds of `args.changes` changes, through a writer and a reader process."""
    options = {"workers": 1, "pool_size": args.pool_size}
    rounds: list[list[Sighting]] = []
    with (
        servers.registry(
            url, log=logs / f"{backend}-delay-writer.log", name="writer", **options
        ) as writer,
        servers.registry(
            url, log=logs / f"{backend}-delay-reader.log", name="reader", **options
        ) as reader,
    ):
        probe = DelayProbe(writer, reader, admin_key=data.admin_key, viewer_key=data.viewer_key)
        try:
            probe.prepare(f"Delay {uuid.uuid4().hex[:8]}")
            for number in range(1, args.rounds + 1):
                sightings = probe.measure(args.changes)
                rounds.append(sightings)
                seen = sorted(s.seen_after for s in sightings)
                say(
                    f"  round {number} delay x{len(sightings)}: seen after "
                    f"p50 {seen[len(seen) // 2] * 1000:.2f} ms, max {seen[-1] * 1000:.2f} ms"
                )
        finally:
            probe.close()
    return rounds


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    generator = Generator(python_only=args.python_load)
    machine = header(args, generator)
    say("Connector Registry benchmark")
    for name, value in machine.items():
        if value is not None:
            say(f"  {name:<17} {value}")
    if generator.wrk is None:
        say("  note: wrk is not installed (Debian package `wrk`); a Python generator on the same")
        say("        machine competes with the servers for the CPU, which compresses the ratios")
    started = time.perf_counter()
    rows_by_backend: dict[str, list[Row]] = {}
    results: dict[str, dict[str, Any]] = {}
    backends = ["postgresql", *(["sqlite"] if args.sqlite else [])]
    with tempfile.TemporaryDirectory(prefix="cr-bench-logs-") as folder:
        for backend in backends:
            lines, rows, result = asyncio.run(run_data_set(backend, args, generator, Path(folder)))
            say(f"\n== {backend}: medians of {args.rounds} round(s)")
            for line in lines:
                say(line)
            if backend == "sqlite":
                say("  (SQLite: GraphQL only, on a smaller data set; no plain endpoint,")
                say("   no statement count, no pooled run)")
            rows_by_backend[backend] = rows
            results[backend] = result
    for line in summary(rows_by_backend):
        say(line)
    say(f"\nTotal time {time.perf_counter() - started:.0f} s")
    if args.json:
        write_json(args.json, machine, results)
        say(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
