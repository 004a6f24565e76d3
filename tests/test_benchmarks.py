"""The benchmark's own machinery.

Fast: how rounds are ordered and compared (each round's own ratio, the order alternating), and
the relay that counts statements on the wire. Slow (real servers on a tiny data set): seeding
writes what the figures need, the plain endpoint gives the server's answer (version, rule,
source), the deep cursor leads to the row after it, and the statements, delay and pooled runs
work. PostgreSQL-only parts skip without it (the plain endpoint exists only there).
"""

import math
import uuid
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from app.db.engine import create_engine
from app.graphql.relay.ids import encode_id
from benchmarks import servers
from benchmarks.cursors import deep_account_cursor
from benchmarks.databases import asyncpg_dsn, fresh_postgres
from benchmarks.delay import DelayProbe
from benchmarks.figures import (
    IMPACT_PREVIEWS,
    Bench,
    Variant,
    check,
    measurement_order,
    run_round,
)
from benchmarks.load import Generator, Measurement
from benchmarks.past_reads import MEASUREMENTS as PAST_MEASUREMENTS
from benchmarks.pooler import configuration, find_pgbouncer, pgbouncer
from benchmarks.report import figures
from benchmarks.rounds import median, parse_counts, per_round_ratios, percentile, round_order
from benchmarks.seed import QUICK, DataSet, Scale, seed
from benchmarks.statement_counts import count_statements
from benchmarks.wire import counting
from tests.databases import (
    IN_CI,
    POSTGRES_ENV,
    postgres_server_url,
    postgres_unavailable_reason,
)

TINY = Scale(
    "tiny",
    deep_accounts=30,
    events=40,
    history=(1, 3),
    page_configs=2,
    accounts_per_page_config=3,
    impact_configs=3,
    past_versions=12,
    past_changes=60,
)


async def _postgres_server() -> str:
    reason = await postgres_unavailable_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    server = postgres_server_url()
    assert server is not None, POSTGRES_ENV
    return server.render_as_string(hide_password=False)


@pytest.mark.slow
async def test_plain_endpoint_answers_as_the_server_does(tmp_path: Path) -> None:
    async with fresh_postgres(await _postgres_server()) as url:
        # Given a tiny data set
        engine = create_engine(url)
        try:
            data = await seed(engine, TINY, rounds=2)
            async with engine.connect() as connection:
                cursor = await deep_account_cursor(connection, data.deep_config, 20)
                counts = {
                    table: (
                        await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))
                    ).scalar_one()
                    for table in ("linked_account", "event", "api_key", "auth_config")
                }
        finally:
            await engine.dispose()
        assert counts == {
            "linked_account": 30 + 3 * 2 * 3,  # deep, and the pages and rollout page configs
            "event": 40,
            "api_key": 3,  # the benchmark project's ADMIN and VIEWER, and a neighbour's ADMIN
            # lookup and deep, one per history key, the page configs, the rollout page configs
            "auth_config": 2 + 2 + 2 + 2 * 2,
        }
        assert data.versions == 12 + 8 + 1 + 3 + 3 + 2 * 4
        assert 30_000 <= data.definition_bytes[0] <= data.definition_bytes[1] <= 50_000
        # When both servers run on it
        with (
            servers.registry(url, workers=1, pool_size=2, log=tmp_path / "graphql.log") as graphql,
            servers.plain(url, workers=1, pool_size=2, log=tmp_path / "plain.log") as plain,
        ):
            bench = Bench(
                data=data,
                graphql=graphql,
                plain=plain,
                generator=Generator(),
                connections=2,
                duration=1,
                deep_cursor=cursor,
                deep_position=20,
                pushes=0,
            )
            # Then every request succeeds, the plain answers equal the server's, and the deep
            # page starts right after the cursor's row (check raises otherwise)
            check(bench, ("lookup", "history", "pages", "rollout", "deep", "events"))


@pytest.mark.slow
async def test_the_impact_figure_previews_a_publish_of_every_auth_config(tmp_path: Path) -> None:
    async with fresh_postgres(await _postgres_server()) as url:
        # Given a tiny data set with the impact key: 3 auth configs sharing 30 accounts
        engine = create_engine(url)
        try:
            data = await seed(engine, TINY, rounds=1, impact=True)
        finally:
            await engine.dispose()
        assert data.impact_accounts == 30
        # When the server runs on it
        with servers.registry(url, log=tmp_path / "graphql.log", workers=1, pool_size=2) as graphql:
            bench = Bench(
                data=data,
                graphql=graphql,
                plain=None,
                generator=Generator(),
                connections=1,
                duration=1,
                deep_cursor="",
                deep_position=0,
                pushes=0,
            )
            # Then the preview moves every auth config with all its accounts (check raises
            # otherwise), and a round times it
            check(bench, ("impact",))
            run_round(bench, ("impact",), 1, lambda line: None)
        assert len(bench.impact_seconds) == IMPACT_PREVIEWS


