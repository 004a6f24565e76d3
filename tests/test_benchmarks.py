"""The benchmark's own machinery on a tiny data set: seeding writes what the figures need, the
plain endpoint gives the server's answer (version, rule, source), and the deep cursor leads to
the row after it. Needs PostgreSQL (the plain endpoint exists only there)."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from app.db.engine import create_engine
from benchmarks import servers
from benchmarks.cursors import deep_account_cursor
from benchmarks.databases import fresh_postgres
from benchmarks.figures import IMPACT_PREVIEWS, Bench, check, run_round
from benchmarks.load import Generator
from benchmarks.seed import Scale, seed
from tests.databases import (
    IN_CI,
    POSTGRES_ENV,
    postgres_server_url,
    postgres_unavailable_reason,
)

pytestmark = pytest.mark.slow

TINY = Scale(
    "tiny",
    deep_accounts=30,
    events=40,
    history=(1, 3),
    page_configs=2,
    accounts_per_page_config=3,
    impact_configs=3,
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
        options = {"workers": 1, "pool_size": 2}
        with (
            servers.registry(url, log=tmp_path / "graphql.log", **options) as graphql,
            servers.plain(url, log=tmp_path / "plain.log", **options) as plain,
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
