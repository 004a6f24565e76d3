"""The one read of effective versions (DESIGN §5, §13): what each auth config and each of its
linked accounts runs, the rule that chose it, whether the account is in a running rollout, and
what its status compares.

Everything that shows or decides on an effective version asks here: the GraphQL loaders (thin
batchers over `EffectiveVersionRead`), the impact preview (before and after a change, inside its
rolled-back transaction), the account services (linking and re-authenticating under what the
account runs) and the rollout writes. The rules stay in the domain:
`app.domain.resolution.resolve` for an auth config (through `resolve_auth_config`, which keeps
its answers per process), and `app.domain.rollouts.resolve_account` for an account, the one
place that decides whether it is in the rollout (`AccountsEffectiveVersions.for_account`).

What it costs: the candidates come from the process's cache when `cached`
(`app.services.effective.candidate_cache`): one statement for the connectors' stamps unless the
auth configs' read brought them (`know`), one for the versions whose stamp moved, one for the
headers of the chosen versions a request has not shown since they were kept, one for the
running rollouts not known yet. An auth config is resolved once however many accounts ask; an
account adds one hash, and only while a rollout runs. When all of it is in memory,
`auth_configs_kept` answers without I/O (a lookup's loader asks it before scheduling a batch).
"""

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import NamedTuple
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Rollout
from app.domain.access import Principal
from app.domain.resolution import Resolution, ResolutionRule
from app.domain.rollouts import RunningRollout, resolve_account
from app.services.effective.resolution import (
    ChosenVersion,
    ConnectorStamp,
    KeyVersions,
    ProjectKey,
    kept_versions_for_keys,
    resolve_auth_config,
    versions_for_keys,
)
from app.services.effective.rollouts import running_rollout_of, running_rollouts
from app.services.effective.status import StatusOf
from app.services.versions.reads import ContentKey, VersionHeader, version_headers


@dataclass(frozen=True, slots=True)
class AccountEffectiveVersion:
    """What one linked account runs: its resolution (rule ROLLOUT when it is in its auth
    config's rollout), the content chosen, and its header when the read shows headers."""

    resolution: Resolution[UUID]
    chosen: ChosenVersion | None
    version: VersionHeader | None
    in_rollout: bool


@dataclass(frozen=True)
class AuthConfigEffectiveVersion:
    """An auth config's own effective version: what its accounts run outside a rollout."""

    auth_config: AuthConfig
    candidates: KeyVersions
    """The candidates it was resolved among."""
    resolution: Resolution[UUID]
    chosen: ChosenVersion | None
    version: VersionHeader | None
    """The header of the version chosen, when the read shows headers."""
    target_version: VersionHeader | None = None
    """The header of its running rollout's target, when the rollout was known as it was read."""


@dataclass(frozen=True)
class AccountsEffectiveVersions:
    """What each account of an auth config runs: the auth config's own effective version, or
    the target of its running rollout for the accounts in it. Built once per auth config; an
    account adds only the hash of its bucket."""

    own: AuthConfigEffectiveVersion
    rollout: RunningRollout[UUID] | None
    target: ChosenVersion | None
    target_version: VersionHeader | None

    def for_account(self, account_id: UUID) -> AccountEffectiveVersion:
        """The account's effective version (`app.domain.rollouts.resolve_account` decides
        whether it is in the rollout)."""
        own = self.own
        resolution = resolve_account(own.resolution, self.rollout, account_id)
        if resolution.rule is ResolutionRule.ROLLOUT:
            return AccountEffectiveVersion(resolution, self.target, self.target_version, True)
        return AccountEffectiveVersion(resolution, own.chosen, own.version, False)

    def status_of(self, account_id: UUID, authenticated: ContentKey | None) -> StatusOf:
        """What the account's status compares: the content its credentials were captured for
        (`authenticated`) and the content it runs (`app.services.effective.status`)."""
        own = self.own
        chosen = own.chosen if self.rollout is None else self.for_account(account_id).chosen
        return StatusOf(
            auth_config_active=own.auth_config.active,
            authenticated=authenticated,
            effective=None if chosen is None else ContentKey(chosen.id, chosen.revision),
        )


