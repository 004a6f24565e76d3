"""The past figure's data: a key with a year of recorded history, and an auth config with as
many accounts as the deep one.

A year ago the key had `past_versions` published versions (two thirds managed, a third custom)
and the auth config was created with its accounts. Then `past_changes` changes, spread evenly
over the year, each in a transaction of its own: publishes on either connector, forced
overwrites, deprecations and their undoing, bins and restores, pins and pin sources, the active
flag, rollouts started, changed, completed and aborted, and re-authentications of the measured
accounts. Each is written through the app's table models in an ORM session, so the app's own
recorder (`app.db.history_recorder`) writes its history rows, at the instant the year gives it
(`record_transaction_at`). Only the accounts are written in bulk: each with the ACCOUNT_LINKED
row the recorder writes for a link.
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.history_recorder import record_transaction_at
from app.db.history_tables import AccountHistory
from app.db.models import AuthConfig, Connector, ConnectorVersion, LinkedAccount, Rollout
from app.db.types import utc_now
from app.domain.enums import PinSource, Runtime, VersionSource
from app.domain.history import HistoryChange
from app.domain.rollouts import RolloutEnding
from app.domain.versions import VersionContent
from app.services.versions.reads import new_version_row
from benchmarks.definitions import definition

PAST_KEY = "past"
YEAR = timedelta(days=365)
MEASURED_ACCOUNTS = 4
"""Accounts whose past the figure asks about (re-authenticated now and then)."""

# How many of every 100 changes are of each kind.
_KINDS = (
    ("publish", 22),
    ("overwrite", 4),
    ("deprecate", 10),
    ("undeprecate", 6),
    ("bin", 5),
    ("restore", 3),
    ("pin", 12),
    ("active", 3),
    ("rollout", 25),
    ("reauthenticate", 10),
)
_PINS = (None, "latest", "1.x.x", "2.x.x", "1.4.x", "EXACT")
_SOURCES = (PinSource.ANY, PinSource.ANY, PinSource.MANAGED, PinSource.CUSTOM)
_PERCENTS = (5, 10, 25, 50, 75)


@dataclass
class PastData:
    """What the past figure asks about: the auth config, some of its accounts, the year."""

    auth_config: UUID
    accounts: list[UUID]
    start: datetime
    end: datetime
    changes: int
    versions: int
    seconds: float = 0.0


@dataclass
class _Year:
    """The objects changed during the year, kept in one session (no read between changes)."""

    session: AsyncSession
    rng: random.Random
    connectors: dict[VersionSource, Connector]
    config: AuthConfig
    accounts: list[LinkedAccount]
    versions: list[ConnectorVersion] = field(default_factory=list)
    rollout: Rollout | None = None
    numbers: dict[VersionSource, int] = field(default_factory=dict)

    def published(self) -> list[ConnectorVersion]:
        return [v for v in self.versions if v.published_at is not None and v.binned_at is None]


def _number(index: int) -> str:
    """The index-th release: 1.0.0, 1.0.1, ..., 1.9.9, 2.0.0, ..."""
    return f"{1 + index // 100}.{index // 10 % 10}.{index % 10}"


def _version(connector: Connector, index: int, at: datetime) -> ConnectorVersion:
    number = _number(index)
    content = VersionContent(
        name=connector.name,
        description=f"Release {number}",
        readme=f"# {connector.name} {number}\n",
        definition=definition(index % 16, note=f"(since {number})"),
        config={},
    )
    row = new_version_row(
        connector_id=connector.id, number=number, content=content, published_at=at
    )
    row.created_at = row.updated_at = at
    return row


async def seed_past(
    engine: AsyncEngine,
    *,
    project_id: UUID,
    accounts: int,
    versions: int,
    changes: int,
    bulk: Any,
) -> PastData:
    """The key, its auth config with `accounts` accounts (written by `bulk`, the data set's
    COPY), and a year of `changes` changes after `versions` versions."""
    now = utc_now()
    start = now - YEAR
    rng = random.Random(20)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        year = await _begin(session, rng, project_id, start, versions)
        measured = await _link(engine, year, start, accounts, bulk)
        year.accounts = measured
        step = (now - timedelta(minutes=1) - start) / (changes + 1)
        kinds = [kind for kind, weight in _KINDS for _ in range(weight)]
        made = 0
        while made < changes:
            at = start + step * (made + 1)
            async with session.begin():
                record_transaction_at(session.sync_session, at)
                if _change(year, rng.choice(kinds), at):
                    made += 1
                else:
                    continue
    return PastData(
        auth_config=year.config.id,
        accounts=[account.id for account in measured],
        start=start,
        end=now,
        changes=changes,
        versions=len(year.versions),
    )


async def _begin(
    session: AsyncSession, rng: random.Random, project_id: UUID, start: datetime, count: int
) -> _Year:
    """A year ago: the key's connectors with `count` versions, and the auth config."""
    managed = Connector(project_id=None, key=PAST_KEY, name="Past", runtime=Runtime.DEFINITION)
    custom = Connector(
        project_id=project_id, key=PAST_KEY, name="Past (our fork)", runtime=Runtime.DEFINITION
    )
    config = AuthConfig(project_id=project_id, connector_key=PAST_KEY, name="Every past customer")
    config.created_at = start
    year = _Year(
        session=session,
        rng=rng,
        connectors={VersionSource.MANAGED: managed, VersionSource.CUSTOM: custom},
        config=config,
        accounts=[],
        numbers={VersionSource.MANAGED: 0, VersionSource.CUSTOM: 0},
    )
    async with session.begin():
        record_transaction_at(session.sync_session, start)
        session.add_all([managed, custom])
        await session.flush()
        for index in range(count):
            source = VersionSource.CUSTOM if index % 3 == 2 else VersionSource.MANAGED
            year.versions.append(_next_version(year, source, start))
        session.add_all(year.versions)
        session.add(config)
    return year


