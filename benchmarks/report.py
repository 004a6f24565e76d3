"""Turning the rounds into figures: medians, ratios, targets, and the summary table."""

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.delay import Sighting, sightings_json
from benchmarks.figures import PAGE_SIZES, ROLLOUT_SIDES, Bench
from benchmarks.load import Measurement
from benchmarks.past_reads import DEEP as PAST_DEEP
from benchmarks.past_reads import MEASUREMENTS as PAST_MEASUREMENTS
from benchmarks.past_reads import PAGE as PAST_PAGE
from benchmarks.rounds import median, per_round_ratios, percentile
from benchmarks.seed import FILTER_KIND
from benchmarks.statement_counts import WARM_UP, StatementCount

MB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One line of the summary: what was measured, against which target, and whether it is met."""

    figure: str
    measured: str
    target: str
    met: bool | None  # None: no target


def _m(bench: Bench, name: str) -> dict[str, float]:
    samples = bench.samples.get(name, [])
    return {
        "rps": median([s.rps for s in samples]),
        "p50_ms": median([s.p50_ms for s in samples]),
        "p99_ms": median([s.p99_ms for s in samples]),
    }


def figures(bench: Bench, selected: tuple[str, ...]) -> tuple[list[str], list[Row]]:
    """The printed lines of every selected figure, and its summary rows."""
    lines: list[str] = []
    rows: list[Row] = []
    has_plain = bench.plain is not None
    c = bench.connections

    if "lookup" in selected:
        lines.append(
            f"Single lookup (node → effectiveVersion), {c} connections, "
            f"{_workers(bench.workers)} per server"
        )
        lines += _server_lines(bench, "lookup")
        for numerator, denominator, ratios in _comparisons(bench, "lookup", "rps"):
            what = f"{_label(bench, numerator)} / {_label(bench, denominator)} req/s"
            target = _lookup_target(bench, numerator, denominator)
            lines.append(_ratio_line(what, ratios, target))
            rows.append(
                Row(
                    f"lookup, {c} conn, {_workers(bench.workers)}: {what}",
                    f"{median(ratios):.3f}x",
                    target or "-",
                    _met(median(ratios), target),
                )
            )
        if not has_plain:
            g = _m(bench, "lookup.graphql")
            rows.append(Row(f"lookup, {c} conn: GraphQL req/s", f"{g['rps']:.1f}", "-", None))

    if "lookup1" in selected:
        lines.append(f"Single lookup, one connection, {_workers(bench.workers)} per server")
        lines += _server_lines(bench, "lookup1")
        for numerator, denominator, ratios in _comparisons(bench, "lookup1", "p50_ms"):
            what = f"{_label(bench, numerator)} / {_label(bench, denominator)} p50"
            target = _p50_target(bench, numerator, denominator)
            lines.append(_ratio_line(what, ratios, target))
            if denominator == "plain":
                g, p = _m(bench, f"lookup1.{numerator}"), _m(bench, "lookup1.plain")
                measured = f"{g['p50_ms']:.2f} vs {p['p50_ms']:.2f} ms ({median(ratios):.2f}x)"
                rows.append(
                    Row(
                        f"lookup, 1 conn, {_workers(bench.workers)}: p50 "
                        f"{_label(bench, numerator)} / plain",
                        measured,
                        target or "-",
                        _met(median(ratios), target),
                    )
                )
        if not has_plain:
            g = _m(bench, "lookup1.graphql")
            rows.append(Row("lookup, 1 conn: GraphQL p50", f"{g['p50_ms']:.2f} ms", "-", None))

    if "history" in selected:
        counts = sorted(bench.data.history_configs)
        lines.append(
            f"Lookup as history grows ({bench.data.definition_bytes[0] // 1024}-"
            f"{bench.data.definition_bytes[1] // 1024} KB definitions), {c} connections"
        )
        for count in counts:
            g = _m(bench, f"history-{count}.graphql")
            text = (
                f"  {count:>5} versions: GraphQL p50 {g['p50_ms']:9.2f} ms, {g['rps']:8.1f} req/s"
            )
            if has_plain:
                p = _m(bench, f"history-{count}.plain")
                text += f"   plain p50 {p['p50_ms']:8.2f} ms, {p['rps']:8.1f} req/s"
            lines.append(text)
        low, high = counts[0], counts[-1]
        growth_ratios = per_round_ratios(
            bench.samples.get(f"history-{high}.graphql", []),
            bench.samples.get(f"history-{low}.graphql", []),
            _p50,
        )
        growth = median(growth_ratios)
        lines.append(_ratio_line(f"p50 at {high:,} / p50 at {low:,}", growth_ratios, "≤ 1.5x"))
        rows.append(
            Row(
                f"lookup p50, {high:,} vs {low:,} versions",
                f"{growth:.2f}x",
                "≤ 1.5x",
                growth <= 1.5,
            )
        )
        for server in ("graphql", "plain") if has_plain else ("graphql",):
            before = median(
                [float(v) for v in bench.memory.get(f"history-{low}.{server}.before", [])]
            )
            stages = [before] + [
                median([float(v) for v in bench.memory.get(f"history-{n}.{server}.after", [])])
                for n in counts
            ]
            text = " → ".join(f"{value / MB:.0f}" for value in stages)
            lines.append(
                f"  {server} RSS (MB, all processes): before {text}"
                f" (after {', '.join(map(str, counts))})"
            )
            if server == "graphql":
                flat = stages[-1] <= 1.1 * before
                rows.append(
                    Row(
                        "server memory through the history figure",
                        f"{before / MB:.0f} → {stages[-1] / MB:.0f} MB",
                        "flat (≤ +10%)",
                        flat,
                    )
                )

    if "pages" in selected:
        k = bench.data.scale.page_configs
        small, large = (_m(bench, f"pages-{n}.graphql") for n in PAGE_SIZES)
        per_account = (
            (large["p50_ms"] - small["p50_ms"]) * 1000 / ((PAGE_SIZES[1] - PAGE_SIZES[0]) * k)
        )
        lines.append(
            f"Page of {k} auth configs x linkedAccounts(first: N) {{ effectiveVersion }},"
            " one connection"
        )
        lines.append(
            f"  N = {PAGE_SIZES[0]:>3}: p50 {small['p50_ms']:.2f} ms"
            f"   N = {PAGE_SIZES[1]}: p50 {large['p50_ms']:.2f} ms"
        )
        lines.append(
            f"  µs per extra account = (p50(N=100) - p50(N=1)) / (99 x {k} account pages)"
            f" = {per_account:.1f} µs   (target ≤ 60)"
        )
        rows.append(
            Row(
                "µs per extra account in a page",
                f"{per_account:.1f} µs",
                "≤ 60 µs",
                per_account <= 60,
            )
        )

    if "rollout" in selected:
        k = bench.data.scale.page_configs
        lines.append(
            f"Page of {k} auth configs x linkedAccounts(first: N) {{ effectiveVersion }} on 1.x.x,"
            " without and with a 50% rollout of 2.0.0 on each, one connection"
        )
        per_extra = {}
        for side in ROLLOUT_SIDES:
            small, large = (_m(bench, f"rollout-{side}-{n}.graphql") for n in PAGE_SIZES)
            per_extra[side] = (
                (large["p50_ms"] - small["p50_ms"]) * 1000 / ((PAGE_SIZES[1] - PAGE_SIZES[0]) * k)
            )
            lines.append(
                f"  rollout {side:<3}: N = {PAGE_SIZES[0]}: p50 {small['p50_ms']:.2f} ms"
                f"   N = {PAGE_SIZES[1]}: p50 {large['p50_ms']:.2f} ms"
                f"   {per_extra[side]:.1f} µs per extra account"
            )
        on, off = per_extra["on"], per_extra["off"]
        lines.append(f"  µs per extra account with the rollout: {on:.1f} (without {off:.1f})")
        rows.append(
            Row(
                "µs per extra account, 50% rollout running",
                f"{on:.1f} µs (without: {off:.1f} µs)",
                "≤ 100 µs",
                on <= 100,
            )
        )

    if "deep" in selected:
        first, after, counted = (
            _m(bench, f"deep-{n}.graphql") for n in ("first", "after", "count")
        )
        accounts = bench.data.scale.deep_accounts
        ratio = after["p50_ms"] / first["p50_ms"]
        lines.append(f"{accounts:,} linked accounts on one auth config, one connection")
        lines.append(
            f"  first page p50 {first['p50_ms']:.2f} ms; after row {bench.deep_position:,}"
            f" p50 {after['p50_ms']:.2f} ms ({ratio:.2f}x); first page with totalCount"
            f" p50 {counted['p50_ms']:.2f} ms"
        )
        rows.append(
            Row(
                f"deep page (row {bench.deep_position:,}) vs first",
                f"{ratio:.2f}x",
                "≤ 2x",
                ratio <= 2,
            )
        )
        rows.append(
            Row(
                "first page with totalCount",
                f"{counted['p50_ms']:.2f} ms",
                "< 50 ms",
                counted["p50_ms"] < 50,
            )
        )

    if "events" in selected:
        plain_page, filtered = _m(bench, "events.graphql"), _m(bench, "events-kind.graphql")
        lines.append(
            f"{bench.data.scale.events:,} events: events(first: 20) {{ totalCount ... }},"
            " one connection"
        )
        lines.append(
            f"  no filter p50 {plain_page['p50_ms']:.2f} ms;"
            f" kind filter ({FILTER_KIND}) p50 {filtered['p50_ms']:.2f} ms"
        )
        rows.append(
            Row("events page with totalCount: p50", f"{plain_page['p50_ms']:.2f} ms", "-", None)
        )
        rows.append(Row("events page, kind filter: p50", f"{filtered['p50_ms']:.2f} ms", "-", None))

    if "push" in selected and bench.push_rates:
        first_rate, last_rate = median(bench.push_rates["first"]), median(bench.push_rates["last"])
        window = min(20, bench.pushes // 3)
        ratio = last_rate / first_rate
        lines.append(
            f"pushVersion, one after the other, 0 → {bench.pushes} versions of one connector"
        )
        lines.append(
            f"  first {window}: {first_rate:.1f}/s   last {window}: {last_rate:.1f}/s"
            f"   last/first {ratio:.2f}"
        )
        rows.append(
            Row(
                f"pushVersion rate, last {window} / first {window}",
                f"{ratio:.2f} ({first_rate:.1f}/s → {last_rate:.1f}/s)",
                "independent (≥ 0.8)",
                ratio >= 0.8,
            )
        )
    if "impact" in selected and bench.impact_seconds:
        seconds = median(bench.impact_seconds)
        scale = bench.data.scale
        lines.append(
            f"impact preview of a publish moving {scale.impact_configs:,} auth configs with "
            f"{bench.data.impact_accounts:,} linked accounts, one at a time"
        )
        lines.append(f"  p50 {seconds * 1000:.0f} ms over {len(bench.impact_seconds)} previews")
        rows.append(
            Row(
                f"impact preview, {bench.data.impact_accounts:,} accounts",
                f"{seconds * 1000:.0f} ms",
                "about 1 s (≤ 1.5 s)",
                seconds <= 1.5,
            )
        )
    if "past" in selected and bench.past_seconds:
        more_lines, more_rows = _past_figures(bench)
        lines += more_lines
        rows += more_rows
    if "subscriptions" in selected and bench.write_rates:
        without, with_them = (median(bench.write_rates[side]) for side in ("without", "with"))
        ratio = with_them / without
        lines.append(
            f"Another project's createConnector, one client, without and with "
            f"{bench.subscribers} idle subscriptions of one project's VIEWER key"
        )
        lines.append(
            f"  without: {without:.1f}/s   with: {with_them:.1f}/s   with/without {ratio:.2f}x"
            "   (target ≥ 0.7x)"
        )
        rows.append(
            Row(
                f"writes with {bench.subscribers} idle subscriptions / without",
                f"{ratio:.2f}x ({without:.1f}/s → {with_them:.1f}/s)",
                "≥ 0.7x",
                ratio >= 0.7,
            )
        )
    return lines, rows


def _line(name: str, m: dict[str, float]) -> str:
    return (
        f"  {name:<8} {m['rps']:9.1f} req/s   p50 {m['p50_ms']:9.2f} ms   p99 {m['p99_ms']:9.2f} ms"
    )


def _rps(measurement: Measurement) -> float:
    return measurement.rps


def _p50(measurement: Measurement) -> float:
    return measurement.p50_ms


_VALUES = {"rps": _rps, "p50_ms": _p50}


def _workers(count: int) -> str:
    return f"{count} worker{'s' if count != 1 else ''}"


def _label(bench: Bench, server: str) -> str:
    """`graphql` → "GraphQL (log warning)", `graphql-info` → the variant's label, `plain`."""
    if server == "plain":
        return "plain"
    if server == "graphql":
        return f"GraphQL (log {bench.log_level})"
    return bench.variants[server.removeprefix("graphql-")].label


