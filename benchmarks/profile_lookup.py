"""Where a warm lookup's Python work goes: the app as `serve` builds it, profiled in process.

    uv run python -m benchmarks.profile_lookup                 # PostgreSQL, log level info
    uv run python -m benchmarks.profile_lookup --log-level warning --requests 500 --top 40
    uv run python -m benchmarks.profile_lookup --sqlite

A fresh database (the benchmark's small data set), the app built by `create_app()` from the
environment as each `serve` worker builds it (one worker, metrics in multiprocess mode, the log
handlers of `serve` writing to /dev/null), its lifespan running (on PostgreSQL the listener is up,
so a warm lookup is answered from memory). After warm-up lookups, `--requests` lookups are sent
one after the other through an in-process transport and profiled with cProfile around the app
alone; the report gives Python calls per request (cProfile's count, built-ins included), the
statements they sent, and calls and own time per package and per function. Counts do not depend
on the machine's load; times do. uvicorn's own HTTP parsing is not in it (sample a real `serve`
worker with py-spy for that).
"""

import argparse
import asyncio
import cProfile
import logging.config
import os
import pstats
import sys
import sysconfig
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.databases import fresh_postgres, fresh_sqlite

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
WARM_REQUESTS = 50

_STDLIB = sysconfig.get_paths()["stdlib"]
_APP_ROOT = str(Path(__file__).resolve().parent.parent / "app")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_SERVER, help="a PostgreSQL server")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead")
    parser.add_argument("--requests", type=int, default=200, help="lookups profiled")
    parser.add_argument("--log-level", default="info", help="the server's LOG_LEVEL")
    parser.add_argument("--log-format", default="console", help="the server's LOG_FORMAT")
    parser.add_argument("--top", type=int, default=30, help="functions listed")
    parser.add_argument("--save", type=Path, help="also write the raw profile (pstats) here")
    parser.add_argument(
        "--tree",
        type=int,
        default=0,
        metavar="CALLS",
        help="also print the call tree of one request, down to nodes of at least CALLS calls",
    )
    return parser.parse_args(argv)


def part_of(filename: str) -> str:
    """The package a function's file belongs to: a distribution under site-packages, a module
    of the app, the standard library (asyncio apart), or built-ins (`~`)."""
    if filename == "~" or filename.startswith("<"):
        return "built-ins" if filename == "~" else "generated code"
    if filename.startswith(_APP_ROOT):
        relative = Path(filename).relative_to(_APP_ROOT).parts
        return "app." + relative[0].removesuffix(".py")
    marker = "site-packages" + os.sep
    if marker in filename:
        return filename.split(marker, 1)[1].split(os.sep, 1)[0].removesuffix(".py")
    if filename.startswith(_STDLIB):
        relative = Path(filename).relative_to(_STDLIB).parts
        return "asyncio" if relative[0] == "asyncio" else "stdlib"
    return "other"


@dataclass
class Part:
    calls: int = 0
    seconds: float = 0.0


