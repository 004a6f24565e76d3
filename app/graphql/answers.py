"""What the effective-version loaders answer: each auth config resolved once per request, and
each one's answer for its accounts while a rollout runs (`app.domain.rollouts`).

Pure assembly over what the loaders read: the headers of the versions shown come through
`read_headers`, one statement for all that are not known already.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from app.db.models import AuthConfig, Rollout
from app.domain.resolution import Resolution
from app.domain.rollouts import RunningRollout, in_rollout, resolve_account
from app.services.accounts.rollouts import running_rollout_of
from app.services.effective.resolution import ChosenVersion, KeyVersions, ProjectKey
from app.services.effective.resolution import resolve_auth_config as resolve_with
from app.services.versions.reads import VersionHeader

ReadHeaders = Callable[[Sequence[UUID]], Awaitable[dict[UUID, VersionHeader]]]


@dataclass(frozen=True)
class Effective:
    """An auth config's resolution, and the version it chose (its header)."""

    auth_config: AuthConfig
    resolution: Resolution[UUID]
    chosen: ChosenVersion | None
    version: VersionHeader | None
    versions: KeyVersions
    """The candidates it was resolved among."""
    target_version: VersionHeader | None = None
    """The header of its running rollout's target, when the rollout was known as it was read."""


@dataclass(frozen=True)
class AccountsEffective:
    """What each account of an auth config runs: the auth config's own answer, or the target
    of its running rollout for the accounts in it (`app.domain.rollouts.resolve_account`).
    Built once per auth config; an account adds only the hash of its bucket."""

    own: Effective
    rollout: RunningRollout[UUID] | None
    target: ChosenVersion | None
    target_version: VersionHeader | None

    def resolution_for(self, account_id: UUID) -> Resolution[UUID]:
        return resolve_account(self.own.resolution, self.rollout, account_id)

    def chosen_for(self, account_id: UUID) -> ChosenVersion | None:
        rollout = self.rollout
        if rollout is not None and in_rollout(rollout.id, account_id, rollout.percent):
            return self.target
        return self.own.chosen


async def effective_answers(
    configs: Sequence[AuthConfig],
    candidates: Mapping[ProjectKey, KeyVersions],
    rollouts: Mapping[UUID, Rollout | None],
    read_headers: ReadHeaders,
) -> dict[UUID, Effective]:
    """Each auth config resolved among the candidates of its key, with the headers of the
    versions chosen: kept with the candidates when a request has read them since they last
    changed, else read in one statement. A running rollout already known (`rollouts`, read
    with the auth configs by id) has its target's header read in that same statement."""
    resolved = []
    headers: dict[UUID, VersionHeader] = {}
    wanted: set[UUID] = set()
    for config in configs:
        key_versions = candidates[ProjectKey.of(config)]
        resolution = resolve_with(config, key_versions)
        chosen = key_versions.chosen(resolution)
        rollout = rollouts.get(config.id)
        target = None if rollout is None else rollout.target_version_id
        for version_id in (None if chosen is None else chosen.id, target):
            known = None if version_id is None else key_versions.known_header(version_id)
            if known is not None:
                headers[known.id] = known
            elif version_id is not None:
                wanted.add(version_id)
        resolved.append((config, key_versions, resolution, chosen, target))
    if wanted:
        headers.update(await read_headers(list(wanted)))
    effective = {}
    for config, key_versions, resolution, chosen, target in resolved:
        header = None if chosen is None else headers[chosen.id]
        target_header = None if target is None else headers.get(target)
        for kept in (header, target_header):
            if kept is not None and key_versions.cached:
                key_versions.keep_header(kept)
        effective[config.id] = Effective(
            auth_config=config,
            resolution=resolution,
            chosen=chosen,
            version=header,
            versions=key_versions,
            target_version=target_header,
        )
    return effective


async def account_answers(
    found: Sequence[Effective], rows: Sequence[Rollout | None], read_headers: ReadHeaders
) -> dict[UUID, AccountsEffective]:
    """Each auth config's answer for its accounts, given its running rollout (`rows`, in the
    order of `found`); the targets' headers not known yet are read in one statement."""
    targets = []
    missing: set[UUID] = set()
    for effective, row in zip(found, rows, strict=True):
        running = running_rollout_of(row, effective.versions)
        chosen = None if running is None else effective.versions.chosen_candidate(running.target)
        if chosen is not None and _target_header(effective, chosen.id) is None:
            missing.add(chosen.id)
        targets.append((effective, running, chosen))
    headers = await read_headers(list(missing)) if missing else {}
    answers = {}
    for effective, running, chosen in targets:
        header = None
        if chosen is not None:
            header = _target_header(effective, chosen.id) or headers.get(chosen.id)
            if header is not None and effective.versions.cached:
                effective.versions.keep_header(header)
        answers[effective.auth_config.id] = AccountsEffective(
            own=effective, rollout=running, target=chosen, target_version=header
        )
    return answers


def _target_header(effective: Effective, version_id: UUID) -> VersionHeader | None:
    """The header of a rollout's target, if the auth config's resolution read or knew it."""
    known = effective.target_version
    if known is not None and known.id == version_id:
        return known
    return effective.versions.known_header(version_id)