def _server_lines(bench: Bench, figure: str) -> list[str]:
    """Each server's medians of the rounds, the main GraphQL server first."""
    servers = ["graphql", *(f"graphql-{suffix}" for suffix in bench.variants)]
    servers += ["plain"] if bench.plain is not None else []
    width = max(len(_label(bench, server)) for server in servers)
    return [
        _line(f"{_label(bench, server):<{width}}", _m(bench, f"{figure}.{server}"))
        for server in servers
    ]


def comparisons(bench: Bench) -> dict[str, list[float]]:
    """Every per-round ratio the lookup figures report, by "figure.numerator/denominator"."""
    found = {}
    for figure, value in (("lookup", "rps"), ("lookup1", "p50_ms")):
        if f"{figure}.graphql" not in bench.samples:
            continue
        for numerator, denominator, ratios in _comparisons(bench, figure, value):
            found[f"{figure}.{numerator}/{denominator} {value}"] = ratios
    return found


def _comparisons(bench: Bench, figure: str, value: str) -> list[tuple[str, str, list[float]]]:
    """(numerator, denominator, per-round ratios): each GraphQL server against the plain
    endpoint; the other log level against the main one; the pooled server against the direct
    one (the main server)."""
    pairs = []
    if bench.plain is not None:
        pairs += [("graphql", "plain")]
        pairs += [(f"graphql-{suffix}", "plain") for suffix in bench.variants]
    pairs += [(f"graphql-{suffix}", "graphql") for suffix in bench.variants]
    return [
        (
            numerator,
            denominator,
            per_round_ratios(
                bench.samples.get(f"{figure}.{numerator}", []),
                bench.samples.get(f"{figure}.{denominator}", []),
                _VALUES[value],
            ),
        )
        for numerator, denominator in pairs
    ]


