"""The benchmark's data set, written straight into a migrated database.

Rows are built from the app's table models (`app.db.models`) and its own helpers (API key
secrets, version rows with their content hash), so they are what the app itself would write.
Bulk rows go through PostgreSQL's COPY (asyncpg `copy_records_to_table`) or, on SQLite,
`executemany` in large batches.
"""

import json
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db.models import (
    ApiKey,
    AuthConfig,
    Connector,
    ConnectorVersion,
    Event,
    LinkedAccount,
    Project,
    Rollout,
)
from app.db.types import utc_now
from app.domain.api_keys import new_secret
from app.domain.enums import Role, Runtime, VersionSource
from app.domain.versions import VersionContent
from app.services.versions.reads import new_version_row
from benchmarks.definitions import definition
from benchmarks.past import PastData, seed_past

_SQLITE_BATCH = 5_000

# Event kinds and how many of every 20 events have each kind; FILTER_KIND is the filtered figure's.
_EVENT_KINDS = (
    ("account.linked", 12),
    ("version.published", 4),
    ("auth_config.pinned", 2),
    ("version.deprecated", 1),
    ("api_key.created", 1),
)
FILTER_KIND = "version.published"

# The versions of the rollout figure's keys: its auth configs pin 1.x.x (1.2.0), and on the
# "rolling" key each rolls the last one out to half of its accounts.
ROLLOUT_NUMBERS = ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]


@dataclass(frozen=True)
class Scale:
    """How big the data set is. The full scale is PostgreSQL's; SQLite and --quick are smaller."""

    name: str
    deep_accounts: int
    events: int
    history: tuple[int, ...]
    page_configs: int = 10
    accounts_per_page_config: int = 120
    rounds_of_pushes: int = 5
    impact_configs: int = 1000
    """Auth configs that share `deep_accounts` more accounts, for the impact figure."""
    past_versions: int = 230
    """The past figure's key: its versions a year ago (about 150 more are published since)."""
    past_changes: int = 1000
    """The past figure's key: the changes of its year."""

    def describe(self) -> str:
        return (
            f"{self.name}: {self.deep_accounts:,} accounts on one auth config, "
            f"{self.events:,} events, keys with {' / '.join(f'{n:,}' for n in self.history)} "
            f"published versions, 3 x {self.page_configs} auth configs with "
            f"{self.accounts_per_page_config} accounts each (a third with a 50% rollout)"
        )


FULL = Scale("full", deep_accounts=1_000_000, events=1_000_000, history=(1, 100, 1000))
SQLITE = Scale("sqlite (smaller)", deep_accounts=100_000, events=100_000, history=(1, 100, 1000))
QUICK = Scale(
    "quick (smoke run)",
    deep_accounts=2_000,
    events=2_000,
    history=(1, 10, 30),
    past_versions=60,
    past_changes=100,
)


@dataclass
class DataSet:
    """What the figures need to know about the seeded data; secrets are only kept here."""

    scale: Scale
    project_id: UUID
    admin_key: str
    viewer_key: str
    lookup_config: UUID
    history_configs: dict[int, UUID]
    pages_connector_key: str
    deep_config: UUID
    growth_keys: list[str]
    rollout_keys: tuple[str, str] = ("steady", "rolling")
    """Keys whose page configs are pinned to 1.x.x; the second's roll 2.0.0 out to half."""
    neighbour_admin_key: str = ""
    """An ADMIN key of another project (the subscriptions figure's writer)."""
    impact_draft: UUID | None = None
    """The draft whose publish the impact figure previews (seeded only for that figure)."""
    impact_accounts: int = 0
    past: PastData | None = None
    """The past figure's key and year (seeded only for that figure)."""
    seconds: float = 0.0
    versions: int = 0
    definition_bytes: tuple[int, int] = (0, 0)
    notes: list[str] = field(default_factory=list)