SessionTurn = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Opens the session for one piece of reading: a request's session is shared by resolvers that
take turns (`app.graphql.context.RequestSession`); a transaction's is simply itself
(`one_session`). The read takes a turn only when it has something to read."""


def one_session(session: AsyncSession) -> SessionTurn:
    """Turns on a session nothing else uses meanwhile (a service's transaction)."""

    @asynccontextmanager
    async def turn() -> AsyncIterator[AsyncSession]:
        yield session

    return turn


class EffectiveVersionRead:
    """Effective versions for one request, or one transaction: made per request (the GraphQL
    loaders hold one) or per decision, never shared between them.

    `actor` is whose view of the chosen versions' headers to show (None: no headers, for those
    that decide on ids and revisions). `cached=False` reads every candidate afresh and keeps
    nothing: a write or a preview decides on what its own transaction sees."""

    def __init__(
        self, session: SessionTurn, *, actor: Principal | None = None, cached: bool = True
    ) -> None:
        self._session = session
        self._actor = actor
        self._cached = cached
        # What the auth configs' read by id brought along (`know`).
        self._stamps: dict[ProjectKey, list[ConnectorStamp]] = {}
        # The running rollout of each auth config read so far (None: it has none).
        self._rollouts: dict[UUID, Rollout | None] = {}

    def know(
        self,
        *,
        stamps: Mapping[ProjectKey, list[ConnectorStamp]],
        rollouts: Mapping[UUID, Rollout | None],
    ) -> None:
        """The connectors' stamps and the running rollouts read with the auth configs
        (`app.services.accounts.auth_configs.auth_configs_by_id`): resolving those auth
        configs and their accounts next reads neither again."""
        self._stamps.update(stamps)
        self._rollouts.update(rollouts)

    async def auth_configs(
        self, configs: Sequence[AuthConfig]
    ) -> dict[UUID, AuthConfigEffectiveVersion]:
        """Each auth config resolved among the candidates of its key, with the headers of the
        versions chosen: kept with the candidates when a request has shown them since they last
        changed, else read in one statement. A running rollout already known has its target's
        header read in that same statement."""
        keys = list({ProjectKey.of(config) for config in configs})
        async with self._session() as session:
            candidates = await versions_for_keys(
                session, keys=keys, cached=self._cached, stamps=self._stamps
            )
            actor = self._actor
            if actor is None:
                return _own_versions(configs, candidates)
            resolved = self._resolved(configs, candidates)
            wanted = _wanted(resolved)
            headers = await _headers(session, actor, wanted) if wanted else {}
        return _with_headers(resolved, headers)

    def auth_configs_kept(
        self, configs: Sequence[AuthConfig]
    ) -> dict[UUID, AuthConfigEffectiveVersion] | None:
        """What `auth_configs` answers when this process holds all it needs (the stamps known
        through `know`, the candidates kept under them, the chosen versions' headers kept with
        them), without I/O; None when something must be read."""
        if not self._cached:
            return None
        keys = list({ProjectKey.of(config) for config in configs})
        candidates = kept_versions_for_keys(keys, self._stamps)
        if candidates is None:
            return None
        if self._actor is None:
            return _own_versions(configs, candidates)
        resolved = self._resolved(configs, candidates)
        headers, missing = _kept_headers(_wanted(resolved))
        if missing:
            return None
        return _with_headers(resolved, headers)

    def _resolved(
        self, configs: Sequence[AuthConfig], candidates: Mapping[ProjectKey, KeyVersions]
    ) -> list["_Resolved"]:
        """Each auth config's resolution among its key's candidates, and its running rollout's
        target when the rollout is known."""
        resolved = []
        for config in configs:
            among = candidates[ProjectKey.of(config)]
            resolution = resolve_auth_config(config, among)
            rollout = self._rollouts.get(config.id)
            resolved.append(
                _Resolved(
                    config,
                    among,
                    resolution,
                    among.chosen(resolution),
                    None if rollout is None else rollout.target_version_id,
                )
            )
        return resolved

    async def running_rollouts(self, auth_config_ids: Sequence[UUID]) -> list[Rollout | None]:
        """Each auth config's running rollout (None: none), in order: known when the auth
        configs were read by id; the others' in one statement."""
        missing = [id_ for id_ in auth_config_ids if id_ not in self._rollouts]
        if missing:
            async with self._session() as session:
                found = await running_rollouts(session, auth_config_ids=missing)
            self._rollouts.update({id_: found.get(id_) for id_ in missing})
        return [self._rollouts[id_] for id_ in auth_config_ids]

    async def accounts(
        self, found: Sequence[AuthConfigEffectiveVersion]
    ) -> dict[UUID, AccountsEffectiveVersions]:
        """Each auth config's effective versions for its accounts, given its running rollout;
        the targets' headers not known yet are read in one statement."""
        rows = await self.running_rollouts([own.auth_config.id for own in found])
        rollouts = [
            running_rollout_of(row, own.candidates) for own, row in zip(found, rows, strict=True)
        ]
        targets = [
            None if running is None else own.candidates.chosen_candidate(running.target)
            for own, running in zip(found, rollouts, strict=True)
        ]
        headers = await self._target_headers(found, targets)
        return {
            own.auth_config.id: AccountsEffectiveVersions(
                own=own,
                rollout=running,
                target=target,
                target_version=None if target is None else headers.get(target.id),
            )
            for own, running, target in zip(found, rollouts, targets, strict=True)
        }

    async def _target_headers(
        self,
        found: Sequence[AuthConfigEffectiveVersion],
        targets: Sequence[ChosenVersion | None],
    ) -> dict[UUID, VersionHeader]:
        """The headers of the rollouts' targets: shown with their auth configs, kept with the
        candidates, or read in one statement."""
        actor = self._actor
        if actor is None:
            return {}
        headers: dict[UUID, VersionHeader] = {}
        wanted = []
        for own, target in zip(found, targets, strict=True):
            if target is None:
                continue
            known = _target_header(own, target.id)
            if known is None:
                wanted.append((own.candidates, target.id))
            else:
                headers[target.id] = known
        if wanted:
            async with self._session() as session:
                headers.update(await _headers(session, actor, wanted))
        return headers


class _Resolved(NamedTuple):
    config: AuthConfig
    among: KeyVersions
    resolution: Resolution[UUID]
    chosen: ChosenVersion | None
    target: UUID | None
    """Its running rollout's target, when the rollout was known."""


def _wanted(resolved: Iterable[_Resolved]) -> list[tuple[KeyVersions, UUID]]:
    """The versions whose headers the resolved auth configs show: chosen, and targets."""
    wanted: list[tuple[KeyVersions, UUID]] = []
    for one in resolved:
        if one.chosen is not None:
            wanted.append((one.among, one.chosen.id))
        if one.target is not None:
            wanted.append((one.among, one.target))
    return wanted


def _with_headers(
    resolved: Iterable[_Resolved], headers: Mapping[UUID, VersionHeader]
) -> dict[UUID, AuthConfigEffectiveVersion]:
    return {
        one.config.id: AuthConfigEffectiveVersion(
            auth_config=one.config,
            candidates=one.among,
            resolution=one.resolution,
            chosen=one.chosen,
            version=None if one.chosen is None else headers[one.chosen.id],
            target_version=None if one.target is None else headers.get(one.target),
        )
        for one in resolved
    }


def _own_versions(
    configs: Sequence[AuthConfig], candidates: Mapping[ProjectKey, KeyVersions]
) -> dict[UUID, AuthConfigEffectiveVersion]:
    return {config.id: _own(config, candidates[ProjectKey.of(config)]) for config in configs}


def _kept_headers(
    wanted: Iterable[tuple[KeyVersions, UUID]],
) -> tuple[dict[UUID, VersionHeader], dict[UUID, list[KeyVersions]]]:
    """The headers of versions among candidates kept with them, and the versions whose are not
    (with the candidates to keep them with once read)."""
    headers: dict[UUID, VersionHeader] = {}
    missing: dict[UUID, list[KeyVersions]] = {}
    for candidates, version_id in wanted:
        known = candidates.known_header(version_id)
        if known is not None:
            headers[version_id] = known
        else:
            missing.setdefault(version_id, []).append(candidates)
    return headers, missing


async def _headers(
    session: AsyncSession, actor: Principal, wanted: Iterable[tuple[KeyVersions, UUID]]
) -> dict[UUID, VersionHeader]:
    """The headers of versions among candidates: those kept with them, and the others read in
    one statement (then kept with committed candidates)."""
    headers, missing = _kept_headers(wanted)
    if missing:
        read = await version_headers(session, actor=actor, version_ids=list(missing))
        headers.update(read)
        for version_id, header in read.items():
            for candidates in missing[version_id]:
                if candidates.cached:
                    candidates.keep_header(header)
    return headers


def _own(auth_config: AuthConfig, candidates: KeyVersions) -> AuthConfigEffectiveVersion:
    resolution = resolve_auth_config(auth_config, candidates)
    return AuthConfigEffectiveVersion(
        auth_config=auth_config,
        candidates=candidates,
        resolution=resolution,
        chosen=candidates.chosen(resolution),
        version=None,
    )


def _target_header(own: AuthConfigEffectiveVersion, version_id: UUID) -> VersionHeader | None:
    """The header of a rollout's target, if the auth config's read showed or kept it."""
    known = own.target_version
    if known is not None and known.id == version_id:
        return known
    return own.candidates.known_header(version_id)


def auth_config_effective_version(
    auth_config: AuthConfig, candidates: KeyVersions
) -> AuthConfigEffectiveVersion:
    """The auth config's own effective version among `candidates` (read by the caller, e.g.
    under its key's lock), without headers."""
    return _own(auth_config, candidates)


async def account_effective_version(
    session: AsyncSession, *, auth_config: AuthConfig, candidates: KeyVersions, account_id: UUID
) -> AccountEffectiveVersion:
    """What one account of `auth_config` runs among `candidates` (read by the caller under the
    key's lock), given the auth config's running rollout as the session's transaction sees it
    (one statement)."""
    own = _own(auth_config, candidates)
    read = EffectiveVersionRead(one_session(session), cached=False)
    return (await read.accounts([own]))[auth_config.id].for_account(account_id)


async def effective_version_now(
    session: AsyncSession, *, auth_config: AuthConfig
) -> AuthConfigEffectiveVersion:
    """The auth config's own effective version as the session's transaction sees it (its
    candidates read afresh), without headers."""
    key = ProjectKey.of(auth_config)
    candidates = (await versions_for_keys(session, keys=[key], cached=False))[key]
    return _own(auth_config, candidates)