def _lookup_target(bench: Bench, numerator: str, denominator: str) -> str | None:
    """GraphQL/plain req/s: ≥ 0.5x with one worker per server (where the ratio is the ratio of
    per-request cost), ≥ 0.35x with more (the figure the project tracked before)."""
    if denominator != "plain" or numerator == "graphql-pooled":
        return None
    return "≥ 0.5x" if bench.workers == 1 else "≥ 0.35x"


def _p50_target(bench: Bench, numerator: str, denominator: str) -> str | None:
    if denominator != "plain" or numerator == "graphql-pooled" or bench.workers != 1:
        return None
    return "≤ 1.3x"


PAST_TARGETS_MS = {"at": 10.0, "first": 50.0, "deep": 50.0}
_PAST_READS = {
    "at": "effectiveVersion(at:) at random instants",
    "first": f"timeline, first page of {PAST_PAGE}",
    "deep": f"timeline, a page of {PAST_PAGE} after {PAST_DEEP:.0%} of it",
}


def _past_figures(bench: Bench) -> tuple[list[str], list[Row]]:
    """The p50 of each past read over every round, against its target."""
    past, targets = bench.data.past, bench.past_targets
    assert past is not None
    assert targets is not None
    subjects = {
        "account": f"linked account ({targets.intervals['account']} intervals)",
        "config": f"auth config ({targets.intervals['config']} intervals)",
    }
    lines = [
        (
            f"History over a year of {past.changes:,} changes ({past.versions} versions of the"
            f" key, {bench.data.scale.deep_accounts:,} accounts on the auth config), one read at"
            " a time"
        )
    ]
    rows = []
    for name in PAST_MEASUREMENTS:
        subject, read = name.split("-")
        seconds = bench.past_seconds.get(name, [])
        p50 = percentile(seconds, 0.5) * 1000
        target = PAST_TARGETS_MS[read]
        what = f"{_PAST_READS[read]}, {subjects[subject]}"
        lines.append(
            f"  {what}: p50 {p50:7.2f} ms  p99 {percentile(seconds, 0.99) * 1000:7.2f} ms"
            f"  over {len(seconds)}   (target p50 < {target:.0f} ms)"
        )
        rows.append(Row(f"past: {what}", f"p50 {p50:.2f} ms", f"< {target:.0f} ms", p50 < target))
    return lines, rows


