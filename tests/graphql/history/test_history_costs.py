"""What history costs (DESIGN §15): `effectiveVersion(at:)` and a page of a timeline send the
same statements, and resolve as many times, whether the key's history holds 20 changes or 200,
and whatever the number of accounts: they read a few indexed ranges and resolve only at the
instants the question needs, never at every change of the history.

The changes are written through the app's table models, so its recorder writes their history,
each at an instant of its own (`record_transaction_at`): 200 publishes through GraphQL would
test nothing more and take long.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import app.services.effective.history_state as history_state
from app.db.history_recorder import record_transaction_at
from app.db.models import Connector
from app.db.types import utc_now
from app.domain.resolution import resolve
from app.domain.versions import VersionContent
from app.services.versions.reads import new_version_row
from tests.graphql.history.documents import ACCOUNT_AT, ACCOUNT_TIMELINE, AUTH_CONFIG_TIMELINE
from tests.graphql.impact.impact_worlds import definition
from tests.graphql.operations import create_auth_config, create_connector, link_account
from tests.graphql.rollouts.rollouts import link_in_bulk
from tests.graphql.versions.versioning import pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

PAGE = 5
# The timelines without `totalCount`, which counts every interval of the range (resolving at
# each of its changes: the one read whose cost grows with history, and says so).
ACCOUNT_PAGE, AUTH_CONFIG_PAGE = (
    document.replace("totalCount", "") for document in (ACCOUNT_TIMELINE, AUTH_CONFIG_TIMELINE)
)


@dataclass(frozen=True)
class Year:
    """An auth config on latest and one of its accounts, after `changes` publishes that each
    moved their answer; `middle` is an instant between two of them."""

    auth_config: str
    account: str
    middle: datetime
    changes: int


async def _year(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession, key: str, changes: int
) -> Year:
    await create_connector(graphql, key, key=keys.alpha.admin)
    await pushed(graphql, key, "1.0.0", definition("1.0.0", frozenset()), key=keys.alpha.admin)
    auth_config = await create_auth_config(graphql, key, "Year", key=keys.alpha.admin)
    account = await link_account(graphql, auth_config, "watched", key=keys.alpha.admin)
    await link_in_bulk(session, auth_config, changes)
    connector = (await session.exec(select(Connector).where(col(Connector.key) == key))).one()
    start = utc_now()
    instants = [start + timedelta(microseconds=10 * (index + 1)) for index in range(changes)]
    for index, at in enumerate(instants):
        # each publish in a transaction of its own, at its own instant: 1.0.1, 1.0.2, ...
        await session.connection()
        record_transaction_at(session.sync_session, at)
        number = f"1.0.{index + 1}"
        content = VersionContent(
            name=key,
            description="",
            readme="",
            definition=definition(number, frozenset()),
            config={},
        )
        session.add(
            new_version_row(
                connector_id=connector.id, number=number, content=content, published_at=at
            )
        )
        await session.commit()
    # the last instant is past before anything asks (history ends now)
    await asyncio.sleep((instants[-1] - utc_now()).total_seconds() + 0.001)
    middle = instants[changes // 2] + timedelta(microseconds=5)
    return Year(auth_config, account, middle, changes)


@contextmanager
def counted_resolutions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times history resolved an auth config, in a one-item list."""
    calls = [0]

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return resolve(*args, **kwargs)

    monkeypatch.setattr(history_state, "resolve", counting)
    try:
        yield calls
    finally:
        monkeypatch.setattr(history_state, "resolve", resolve)


async def _cost(
    graphql: GraphQLClient,
    engine: AsyncEngine,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
    document: str,
    variables: dict[str, Any],
) -> tuple[list[str], int, dict[str, Any]]:
    """The statements a read sends (beyond the API key's), how many times it resolves, and its
    answer."""
    with (
        counted_resolutions(monkeypatch) as resolutions,
        recorded_statements(engine) as statements,
    ):
        data = await graphql(document, variables, key=keys.alpha.viewer)
    read = [s for s in beyond_authentication(statements) if "api_key" not in s]
    return read, resolutions[0], data


async def _costs(
    graphql: GraphQLClient,
    engine: AsyncEngine,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
    year: Year,
) -> dict[str, tuple[list[str], int]]:
    """Each read's statements and resolutions: `at:` in the middle of the year, and a first
    and a deep page of both timelines."""
    found: dict[str, tuple[list[str], int]] = {}
    statements, resolutions, data = await _cost(
        graphql,
        engine,
        keys,
        monkeypatch,
        ACCOUNT_AT,
        {"id": year.account, "at": year.middle.isoformat()},
    )
    at = data["node"]["effectiveVersion"]
    assert at["version"] is not None
    since, until = (datetime.fromisoformat(at["history"][end]) for end in ("since", "until"))
    assert since <= year.middle < until
    found["at"] = (statements, resolutions)
    for name, document, id_ in (
        ("account", ACCOUNT_PAGE, year.account),
        ("config", AUTH_CONFIG_PAGE, year.auth_config),
    ):
        variables: dict[str, Any] = {"id": id_, "first": PAGE}
        first = await graphql(document, variables, key=keys.alpha.viewer)
        cursor = first["node"]["timeline"]["edges"][-1]["cursor"]
        deep = await graphql(document, {**variables, "first": 100}, key=keys.alpha.viewer)
        edges = deep["node"]["timeline"]["edges"]
        # linked under 1.0.0, then each publish moved it
        assert len(edges) == min(100, year.changes + 1)
        deep_cursor = edges[-2 * PAGE]["cursor"]
        for page, after in (("first", None), ("next", cursor), ("deep", deep_cursor)):
            statements, resolutions, data = await _cost(
                graphql, engine, keys, monkeypatch, document, {**variables, "after": after}
            )
            assert len(data["node"]["timeline"]["edges"]) == PAGE
            found[f"{name}-{page}"] = (statements, resolutions)
    return found


async def test_a_past_read_costs_the_same_for_20_and_200_changes(
    graphql: GraphQLClient,
    engine: AsyncEngine,
    keys: Keys,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given two keys whose histories hold 20 and 200 publishes (and as many accounts)
    short = await _year(graphql, keys, session, "short", 20)
    long = await _year(graphql, keys, session, "long", 200)
    # when `at:` and pages of both timelines are read on each
    costs = {
        year.changes: await _costs(graphql, engine, keys, monkeypatch, year)
        for year in (short, long)
    }
    # then each read sends the same statements on both, a fixed few
    for read in costs[20]:
        assert costs[20][read][0] == costs[200][read][0], read
    assert len([s for s in costs[200]["at"][0] if "_history" in s]) == 4
    assert len([s for s in costs[200]["config-deep"][0] if "_history" in s]) == 2
    # and resolves as many times: at the instants the question needs, not at every change
    resolutions = {read: cost[1] for read, cost in costs[200].items()}
    assert resolutions == {read: cost[1] for read, cost in costs[20].items()}
    # `at:` resolves where its answer began, before it, and where it ended; a page at the
    # start of each of its PAGE intervals and of one more (is there a next page?), and at the
    # change that ended it; a page after a cursor also at the change before its first
    assert resolutions["at"] <= 3
    assert resolutions["account-first"] == resolutions["config-first"] == PAGE + 2
    assert max(resolutions.values()) == PAGE + 3
