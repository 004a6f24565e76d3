"""The figures: what each one sends, to which server, with how many connections.

A round measures every selected figure once, GraphQL and plain interleaved, in an order that
reverses from one round to the next (`benchmarks.rounds`); the report takes the median of the
rounds, and for a comparison the median of each round's own ratio. The lookup figures also run on
the variants of the GraphQL server (at another log level, behind a pooler), in the same rounds.
Before the first round every request is sent once and its answer checked (and the plain
endpoint's and each variant's answer compared with the server's), so a figure never measures
errors.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.domain.events import EventKind
from app.graphql.relay.ids import encode_id
from benchmarks import subscriptions
from benchmarks.definitions import definition
from benchmarks.load import Generator, Measurement, Request
from benchmarks.past_reads import PastTargets, measure_round, prepare
from benchmarks.queries import (
    ACCOUNTS,
    ACCOUNTS_COUNTED,
    EVENTS,
    IMPACT,
    LOOKUP,
    PAGES,
    PUSH,
    ROLLOUT_PAGES,
    graphql_request,
    plain_request,
)
from benchmarks.rounds import round_order
from benchmarks.seed import FILTER_KIND, DataSet
from benchmarks.servers import Server

FIGURES = (
    "lookup",
    "lookup1",
    "history",
    "pages",
    "rollout",
    "deep",
    "events",
    "push",
    "impact",
    "past",
    "subscriptions",
    "statements",
    "delay",
)
PLAIN_FIGURES = ("lookup", "lookup1", "history")
"""The figures that compare with the plain endpoint (the others need no plain server)."""
VARIANT_FIGURES = ("lookup", "lookup1")
"""The figures measured at every worker count, and on every variant of the GraphQL server."""
OWN_SERVER_FIGURES = ("statements", "delay")
"""The figures that start servers of their own (`benchmarks.statement_counts`, `.delay`)."""
ROLLOUT_SIDES = ("off", "on")  # the "steady" key's auth configs, and the "rolling" key's
IMPACT_PREVIEWS = 3
"""Previews timed one after the other in each round of the impact figure."""
PAGE_SIZES = (1, 100)
MAX_DURATION = 60.0


@dataclass(frozen=True)
class Variant:
    """Another GraphQL server measured on the lookup figures next to the main one."""

    label: str
    server: Server


@dataclass
class Bench:
    """One data set, its two servers, and what the rounds measured."""

    data: DataSet
    graphql: Server
    plain: Server | None
    generator: Generator
    connections: int
    duration: float
    deep_cursor: str
    deep_position: int
    pushes: int
    workers: int = 2
    log_level: str = "warning"
    """The main GraphQL server's log level (the plain endpoint's is always `warning`)."""
    variants: dict[str, Variant] = field(default_factory=dict)
    """By suffix: the lookup figures' `lookup.graphql-<suffix>` runs on `variants[suffix]`."""
    notes: list[str] = field(default_factory=list)
    orders: list[list[str]] = field(default_factory=list)
    """Each round's measurements in the order the round took them."""
    durations: dict[str, float] = field(default_factory=dict)
    samples: dict[str, list[Measurement]] = field(default_factory=dict)
    memory: dict[str, list[int]] = field(default_factory=dict)
    push_rates: dict[str, list[float]] = field(default_factory=dict)
    impact_seconds: list[float] = field(default_factory=list)
    write_rates: dict[str, list[float]] = field(default_factory=dict)
    """The subscriptions figure: another project's writes/s "without" and "with" them."""
    subscribers: int = subscriptions.SUBSCRIBERS
    past_reads: int = 30
    """The past figure: reads of each kind per round."""
    past_targets: PastTargets | None = None
    past_seconds: dict[str, list[float]] = field(default_factory=dict)
    """The past figure: each read's seconds, by measurement (`benchmarks.past_reads`)."""

    def config_id(self, auth_config: object) -> str:
        return encode_id("AuthConfig", auth_config)  # type: ignore[arg-type]

    def requests(self) -> dict[str, tuple[Request, int]]:
        """Every load measurement by name: the request and its number of connections."""
        g, key, many = self.graphql.base_url, self.data.viewer_key, self.connections
        lookup = self.config_id(self.data.lookup_config)
        found: dict[str, tuple[Request, int]] = {
            "lookup.graphql": (graphql_request(g, key, LOOKUP, id=lookup), many),
            "lookup1.graphql": (graphql_request(g, key, LOOKUP, id=lookup), 1),
        }
        for suffix, variant in self.variants.items():
            v = variant.server.base_url
            found[f"lookup.graphql-{suffix}"] = (graphql_request(v, key, LOOKUP, id=lookup), many)
            found[f"lookup1.graphql-{suffix}"] = (graphql_request(v, key, LOOKUP, id=lookup), 1)
        for count, config in self.data.history_configs.items():
            history = graphql_request(g, key, LOOKUP, id=self.config_id(config))
            found[f"history-{count}.graphql"] = (history, many)
        if self.plain is not None:
            p = self.plain.base_url
            found["lookup.plain"] = (plain_request(p, key, lookup), many)
            found["lookup1.plain"] = (plain_request(p, key, lookup), 1)
            for count, config in self.data.history_configs.items():
                history = plain_request(p, key, self.config_id(config))
                found[f"history-{count}.plain"] = (history, many)
        k, pages_key = self.data.scale.page_configs, self.data.pages_connector_key
        for n in PAGE_SIZES:
            found[f"pages-{n}.graphql"] = (
                graphql_request(g, key, PAGES, key=pages_key, k=k, n=n),
                1,
            )
        for side, rollout_key in zip(ROLLOUT_SIDES, self.data.rollout_keys, strict=True):
            for n in PAGE_SIZES:
                found[f"rollout-{side}-{n}.graphql"] = (
                    graphql_request(g, key, ROLLOUT_PAGES, key=rollout_key, k=k, n=n),
                    1,
                )
        deep = self.config_id(self.data.deep_config)
        found["deep-first.graphql"] = (graphql_request(g, key, ACCOUNTS, id=deep), 1)
        found["deep-after.graphql"] = (
            graphql_request(g, key, ACCOUNTS, id=deep, after=self.deep_cursor),
            1,
        )
        found["deep-count.graphql"] = (graphql_request(g, key, ACCOUNTS_COUNTED, id=deep), 1)
        found["events.graphql"] = (graphql_request(g, key, EVENTS), 1)
        found["events-kind.graphql"] = (
            graphql_request(g, key, EVENTS, kind=EventKind(FILTER_KIND).name),
            1,
        )
        return found

    def impact_request(self) -> Request:
        """The preview of publishing the impact key's draft (as its project's ADMIN)."""
        assert self.data.impact_draft is not None, "the impact figure's key was not seeded"
        draft = encode_id("ConnectorVersion", self.data.impact_draft)
        change = {"publishVersion": {"versionId": draft}}
        return graphql_request(self.graphql.base_url, self.data.admin_key, IMPACT, change=change)

    def notes_lines(self) -> list[str]:
        workers = f"{self.workers} worker{'s' if self.workers != 1 else ''}"
        return [f"  note ({workers}): {note}" for note in self.notes]

    def server_for(self, name: str) -> Server:
        """The server a measurement's name says it runs on."""
        if name.endswith(".plain"):
            assert self.plain is not None
            return self.plain
        suffix = name.rsplit(".", 1)[1].removeprefix("graphql").removeprefix("-")
        return self.variants[suffix].server if suffix else self.graphql