def _met(value: float, target: str | None) -> bool | None:
    if target is None or math.isnan(value):
        return None
    bound = float(target.split()[-1].rstrip("x"))
    return value >= bound if target.startswith("≥") else value <= bound


def _ratio_line(what: str, ratios: list[float], target: str | None) -> str:
    rounds = ", ".join(f"{ratio:.3f}" for ratio in ratios)
    text = f"  {what}: {median(ratios):.3f}x (median of the rounds' own ratios: {rounds})"
    return text + (f"   (target {target})" if target else "")


def summary(rows_by_backend: dict[str, list[Row]]) -> list[str]:
    """The closing table: one line per figure and data set."""
    rows = [row for backend_rows in rows_by_backend.values() for row in backend_rows]
    wide = max([44, *(len(row.figure) for row in rows)])
    measured = max([34, *(len(row.measured) for row in rows)])
    lines = [
        "",
        "Summary",
        (
            f"| {'data set':<10} | {'figure':<{wide}} | {'measured':<{measured}}"
            f" | {'target':<20} | met |"
        ),
        f"|{'-' * 12}|{'-' * (wide + 2)}|{'-' * (measured + 2)}|{'-' * 22}|-----|",
    ]
    for backend, backend_rows in rows_by_backend.items():
        for row in backend_rows:
            met = "-" if row.met is None else ("yes" if row.met else "NO")
            lines.append(
                f"| {backend:<10} | {row.figure:<{wide}} | {row.measured:<{measured}}"
                f" | {row.target:<20} | {met:<3} |"
            )
    return lines


