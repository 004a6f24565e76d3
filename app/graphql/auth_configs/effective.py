"""The effective version: which version an auth config's accounts run, and why."""

from dataclasses import dataclass, replace
from typing import cast
from uuid import UUID

import strawberry

from app.domain.resolution import Skipped
from app.graphql.answers import AccountsEffective, Effective
from app.graphql.connectors.types import ConnectorVersion
from app.graphql.context import Info
from app.graphql.enums import ResolutionRule, SkipCause, VersionSource
from app.graphql.relay.entity import present


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

    @classmethod
    def from_effective(cls, effective: Effective) -> "EffectiveVersion":
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
class AccountViews:
    """An auth config's `EffectiveVersion`s for its accounts: its own answer, built once, and,
    while a rollout runs, the target for the accounts in it. Per account: a hash and a sentence."""

    own: EffectiveVersion
    answer: AccountsEffective
    target: ConnectorVersion | None

    @classmethod
    def of(cls, own: EffectiveVersion, answer: AccountsEffective) -> "AccountViews":
        header = answer.target_version
        return cls(own, answer, None if header is None else ConnectorVersion.from_header(header))

    def for_account(self, account_id: UUID) -> EffectiveVersion:
        if self.answer.rollout is None:
            return self.own
        resolution = self.answer.resolution_for(account_id)
        if resolution.rule is not ResolutionRule.ROLLOUT:
            return replace(self.own, reason=resolution.reason)
        return EffectiveVersion(
            version=self.target,
            rule=resolution.rule,
            source=resolution.source,
            reason=resolution.reason,
            warnings=list(resolution.warnings),
            skipped=[],
        )


async def effective_of(info: Info, auth_config_id: UUID) -> Effective:
    return present(await info.context.loaders.effective_by_auth_config.load(auth_config_id))


async def effective_version_of(info: Info, auth_config_id: UUID) -> EffectiveVersion:
    """The auth config's `EffectiveVersion`, built once per request however many of its
    accounts show it."""
    key = (EffectiveVersion, auth_config_id)
    view = info.context.views.get(key)
    if view is None:
        view = EffectiveVersion.from_effective(await effective_of(info, auth_config_id))
        info.context.views[key] = view
    return cast(EffectiveVersion, view)


async def account_views_of(info: Info, auth_config_id: UUID) -> AccountViews:
    """The `AccountViews` of the auth config, built once per request."""
    key = (AccountViews, auth_config_id)
    views = info.context.views.get(key)
    if views is None:
        answer = present(
            await info.context.loaders.accounts_effective_by_auth_config.load(auth_config_id)
        )
        views = AccountViews.of(await effective_version_of(info, auth_config_id), answer)
        info.context.views[key] = views
    return cast(AccountViews, views)


async def account_effective_version_of(
    info: Info, auth_config_id: UUID, account_id: UUID
) -> EffectiveVersion:
    """The `EffectiveVersion` of one account of the auth config."""
    return (await account_views_of(info, auth_config_id)).for_account(account_id)