def _groups(bench: Bench, figure: str) -> list[list[str]]:
    """Which measurements make up each figure: groups taken one after the other, and within a
    group the servers that are compared (their order alternates between rounds)."""
    pairs = (".graphql", ".plain") if bench.plain is not None else (".graphql",)
    if figure in VARIANT_FIGURES:
        variants = [f".graphql-{suffix}" for suffix in bench.variants]
        return [[f"{figure}{suffix}" for suffix in (pairs[0], *variants, *pairs[1:])]]
    if figure == "history":
        # Fewest versions first, so the memory figure reads "before" ahead of the whole figure.
        return [[f"history-{n}{s}" for s in pairs] for n in bench.data.history_configs]
    if figure == "pages":
        return [[f"pages-{n}.graphql"] for n in PAGE_SIZES]
    if figure == "rollout":
        return [[f"rollout-{side}-{n}.graphql"] for side in ROLLOUT_SIDES for n in PAGE_SIZES]
    if figure == "deep":
        return [["deep-first.graphql"], ["deep-after.graphql"], ["deep-count.graphql"]]
    if figure == "events":
        return [["events.graphql"], ["events-kind.graphql"]]
    return []


def measurement_order(bench: Bench, figure: str, number: int = 1) -> list[str]:
    """The measurements of a figure in the order round `number` takes them."""
    return [name for group in _groups(bench, figure) for name in round_order(group, number)]