async def seed(
    engine: AsyncEngine, scale: Scale, *, rounds: int, impact: bool = False, past: bool = False
) -> DataSet:
    """Write the whole data set in one transaction, then refresh the planner's statistics.

    `impact`: also the impact figure's key, whose auth configs share as many accounts as the
    deep one has (written only when that figure runs: it doubles the accounts). `past`: also the
    past figure's key and its year of history (`benchmarks.past`), with as many accounts."""
    started = time.perf_counter()
    async with engine.begin() as connection:
        data = await _seed(connection, scale, rounds=rounds)
        if impact:
            await _seed_impact(connection, data, scale)
    if past:
        past_started = time.perf_counter()
        data.past = await seed_past(
            engine,
            project_id=data.project_id,
            accounts=scale.deep_accounts,
            versions=scale.past_versions,
            changes=scale.past_changes,
            bulk=_bulk,
        )
        data.past.seconds = time.perf_counter() - past_started
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")
    else:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")
    data.seconds = time.perf_counter() - started
    return data


async def _seed(connection: AsyncConnection, scale: Scale, *, rounds: int) -> DataSet:
    now = utc_now()
    project = Project(slug="bench", name="Benchmark Inc.", created_at=now)
    admin, viewer = new_secret(), new_secret()
    keys = [
        ApiKey(
            project_id=project.id, name=name, role=role, prefix=s.prefix, secret_hash=s.secret_hash
        )
        for name, role, s in (("admin", Role.ADMIN, admin), ("viewer", Role.VIEWER, viewer))
    ]
    # Another project, whose writes the subscriptions figure times.
    neighbour = Project(slug="neighbour", name="Neighbour Ltd.", created_at=now)
    neighbour_admin = new_secret()
    keys.append(
        ApiKey(
            project_id=neighbour.id,
            name="admin",
            role=Role.ADMIN,
            prefix=neighbour_admin.prefix,
            secret_hash=neighbour_admin.secret_hash,
        )
    )
    await _insert(connection, [project, neighbour])
    await _insert(connection, keys)

    versions: list[ConnectorVersion] = []
    managed_crm = _connector(None, "crm", "CRM")
    custom_crm = _connector(project.id, "crm", "CRM (our fork)")
    versions += _versions(managed_crm, [f"1.{minor}.0" for minor in range(10)] + ["2.0.0", "2.1.0"])
    versions += _versions(
        custom_crm, [f"1.{minor}.{patch}" for minor in range(4) for patch in (0, 1)]
    )
    history = {n: _connector(project.id, f"history-{n}", f"History {n}") for n in scale.history}
    for count, connector in history.items():
        versions += _versions(connector, [_number(index) for index in range(count)])
    pages = _connector(project.id, "pages", "Pages")
    versions += _versions(pages, ["1.0.0", "1.1.0", "1.2.0"])
    growth = [_connector(project.id, f"growth-{n + 1}", f"Growth {n + 1}") for n in range(rounds)]
    steady, rolling = (_connector(project.id, key, key.title()) for key in ("steady", "rolling"))
    rolling_versions = _versions(rolling, ROLLOUT_NUMBERS)
    versions += _versions(steady, ROLLOUT_NUMBERS) + rolling_versions
    await _insert(
        connection, [managed_crm, custom_crm, *history.values(), pages, *growth, steady, rolling]
    )
    await _bulk(connection, ConnectorVersion, (_row(version) for version in versions))

    lookup = AuthConfig(project_id=project.id, connector_key="crm", name="CRM sync")
    deep = AuthConfig(project_id=project.id, connector_key="crm", name="Every customer")
    per_history = {
        n: AuthConfig(project_id=project.id, connector_key=f"history-{n}", name=f"History {n}")
        for n in scale.history
    }
    page_configs = [
        AuthConfig(
            project_id=project.id,
            connector_key="pages",
            name=f"Team {n + 1}",
            created_at=now + timedelta(seconds=n),
        )
        for n in range(scale.page_configs)
    ]
    rollout_configs = {
        key: [
            AuthConfig(
                project_id=project.id,
                connector_key=key,
                name=f"{key.title()} {n + 1}",
                pin="1.x.x",
                created_at=now + timedelta(seconds=n),
            )
            for n in range(scale.page_configs)
        ]
        for key in ("steady", "rolling")
    }
    await _insert(
        connection,
        [
            lookup,
            deep,
            *per_history.values(),
            *page_configs,
            *rollout_configs["steady"],
            *rollout_configs["rolling"],
        ],
    )
    target = rolling_versions[-1]
    await _insert(
        connection,
        [
            Rollout(
                auth_config_id=config.id,
                target_version_id=target.id,
                target_version=target.version,
                target_source=VersionSource.CUSTOM,
                percent=50,
            )
            for config in rollout_configs["rolling"]
        ],
    )

    authenticated = max(
        (v for v in versions if v.connector_id == custom_crm.id), key=lambda v: v.created_at
    )
    await _bulk(
        connection, LinkedAccount, _accounts(deep.id, scale.deep_accounts, authenticated, now)
    )
    for config in [*page_configs, *rollout_configs["steady"], *rollout_configs["rolling"]]:
        await _bulk(
            connection,
            LinkedAccount,
            _accounts(config.id, scale.accounts_per_page_config, authenticated, now),
        )
    await _bulk(
        connection,
        Event,
        _events(project.id, keys[0].id, custom_crm.id, deep.id, scale.events, now),
        skip=("id",),
    )
    sizes = [len(json.dumps(v.definition)) for v in versions if v.definition]
    return DataSet(
        scale=scale,
        project_id=project.id,
        admin_key=admin.secret,
        viewer_key=viewer.secret,
        neighbour_admin_key=neighbour_admin.secret,
        lookup_config=lookup.id,
        history_configs={n: config.id for n, config in per_history.items()},
        pages_connector_key="pages",
        deep_config=deep.id,
        growth_keys=[connector.key for connector in growth],
        versions=len(versions),
        definition_bytes=(min(sizes), max(sizes)),
    )


