"""`python -m benchmarks`: the hot path against a plain endpoint, and how it scales.

Creates its own databases (a fresh PostgreSQL database, and with --sqlite a temporary SQLite
file), migrates and seeds them, starts the server as an operator does and the plain endpoint
next to it, measures every figure in interleaved rounds, prints medians, ratios and targets, and
drops the databases at the end.
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
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from app.db.engine import create_engine
from app.settings import DEFAULT_DATABASE_POOL_SIZE, parse_database_url
from benchmarks import servers
from benchmarks.cursors import deep_account_cursor
from benchmarks.databases import asyncpg_dsn, fresh_postgres, fresh_sqlite
from benchmarks.figures import FIGURES, PLAIN_FIGURES, Bench, check, run_round
from benchmarks.load import Generator
from benchmarks.report import Row, backend_json, figures, summary, write_json
from benchmarks.seed import FULL, QUICK, SQLITE, seed

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"


def say(line: str) -> None:
    print(line, flush=True)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL server URL")
    parser.add_argument("--sqlite", action="store_true", help="also run the SQLite data set")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5; quick 1)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16, help="for the loaded figures")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
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
        "workers": args.workers,
        "pool_size": args.pool_size,
        "connections": args.connections,
        "duration_seconds": args.duration,
        "rounds": args.rounds,
        "generator": generator.name,
        "figures": list(args.only),
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
            data = await seed(engine, scale, rounds=args.rounds, impact="impact" in args.only)
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
    data: Any,
    cursor: str,
    position: int,
) -> tuple[list[str], list[Row], dict[str, Any]]:
    options = {"workers": args.workers, "pool_size": args.pool_size}
    with servers.registry(url, log=logs / f"{backend}-graphql.log", **options) as graphql:
        plain_server = (
            servers.plain(url, log=logs / f"{backend}-plain.log", **options)
            if backend == "postgresql" and set(args.only) & set(PLAIN_FIGURES)
            else None
        )
        with plain_server or contextlib.nullcontext() as plain:
            bench = Bench(
                data=data,
                graphql=graphql,
                plain=plain,
                generator=generator,
                connections=args.connections,
                duration=args.duration,
                deep_cursor=cursor,
                deep_position=position,
                pushes=40 if args.quick else 120,
                workers=args.workers,
            )
            check(bench, args.only)
            say("   answers checked (plain and GraphQL agree); measuring")
            for number in range(1, args.rounds + 1):
                run_round(bench, args.only, number, say)
    lines, rows = figures(bench, args.only)
    return lines, rows, backend_json(bench, rows)


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
                say("  (SQLite: GraphQL only, on a smaller data set; no plain endpoint)")
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
