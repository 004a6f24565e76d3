"""Live event feeds at scale (DESIGN §9): caps, one fan-out per process that filters before any
per-subscriber work, keys checked without a statement per event, and the auth config and
project feeds.

The fan-out's own tests use the test's rolled-back database, where nothing is announced: they
hand the new event ids to `LiveEvents.publish` themselves, as a commit would. The websocket tests
use a database of their own whose commits are real (several connections at once need it).
"""

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from app.db.engine import Database
from app.db.models import ApiKey, Event
from app.domain.access import Principal
from app.domain.api_keys import KeyRefusal
from app.domain.enums import Role
from app.domain.event_visibility import EventFilter, visible
from app.domain.events import EventKind
from app.graphql.events import feeds as feeds_module
from app.graphql.events.feeds import EventFeeds, Feed, FeedLimits, TooManySubscriptions, event_feeds
from app.main import create_app
from app.services import history
from app.services.access.auth import Authenticated, authenticate
from app.services.events import record_event
from app.settings import Settings
from tests.graphql.events.websocket import WebSocketSession
from tests.graphql.rollouts.rollouts import crm_with_two_majors, start
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys
from tests.statements import recorded_statements

DEADLINE_SECONDS = 10.0
QUIET_SECONDS = 0.3
PER_KEY = 2

PROJECT_EVENTS = "subscription ($kind: EventKind) { projectEvents(kind: $kind) { id kind } }"
AUTH_CONFIG_EVENTS = (
    "subscription ($id: ID!) { authConfigEvents(authConfigId: $id) "
    "{ id kind authConfigId connectorId payload } }"
)


@dataclass
class Live:
    """An app on a database whose commits are real, its keys, and a GraphQL client."""

    app: Starlette
    database: Database
    keys: Keys
    graphql: GraphQLClient


@pytest.fixture
async def live(committed_database: Database) -> AsyncIterator[Live]:
    """Two subscriptions per key."""
    database = committed_database
    await database.start_listening()
    async with database.session() as session:
        keys = await make_keys(session)
        await session.commit()
    settings = Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        max_subscriptions_per_key=PER_KEY,
    )
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        yield Live(app, database, keys, GraphQLClient(http))


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors an operation ended with (an `error` message, or a `next` carrying errors)."""
    if message["type"] == "error":
        return message["payload"]  # type: ignore[no-any-return]
    assert message["type"] == "next", message
    errors = message["payload"].get("errors")
    assert errors, message
    return errors  # type: ignore[no-any-return]


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"never: {what}"
        await asyncio.sleep(0.01)


async def latest_event_id(session: AsyncSession) -> int:
    latest = (await session.exec(select(func.max(Event.id)))).one()
    return 0 if latest is None else int(latest)


async def ids_since(session: AsyncSession, after: int) -> list[int]:
    query = select(Event.id).where(col(Event.id) > after).order_by(col(Event.id))
    return [event_id for event_id in (await session.exec(query)).all() if event_id is not None]


async def announce_since(database: Database, session: AsyncSession, after: int) -> list[int]:
    """Publish the events written after `after`, as their commit would."""
    ids = await ids_since(session, after)
    database.live_events.publish(ids)
    return ids


async def principal_of(session: AsyncSession, key: str) -> Principal:
    authenticated = await authenticate(session, key)
    assert isinstance(authenticated, Authenticated), authenticated
    return authenticated.principal


async def rows_of(feed: Feed) -> list[Event]:
    """The feed's next events (failing on a refusal)."""
    batch = await asyncio.wait_for(feed.next_batch(), DEADLINE_SECONDS)
    assert not isinstance(batch, KeyRefusal), batch
    return batch


def feeds_of(app: Starlette) -> EventFeeds:
    """The fan-out the app's subscriptions use (made now if none has been yet)."""
    return event_feeds(app.state, app.state.database)


# --- the rule, in SQL and in memory ---------------------------------------------------------