async def _seed_impact(connection: AsyncConnection, data: DataSet, scale: Scale) -> None:
    """Key "impact": releases 1.0.0 to 1.2.0 and a draft 1.3.0 whose publish moves every one of
    `impact_configs` auth configs on latest, and `deep_accounts` accounts spread over them,
    authenticated under the three releases in turn."""
    now = utc_now()
    connector = _connector(data.project_id, "impact", "Impact")
    await _insert(connection, [connector])
    numbers = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    rows = []
    for index, number in enumerate(numbers):
        content = VersionContent(
            name=connector.name,
            description=f"Release {number}",
            readme="",
            # The same definition but for a note: each number's bump is enough.
            definition=definition(3, note=f"(since {number})"),
            config={},
        )
        published = None if number == "1.3.0" else now + timedelta(seconds=index)
        rows.append(
            new_version_row(
                connector_id=connector.id, number=number, content=content, published_at=published
            )
        )
    await _bulk(connection, ConnectorVersion, (_row(version) for version in rows))
    configs = [
        AuthConfig(
            project_id=data.project_id,
            connector_key="impact",
            name=f"Tenant {n + 1}",
            created_at=now + timedelta(milliseconds=n),
        )
        for n in range(scale.impact_configs)
    ]
    await _bulk(connection, AuthConfig, (_row(config) for config in configs))
    each = scale.deep_accounts // scale.impact_configs
    for index, config in enumerate(configs):
        await _bulk(connection, LinkedAccount, _accounts(config.id, each, rows[index % 3], now))
    data.impact_draft = rows[-1].id
    data.impact_accounts = each * scale.impact_configs


def _number(index: int) -> str:
    """The index-th release of a long history: 1.0.0, 1.0.1, ..., 1.0.9, 1.1.0, ..., 2.0.0"""
    return f"{1 + index // 100}.{index // 10 % 10}.{index % 10}"