def breakdown(stats: pstats.Stats) -> tuple[dict[str, Part], list[tuple[str, int, float]]]:
    """Calls and own time per package, a built-in counted in the package that called it (a
    `len` or a `dict.get` is the work of whoever asked for it); and every function."""
    parts: dict[str, Part] = defaultdict(Part)
    functions: list[tuple[str, int, float]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (_primitive, calls, own, _cumulative, callers) in raw.items():
        if filename == "~" and callers:
            for (caller_file, _line, _name), caller_stats in callers.items():
                share = caller_stats[1] if isinstance(caller_stats, tuple) else caller_stats
                part = parts[part_of(caller_file)]
                part.calls += share
                part.seconds += own * share / calls
        else:
            part = parts[part_of(filename)]
            part.calls += calls
            part.seconds += own
        where = f"{name}" if filename == "~" else f"{_short(filename)}:{line} {name}"
        functions.append((where, calls, own))
    return parts, functions


def _short(filename: str) -> str:
    marker = "site-packages" + os.sep
    if marker in filename:
        return filename.split(marker, 1)[1]
    if filename.startswith(_APP_ROOT):
        return "app/" + str(Path(filename).relative_to(_APP_ROOT))
    if filename.startswith(_STDLIB):
        return str(Path(filename).relative_to(_STDLIB))
    return filename


class CallTree:
    """Calls made under each function, by the stack they were made on (a coroutine resumed by
    the event loop sits under the loop's frames). Built with `sys.setprofile`."""

    def __init__(self) -> None:
        self.children: dict[str, CallTree] = {}
        self.own = 0
        self.total = 0

    def child(self, name: str) -> "CallTree":
        node = self.children.get(name)
        if node is None:
            node = self.children[name] = CallTree()
        return node

    def lines(self, minimum: int, depth: int = 0) -> Iterator[str]:
        for name, node in sorted(self.children.items(), key=lambda item: -item[1].total):
            if node.total < minimum:
                continue
            yield f"{node.total:>6} {'  ' * depth}{name}"
            yield from node.lines(minimum, depth + 1)


def _frame_name(frame: Any) -> str:
    code = frame.f_code
    return f"{_short(code.co_filename)}:{code.co_firstlineno} {code.co_name}"


def record_tree(tree: CallTree) -> Any:
    """A profile function that adds every call to `tree` under the frames on the stack."""

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event not in ("call", "c_call"):
            return
        path = []
        current = frame  # a call's own frame; for a built-in, the frame that called it
        while current is not None:
            path.append(_frame_name(current))
            current = current.f_back
        path.reverse()
        if event == "c_call":
            path.append(getattr(arg, "__qualname__", repr(arg)))
        node = tree
        node.total += 1
        for name in path:
            node = node.child(name)
            node.total += 1

    return profile


class Profiled:
    """An ASGI app profiled, request by request, with one cProfile profiler."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.profiler = cProfile.Profile()
        self.on = False
        self.tree: CallTree | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.tree is not None:
            sys.setprofile(record_tree(self.tree))
            try:
                await self.app(scope, receive, send)
            finally:
                sys.setprofile(None)
            return
        if not self.on:
            await self.app(scope, receive, send)
            return
        self.profiler.enable()
        try:
            await self.app(scope, receive, send)
        finally:
            self.profiler.disable()


@contextmanager
def _serve_environment(url: str, args: argparse.Namespace) -> Iterator[None]:
    """What `serve` sets for its one worker, before the app (and prometheus-client) loads."""
    with tempfile.TemporaryDirectory(prefix="cr-profile-metrics-") as metrics_dir:
        os.environ.update(
            {
                "DATABASE_URL": url,
                "LOG_LEVEL": args.log_level,
                "LOG_FORMAT": args.log_format,
                "WEB_CONCURRENCY": "1",
                "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            }
        )
        yield


def _log_to_nowhere(log_format: str, log_level: str) -> None:
    from app.observability.logs import uvicorn_log_config

    config = uvicorn_log_config(log_format, log_level)
    config["handlers"]["default"]["stream"] = open(os.devnull, "w")  # noqa: SIM115
    logging.config.dictConfig(config)


async def _profile(args: argparse.Namespace) -> None:
    import httpx

    from app.db.engine import create_engine
    from app.graphql.relay.ids import encode_id
    from benchmarks.queries import LOOKUP
    from benchmarks.seed import QUICK, seed

    databases = fresh_sqlite() if args.sqlite else fresh_postgres(args.database)
    async with databases as url:
        engine = create_engine(url)
        data = await seed(engine, QUICK, rounds=1)
        await engine.dispose()
        with _serve_environment(url.render_as_string(hide_password=False), args):
            _log_to_nowhere(args.log_format, args.log_level)
            from sqlalchemy import event

            from app.main import create_app

            app = create_app()
            profiled = Profiled(app)
            statements = 0

            async with app.router.lifespan_context(app):
                database = app.state.database

                def count(*_: object) -> None:
                    nonlocal statements
                    statements += 1

                event.listen(database.engine.sync_engine, "before_cursor_execute", count)
                transport = httpx.ASGITransport(app=profiled)
                lookup_id = encode_id("AuthConfig", data.lookup_config)
                body = {"query": LOOKUP, "variables": {"id": lookup_id}}
                headers = {"Authorization": f"Bearer {data.viewer_key}"}
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://registry.test"
                ) as client:

                    async def lookup() -> None:
                        response = await client.post("/graphql", json=body, headers=headers)
                        answer = response.json()
                        if response.status_code != 200 or answer.get("errors"):
                            raise RuntimeError(f"a lookup failed: {response.text[:300]}")

                    for _ in range(WARM_REQUESTS):
                        await lookup()
                    await asyncio.sleep(0.2)  # the key's last-use bookkeeping, written now
                    statements = 0
                    profiled.on = True
                    for _ in range(args.requests):
                        await lookup()
                    profiled.on = False
                    if args.tree:
                        tree = profiled.tree = CallTree()
                        await lookup()
                        profiled.tree = None
                event.remove(database.engine.sync_engine, "before_cursor_execute", count)
                state = database.live_events_state().value
    _report(profiled.profiler, args, statements, state)
    if args.tree:
        print()
        print(f"the call tree of one request ({tree.total:,} calls), nodes of {args.tree}+ calls:")
        for line in tree.lines(args.tree):
            print(line)


def _report(
    profiler: cProfile.Profile, args: argparse.Namespace, statements: int, state: str
) -> None:
    stats = pstats.Stats(profiler)
    if args.save is not None:
        stats.dump_stats(args.save)
    parts, functions = breakdown(stats)
    n = args.requests
    total_calls = sum(part.calls for part in parts.values())
    total_seconds = sum(part.seconds for part in parts.values()) or 1e-9
    backend = "sqlite" if args.sqlite else "postgresql"
    print(
        f"warm lookups: {n} on {backend} (live events: {state}), log level {args.log_level} "
        f"({args.log_format})"
    )
    print(f"python calls per request: {total_calls / n:,.0f}")
    print(f"statements per request:   {statements / n:.2f}")
    print(f"own time per request:     {total_seconds / n * 1e6:,.0f} µs (with cProfile's overhead)")
    print()
    print(f"{'part':<28}{'calls/req':>10}{'% calls':>9}{'% time':>8}")
    for name, part in sorted(parts.items(), key=lambda item: -item[1].calls):
        print(
            f"{name:<28}{part.calls / n:>10,.1f}{100 * part.calls / total_calls:>8.1f}%"
            f"{100 * part.seconds / total_seconds:>7.1f}%"
        )
    print()
    print(f"top {args.top} functions by calls per request (own time %):")
    for where, calls, own in sorted(functions, key=lambda f: -f[1])[: args.top]:
        print(f"{calls / n:>8.1f}  {100 * own / total_seconds:>5.1f}%  {where}")
    print()
    print(f"top {args.top} functions by own time:")
    for where, calls, own in sorted(functions, key=lambda f: -f[2])[: args.top]:
        print(f"{calls / n:>8.1f}  {100 * own / total_seconds:>5.1f}%  {where}")


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    asyncio.run(_profile(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
