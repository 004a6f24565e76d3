"""The lock that keeps the bin check and the writes that put versions into use apart (DESIGN §6).

A version is in use when an exact pin names it, or when an active auth config with accounts
resolves to it. `moveVersionToBin` holds its version's connector row (FOR UPDATE, as every change
to a connector's versions does) while it reads the usage. A write that can put a version of key K
into use in project P — an auth config created or re-pinned, one activated, an account linked or
re-authenticated under what its auth config resolves to — first takes `lock_key`: the rows of
the connectors its candidates come from, P's custom connector of K and the managed one, FOR
SHARE and in id order, before it locks any auth config. It then decides on the versions of
exactly those connectors, read under the lock. So each such write runs wholly before or wholly
after any change to those connectors' versions (the bin, a restore, a publish, a deprecation):
it never decides on a version that is leaving the bin's view, and the bin check sees what it
wrote. A shared lock, because these writes only need the versions to hold still: links and pins
across projects go on side by side, and only a change to the versions waits for them.

A site assignment (`app.services.versions.assignments`) is such a write too: it takes
`lock_key` for the assigning project and the version's key before it reads whether the version
is published and outside the bin.

Changes to versions need nothing more: each holds its own version's connector row, and each puts
into use only versions of that connector (a publish or a restore the version itself; a
deprecation moves floating pins to another version of the same source, so the same connector).

The order is deadlock-free: these writes take connector rows (in id order) before auth config
rows, and the bin check takes its one connector row before the auth config rows (in id order).
On SQLite every write transaction is serialised (BEGIN IMMEDIATE) and FOR SHARE is not rendered;
what matters there is that the decision is made inside the write transaction, as it is here.
"""

from sqlalchemy import String, Uuid, bindparam, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector
from app.services.effective.resolution import (
    ConnectorStamp,
    KeyVersions,
    ProjectKey,
    versions_for_keys,
)
from app.services.lookups import column_rows

_LOCK_CONNECTORS_OF_KEY = (
    select(
        col(Connector.id),
        col(Connector.project_id),
        col(Connector.key),
        col(Connector.versions_stamp),
    )
    .where(
        col(Connector.key) == bindparam("connector_key", type_=String),
        or_(
            col(Connector.project_id).is_(None),
            col(Connector.project_id) == bindparam("project_id", type_=Uuid),
        ),
    )
    # PostgreSQL locks the rows in this order: every writer takes them in the same one.
    .order_by(col(Connector.id))
    .with_for_update(read=True)
)


async def lock_key(session: AsyncSession, key: ProjectKey) -> list[ConnectorStamp]:
    """Hold the project's custom connector of the key and the managed one (those that exist)
    until the transaction ends; their stamps, as of the lock."""
    rows = await column_rows(
        session,
        _LOCK_CONNECTORS_OF_KEY,
        {"connector_key": key.connector_key, "project_id": key.project_id},
    )
    return [ConnectorStamp(*row) for row in rows]


async def versions_under_lock(
    session: AsyncSession, key: ProjectKey, locked: list[ConnectorStamp]
) -> KeyVersions:
    """The candidates of the key from the connectors `lock_key` holds, read afresh: a connector
    of the key created since is left out, as if it came after this write."""
    found = await versions_for_keys(session, keys=[key], cached=False, stamps={key: locked})
    return found[key]


async def locked_key_versions(session: AsyncSession, key: ProjectKey) -> KeyVersions:
    """`lock_key`, then the candidates under the lock."""
    return await versions_under_lock(session, key, await lock_key(session, key))
