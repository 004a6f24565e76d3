"""On SQLite a preview holds the database's write lock no longer than its mutation would (issue
18, G2): its transaction begins DEFERRED, so the scope, the "before" reads and the mutation's
reads up to its first write run without the lock, and only the rest of the mutation, the "after"
reads and the judgement of the accounts run under it. Measured by counting the statements during
which another connection finds the lock taken, for the preview and for the same change made.

When another writer commits between the preview's snapshot and its first write, SQLite refuses
that write: the preview runs again on a fresh snapshot, a bounded number of times."""

import itertools
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlmodel import select

from app.db.engine import Database
from app.db.models import ApiKey
from app.domain.access import Principal
from app.main import create_app
from app.services.impact.changes import PushChange
from app.services.impact.preview import PREVIEW_ATTEMPTS, PreviewContended, preview_change
from app.settings import Settings
from tests.graphql.auth_configs.pinning import in_line, link, pinned_auth_config
from tests.graphql.impact.impact import push_change
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys


@dataclass(frozen=True)
class Live:
    graphql: GraphQLClient
    http: httpx.AsyncClient
    keys: Keys
    database: Database
    settings: Settings
    path: str


@pytest.fixture
async def live(backend: str, committed_database: Database) -> AsyncIterator[Live]:
    if backend != "sqlite":
        pytest.skip("SQLite's write lock only")
    async with committed_database.session() as session:
        keys = await make_keys(session)
    url = committed_database.engine.url
    settings = Settings(database_url=str(url))
    app = create_app(settings, database=committed_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Live(GraphQLClient(http), http, keys, committed_database, settings, str(url.database))


async def _world(live: Live) -> None:
    """ "crm" 1.0.0 and 1.1.0 in alpha, three floating auth configs with an account each."""
    admin = live.keys.alpha.admin
    await new_connector(live.graphql, "crm", key=admin)
    await pushed(live.graphql, "crm", "1.0.0", in_line(1), key=admin)
    for name in ("One", "Two", "Three"):
        config = await pinned_auth_config(live.graphql, "crm", name, key=admin)
        await link(live.graphql, config, f"{name}-account", key=admin)
    await pushed(live.graphql, "crm", "1.1.0", in_line(1, "a"), key=admin)


async def _alpha_admin(database: Database) -> Principal:
    async with database.session() as session:
        rows = (await session.exec(select(ApiKey).where(ApiKey.name != "viewer"))).all()
        row = next(row for row in rows if row.project_id is not None)
        return Principal(api_key_id=row.id, role=row.role, project_id=row.project_id)


def _push(live: Live, number: str, definition: dict[str, Any]) -> PushChange:
    return PushChange(
        connector_key="crm",
        number=number,
        definition=definition,
        limits=live.settings.content_limits(),
    )


@dataclass
class Statement:
    sql: str
    locked: bool
    """Another connection found the write lock taken before or after it ran."""


@contextmanager
def _lock_watch(
    live: Live, before: Callable[[str], None] | None = None
) -> Iterator[list[Statement]]:
    """Each statement the app sends in the block, with whether the write lock was held around
    it, as another connection finds out by trying to take it (without waiting). `before` runs
    before each statement is sent, with its SQL."""
    probe = sqlite3.connect(live.path, timeout=0, isolation_level=None)
    seen: list[Statement] = []

    def held() -> bool:
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        probe.execute("ROLLBACK")
        return False

    def on_before(_c: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        if before is not None:
            before(sql)
        seen.append(Statement(sql, held()))

    def on_after(_c: Any, _cursor: Any, _sql: str, *_rest: Any) -> None:
        seen[-1].locked = seen[-1].locked or held()

    # The driver's commit and rollback are calls, not statements: noted as they begin.
    def on_commit(_connection: Any) -> None:
        seen.append(Statement("COMMIT", held()))

    def on_rollback(_connection: Any) -> None:
        seen.append(Statement("ROLLBACK", held()))

    engine = live.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_before)
    event.listen(engine, "after_cursor_execute", on_after)
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_before)
        event.remove(engine, "after_cursor_execute", on_after)
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)
        probe.close()


def _is(statement: Statement, *words: str) -> bool:
    return statement.sql.lstrip().upper().startswith(words)


