"""DataLoaders, made fresh for every request. Each runs one bulk query per batch.

Loaders by id return only what the caller may see (None otherwise), so every path that turns
an id into an object — `node`, `_entities`, mutation inputs — applies the same access rule.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from sqlalchemy import or_
from sqlmodel import col, select
from strawberry.dataloader import DataLoader

from app.db.models import (
    ApiKey,
    AuthConfig,
    Connector,
    ConnectorVersion,
    DeploymentStep,
    LinkedAccount,
    Project,
    VersionRevision,
)
from app.domain.access import Principal
from app.domain.resolution import Resolution
from app.services import accounts, auth_configs, resolution, usage, versions
from app.services.connectors import visible_to
from app.services.pages import Page, PageRequest
from app.services.pipeline import steps_by_version
from app.services.resolution import KeyVersions, ProjectKey

if TYPE_CHECKING:
    from app.graphql.context import RequestSession

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

PagedKey = tuple[Any, int, int]  # (parent, offset, limit)


@dataclass(frozen=True)
class Effective:
    """An auth config's resolution, with the versions it was made from."""

    auth_config: AuthConfig
    resolution: Resolution[UUID]
    versions: KeyVersions

    @property
    def version(self) -> ConnectorVersion | None:
        chosen = self.resolution.version
        return None if chosen is None else self.versions.rows[chosen.id]


