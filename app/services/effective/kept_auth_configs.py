"""This process's copies of auth configs as a lookup reads them: each with its connectors'
stamps and its running rollout (`app.services.accounts.auth_configs.auth_configs_by_id`).

With the stamps in memory, the candidates come from `app.services.effective.candidate_cache`
too, so a warm lookup sends no statement. A copy depends on its auth config's row and its
rollouts (tag `AUTH_CONFIG`), on the connectors of its key (tag `CONNECTOR_KEY`: a connector
added, removed, or whose versions' stamp moved) and, for the changes this process commits
itself, on each of those connectors (tag `CONNECTOR`); see `app.db.invalidation`.

The rows kept are transient copies, in no session: a request may read them, never change them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.db.invalidation import (
    AUTH_CONFIG,
    CONNECTOR,
    CONNECTOR_KEY,
    LookupMemory,
    ReadStart,
    Tag,
)
from app.db.models import AuthConfig, Rollout
from app.services.effective.resolution import ConnectorStamp

Row = TypeVar("Row", bound=SQLModel)


@dataclass(frozen=True, slots=True)
class KeptAuthConfig:
    """An auth config, the stamps of its key's connectors, and its running rollout (None:
    none), as they were read together."""

    auth_config: AuthConfig
    stamps: tuple[ConnectorStamp, ...]
    rollout: Rollout | None

    @property
    def tags(self) -> list[Tag]:
        config = self.auth_config
        tags = [(AUTH_CONFIG, str(config.id)), (CONNECTOR_KEY, config.connector_key)]
        tags.extend((CONNECTOR, str(stamp.connector_id)) for stamp in self.stamps)
        return tags


def _memory_key(auth_config_id: UUID) -> tuple[str, UUID]:
    return ("auth_config", auth_config_id)


def kept_auth_configs(
    memory: LookupMemory, auth_config_ids: Sequence[UUID]
) -> tuple[list[KeptAuthConfig], list[UUID]]:
    """The copies this process may serve of `auth_config_ids`, and the ids it has none of."""
    found: list[KeptAuthConfig] = []
    missing: list[UUID] = []
    for auth_config_id in auth_config_ids:
        kept: KeptAuthConfig | None = memory.get(_memory_key(auth_config_id))
        if kept is None:
            missing.append(auth_config_id)
        else:
            found.append(kept)
    return found, missing


def keep_auth_configs(
    memory: LookupMemory, start: ReadStart | None, read: Iterable[KeptAuthConfig]
) -> None:
    """Keep copies of what a read that began at `start` found (unless something changed since)."""
    if start is None:
        return
    for kept in read:
        copy = KeptAuthConfig(
            auth_config=detached_copy(kept.auth_config),
            stamps=kept.stamps,
            rollout=None if kept.rollout is None else detached_copy(kept.rollout),
        )
        if not memory.keep(start, _memory_key(copy.auth_config.id), copy, copy.tags):
            return


def detached_copy(row: Row) -> Row:
    """A transient copy of `row`'s columns, outside any session: what one request's session
    does to its own row (a write, a refresh, closing) never reaches the copy."""
    columns = inspect(type(row)).column_attrs
    return type(row)(**{column.key: getattr(row, column.key) for column in columns})