def _next_version(year: _Year, source: VersionSource, at: datetime) -> ConnectorVersion:
    index = year.numbers[source]
    year.numbers[source] = index + 1
    return _version(year.connectors[source], index, at)


async def _link(
    engine: AsyncEngine, year: _Year, start: datetime, count: int, bulk: Any
) -> list[LinkedAccount]:
    """`count` accounts linked a year ago under the newest custom version, with the history
    row the recorder writes for each link; the measured ones are returned, loaded."""
    authenticated = max(
        (v for v in year.versions if v.connector_id == year.connectors[VersionSource.CUSTOM].id),
        key=lambda v: (v.major, v.minor, v.patch),
    )
    ids = [uuid.uuid4() for _ in range(count)]

    def accounts() -> Iterator[dict[str, Any]]:
        for index, id_ in enumerate(ids):
            yield {
                "id": id_,
                "auth_config_id": year.config.id,
                "external_id": f"past-{index:07d}",
                "label": "",
                "authenticated_version_id": authenticated.id,
                "authenticated_revision": authenticated.revision,
                "authenticated_at": start,
                "created_at": start + timedelta(milliseconds=index),
            }

    def linked() -> Iterator[dict[str, Any]]:
        for id_ in ids:
            yield {
                "linked_account_id": id_,
                "auth_config_id": year.config.id,
                "authenticated_version_id": authenticated.id,
                "authenticated_revision": authenticated.revision,
                "deleted": False,
                "change": HistoryChange.ACCOUNT_LINKED.value,
                "changed_at": start,
            }

    async with engine.begin() as connection:
        await bulk(connection, LinkedAccount, accounts())
        await bulk(connection, AccountHistory, linked(), skip=("id",))
    step = max(1, count // MEASURED_ACCOUNTS)
    wanted = ids[::step][:MEASURED_ACCOUNTS]
    found = [await year.session.get(LinkedAccount, id_) for id_ in wanted]
    await year.session.commit()
    return [account for account in found if account is not None]


def _change(year: _Year, kind: str, at: datetime) -> bool:
    """Make one change of `kind` at `at`; False when none of that kind can be made now."""
    rng, session = year.rng, year.session
    published = year.published()
    if kind == "publish":
        source = rng.choice((VersionSource.MANAGED, VersionSource.CUSTOM))
        version = _next_version(year, source, at)
        year.versions.append(version)
        session.add(version)
        return True
    if kind == "overwrite":
        version = rng.choice(published[-20:])
        version.revision += 1
        version.definition = definition(version.revision % 16, note=f"(forced {at.isoformat()})")
        version.content_hash = uuid.uuid4().hex
        version.updated_at = at
        return True
    if kind in ("deprecate", "undeprecate"):
        deprecated = kind == "deprecate"
        pool = [v for v in published[-40:] if (v.deprecated_at is None) == deprecated]
        if not pool:
            return False
        version = rng.choice(pool)
        version.deprecated_at = at if deprecated else None
        version.deprecation_message = "Use a newer release" if deprecated else None
        return True
    if kind in ("bin", "restore"):
        if kind == "restore":
            pool = [v for v in year.versions if v.binned_at is not None]
        else:
            in_use = {a.authenticated_version_id for a in year.accounts}
            if year.rollout is not None:
                in_use.add(year.rollout.target_version_id)
            pool = [v for v in published[:-40] if v.id not in in_use]
        if not pool:
            return False
        rng.choice(pool).binned_at = at if kind == "bin" else None
        return True
    if kind == "pin":
        _pin(year, published)
        return True
    if kind == "active":
        year.config.active = not year.config.active
        return True
    if kind == "rollout":
        return _rollout(year, published, at)
    account = rng.choice(year.accounts)
    version = rng.choice(published[-30:])
    account.authenticated_version_id = version.id
    account.authenticated_revision = version.revision
    account.authenticated_at = at
    return True


def _pin(year: _Year, published: list[ConnectorVersion]) -> None:
    rng, config = year.rng, year.config
    if year.rollout is not None:
        # A pin would not stop the rollout; keep the pins for when none runs.
        config.pin_source = rng.choice(_SOURCES)
        return
    pin = rng.choice(_PINS)
    if pin == "EXACT":
        pin = rng.choice(published[-60:]).version
    config.pin, config.pin_source = pin, rng.choice(_SOURCES)


def _rollout(year: _Year, published: list[ConnectorVersion], at: datetime) -> bool:
    """Start one, or change, complete or abort the running one."""
    rng, config = year.rng, year.config
    rollout = year.rollout
    if rollout is None:
        target = rng.choice(published[-20:])
        source = VersionSource(
            "MANAGED"
            if target.connector_id == year.connectors[VersionSource.MANAGED].id
            else "CUSTOM"
        )
        year.rollout = Rollout(
            auth_config_id=config.id,
            target_version_id=target.id,
            target_version=target.version,
            target_source=source,
            percent=rng.choice(_PERCENTS),
            started_at=at,
            updated_at=at,
        )
        year.session.add(year.rollout)
        return True
    step = rng.random()
    if step < 0.5:
        rollout.percent = min(100, rollout.percent + rng.choice(_PERCENTS))
        rollout.updated_at = at
        return True
    completed = step < 0.75
    rollout.ended_at, rollout.updated_at = at, at
    rollout.ending = RolloutEnding.COMPLETED if completed else RolloutEnding.ABORTED
    if completed:
        config.pin = rollout.target_version
        config.pin_source = PinSource(rollout.target_source)
    year.rollout = None
    return True