async def test_a_preview_holds_the_write_lock_no_longer_than_its_mutation(live: Live) -> None:
    # given three auth configs on 1.x.x; a push of 1.2.0 would move them all
    await _world(live)
    actor = await _alpha_admin(live.database)
    change = _push(live, "1.2.0", in_line(1, "a", "b"))
    # when it is previewed, then made, each watched statement by statement
    with _lock_watch(live) as preview:
        async with live.database.session() as session:
            impact = await preview_change(session, actor=actor, change=change)
    assert impact.refusal is None
    assert len(impact.moves) == 3
    with _lock_watch(live) as made:
        async with live.database.session() as session:
            await change.apply(session, actor)
    # then the mutation holds the lock from its BEGIN IMMEDIATE to its COMMIT
    mutation = [statement for statement in made if statement.locked]
    assert _is(mutation[0], "BEGIN IMMEDIATE"), made
    assert _is(mutation[-1], "COMMIT"), made
    # and the preview holds it from the mutation's first write to its rollback, and only then:
    # nothing before the mutation (scope, "before" reads) and none of its reads before its
    # first write
    locked = [index for index, statement in enumerate(preview) if statement.locked]
    assert locked == list(range(locked[0], locked[-1] + 1)), preview
    assert _is(preview[locked[0]], "INSERT", "UPDATE", "DELETE"), preview
    assert _is(preview[locked[-1]], "ROLLBACK"), preview
    assert not any(_is(statement, "BEGIN IMMEDIATE") for statement in preview), preview
    # what follows the mutation's own end (its savepoint released) is the "after" reads, the
    # judgement and the rollback
    released = max(i for i, statement in enumerate(preview) if _is(statement, "RELEASE"))
    after = len(preview) - released - 1
    assert after > 0
    # so its locked span is at most the mutation's plus those, and its part of the mutation
    # (first write to release) is shorter than the mutation's own span
    assert len(locked) <= len(mutation) + after, (preview, made)
    assert released - locked[0] + 1 < len(mutation), (preview, made)


async def test_a_preview_the_mutation_refuses_never_takes_the_write_lock(live: Live) -> None:
    # given "crm" 1.1.0; when a push of 1.1.0 with other content is previewed
    await _world(live)
    actor = await _alpha_admin(live.database)
    with _lock_watch(live) as preview:
        async with live.database.session() as session:
            impact = await preview_change(
                session, actor=actor, change=_push(live, "1.1.0", in_line(1, "a", "b"))
            )
    # then the mutation's refusal, found under the read snapshot alone
    assert impact.refusal is not None
    assert not any(statement.locked for statement in preview), preview


def _commit_elsewhere(path: str) -> None:
    """Another connection commits a write, to another project (it changes no answer)."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "UPDATE project SET name = CASE WHEN name = 'Beta' THEN 'Beta 2' ELSE 'Beta' END "
            "WHERE slug = 'beta'"
        )
        assert other.total_changes == 1
        other.execute("COMMIT")
    finally:
        other.close()


def _writes_before_each_mutation(path: str, times: int) -> Callable[[str], None]:
    """Just before the first write of each of the first `times` transactions, another writer
    commits: a preview's snapshot is then stale when its mutation first writes."""
    armed = [False]
    left = [times]

    def before(sql: str) -> None:
        words = sql.lstrip().upper()
        if words == "BEGIN":
            armed[0] = True
        elif words.startswith(("INSERT", "UPDATE", "DELETE")) and armed[0] and left[0] > 0:
            armed[0] = False
            left[0] -= 1
            _commit_elsewhere(path)

    return before


def _attempts(statements: list[Statement]) -> int:
    """The previews' transactions: a BEGIN (DEFERRED) that the preview's savepoint follows."""
    return sum(
        1
        for statement, following in itertools.pairwise(statements)
        if statement.sql.strip().upper() == "BEGIN" and _is(following, "SAVEPOINT")
    )


async def test_a_preview_whose_snapshot_went_stale_runs_again(live: Live) -> None:
    # given a preview's answer without other writers
    await _world(live)
    actor = await _alpha_admin(live.database)
    change = _push(live, "1.2.0", in_line(1, "a", "b"))
    async with live.database.session() as session:
        alone = await preview_change(session, actor=actor, change=change)
    # when another writer commits while the preview has read, before its mutation writes
    with _lock_watch(live, _writes_before_each_mutation(live.path, 1)) as statements:
        async with live.database.session() as session:
            contended = await preview_change(session, actor=actor, change=change)
    # then it ran twice (two DEFERRED transactions, the second after waiting for the writer),
    # and answered as it did without the other writer
    assert _attempts(statements) == 2, "\n".join(s.sql[:60] for s in statements)
    assert contended.refusal is None
    assert [(m.auth_config.id, m.accounts) for m in contended.moves] == [
        (m.auth_config.id, m.accounts) for m in alone.moves
    ]


async def test_a_preview_other_writers_keep_from_the_lock_gives_up_with_overloaded(
    live: Live,
) -> None:
    # given another writer that commits before every attempt's mutation writes
    await _world(live)
    actor = await _alpha_admin(live.database)
    change = _push(live, "1.2.0", in_line(1, "a", "b"))
    with _lock_watch(live, _writes_before_each_mutation(live.path, 100)) as statements:
        async with live.database.session() as session:
            with pytest.raises(PreviewContended):
                await preview_change(session, actor=actor, change=change)
    # then it tried PREVIEW_ATTEMPTS times, no more
    assert _attempts(statements) == PREVIEW_ATTEMPTS, [s.sql[:30] for s in statements]
    # and over HTTP the same is a 503 OVERLOADED with Retry-After, and nothing was written
    query = "query ($change: ChangeInput!) { impact(change: $change) { authConfigsChanged } }"
    variables = {"change": push_change("crm", "1.2.0", in_line(1, "a", "b"))}
    with _lock_watch(live, _writes_before_each_mutation(live.path, 100)):
        response = await live.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {live.keys.alpha.admin}"},
        )
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "OVERLOADED", error
    # and once the other writer stops, the preview is answered
    answer = await live.graphql(query, variables, key=live.keys.alpha.admin)
    assert answer["impact"]["authConfigsChanged"] == 3
