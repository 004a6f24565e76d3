"""The effective version: which version an auth config's accounts run, and why."""

from typing import cast
from uuid import UUID

import strawberry

from app.domain.resolution import Skipped
from app.graphql.connectors.types import ConnectorVersion
from app.graphql.context import Info
from app.graphql.entity import present
from app.graphql.enums import ResolutionRule, SkipCause, VersionSource
from app.graphql.loaders import Effective


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