def check(bench: Bench, figures: tuple[str, ...]) -> None:
    """Send every request once; fail on an error, or when plain and GraphQL disagree."""
    requests = bench.requests()
    if "impact" in figures:
        _check_impact(bench)
    if "past" in figures:
        assert bench.data.past is not None, "the past figure's key was not seeded"
        bench.past_targets = prepare(bench.graphql.base_url, bench.data.viewer_key, bench.data.past)
    for figure in figures:
        for name in measurement_order(bench, figure):
            request, connections = requests[name]
            answer = _send(request)
            # Timed a second time, warm: a first request's cost (a cold cache, a worker's first
            # import) would lengthen the figure's duration for nothing.
            started = time.perf_counter()
            _send(request)
            _lengthen(bench, name, time.perf_counter() - started, connections)
            if name.endswith(".plain"):
                twin = _send(requests[name.replace(".plain", ".graphql")][0])
                effective = twin["data"]["node"]["effectiveVersion"]
                expected = {
                    "version": (effective["version"] or {}).get("version"),
                    "rule": effective["rule"],
                    "source": effective["source"],
                }
                if answer != expected:
                    raise RuntimeError(f"{name}: plain {answer} but GraphQL {expected}")
            elif ".graphql-" in name:
                main = _send(requests[name.rsplit("-", 1)[0]][0])
                if answer != main:
                    raise RuntimeError(f"{name}: {answer} but the main server {main}")
            elif name.startswith("rollout-") and name.endswith(f"-{PAGE_SIZES[1]}.graphql"):
                _check_rollout(name, answer)
            elif name == "deep-after.graphql":
                edges = answer["data"]["node"]["linkedAccounts"]["edges"]
                expected_id = f"customer-{bench.deep_position + 1:07d}"
                if not edges or edges[0]["node"]["externalId"] != expected_id:
                    raise RuntimeError(f"the deep cursor does not lead to {expected_id}: {edges}")


def _check_rollout(name: str, answer: dict[str, Any]) -> None:
    """Without a rollout every account runs 1.2.0 (the pin 1.x.x); with one at 50%, some run
    the target 2.0.0 (rule ROLLOUT) and the others 1.2.0."""
    seen = {
        (
            account["node"]["effectiveVersion"]["version"]["version"],
            account["node"]["effectiveVersion"]["rule"],
        )
        for config in answer["data"]["authConfigs"]["edges"]
        for account in config["node"]["linkedAccounts"]["edges"]
    }
    expected = {("1.2.0", "MAJOR_LINE")}
    if "-on-" in name:
        expected.add(("2.0.0", "ROLLOUT"))
    if seen != expected:
        raise RuntimeError(f"{name}: accounts run {sorted(seen)}, not {sorted(expected)}")


def _check_impact(bench: Bench) -> None:
    """The preview moves every auth config of the key with all their accounts."""
    impact = _send(bench.impact_request())["data"]["impact"]
    expected = (None, bench.data.scale.impact_configs, bench.data.impact_accounts)
    found = (impact["refusal"], impact["authConfigsChanged"], impact["accountsMoving"])
    if found != expected:
        raise RuntimeError(f"impact: {found}, expected {expected}")