async def test_the_visibility_rule_is_the_same_in_sql_and_in_memory(
    session: AsyncSession, keys: Keys
) -> None:
    # given events of two projects and of the platform, naming a few objects in every mix
    alpha, beta = UUID(keys.alpha.project_id), UUID(keys.beta.project_id)
    connector, auth_config, version = uuid4(), uuid4(), uuid4()
    first = await latest_event_id(session)
    for project, connector_id, auth_config_id, kind in itertools.product(
        (alpha, beta, None),
        (connector, None),
        (auth_config, None),
        (EventKind.VERSION_CREATED, EventKind.ROLLOUT_STARTED),
    ):
        record_event(
            session,
            actor=None,
            kind=kind,
            project_id=project,
            connector_id=connector_id,
            auth_config_id=auth_config_id,
            version_id=version if connector_id else None,
        )
    await session.flush()
    ids = list((await session.exec(select(Event.id).where(col(Event.id) > first))).all())
    rows = await history.events_by_id(session, [i for i in ids if i is not None])
    assert len(rows) == 24

    actors = [
        Principal(uuid4(), Role.VIEWER, alpha),
        Principal(uuid4(), Role.ADMIN, beta),
        Principal(uuid4(), Role.PLATFORM_ADMIN, None),
    ]
    filters = [
        EventFilter(),
        EventFilter(connector_id=connector),
        EventFilter(auth_config_id=auth_config),
        EventFilter(version_id=version),
        EventFilter(kind=EventKind.ROLLOUT_STARTED),
        EventFilter(connector_id=connector, auth_config_id=auth_config),
        EventFilter(auth_config_id=uuid4()),
    ]
    # then for every caller and filter, SQL and memory keep the same events
    for actor, where in itertools.product(actors, filters):
        in_sql = await history.visible_events(
            session, actor=actor, event_ids=[row.id for row in rows if row.id], where=where
        )
        in_memory = [row.id for row in rows if visible(actor, where, row)]
        assert [row.id for row in in_sql] == in_memory, (actor, where)
    # and the rule is not vacuous: each caller sees some, and none sees another project's
    assert all(any(visible(actor, EventFilter(), row) for row in rows) for actor in actors)
    assert not any(visible(actors[0], EventFilter(), row) for row in rows if row.project_id == beta)


# --- the fan-out ----------------------------------------------------------------------------


async def test_an_event_of_another_project_wakes_no_subscriber_and_costs_one_read(
    database: Database, session: AsyncSession, keys: Keys
) -> None:
    # given 50 subscriptions of alpha's VIEWER key
    feeds = EventFeeds(database, FeedLimits(per_key=100))
    viewer = await principal_of(session, keys.alpha.viewer)
    opened = [feeds.open(viewer, EventFilter()) for _ in range(50)]
    try:
        # when beta writes an event
        before = await latest_event_id(session)
        record_event(
            session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=UUID(keys.beta.project_id)
        )
        await session.commit()
        written = await ids_since(session, before)
        with recorded_statements(database.engine) as statements:
            database.live_events.publish(written)
            await until(lambda: feeds.stats.batches_read == 1, "the batch was read")
            await asyncio.sleep(QUIET_SECONDS)

        # then the process read it once, checked no key, and woke nobody
        reads = [s for s in statements if "FROM event" in s]
        assert len(reads) == 1, statements
        assert not [s for s in statements if "FROM api_key" in s], statements
        assert feeds.stats.key_checks == 0
        assert [feed.wakeups for feed in opened] == [0] * 50

        # when alpha writes one, every alpha subscriber wakes once, for that event
        before = await latest_event_id(session)
        record_event(
            session,
            actor=None,
            kind=EventKind.DEMO_SEEDED,
            project_id=UUID(keys.alpha.project_id),
        )
        await session.commit()
        (alphas,) = await announce_since(database, session, before)
        batches = await asyncio.wait_for(
            asyncio.gather(*(rows_of(feed) for feed in opened)), DEADLINE_SECONDS
        )
        assert {tuple(row.id for row in batch) for batch in batches} == {(alphas,)}
        assert [feed.wakeups for feed in opened] == [1] * 50
        assert feeds.stats.batches_read == 2
        assert feeds.stats.key_checks == 1  # one statement for the 50 feeds' key
    finally:
        for feed in opened:
            feeds.close(feed)
    assert feeds.open_count == 0