def _connector(project_id: UUID | None, key: str, name: str) -> Connector:
    return Connector(project_id=project_id, key=key, name=name, runtime=Runtime.DEFINITION)


def _versions(connector: Connector, numbers: Sequence[str]) -> list[ConnectorVersion]:
    """Published versions, oldest first, each with its own realistic definition."""
    start = utc_now() - timedelta(days=len(numbers))
    rows = []
    for index, number in enumerate(numbers):
        published = start + timedelta(days=index)
        content = VersionContent(
            name=connector.name,
            description=f"Release {number}",
            readme=f"# {connector.name} {number}\n\nFixes and improvements.\n",
            definition=definition(index % 16, note=f"(since {number})"),
            config={"execution": {"timeoutSeconds": 30}},
        )
        row = new_version_row(
            connector_id=connector.id, number=number, content=content, published_at=published
        )
        row.created_at = row.updated_at = published
        rows.append(row)
    return rows


def _accounts(
    auth_config_id: UUID, count: int, version: ConnectorVersion, start: datetime
) -> Iterator[dict[str, Any]]:
    """`count` accounts linked a millisecond apart: (created_at, id) order is the link order."""
    for index in range(count):
        yield {
            "id": uuid.uuid4(),
            "auth_config_id": auth_config_id,
            "external_id": f"customer-{index:07d}",
            "label": "",
            "authenticated_version_id": version.id,
            "authenticated_revision": 1,
            "authenticated_at": start,
            "created_at": start + timedelta(milliseconds=index),
        }


def _events(
    project_id: UUID,
    api_key_id: UUID,
    connector_id: UUID,
    auth_config_id: UUID,
    count: int,
    start: datetime,
) -> Iterator[dict[str, Any]]:
    kinds = [kind for kind, weight in _EVENT_KINDS for _ in range(weight)]
    for index in range(count):
        kind = kinds[index % len(kinds)]
        yield {
            "project_id": project_id,
            "api_key_id": api_key_id,
            "kind": kind,
            "connector_id": connector_id if kind.startswith("version") else None,
            "version_id": None,
            "auth_config_id": auth_config_id if kind.startswith(("account", "auth")) else None,
            "linked_account_id": None,
            "payload": {"index": index},
            "created_at": start + timedelta(milliseconds=index),
        }


def _row(model: Any) -> dict[str, Any]:
    return {column.name: getattr(model, column.name) for column in model.__table__.columns}


async def _insert(connection: AsyncConnection, models: Sequence[Any]) -> None:
    """A few rows of one table, through SQLAlchemy (types converted as the app converts them)."""
    await connection.execute(sa.insert(type(models[0]).__table__), [_row(m) for m in models])


async def _bulk(
    connection: AsyncConnection,
    model: Any,
    rows: Iterable[dict[str, Any]],
    *,
    skip: tuple[str, ...] = (),
) -> None:
    """Many rows of one table: COPY on PostgreSQL, executemany in batches on SQLite."""
    table: sa.Table = model.__table__
    columns = [column for column in table.columns if column.name not in skip]
    if connection.dialect.name != "postgresql":
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == _SQLITE_BATCH:
                await connection.execute(sa.insert(table), batch)
                batch = []
        if batch:
            await connection.execute(sa.insert(table), batch)
        return
    json_columns = {c.name for c in columns if isinstance(c.type, sa.JSON)}
    records = (
        tuple(
            json.dumps(row[c.name])
            if c.name in json_columns and row[c.name] is not None
            else _plain(row[c.name])
            for c in columns
        )
        for row in rows
    )
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(
        table.name, records=records, columns=[c.name for c in columns]
    )


def _plain(value: Any) -> Any:
    """What asyncpg's COPY takes: str for the app's string enums."""
    return str(value) if isinstance(value, str) else value
