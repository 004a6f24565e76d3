"""Turning the rounds into figures: medians, ratios, targets, and the summary table."""

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.figures import PAGE_SIZES, ROLLOUT_SIDES, Bench, median
from benchmarks.seed import FILTER_KIND

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
        g, p = _m(bench, "lookup.graphql"), _m(bench, "lookup.plain")
        lines.append(f"Single lookup (node → effectiveVersion), {c} connections")
        lines.append(_line("GraphQL", g))
        if has_plain:
            ratio = g["rps"] / p["rps"]
            lines.append(_line("plain", p))
            lines.append(f"  ratio GraphQL/plain req/s: {ratio:.3f}x   (target ≥ 0.35x)")
            rows.append(
                Row(
                    f"lookup, {c} conn: req/s GraphQL/plain",
                    f"{ratio:.3f}x",
                    "≥ 0.35x",
                    ratio >= 0.35,
                )
            )
        else:
            rows.append(Row(f"lookup, {c} conn: GraphQL req/s", f"{g['rps']:.1f}", "-", None))

    if "lookup1" in selected:
        g, p = _m(bench, "lookup1.graphql"), _m(bench, "lookup1.plain")
        lines.append("Single lookup, one connection")
        lines.append(_line("GraphQL", g))
        if has_plain:
            lines.append(_line("plain", p))
            ratio = g["p50_ms"] / p["p50_ms"]
            lines.append(f"  p50 GraphQL/plain: {ratio:.1f}x slower")
            rows.append(
                Row(
                    "lookup, 1 conn: p50 GraphQL vs plain",
                    f"{g['p50_ms']:.2f} ms vs {p['p50_ms']:.2f} ms ({ratio:.1f}x)",
                    "-",
                    None,
                )
            )
        else:
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
        growth = (
            _m(bench, f"history-{high}.graphql")["p50_ms"]
            / _m(bench, f"history-{low}.graphql")["p50_ms"]
        )
        lines.append(f"  p50 at {high:,} / p50 at {low:,}: {growth:.2f}x   (target ≤ 1.5x)")
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
            f" = {per_account:.1f} µs   (target ≤ 100)"
        )
        rows.append(
            Row(
                "µs per extra account in a page",
                f"{per_account:.1f} µs",
                "≤ 100 µs",
                per_account <= 100,
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


def summary(rows_by_backend: dict[str, list[Row]]) -> list[str]:
    """The closing table: one line per figure and data set."""
    lines = [
        "",
        "Summary",
        f"| {'data set':<10} | {'figure':<44} | {'measured':<34} | {'target':<20} | met |",
    ]
    lines.append(f"|{'-' * 12}|{'-' * 46}|{'-' * 36}|{'-' * 22}|-----|")
    for backend, rows in rows_by_backend.items():
        for row in rows:
            met = "-" if row.met is None else ("yes" if row.met else "NO")
            lines.append(
                f"| {backend:<10} | {row.figure:<44} | {row.measured:<34}"
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


def backend_json(bench: Bench, rows: list[Row]) -> dict[str, Any]:
    return {
        "scale": asdict(bench.data.scale),
        "seed_seconds": round(bench.data.seconds, 1),
        "medians": {name: _m(bench, name) for name in sorted(bench.samples)},
        "rounds": {
            name: [asdict(s) for s in samples] for name, samples in sorted(bench.samples.items())
        },
        "memory_bytes": bench.memory,
        "push_rates_per_second": bench.push_rates,
        "impact_seconds": bench.impact_seconds,
        "write_rates_per_second": bench.write_rates,
        "figures": [asdict(row) for row in rows],
    }