async def test_a_feed_wakes_only_for_the_subject_it_follows(
    database: Database, session: AsyncSession, keys: Keys
) -> None:
    feeds = EventFeeds(database, FeedLimits())
    viewer = await principal_of(session, keys.alpha.viewer)
    followed, other = uuid4(), uuid4()
    feed = feeds.open(viewer, EventFilter(auth_config_id=followed))
    try:
        before = await latest_event_id(session)
        for auth_config_id in (other, followed):
            record_event(
                session,
                actor=None,
                kind=EventKind.ROLLOUT_STARTED,
                project_id=UUID(keys.alpha.project_id),
                auth_config_id=auth_config_id,
            )
        await session.commit()
        await announce_since(database, session, before)
        (row,) = await rows_of(feed)
        assert row.auth_config_id == followed
        assert feed.wakeups == 1
    finally:
        feeds.close(feed)


async def alpha_event(database: Database, session: AsyncSession, keys: Keys) -> int:
    """Write an event of alpha and publish it, as its commit would; its id."""
    before = await latest_event_id(session)
    record_event(
        session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=UUID(keys.alpha.project_id)
    )
    await session.commit()
    (written,) = await ids_since(session, before)
    database.live_events.publish([written])
    return written


async def test_keys_are_read_in_one_statement_per_batch_for_every_feed_it_wakes(
    database: Database, session: AsyncSession, keys: Keys
) -> None:
    # given 20 feeds of alpha's VIEWER key and 5 of its ADMIN key, keys trusted for a minute
    feeds = EventFeeds(database, FeedLimits(key_recheck_seconds=60))
    viewer = await principal_of(session, keys.alpha.viewer)
    admin = await principal_of(session, keys.alpha.admin)
    opened = [feeds.open(viewer, EventFilter()) for _ in range(20)]
    opened += [feeds.open(admin, EventFilter()) for _ in range(5)]
    try:
        # when an event of alpha arrives
        with recorded_statements(database.engine) as statements:
            first = await alpha_event(database, session, keys)
            batches = await asyncio.wait_for(
                asyncio.gather(*(rows_of(feed) for feed in opened)), DEADLINE_SECONDS
            )
        # then both keys were read in one statement, and every feed got the event
        key_reads = [s for s in statements if "FROM api_key" in s]
        assert len(key_reads) == 1, statements
        assert feeds.stats.key_checks == 1
        assert all([row.id for row in batch] == [first] for batch in batches)

        # and a second event within the minute reads no key
        with recorded_statements(database.engine) as statements:
            second = await alpha_event(database, session, keys)
            batches = await asyncio.wait_for(
                asyncio.gather(*(rows_of(feed) for feed in opened)), DEADLINE_SECONDS
            )
        assert not [s for s in statements if "FROM api_key" in s], statements
        assert feeds.stats.key_checks == 1
        assert all([row.id for row in batch] == [second] for batch in batches)
    finally:
        for feed in opened:
            feeds.close(feed)


async def test_a_key_deleted_in_the_database_gets_the_refusal_not_the_events(
    database: Database, session: AsyncSession, keys: Keys
) -> None:
    # given feeds of alpha's VIEWER and ADMIN keys (read before every batch, the default)
    feeds = EventFeeds(database, FeedLimits())
    viewer = await principal_of(session, keys.alpha.viewer)
    admin = await principal_of(session, keys.alpha.admin)
    viewers, admins = feeds.open(viewer, EventFilter()), feeds.open(admin, EventFilter())
    try:
        # when the VIEWER key is deleted straight in the database, and an event follows
        await session.exec(delete(ApiKey).where(col(ApiKey.id) == viewer.api_key_id))
        await session.commit()
        written = await alpha_event(database, session, keys)
        # then the VIEWER's feed gets why, and the ADMIN's the event
        assert await asyncio.wait_for(viewers.next_batch(), DEADLINE_SECONDS) == KeyRefusal.UNKNOWN
        batch = await rows_of(admins)
        assert [row.id for row in batch] == [written]
    finally:
        feeds.close(viewers)
        feeds.close(admins)