class Loaders:
    def __init__(self, session: "RequestSession", principal: Principal) -> None:
        self._session = session
        self._principal = principal
        self.project_by_id = DataLoader(self._projects)
        self.api_key_by_id = DataLoader(self._api_keys)
        self.connector_by_id = DataLoader(self._connectors)
        self.connectors_by_key = DataLoader(self._connectors_by_key)
        self.version_by_id = DataLoader(self._versions)
        self.versions_by_connector = DataLoader(self._versions_by_connector)
        self.revisions_by_version = DataLoader(self._revisions_by_version)
        self.deployment_steps_by_version = DataLoader(self._deployment_steps_by_version)
        self.auth_config_by_id = DataLoader(self._auth_configs)
        self.auth_configs_by_connector_key = DataLoader(self._auth_configs_by_connector_key)
        self.linked_account_by_id = DataLoader(self._linked_accounts)
        self.versions_by_project_key = DataLoader(self._versions_by_project_key)
        self.effective_by_auth_config = DataLoader(self._effective_by_auth_config)
        self.accounts_by_auth_config = DataLoader(self._accounts_by_auth_config)
        self.usage_by_version = DataLoader(self._usage_by_version)

    async def _by_id(self, model: Any, ids: Sequence[UUID], *where: Any) -> list[Any]:
        async with self._session() as session:
            rows = (await session.exec(select(model).where(col(model.id).in_(ids), *where))).all()
        found = {row.id: row for row in rows}
        return [found.get(key) for key in ids]

    async def _projects(self, ids: Sequence[UUID]) -> list[Project | None]:
        if self._principal.is_platform:
            return await self._by_id(Project, ids)
        return await self._by_id(Project, ids, Project.id == self._principal.project_id)

    async def _api_keys(self, ids: Sequence[UUID]) -> list[ApiKey | None]:
        if self._principal.is_platform:
            return await self._by_id(ApiKey, ids)
        return await self._by_id(
            ApiKey,
            ids,
            or_(
                col(ApiKey.project_id) == self._principal.project_id,
                col(ApiKey.id) == self._principal.api_key_id,
            ),
        )

    async def _connectors(self, ids: Sequence[UUID]) -> list[Connector | None]:
        return await self._by_id(Connector, ids, visible_to(self._principal))

    async def _connectors_by_key(self, keys: Sequence[str]) -> list[list[Connector]]:
        async with self._session() as session:
            query = select(Connector).where(
                col(Connector.key).in_(keys), visible_to(self._principal)
            )
            rows = (await session.exec(query)).all()
        grouped: dict[str, list[Connector]] = defaultdict(list)
        for row in sorted(rows, key=lambda c: c.project_id is None):  # custom first
            grouped[row.key].append(row)
        return [grouped[key] for key in keys]

    async def _versions(self, ids: Sequence[UUID]) -> list[ConnectorVersion | None]:
        async with self._session() as session:
            query = (
                select(ConnectorVersion)
                .join(Connector, col(Connector.id) == col(ConnectorVersion.connector_id))
                .where(col(ConnectorVersion.id).in_(ids), visible_to(self._principal))
            )
            found = {row.id: row for row in (await session.exec(query)).all()}
        return [found.get(key) for key in ids]

    async def _versions_by_connector(
        self, keys: Sequence[tuple[UUID, bool]]
    ) -> list[list[ConnectorVersion]]:
        async def load(
            include_binned: bool, ids: Sequence[UUID]
        ) -> dict[UUID, list[ConnectorVersion]]:
            async with self._session() as session:
                return await versions.versions_by_connector(
                    session, connector_ids=ids, include_binned=include_binned
                )

        return await _grouped(keys, load)

    async def _revisions_by_version(self, ids: Sequence[UUID]) -> list[list[VersionRevision]]:
        async with self._session() as session:
            found = await versions.revisions_by_version(session, version_ids=ids)
        return [found[key] for key in ids]

    async def _deployment_steps_by_version(self, ids: Sequence[UUID]) -> list[list[DeploymentStep]]:
        async with self._session() as session:
            found = await steps_by_version(session, version_ids=ids)
        return [found[key] for key in ids]

    async def _auth_configs(self, ids: Sequence[UUID]) -> list[AuthConfig | None]:
        return await self._by_id(
            AuthConfig, ids, AuthConfig.project_id == self._principal.project_id
        )

    async def _auth_configs_by_connector_key(
        self, keys: Sequence[PagedKey]
    ) -> list[Page[AuthConfig]]:
        async def load(
            page: PageRequest, connector_keys: Sequence[str]
        ) -> dict[str, Page[AuthConfig]]:
            async with self._session() as session:
                return await auth_configs.auth_configs_by_connector_key(
                    session,
                    actor=self._principal,
                    connector_keys=connector_keys,
                    page=page,
                )

        return await _paged(keys, load)

    async def _versions_by_project_key(self, keys: Sequence[ProjectKey]) -> list[KeyVersions]:
        async with self._session() as session:
            found = await resolution.versions_for_keys(session, keys=keys)
        return [found[key] for key in keys]

    async def _effective_by_auth_config(self, ids: Sequence[UUID]) -> list[Effective | None]:
        """Resolve each auth config once per request, however many accounts ask."""
        configs = await self.auth_config_by_id.load_many(ids)
        keys = [(config.project_id, config.connector_key) for config in configs if config]
        versions = dict(zip(keys, await self.versions_by_project_key.load_many(keys), strict=True))
        results: list[Effective | None] = []
        for config in configs:
            if config is None:
                results.append(None)
                continue
            key_versions = versions[(config.project_id, config.connector_key)]
            results.append(
                Effective(
                    auth_config=config,
                    resolution=resolution.resolve_auth_config(config, key_versions),
                    versions=key_versions,
                )
            )
        return results

    async def _linked_accounts(self, ids: Sequence[UUID]) -> list[LinkedAccount | None]:
        async with self._session() as session:
            query = (
                select(LinkedAccount)
                .join(AuthConfig, col(AuthConfig.id) == col(LinkedAccount.auth_config_id))
                .where(
                    col(LinkedAccount.id).in_(ids),
                    AuthConfig.project_id == self._principal.project_id,
                )
            )
            found = {row.id: row for row in (await session.exec(query)).all()}
        return [found.get(key) for key in ids]

    async def _accounts_by_auth_config(self, keys: Sequence[PagedKey]) -> list[Page[LinkedAccount]]:
        async def load(page: PageRequest, ids: Sequence[UUID]) -> dict[UUID, Page[LinkedAccount]]:
            async with self._session() as session:
                return await accounts.accounts_by_auth_config(
                    session, auth_config_ids=ids, page=page
                )

        return await _paged(keys, load)

    async def _usage_by_version(self, ids: Sequence[UUID]) -> list[usage.UsageRows | None]:
        async with self._session() as session:
            return await usage.usage_by_version(session, actor=self._principal, version_ids=ids)


async def _grouped(
    keys: Sequence[tuple[K, Any]],
    load: Callable[[Any, Sequence[K]], Awaitable[dict[K, V]]],
) -> list[V]:
    """Load keys of the form (parent, option): one call per distinct option."""
    parents_by_option: dict[Any, list[K]] = defaultdict(list)
    for parent, option in keys:
        parents_by_option[option].append(parent)
    results: dict[tuple[K, Any], V] = {}
    for option, parents in parents_by_option.items():
        for parent, value in (await load(option, list(dict.fromkeys(parents)))).items():
            results[(parent, option)] = value
    return [results[key] for key in keys]


async def _paged(
    keys: Sequence[PagedKey],
    load: Callable[[PageRequest, Sequence[Any]], Awaitable[dict[Any, V]]],
) -> list[V]:
    """Load (parent, offset, limit) keys: one call per distinct page shape."""
    optioned = [(parent, PageRequest(offset=offset, limit=limit)) for parent, offset, limit in keys]
    return await _grouped(optioned, load)
