"""The effective version as GraphQL shows it: which version an auth config's accounts run, and
why.

What each auth config and account runs is answered by the effective-version read
(`app.services.effective`, through the loaders); this module only turns those answers into
`EffectiveVersion`s, once per auth config and request (`Loaders.effective_versions_shown`),
however many of its accounts show one.
"""

from collections.abc import Awaitable
from dataclasses import dataclass, replace
from inspect import isawaitable
from uuid import UUID

import strawberry

from app.domain.resolution import Skipped
from app.graphql.context import Info
from app.graphql.enums import ResolutionRule, SkipCause, VersionSource
from app.graphql.history.types import EffectiveVersionHistory
from app.graphql.loader_now import Now
from app.graphql.relay.entity import present
from app.graphql.versions.types import ConnectorVersion
from app.services.effective import AccountsEffectiveVersions, AuthConfigEffectiveVersion


@strawberry.type(description="A version resolution passed over, and why.")
class SkippedVersion:
    version: str
    source: VersionSource
    cause: SkipCause
    reason: str

    @classmethod
    def from_domain(cls, skipped: Skipped[UUID]) -> "SkippedVersion":
        return cls(
            version=skipped.version,
            source=skipped.source,
            cause=skipped.cause,
            reason=skipped.reason,
        )


@strawberry.type(
    description="The version an auth config's accounts run, the rule that chose it, and why. "
    "Computed on every request: a newly published version counts at once."
)
class EffectiveVersion:
    version: ConnectorVersion | None = strawberry.field(description="Null when nothing matches.")
    rule: ResolutionRule
    source: VersionSource | None = strawberry.field(description="Where the version came from.")
    reason: str = strawberry.field(description="The answer in a sentence.")
    warnings: list[str] = strawberry.field(description="e.g. the chosen version is deprecated.")
    skipped: list[SkippedVersion] = strawberry.field(
        description="Versions passed over that would otherwise have been chosen, with why."
    )
    history: EffectiveVersionHistory | None = strawberry.field(
        default=None,
        description="Asked for a past instant (`at`): since when this answer held, the "
        "changes that started it, the version as it was then, rollout membership and status. "
        "`version` is then the version as it is now (null if deleted for good since).",
    )

    @classmethod
    def from_effective(cls, effective: AuthConfigEffectiveVersion) -> "EffectiveVersion":
        resolution, header = effective.resolution, effective.version
        return cls(
            version=None if header is None else ConnectorVersion.from_header(header),
            rule=resolution.rule,
            source=resolution.source,
            reason=resolution.reason,
            warnings=list(resolution.warnings),
            skipped=[SkippedVersion.from_domain(skipped) for skipped in resolution.skipped],
        )


@dataclass(frozen=True)
class AccountEffectiveVersions:
    """An auth config's `EffectiveVersion`s for its accounts: its own, built once, and, while a
    rollout runs, the target for the accounts in it. Per account: a hash and a sentence."""

    own: EffectiveVersion
    effective: AccountsEffectiveVersions
    target: ConnectorVersion | None

    @classmethod
    def of(
        cls, own: EffectiveVersion, effective: AccountsEffectiveVersions
    ) -> "AccountEffectiveVersions":
        header = effective.target_version
        return cls(own, effective, None if header is None else ConnectorVersion.from_header(header))

    def for_account(self, account_id: UUID) -> EffectiveVersion:
        if self.effective.rollout is None:
            return self.own
        account = self.effective.for_account(account_id)
        resolution = account.resolution
        if not account.in_rollout:
            return replace(self.own, reason=resolution.reason)
        return EffectiveVersion(
            version=self.target,
            rule=resolution.rule,
            source=resolution.source,
            reason=resolution.reason,
            warnings=list(resolution.warnings),
            skipped=[],
        )


async def effective_version_of(info: Info, auth_config_id: UUID) -> EffectiveVersion:
    """The auth config's `EffectiveVersion`, built once per request however many of its
    accounts show it."""
    answer = effective_version_now(info, auth_config_id)
    return await answer if isawaitable(answer) else answer


def effective_version_now(info: Info, auth_config_id: UUID) -> Now[EffectiveVersion]:
    """`effective_version_of`, answered at once when the request has shown it already or its
    loader knows it (`app.graphql.loader_now`); else an awaitable of it."""
    loaders = info.context.loaders
    shown = loaders.effective_versions_shown.get(auth_config_id)
    if shown is not None:
        return shown
    loading = loaders.effective_version_by_auth_config.load_now(auth_config_id)
    if isawaitable(loading):
        return _shown_once_loaded(info, auth_config_id, loading)
    return _shown(info, auth_config_id, loading)


async def _shown_once_loaded(
    info: Info, auth_config_id: UUID, loading: Awaitable[AuthConfigEffectiveVersion | None]
) -> EffectiveVersion:
    effective = await loading
    # Another field of the request may have shown it meanwhile: the request shows one.
    shown = info.context.loaders.effective_versions_shown.get(auth_config_id)
    return shown if shown is not None else _shown(info, auth_config_id, effective)


def _shown(
    info: Info, auth_config_id: UUID, effective: AuthConfigEffectiveVersion | None
) -> EffectiveVersion:
    shown = EffectiveVersion.from_effective(present(effective))
    info.context.loaders.effective_versions_shown[auth_config_id] = shown
    return shown


async def account_effective_versions_of(
    info: Info, auth_config_id: UUID
) -> AccountEffectiveVersions:
    """The `AccountEffectiveVersions` of the auth config, built once per request."""
    loaders = info.context.loaders
    shown = loaders.account_effective_versions_shown.get(auth_config_id)
    if shown is None:
        effective = await loaders.account_effective_versions_by_auth_config.load(auth_config_id)
        own = await effective_version_of(info, auth_config_id)
        shown = AccountEffectiveVersions.of(own, present(effective))
        loaders.account_effective_versions_shown[auth_config_id] = shown
    return shown


async def account_effective_version_of(
    info: Info, auth_config_id: UUID, account_id: UUID
) -> EffectiveVersion:
    """The `EffectiveVersion` of one account of the auth config."""
    return (await account_effective_versions_of(info, auth_config_id)).for_account(account_id)