def _lengthen(bench: Bench, name: str, seconds: float, connections: int) -> None:
    """A longer duration for a figure whose requests are slow: enough for each connection to
    finish a few (queued behind the others on each worker), at most MAX_DURATION. Both servers
    of a figure get the same duration: the longer of the two."""
    queued = seconds * max(1, connections // bench.workers)
    wanted = min(MAX_DURATION, max(bench.duration, 4 * queued))
    figure_name = name.rsplit(".", 1)[0]
    bench.durations[figure_name] = max(bench.durations.get(figure_name, 0.0), wanted)


def _send(request: Request) -> dict[str, Any]:
    response = httpx.post(request.url, content=request.body, headers=request.headers, timeout=120)
    if response.status_code != 200:
        raise RuntimeError(f"{request.url}: HTTP {response.status_code}: {response.text[:500]}")
    answer: dict[str, Any] = response.json()
    if answer.get("errors"):
        raise RuntimeError(f"{request.url}: {answer['errors']}")
    return answer


def run_round(
    bench: Bench, figures: tuple[str, ...], number: int, say: Callable[[str], None]
) -> None:
    """Measure every selected figure once."""
    requests = bench.requests()
    for figure in figures:
        if figure == "push":
            _push_round(bench, number, say)
            continue
        if figure == "impact":
            _impact_round(bench, number, say)
            continue
        if figure == "subscriptions":
            _subscriptions_round(bench, number, say)
            continue
        if figure == "past":
            _past_round(bench, number, say)
            continue
        names = measurement_order(bench, figure, number)
        if figure in VARIANT_FIGURES or figure == "history":
            bench.orders.append(names)
        for name in names:
            request, connections = requests[name]
            server = bench.server_for(name)
            if figure == "history":
                _remember(bench.memory, f"{name}.before", server.rss_bytes())
            duration = bench.durations.get(name.rsplit(".", 1)[0], bench.duration)
            measured = bench.generator.measure(request, connections=connections, duration=duration)
            if figure == "history":
                _remember(bench.memory, f"{name}.after", server.rss_bytes())
            bench.samples.setdefault(name, []).append(measured)
            errors = f", {measured.errors} ERRORS" if measured.errors else ""
            say(
                f"  round {number} {name:<29} c={connections:<3} {duration:3.0f}s"
                f" {measured.rps:9.1f} req/s  "
                f"p50 {measured.p50_ms:9.2f} ms  p99 {measured.p99_ms:9.2f} ms{errors}"
            )


def _remember(store: dict[str, list[int]], name: str, value: int) -> None:
    store.setdefault(name, []).append(value)


def _push_round(bench: Bench, number: int, say: Callable[[str], None]) -> None:
    """Push versions 1.0.0, 1.0.1, … of a connector of its own, one after the other."""
    connector_key = bench.data.growth_keys[(number - 1) % len(bench.data.growth_keys)]
    window = min(20, bench.pushes // 3)
    seconds: list[float] = []
    headers = {"Authorization": f"Bearer {bench.data.admin_key}"}
    with httpx.Client(base_url=bench.graphql.base_url, headers=headers, timeout=120) as client:
        for index in range(bench.pushes):
            document = definition(3, note=f"(patch {index})")
            variables = {
                "input": {
                    "connectorKey": connector_key,
                    "version": f"1.0.{index}",
                    "definition": document,
                }
            }
            started = time.perf_counter()
            response = client.post("/graphql", json={"query": PUSH, "variables": variables})
            seconds.append(time.perf_counter() - started)
            answer = response.json()
            result = (answer.get("data") or {}).get("pushVersion") or answer
            if result.get("__typename") != "PushVersionSuccess":
                raise RuntimeError(f"pushVersion {index}: {result}")
    first, last = window / sum(seconds[:window]), window / sum(seconds[-window:])
    bench.push_rates.setdefault("first", []).append(first)
    bench.push_rates.setdefault("last", []).append(last)
    say(
        f"  round {number} pushVersion x{bench.pushes} to {connector_key}: first {window} "
        f"{first:.1f}/s, last {window} {last:.1f}/s"
    )


def _impact_round(bench: Bench, number: int, say: Callable[[str], None]) -> None:
    """Preview the draft's publish a few times, one after the other."""
    request = bench.impact_request()
    seconds = []
    for _ in range(IMPACT_PREVIEWS):
        started = time.perf_counter()
        _send(request)
        seconds.append(time.perf_counter() - started)
    bench.impact_seconds += seconds
    say(
        f"  round {number} impact preview x{IMPACT_PREVIEWS}: "
        + ", ".join(f"{value * 1000:.0f} ms" for value in seconds)
    )


def _past_round(bench: Bench, number: int, say: Callable[[str], None]) -> None:
    """Each past read `past_reads` times, one at a time (`benchmarks.past_reads`)."""
    assert bench.data.past is not None
    assert bench.past_targets is not None
    found = measure_round(
        bench.graphql.base_url,
        bench.data.viewer_key,
        bench.data.past,
        bench.past_targets,
        number=number,
        reads=bench.past_reads,
    )
    for name, seconds in found.items():
        bench.past_seconds.setdefault(name, []).extend(seconds)
        ordered = sorted(seconds)
        say(
            f"  round {number} past {name:<14} x{len(seconds)}: p50 "
            f"{ordered[len(ordered) // 2] * 1000:.2f} ms, max {ordered[-1] * 1000:.2f} ms"
        )


def _subscriptions_round(bench: Bench, number: int, say: Callable[[str], None]) -> None:
    """Another project's write rate without, then with, idle subscriptions of the VIEWER key."""
    without, with_them = subscriptions.measure_round(
        bench.graphql.base_url,
        subscriber_key=bench.data.viewer_key,
        subscriber_admin_key=bench.data.admin_key,
        subscribed_connector=bench.data.pages_connector_key,
        writer_key=bench.data.neighbour_admin_key,
        seconds=bench.duration,
        subscribers=bench.subscribers,
        say=say,
        number=number,
    )
    bench.write_rates.setdefault("without", []).append(without)
    bench.write_rates.setdefault("with", []).append(with_them)
