"""Concurrent pin changes (DESIGN §5.1): of several changes made at the same revision, exactly one
wins and the others get CONFLICT. These need real commits, so they use a fresh database."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import col, select

from app.db.engine import Database
from app.db.models import AuthConfig, Event
from app.main import create_app
from app.settings import Settings
from tests.graphql.auth_configs.pinning import pin, pinned_auth_config, set_active
from tests.graphql.versions.version_rows import uuid_of
from tests.graphql.versions.versioning import new_connector
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys

pytestmark = pytest.mark.slow

PINS = ["latest", "1.x.x", "1.2.x", "1.2.0", "2.x.x", "3.0.0"]


@dataclass(frozen=True)
class Live:
    graphql: GraphQLClient
    keys: Keys
    database: Database


@pytest.fixture
async def live(committed_database: Database, settings: Settings) -> AsyncIterator[Live]:
    async with committed_database.session() as session:
        keys = await make_keys(session)
    app = create_app(settings, database=committed_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
        yield Live(GraphQLClient(client), keys, committed_database)


async def _stored(database: Database, auth_config_id: str) -> tuple[AuthConfig, list[str]]:
    async with database.session() as session:
        row = await session.get(AuthConfig, uuid_of(auth_config_id))
        assert row is not None
        kinds = (
            await session.exec(
                select(Event.kind).where(col(Event.auth_config_id) == uuid_of(auth_config_id))
            )
        ).all()
        return row, sorted(kinds)


async def test_of_concurrent_pins_at_one_revision_exactly_one_wins(live: Live) -> None:
    # given alpha's auth config at revision 1
    await new_connector(live.graphql, "crm", key=live.keys.platform)
    auth_config = await pinned_auth_config(live.graphql, "crm", "Sales", key=live.keys.alpha.admin)

    # when several pins are set at once, each at revision 1
    results = await asyncio.gather(
        *(pin(live.graphql, auth_config, p, revision=1, key=live.keys.alpha.admin) for p in PINS)
    )

    # then one succeeds, and every other is a CONFLICT
    typenames = sorted(result["__typename"] for result in results)
    assert typenames == ["ConflictError"] * (len(PINS) - 1) + ["PinAuthConfigSuccess"], results
    (winner,) = [r for r in results if r["__typename"] == "PinAuthConfigSuccess"]
    assert winner["authConfig"]["revision"] == 2
    # and what is stored is the winner's pin, with one event for it
    row, kinds = await _stored(live.database, auth_config)
    assert (row.pin, row.revision) == (winner["authConfig"]["pin"], 2)
    assert kinds == ["auth_config.created", "auth_config.pinned"]


async def test_a_pin_and_a_deactivation_at_one_revision_do_not_both_win(live: Live) -> None:
    # given alpha's auth config at revision 1
    await new_connector(live.graphql, "crm", key=live.keys.platform)
    auth_config = await pinned_auth_config(live.graphql, "crm", "Sales", key=live.keys.alpha.admin)

    # when it is pinned and deactivated at once, both at revision 1
    pinned, deactivated = await asyncio.gather(
        pin(live.graphql, auth_config, "latest", revision=1, key=live.keys.alpha.admin),
        set_active(live.graphql, auth_config, False, revision=1, key=live.keys.alpha.admin),
    )

    # then exactly one of them happened
    outcomes = sorted([pinned["__typename"], deactivated["__typename"]])
    assert outcomes in (
        ["ConflictError", "PinAuthConfigSuccess"],
        ["ConflictError", "SetAuthConfigActiveSuccess"],
    ), (pinned, deactivated)
    row, kinds = await _stored(live.database, auth_config)
    assert row.revision == 2
    if pinned["__typename"] == "PinAuthConfigSuccess":
        assert (row.pin, row.active, kinds[-1]) == ("latest", True, "auth_config.pinned")
    else:
        assert (row.pin, row.active, kinds[0]) == (None, False, "auth_config.created")
        assert kinds == ["auth_config.created", "auth_config.deactivated"]