def write_json(path: Path, header: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    def clean(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    path.write_text(json.dumps(clean({"machine": header, "data_sets": results}), indent=2) + "\n")


def statement_figures(counts: list[StatementCount]) -> tuple[list[str], list[Row]]:
    """Statements per warm lookup, each server's, with every statement's count per lookup."""
    if not counts:
        return [], []
    lookups = counts[0].lookups
    lines = [
        (
            f"Statements per warm lookup (counted on the wire to PostgreSQL over {lookups}"
            f" lookups, one at a time, after {WARM_UP} to warm up; 1 worker)"
        )
    ]
    for count in counts:
        lines.append(
            f"  {count.server:<8} {count.per_lookup:.2f} statements per lookup"
            f" (+ {count.transaction_control_per_lookup:.2f} BEGIN/COMMIT/ROLLBACK)"
        )
        for text, seen in count.tally.statements.most_common():
            lines.append(f"    {seen / count.lookups:6.2f}  {text}")
    graphql = counts[0]
    others = ", ".join(f"{c.server} {c.per_lookup:.2f}" for c in counts[1:])
    measured = f"{graphql.per_lookup:.2f}" + (f" ({others})" if others else "")
    rows = [
        Row(
            f"statements per warm lookup ({graphql.server})",
            measured,
            "0",
            round(graphql.per_lookup, 2) == 0,
        )
    ]
    return lines, rows


def delay_figures(rounds: list[list[Sighting]]) -> tuple[list[str], list[Row]]:
    """The notification delay's p50 and p99 over every change of every round."""
    sightings = [sighting for one_round in rounds for sighting in one_round]
    if not sightings:
        return [], []
    stale_until = [s.stale_until * 1000 for s in sightings]
    seen = [s.seen_after * 1000 for s in sightings]
    stale = sum(s.stale_answers for s in sightings)
    p99 = percentile(seen, 0.99)
    lines = [
        (
            f"A pin committed through one server process, seen by a lookup on another (1 worker"
            f" each), {len(sightings)} changes over {len(rounds)} round(s)"
        ),
        (
            f"  not before (a lookup still answered the old pin):  p50"
            f" {percentile(stale_until, 0.5):8.2f} ms   p99 {percentile(stale_until, 0.99):8.2f} ms"
        ),
        (
            f"  at the latest (a lookup showing it had answered):  p50"
            f" {percentile(seen, 0.5):8.2f} ms   p99 {p99:8.2f} ms   (target p99 ≤ 50 ms)"
        ),
        (
            f"  lookups that answered the old pin: {stale}; the later bound includes one lookup's"
            " own time"
        ),
    ]
    rows = [
        Row(
            "change seen on another process: p99",
            f"≤ {p99:.1f} ms (p50 ≤ {percentile(seen, 0.5):.1f} ms)",
            "≤ 50 ms",
            p99 <= 50,
        )
    ]
    return lines, rows


def delay_json(rounds: list[list[Sighting]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for bound in ("stale_until", "seen_after"):
        values = [getattr(s, bound) for one_round in rounds for s in one_round]
        found[f"{bound}_ms"] = {
            "p50": percentile(values, 0.5) * 1000,
            "p99": percentile(values, 0.99) * 1000,
        }
    found["rounds"] = [sightings_json(one_round) for one_round in rounds]
    return found


def backend_json(bench: Bench, rows: list[Row]) -> dict[str, Any]:
    return {
        "workers": bench.workers,
        "log_level": bench.log_level,
        "variants": {suffix: variant.label for suffix, variant in bench.variants.items()},
        "notes": bench.notes,
        "round_orders": bench.orders,
        "ratios_per_round": comparisons(bench),
        "scale": asdict(bench.data.scale),
        "seed_seconds": round(bench.data.seconds, 1),
        "medians": {name: _m(bench, name) for name in sorted(bench.samples)},
        "rounds": {
            name: [asdict(s) for s in samples] for name, samples in sorted(bench.samples.items())
        },
        "memory_bytes": bench.memory,
        "push_rates_per_second": bench.push_rates,
        "impact_seconds": bench.impact_seconds,
        "past_seconds": bench.past_seconds,
        "past_intervals": None if bench.past_targets is None else bench.past_targets.intervals,
        "write_rates_per_second": bench.write_rates,
        "figures": [asdict(row) for row in rows],
    }
