"""What keeps a version in use (DESIGN §6), decided by resolution itself.

A version is in use when an exact pin names it, when an active auth config with at least one
linked account resolves to it, or when an auth config's running rollout targets it (DESIGN
§13: its accounts in the rollout run it, and aborting or completing must find it still there).
"Names it" means what resolution means: an exact pin names a
*number*, and under pin source ANY the custom version of that number wins, so an exact pin uses
the version that `resolve` picks with rule EXACT, not every version carrying the number. Nothing
here decides a version a second way: each auth config is resolved with `app.domain.resolution`.

A version in the bin is judged as if it were restored (its candidate counts as not binned): the
answer is what would keep it in use, which is what a bin check, a restore or a permanent delete
wants to know. An unpublished version is never a candidate, so nothing uses it.

A version assigned to a site (DESIGN §10) is in use too, by the assignment alone: no resolution
is involved (`VersionUsage.assignments`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from uuid import UUID

from app.domain.assignments import SiteAssignment
from app.domain.enums import PinSource
from app.domain.pins import Pin
from app.domain.resolution import Candidate, ResolutionRule, resolve


class UsageReason(StrEnum):
    EXACT_PIN = "EXACT_PIN"  # an exact pin resolves to the version
    RESOLVES_WITH_ACCOUNTS = "RESOLVES_WITH_ACCOUNTS"  # active, with linked accounts, resolves
    ROLLOUT_TARGET = "ROLLOUT_TARGET"  # its running rollout targets the version


@dataclass(frozen=True, kw_only=True)
class PinnedConfig:
    """What usage needs of an auth config: its pin, whether it is active, its account count."""

    id: UUID
    name: str
    project_id: UUID
    active: bool
    linked_account_count: int
    pin: Pin
    pin_source: PinSource
    rollout_target_id: UUID | None = None
    """The version its running rollout targets, if one runs."""


@dataclass(frozen=True)
class UsageBlocker:
    """An auth config that keeps a version in use, and why."""

    auth_config_id: UUID
    auth_config_name: str
    project_id: UUID
    linked_account_count: int
    reason: UsageReason


@dataclass(frozen=True)
class AuthConfigUse:
    """An auth config whose resolution picks the version."""

    config: PinnedConfig
    exact: bool  # chosen by rule EXACT
    resolves: bool = True  # its own resolution picks the version
    rollout_target: bool = False  # its running rollout targets the version

    @property
    def reason(self) -> UsageReason | None:
        if self.exact:
            return UsageReason.EXACT_PIN
        if self.rollout_target:
            return UsageReason.ROLLOUT_TARGET
        if self.config.active and self.config.linked_account_count > 0:
            return UsageReason.RESOLVES_WITH_ACCOUNTS
        return None


@dataclass(frozen=True)
class VersionUsage:
    uses: list[AuthConfigUse]
    # Site assignments of the version (DESIGN §10): each one keeps it in use.
    assignments: list[SiteAssignment] = field(default_factory=list)

    @property
    def exact_pins(self) -> list[PinnedConfig]:
        return [use.config for use in self.uses if use.exact]

    @property
    def resolving(self) -> list[PinnedConfig]:
        """Active auth configs that resolve to the version (by any rule)."""
        return [use.config for use in self.uses if use.resolves and use.config.active]

    @property
    def rollouts(self) -> list[PinnedConfig]:
        """Auth configs whose running rollout targets the version."""
        return [use.config for use in self.uses if use.rollout_target]

    @property
    def blockers(self) -> list[UsageBlocker]:
        blockers = []
        for use in self.uses:
            reason = use.reason
            if reason is not None:
                blockers.append(
                    UsageBlocker(
                        auth_config_id=use.config.id,
                        auth_config_name=use.config.name,
                        project_id=use.config.project_id,
                        linked_account_count=use.config.linked_account_count,
                        reason=reason,
                    )
                )
        return blockers

    @property
    def in_use(self) -> bool:
        return bool(self.assignments) or any(use.reason is not None for use in self.uses)

    def with_assignments(self, assignments: Iterable[SiteAssignment]) -> "VersionUsage":
        ordered = sorted(assignments, key=lambda a: (a.site_id, a.kind.value, str(a.id)))
        return replace(self, assignments=ordered)


def usage_of(
    version_id: UUID,
    configs: Iterable[tuple[PinnedConfig, Sequence[Candidate[UUID]]]],
) -> VersionUsage:
    """The auth configs (each with the candidates of its key) that resolve to `version_id`, or
    whose running rollout targets it."""
    uses: list[AuthConfigUse] = []
    for config, candidates in configs:
        restored = [replace(c, binned=False) if c.id == version_id else c for c in candidates]
        resolution = resolve(config.pin, config.pin_source, restored)
        resolves = resolution.version is not None and resolution.version.id == version_id
        targets = config.rollout_target_id == version_id
        if not (resolves or targets):
            continue
        exact = resolves and resolution.rule is ResolutionRule.EXACT
        uses.append(
            AuthConfigUse(config=config, exact=exact, resolves=resolves, rollout_target=targets)
        )
    uses.sort(key=lambda use: (use.config.name, str(use.config.id)))
    return VersionUsage(uses=uses)