async def test_nothing_is_handed_over_under_keys_that_could_not_be_checked(
    database: Database, session: AsyncSession, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(*_args: object) -> object:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(feeds_module, "key_states", unreachable)
    feeds = EventFeeds(database, FeedLimits())
    viewer = await principal_of(session, keys.alpha.viewer)
    feed = feeds.open(viewer, EventFilter())
    try:
        await alpha_event(database, session, keys)
        await until(lambda: feeds.stats.key_checks == 1, "the key check was tried")
        await asyncio.sleep(QUIET_SECONDS)
        assert feed.wakeups == 0
    finally:
        feeds.close(feed)


# --- caps -----------------------------------------------------------------------------------


async def test_caps_per_key_and_per_process_and_a_closed_feed_frees_its_place(
    database: Database,
) -> None:
    feeds = EventFeeds(database, FeedLimits(per_key=2, total=3))
    first, second = (Principal(uuid4(), Role.VIEWER, uuid4()) for _ in range(2))
    held = [feeds.open(first, EventFilter()), feeds.open(first, EventFilter())]
    with pytest.raises(TooManySubscriptions, match="MAX_SUBSCRIPTIONS_PER_KEY"):
        feeds.open(first, EventFilter())
    held.append(feeds.open(second, EventFilter()))
    with pytest.raises(TooManySubscriptions, match="MAX_SUBSCRIPTIONS\\)"):
        feeds.open(second, EventFilter())
    assert feeds.open_count == 3

    feeds.close(held.pop(0))
    held.append(feeds.open(first, EventFilter()))  # the key's place is free again
    with pytest.raises(TooManySubscriptions):
        feeds.open(second, EventFilter())
    feeds.close(held[0])
    feeds.close(held[0])  # closing twice frees one place, not two
    held.append(feeds.open(second, EventFilter()))
    with pytest.raises(TooManySubscriptions):
        feeds.open(second, EventFilter())
    for feed in held:
        feeds.close(feed)
    assert feeds.open_count == 0


async def test_the_per_key_cap_counts_every_socket_of_the_key_and_frees_on_complete(
    live: Live,
) -> None:
    app, keys = live.app, live.keys
    async with (
        WebSocketSession(app, keys.alpha.viewer) as first,
        WebSocketSession(app, keys.alpha.viewer) as second,
        WebSocketSession(app, keys.beta.viewer) as other_key,
    ):
        first.subscribe("1", PROJECT_EVENTS, {})
        await until(lambda: feeds_of(app).open_count == 1, "the first subscription is open")
        second.subscribe("1", PROJECT_EVENTS, {})
        await until(lambda: feeds_of(app).open_count == 2, "the second subscription is open")

        # a third subscription of the key, on either socket, is refused with a typed error
        second.subscribe("2", PROJECT_EVENTS, {})
        refused = await second.receive()
        assert refused["id"] == "2", refused
        (error,) = errors_of(refused)
        assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert "MAX_SUBSCRIPTIONS_PER_KEY" in error["message"]
        if refused["type"] == "next":
            assert await second.receive() == {"id": "2", "type": "complete"}
        # another key is not held back by it
        other_key.subscribe("1", PROJECT_EVENTS, {})
        await until(lambda: feeds_of(app).open_count == 3, "another key's subscription opens")

        # once the first socket completes its subscription, the key may open one again
        first.complete("1")
        await until(lambda: feeds_of(app).open_count == 2, "the completed one is closed")
        second.subscribe("3", PROJECT_EVENTS, {})
        await until(lambda: feeds_of(app).open_count == 3, "a new one opens in its place")
        assert await second.nothing_more(QUIET_SECONDS)
    # and a socket's end closes its subscriptions
    await until(lambda: feeds_of(app).open_count == 0, "every subscription is closed")


# --- the auth config and project feeds ------------------------------------------------------


async def test_rollout_events_reach_an_auth_config_subscriber_and_nobody_else(
    live: Live,
) -> None:
    app, graphql, keys = live.app, live.graphql, live.keys
    # given alpha's auth config, followed by alpha's VIEWER; and beta following its project
    crm = await crm_with_two_majors(graphql, keys)
    async with (
        WebSocketSession(app, keys.alpha.viewer) as alpha,
        WebSocketSession(app, keys.beta.admin) as beta,
    ):
        alpha.subscribe("1", AUTH_CONFIG_EVENTS, {"id": crm.auth_config})
        alpha.subscribe("2", PROJECT_EVENTS, {"kind": "ROLLOUT_STARTED"})
        beta.subscribe("1", PROJECT_EVENTS, {})
        await until(lambda: feeds_of(app).open_count == 3, "the subscriptions are open")

        # when alpha's ADMIN starts a rollout
        started = await start(graphql, crm.auth_config, "2.0.0", 20, key=keys.alpha.admin)
        assert started["__typename"] == "StartRolloutSuccess", started

        # then both alpha feeds receive its event, with the auth config it names
        received = {}
        for _ in range(2):
            message = await alpha.receive()
            assert message["type"] == "next", message
            received[message["id"]] = next(iter(message["payload"]["data"].values()))
        assert received["1"]["kind"] == "ROLLOUT_STARTED"
        assert received["1"]["authConfigId"] == crm.auth_config
        assert received["1"]["payload"]["percent"] == 20
        assert received["2"]["id"] == received["1"]["id"]
        # and beta's subscriber was never woken
        assert await beta.nothing_more(QUIET_SECONDS)
        beta_feeds = [
            feed
            for feeds in feeds_of(app)._by_project.values()
            for feed in feeds
            if feed.actor.project_id == UUID(keys.beta.project_id)
        ]
        assert [feed.wakeups for feed in beta_feeds] == [0]


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (AUTH_CONFIG_EVENTS, "alpha"),
        (AUTH_CONFIG_EVENTS, "malformed"),
        (
            "subscription ($id: ID!) { events(connectorId: $id) { id } }",
            "alpha-connector",
        ),
    ],
    ids=["another project's auth config", "not an auth config id", "another project's connector"],
)
async def test_another_projects_subject_is_not_found(
    live: Live, document: str, variables: str
) -> None:
    app, graphql, keys = live.app, live.graphql, live.keys
    crm = await crm_with_two_majors(graphql, keys)
    connector = (
        await graphql(
            'query { connector(key: "crm", source: CUSTOM) { id } }', {}, key=keys.alpha.admin
        )
    )["connector"]["id"]
    subject = {"alpha": crm.auth_config, "malformed": crm.v1, "alpha-connector": connector}
    async with WebSocketSession(app, keys.beta.admin) as beta:
        beta.subscribe("1", document, {"id": subject[variables]})
        refused = await beta.receive()
    (error,) = errors_of(refused)
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert feeds_of(app).open_count == 0


# --- keys -----------------------------------------------------------------------------------


async def test_a_key_deleted_in_the_database_ends_deliveries(live: Live) -> None:
    app, keys = live.app, live.keys
    # given a live project feed of alpha's VIEWER key, which has received an event
    async with WebSocketSession(app, keys.alpha.viewer) as alpha:
        alpha.subscribe("1", PROJECT_EVENTS, {})
        await until(lambda: feeds_of(app).open_count == 1, "the subscription is open")
        await seed_event(live.database, keys.alpha.project_id)
        assert (await alpha.receive())["type"] == "next"
        # when the key is deleted straight in the database (nothing announces it)
        async with live.database.session() as session:
            viewer = await principal_of(session, keys.alpha.viewer)
            await session.exec(delete(ApiKey).where(col(ApiKey.id) == viewer.api_key_id))
            await session.commit()
        # and another event of alpha is committed
        await seed_event(live.database, keys.alpha.project_id)
        # then it is not delivered: the connection closes with 4403
        closed = await alpha.receive()
    assert closed == {"type": "close", "code": 4403}


async def seed_event(database: Database, project_id: str) -> None:
    async with database.session() as session:
        record_event(session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=UUID(project_id))
        await session.commit()