@pytest.mark.slow
async def test_the_past_figure_reads_a_year_of_recorded_history(tmp_path: Path) -> None:
    async with fresh_postgres(await _postgres_server()) as url:
        # Given a tiny data set with the past key: a year of 60 changes
        engine = create_engine(url)
        try:
            data = await seed(engine, TINY, rounds=1, past=True)
            async with engine.connect() as connection:
                recorded = {
                    table: (
                        await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))
                    ).scalar_one()
                    for table in ("version_history", "auth_config_history", "account_history")
                }
        finally:
            await engine.dispose()
        past = data.past
        assert past is not None
        assert past.changes == 60
        assert past.start < past.end
        # the recorder wrote the history: a row per version, per change of the auth config, and
        # one per account linked (the bulk-written accounts) besides re-authentications
        assert recorded["version_history"] >= past.versions
        assert recorded["auth_config_history"] >= 1
        assert recorded["account_history"] >= TINY.deep_accounts
        # When the server runs on it
        with servers.registry(url, log=tmp_path / "graphql.log", workers=1, pool_size=2) as graphql:
            bench = Bench(
                data=data,
                graphql=graphql,
                plain=None,
                generator=Generator(),
                connections=1,
                duration=1,
                deep_cursor="",
                deep_position=0,
                pushes=0,
                past_reads=2,
            )
            # Then both timelines page through (check raises otherwise), and a round times
            # each read
            check(bench, ("past",))
            run_round(bench, ("past",), 1, lambda line: None)
        assert {name: len(seconds) for name, seconds in bench.past_seconds.items()} == {
            name: 2 for name in PAST_MEASUREMENTS
        }
        lines, rows = figures(bench, ("past",))
        assert [row.target for row in rows] == ["< 10 ms"] * 2 + ["< 50 ms"] * 4
        assert any("effectiveVersion(at:)" in line for line in lines)


@pytest.mark.slow
async def test_the_subscriptions_figure_times_writes_with_live_subscriptions(
    tmp_path: Path,
) -> None:
    async with fresh_postgres(await _postgres_server()) as url:
        engine = create_engine(url)
        try:
            data = await seed(engine, TINY, rounds=1)
        finally:
            await engine.dispose()
        with servers.registry(url, log=tmp_path / "graphql.log", workers=1, pool_size=4) as graphql:
            bench = Bench(
                data=data,
                graphql=graphql,
                plain=None,
                generator=Generator(),
                connections=1,
                duration=0.5,
                deep_cursor="",
                deep_position=0,
                pushes=0,
                subscribers=6,
            )
            # a round raises unless every subscription received the event of their project
            run_round(bench, ("subscriptions",), 1, lambda line: None)
        assert [len(bench.write_rates[side]) for side in ("without", "with")] == [1, 1]
        assert min(bench.write_rates["without"] + bench.write_rates["with"]) > 0


def _measured(rps: float, p50_ms: float = 1.0) -> Measurement:
    return Measurement(rps=rps, p50_ms=p50_ms, p99_ms=p50_ms, requests=1, errors=0)


def _bench(*, workers: int = 1, variants: tuple[str, ...] = ("info",)) -> Bench:
    """A bench whose servers are never called: for what orders and reports the rounds."""

    def server(name: str) -> servers.Server:
        return servers.Server(name=name, base_url=f"http://{name}.invalid", pid=0)

    data = DataSet(
        scale=QUICK,
        project_id=uuid.uuid4(),
        admin_key="admin",
        viewer_key="viewer",
        lookup_config=uuid.uuid4(),
        history_configs={1: uuid.uuid4(), 30: uuid.uuid4()},
        pages_connector_key="pages",
        deep_config=uuid.uuid4(),
        growth_keys=[],
    )
    return Bench(
        data=data,
        graphql=server("graphql"),
        plain=server("plain"),
        generator=Generator(python_only=True),
        connections=16,
        duration=1,
        deep_cursor="",
        deep_position=0,
        pushes=0,
        workers=workers,
        variants={suffix: Variant(f"GraphQL ({suffix})", server(suffix)) for suffix in variants},
    )


def test_each_of_two_servers_goes_first_in_every_other_round() -> None:
    orders = [round_order(["graphql", "plain"], number) for number in range(1, 5)]
    assert orders == [
        ["graphql", "plain"],
        ["plain", "graphql"],
        ["graphql", "plain"],
        ["plain", "graphql"],
    ]


