"""DataLoaders, made fresh for every request: thin, typed batchers over the services' reads.

Each batch is one service call (one statement, or a fixed few). The access rules live in the
services' read functions; loaders by id return only what the caller may see (None otherwise), so
every path that turns an id into an object — `node`, `_entities`, mutation inputs — applies the
same rule.

The loaders a warm lookup goes through (an auth config by id, its effective version) answer at
once what this process's memory holds (`app.graphql.loader_now`), with the same rules as their
batches, and schedule a batch only for what it lacks.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from app.db.models import (
    ApiKey,
    Assignment,
    AuthConfig,
    Connector,
    DeploymentStep,
    LinkedAccount,
    Project,
    Rollout,
    VersionRevision,
)
from app.domain.access import Principal
from app.domain.enums import AccountStatus
from app.graphql.loader_keys import PageKey, VersionsOf, in_order, paged
from app.graphql.loader_now import NOT_KEPT, NotKept, NowLoader
from app.services import connectors
from app.services.access import api_keys, projects
from app.services.accounts import auth_configs, rollouts
from app.services.accounts import linked as accounts
from app.services.effective import (
    AccountsEffectiveVersions,
    AuthConfigEffectiveVersion,
    EffectiveVersionRead,
    StatusOf,
    account_status_of,
)
from app.services.pages import Page, PageRequest
from app.services.versions import assignments, usage
from app.services.versions import reads as versions
from app.services.versions.display_names import NamingContext, naming_contexts
from app.services.versions.pipeline import steps_by_version
from app.services.versions.reads import AuthOfContent, ContentKey, VersionBody, VersionHeader

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from app.graphql.auth_configs.effective import AccountEffectiveVersions, EffectiveVersion
    from app.graphql.context import RequestSession

V = TypeVar("V")


class Loaders:
    """The request's loaders. Each is made on first use: a request uses a few of them."""

    def __init__(self, session: "RequestSession", principal: Principal) -> None:
        self._session = session
        self._principal = principal
        # The request's effective-version read: it keeps what the auth configs' read by id
        # brought along (their connectors' stamps and running rollouts).
        self._effective = EffectiveVersionRead(session, actor=principal)
        self.effective_versions_shown: dict[UUID, EffectiveVersion] = {}
        """Each auth config's `EffectiveVersion`, built once per request however many of its
        accounts show it (`app.graphql.auth_configs.effective`)."""
        self.account_effective_versions_shown: dict[UUID, AccountEffectiveVersions] = {}
        """Each auth config's `AccountEffectiveVersions`, built once per request."""

    @cached_property
    def project_by_id(self) -> DataLoader[UUID, Project | None]:
        return DataLoader(self._projects)

    @cached_property
    def api_key_by_id(self) -> DataLoader[UUID, ApiKey | None]:
        return DataLoader(self._api_keys)

    @cached_property
    def connector_by_id(self) -> DataLoader[UUID, Connector | None]:
        return DataLoader(self._connectors)

    @cached_property
    def connectors_by_key(self) -> DataLoader[str, list[Connector]]:
        return DataLoader(self._connectors_by_key)

    @cached_property
    def version_by_id(self) -> DataLoader[UUID, VersionHeader | None]:
        return DataLoader(self._versions)

    @cached_property
    def version_body_by_id(self) -> DataLoader[UUID, VersionBody | None]:
        return DataLoader(self._version_bodies)

    @cached_property
    def versions_by_connector(self) -> DataLoader[VersionsOf, list[VersionHeader]]:
        return DataLoader(self._versions_by_connector)

    @cached_property
    def revisions_by_version(self) -> DataLoader[UUID, list[VersionRevision]]:
        return DataLoader(self._revisions_by_version)

    @cached_property
    def deployment_steps_by_version(self) -> DataLoader[UUID, list[DeploymentStep]]:
        return DataLoader(self._deployment_steps_by_version)

    @cached_property
    def auth_config_by_id(self) -> NowLoader[UUID, AuthConfig | None]:
        return NowLoader(self._auth_configs, kept=self._auth_config_kept)

    @cached_property
    def auth_configs_by_connector_key(self) -> DataLoader[PageKey[str], Page[AuthConfig]]:
        return DataLoader(self._auth_configs_by_connector_key)

    @cached_property
    def linked_account_by_id(self) -> DataLoader[UUID, LinkedAccount | None]:
        return DataLoader(self._linked_accounts)

    @cached_property
    def linked_account_by_external_id(
        self,
    ) -> DataLoader[accounts.AccountRef, LinkedAccount | None]:
        return DataLoader(self._linked_accounts_by_external_id)

    @cached_property
    def effective_version_by_auth_config(
        self,
    ) -> NowLoader[UUID, AuthConfigEffectiveVersion | None]:
        return NowLoader(self._effective_versions, kept=self._effective_version_kept)

    @cached_property
    def account_effective_versions_by_auth_config(
        self,
    ) -> DataLoader[UUID, AccountsEffectiveVersions | None]:
        return DataLoader(self._account_effective_versions)

    @cached_property
    def rollout_by_auth_config(self) -> DataLoader[UUID, Rollout | None]:
        return DataLoader(self._effective.running_rollouts)

    @cached_property
    def rollout_counts_by_auth_config(
        self,
    ) -> DataLoader[UUID, rollouts.RolloutCounts | None]:
        return DataLoader(self._rollout_counts)

    @cached_property
    def accounts_by_auth_config(self) -> DataLoader[PageKey[UUID], Page[accounts.AccountRow]]:
        return DataLoader(self._accounts_by_auth_config)

    @cached_property
    def auth_by_content(self) -> DataLoader[ContentKey, AuthOfContent | None]:
        return DataLoader(self._auth_by_content)

    @cached_property
    def account_status(self) -> DataLoader[StatusOf, AccountStatus]:
        return DataLoader(self._account_statuses)

    @cached_property
    def usage_by_version(self) -> DataLoader[UUID, usage.UsageRows | None]:
        return DataLoader(self._usage_by_version)

    @cached_property
    def assignment_by_id(self) -> DataLoader[UUID, Assignment | None]:
        return DataLoader(self._assignments)

    @cached_property
    def assignments_by_version(self) -> DataLoader[PageKey[UUID], Page[Assignment]]:
        return DataLoader(self._assignments_by_version)

    @cached_property
    def naming_context_by_connector(self) -> DataLoader[UUID, NamingContext | None]:
        return DataLoader(self._naming_contexts)

    async def _read(self, read: Callable[["AsyncSession"], Awaitable[V]]) -> V:
        async with self._session() as session:
            return await read(session)

    async def _projects(self, ids: Sequence[UUID]) -> list[Project | None]:
        found = await self._read(
            lambda s: projects.projects_by_id(s, actor=self._principal, project_ids=ids)
        )
        return in_order(found, ids)

    async def _api_keys(self, ids: Sequence[UUID]) -> list[ApiKey | None]:
        found = await self._read(
            lambda s: api_keys.api_keys_by_id(s, actor=self._principal, api_key_ids=ids)
        )
        return in_order(found, ids)

    async def _connectors(self, ids: Sequence[UUID]) -> list[Connector | None]:
        found = await self._read(
            lambda s: connectors.connectors_by_id(s, actor=self._principal, connector_ids=ids)
        )
        return in_order(found, ids)

    async def _connectors_by_key(self, keys: Sequence[str]) -> list[list[Connector]]:
        rows = await self._read(
            lambda s: connectors.connectors_by_key(s, actor=self._principal, keys=keys)
        )
        grouped: dict[str, list[Connector]] = defaultdict(list)
        for row in sorted(rows, key=lambda c: c.project_id is None):  # custom first
            grouped[row.key].append(row)
        return [grouped[key] for key in keys]

    async def _versions(self, ids: Sequence[UUID]) -> list[VersionHeader | None]:
        found = await self._read(
            lambda s: versions.version_headers(s, actor=self._principal, version_ids=ids)
        )
        return in_order(found, ids)

    async def _version_bodies(self, ids: Sequence[UUID]) -> list[VersionBody | None]:
        found = await self._read(lambda s: versions.version_bodies(s, version_ids=ids))
        return in_order(found, ids)

    async def _versions_by_connector(self, keys: Sequence[VersionsOf]) -> list[list[VersionHeader]]:
        found: dict[VersionsOf, list[VersionHeader]] = {}
        for include_binned in {key.include_binned for key in keys}:
            ids = [key.connector_id for key in keys if key.include_binned == include_binned]
            async with self._session() as session:
                by_connector = await versions.versions_by_connector(
                    session, connector_ids=ids, include_binned=include_binned
                )
            found.update({VersionsOf(id_, include_binned): by_connector[id_] for id_ in ids})
        return [found[key] for key in keys]

    async def _revisions_by_version(self, ids: Sequence[UUID]) -> list[list[VersionRevision]]:
        found = await self._read(lambda s: versions.revisions_by_version(s, version_ids=ids))
        return [found[key] for key in ids]

    async def _deployment_steps_by_version(self, ids: Sequence[UUID]) -> list[list[DeploymentStep]]:
        found = await self._read(lambda s: steps_by_version(s, version_ids=ids))
        return [found[key] for key in ids]

    async def _auth_configs(self, ids: Sequence[UUID]) -> list[AuthConfig | None]:
        read = await self._read(
            lambda s: auth_configs.auth_configs_by_id(s, actor=self._principal, auth_config_ids=ids)
        )
        self._effective.know(stamps=read.stamps, rollouts=read.rollouts)
        return in_order(read.auth_configs, ids)

    def _auth_config_kept(self, id_: UUID) -> AuthConfig | NotKept | None:
        """`_auth_configs` of one id, when this process's copies answer it."""
        read, missing = auth_configs.auth_configs_kept(
            self._session.memory, actor=self._principal, auth_config_ids=[id_]
        )
        if missing:
            return NOT_KEPT
        self._effective.know(stamps=read.stamps, rollouts=read.rollouts)
        return read.auth_configs.get(id_)

    async def _auth_configs_by_connector_key(
        self, keys: Sequence[PageKey[str]]
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

        return await paged(keys, load)

    async def _effective_versions(
        self, ids: Sequence[UUID]
    ) -> list[AuthConfigEffectiveVersion | None]:
        """Each auth config resolved once per request, however many accounts ask, with the
        headers of the versions chosen (`app.services.effective.read`)."""
        configs = await self.auth_config_by_id.load_many(ids)
        found = await self._effective.auth_configs([config for config in configs if config])
        return in_order(found, ids)

    def _effective_version_kept(self, id_: UUID) -> AuthConfigEffectiveVersion | NotKept | None:
        """`_effective_versions` of one id, when this request and this process hold all it
        needs (the auth config, its key's candidates and the chosen version's header)."""
        config = self.auth_config_by_id.known(id_)
        if config is None or config is NOT_KEPT:
            return config
        found = self._effective.auth_configs_kept([config])
        return NOT_KEPT if found is None else found[config.id]

    async def _account_effective_versions(
        self, ids: Sequence[UUID]
    ) -> list[AccountsEffectiveVersions | None]:
        """Each auth config's effective versions for its accounts: its own, and its rollout's
        target for the accounts in it."""
        loaded = await self.effective_version_by_auth_config.load_many(ids)
        found = [own for own in loaded if own is not None]
        return in_order(await self._effective.accounts(found), ids)

    async def _rollout_counts(self, ids: Sequence[UUID]) -> list[rollouts.RolloutCounts | None]:
        found = await self._read(
            lambda s: rollouts.count_accounts_in_rollout(s, auth_config_ids=ids)
        )
        return in_order(found, ids)

    async def _linked_accounts(self, ids: Sequence[UUID]) -> list[LinkedAccount | None]:
        found = await self._read(
            lambda s: accounts.accounts_by_id(s, actor=self._principal, account_ids=ids)
        )
        return in_order(found, ids)

    async def _linked_accounts_by_external_id(
        self, refs: Sequence[accounts.AccountRef]
    ) -> list[LinkedAccount | None]:
        found = await self._read(
            lambda s: accounts.accounts_by_external_id(s, actor=self._principal, refs=refs)
        )
        return in_order(found, refs)

    async def _accounts_by_auth_config(
        self, keys: Sequence[PageKey[UUID]]
    ) -> list[Page[accounts.AccountRow]]:
        async def load(
            page: PageRequest, ids: Sequence[UUID]
        ) -> dict[UUID, Page[accounts.AccountRow]]:
            async with self._session() as session:
                return await accounts.accounts_by_auth_config(
                    session, auth_config_ids=ids, page=page
                )

        return await paged(keys, load)

    async def _auth_by_content(self, keys: Sequence[ContentKey]) -> list[AuthOfContent | None]:
        found = await self._read(lambda s: versions.auth_sections(s, keys=keys))
        return in_order(found, keys)

    async def _account_statuses(self, keys: Sequence[StatusOf]) -> list[AccountStatus]:
        """Each distinct (authenticated, effective) pair is judged once, however many accounts
        share it: a page of accounts reads the `auth` of a few contents, not of every account."""
        contents = {content for key in keys for content in key.contents}
        found = await self.auth_by_content.load_many(contents)
        auth = {content: at for content, at in zip(contents, found, strict=True) if at}
        return [account_status_of(key, auth) for key in keys]

    async def _usage_by_version(self, ids: Sequence[UUID]) -> list[usage.UsageRows | None]:
        return await self._read(
            lambda s: usage.usage_by_version(s, actor=self._principal, version_ids=ids)
        )

    async def _assignments(self, ids: Sequence[UUID]) -> list[Assignment | None]:
        found = await self._read(
            lambda s: assignments.assignments_by_id(s, actor=self._principal, assignment_ids=ids)
        )
        return in_order(found, ids)

    async def _assignments_by_version(
        self, keys: Sequence[PageKey[UUID]]
    ) -> list[Page[Assignment]]:
        async def load(page: PageRequest, ids: Sequence[UUID]) -> dict[UUID, Page[Assignment]]:
            async with self._session() as session:
                return await assignments.assignments_by_version(
                    session, actor=self._principal, version_ids=ids, page=page
                )

        return await paged(keys, load)

    async def _naming_contexts(self, ids: Sequence[UUID]) -> list[NamingContext | None]:
        found = await self._read(lambda s: naming_contexts(s, connector_ids=ids))
        return in_order(found, ids)