def test_a_round_measures_the_lookup_servers_in_alternating_order() -> None:
    bench = _bench(variants=("info", "pooled"))
    assert measurement_order(bench, "lookup", 1) == [
        "lookup.graphql",
        "lookup.graphql-info",
        "lookup.graphql-pooled",
        "lookup.plain",
    ]
    assert measurement_order(bench, "lookup1", 2) == [
        "lookup1.plain",
        "lookup1.graphql-pooled",
        "lookup1.graphql-info",
        "lookup1.graphql",
    ]
    # the history figure keeps fewest versions first (its memory reading is "before" all of
    # them); within each count the two servers alternate
    assert measurement_order(bench, "history", 2) == [
        "history-1.plain",
        "history-1.graphql",
        "history-30.plain",
        "history-30.graphql",
    ]
    assert [bench.server_for(name).name for name in measurement_order(bench, "lookup", 1)] == [
        "graphql",
        "info",
        "pooled",
        "plain",
    ]


def test_a_comparison_pairs_each_round_with_the_same_round_of_the_other_server() -> None:
    # Rounds whose own ratios are 0.302, 0.305 and 0.369: the median of the ratios is 0.305,
    # while the median GraphQL round over the median plain round (369 / 1000) says 0.369.
    graphql = [_measured(302), _measured(610), _measured(369)]
    plain = [_measured(1000), _measured(2000), _measured(1000)]
    ratios = per_round_ratios(graphql, plain, lambda m: m.rps)
    assert ratios == pytest.approx([0.302, 0.305, 0.369])
    assert median(ratios) == pytest.approx(0.305)
    assert median([m.rps for m in graphql]) / median([m.rps for m in plain]) == 0.369


def test_a_round_without_a_figure_is_left_out_and_rounds_must_match() -> None:
    ratios = per_round_ratios([_measured(1), _measured(2)], [_measured(0), _measured(4)], _rps)
    assert math.isnan(ratios[0])
    assert ratios[1] == 0.5
    assert median(ratios) == 0.5
    assert math.isnan(median([]))
    with pytest.raises(ValueError, match="rounds differ"):
        per_round_ratios([_measured(1)], [], _rps)


def _rps(measurement: Measurement) -> float:
    return measurement.rps


def test_the_report_gives_each_lookup_ratio_as_the_median_of_the_rounds_own_ratios() -> None:
    bench = _bench(workers=1, variants=("info",))
    bench.samples = {
        "lookup.graphql": [_measured(302), _measured(610), _measured(369)],
        "lookup.graphql-info": [_measured(250), _measured(500), _measured(300)],
        "lookup.plain": [_measured(1000), _measured(2000), _measured(1000)],
        "lookup1.graphql": [_measured(50, 2.6), _measured(50, 2.0), _measured(50, 3.3)],
        "lookup1.graphql-info": [_measured(50, 3.0), _measured(50, 2.4), _measured(50, 4.0)],
        "lookup1.plain": [_measured(50, 1.0), _measured(50, 1.0), _measured(50, 1.1)],
    }
    _, rows = figures(bench, ("lookup", "lookup1"))
    measured = {row.figure: (row.measured, row.target, row.met) for row in rows}
    assert measured["lookup, 16 conn, 1 worker: GraphQL (log warning) / plain req/s"] == (
        "0.305x",
        "≥ 0.5x",
        False,
    )
    assert measured["lookup, 16 conn, 1 worker: GraphQL (info) / plain req/s"][0] == "0.250x"
    # the log level's own cost: each round's info server against its warning server
    assert measured["lookup, 16 conn, 1 worker: GraphQL (info) / GraphQL (log warning) req/s"] == (
        "0.820x",
        "-",
        None,
    )
    # one connection: p50 ratios per round 2.6, 2.0, 3.0 → 2.6 (medians would give 2.6 / 1.0)
    assert measured["lookup, 1 conn, 1 worker: p50 GraphQL (log warning) / plain"] == (
        "2.60 vs 1.00 ms (2.60x)",
        "≤ 1.3x",
        False,
    )


def test_with_two_workers_the_lookup_keeps_its_earlier_target() -> None:
    bench = _bench(workers=2, variants=())
    bench.samples = {
        "lookup.graphql": [_measured(400), _measured(380)],
        "lookup.plain": [_measured(1000), _measured(1000)],
    }
    _, rows = figures(bench, ("lookup",))
    assert [(row.figure, row.measured, row.target, row.met) for row in rows] == [
        (
            "lookup, 16 conn, 2 workers: GraphQL (log warning) / plain req/s",
            "0.390x",
            "≥ 0.35x",
            True,
        )
    ]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(100, 0, -1)]
    assert (percentile(values, 0.5), percentile(values, 0.99)) == (50.0, 99.0)
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))


def test_worker_counts_are_read_in_order_without_repeats() -> None:
    assert parse_counts("1,2") == (1, 2)
    assert parse_counts(" 2, 1 ,2") == (2, 1)
    for wrong in ("", "0", "1,x", "-1"):
        with pytest.raises(ValueError, match="worker count"):
            parse_counts(wrong)


def test_the_pooler_runs_in_transaction_mode_in_front_of_the_same_server(tmp_path: Path) -> None:
    url = sa.make_url("postgresql+asyncpg://bench@db.example:6432/registry")
    text = configuration(url, port=7000, server_connections=30, folder=tmp_path)
    assert "pool_mode = transaction" in text
    assert "* = host=db.example port=6432" in text
    assert "listen_port = 7000" in text
    assert "default_pool_size = 30" in text


async def test_the_relay_counts_the_statements_it_passes_on() -> None:
    server = sa.make_url(await _postgres_server())
    with counting(server.host or "127.0.0.1", server.port or 5432) as counter:
        connection = await asyncpg.connect(
            asyncpg_dsn(server.set(host="127.0.0.1", port=counter.port))
        )
        try:
            # Given a connection that has prepared its statements
            await connection.fetchval("SELECT $1::int", 1)
            counter.reset()
            # When it runs a prepared statement twice in a transaction, and a simple query
            async with connection.transaction():
                assert await connection.fetchval("SELECT $1::int", 2) == 2
                assert await connection.fetchval("SELECT $1::int", 3) == 3
            await connection.execute("SELECT 4")
            tally = counter.snapshot()
        finally:
            await connection.close()
    # Then each execution is one statement, and the transaction's control is counted apart
    assert dict(tally.statements) == {"SELECT $1::int": 2, "SELECT 4": 1}
    assert sum(tally.transaction_control.values()) == 2


@pytest.mark.slow
async def test_the_statements_figure_counts_each_servers_warm_lookups(tmp_path: Path) -> None:
    async with fresh_postgres(await _postgres_server()) as url:
        engine = create_engine(url)
        try:
            data = await seed(engine, TINY, rounds=1)
        finally:
            await engine.dispose()
        counts = count_statements(
            url,
            viewer_key=data.viewer_key,
            auth_config_id=encode_id("AuthConfig", data.lookup_config),
            logs=tmp_path,
            with_plain=True,
            lookups=20,
        )
    graphql, plain = counts
    assert (graphql.server, graphql.lookups, plain.server) == ("GraphQL", 20, "plain")
    # the plain endpoint reads the key, the auth config and the versions in every lookup (and
    # its pool resets the connection it gives back), outside any transaction
    reads = {
        text: count
        for text, count in plain.tally.statements.items()
        if text.startswith(
            ("SELECT project_id FROM api_key", "SELECT connector_key", "SELECT v.id")
        )
    }
    assert sorted(reads.values()) == [20, 20, 20]
    assert plain.transaction_control_per_lookup == 0.0


@pytest.mark.slow
async def test_the_delay_figure_sees_each_change_on_the_other_process(tmp_path: Path) -> None:
    async with fresh_postgres(await _postgres_server()) as url:
        engine = create_engine(url)
        try:
            data = await seed(engine, TINY, rounds=1)
        finally:
            await engine.dispose()
        with (
            servers.registry(
                url, workers=1, pool_size=2, log=tmp_path / "writer.log", name="writer"
            ) as writer,
            servers.registry(
                url, workers=1, pool_size=2, log=tmp_path / "reader.log", name="reader"
            ) as reader,
        ):
            probe = DelayProbe(writer, reader, admin_key=data.admin_key, viewer_key=data.viewer_key)
            try:
                probe.prepare("Delay")
                sightings = probe.measure(6)
            finally:
                probe.close()
    assert len(sightings) == 6
    assert all(0 <= s.stale_until <= s.seen_after < 30 for s in sightings)
    assert all((s.stale_answers == 0) == (s.stale_until == 0) for s in sightings)


@pytest.mark.slow
async def test_the_pooled_run_reaches_the_database_through_pgbouncer(tmp_path: Path) -> None:
    executable = find_pgbouncer()
    if executable is None:
        pytest.skip("PgBouncer is not installed (Debian package pgbouncer)")
    async with fresh_postgres(await _postgres_server()) as url:
        with pgbouncer(executable, url, server_connections=2, log=tmp_path / "pgb.log") as pooled:
            assert pooled.port != url.port
            connection = await asyncpg.connect(asyncpg_dsn(pooled), statement_cache_size=0)
            try:
                assert await connection.fetchval("SELECT current_database()") == url.database
            finally:
                await connection.close()
