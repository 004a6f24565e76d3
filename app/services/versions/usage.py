"""Loading what version usage needs (the rule is in app/domain/usage.py).

Which projects count: a custom version's own project. A managed version, for a project's key:
that project only (a project must not learn about the others). For a platform key, and always
for the bin check: every project, since the platform owns managed versions and must not bin one
that any project uses.

Site assignments (DESIGN §10) count in the same scope: a project's key sees its project's
assignments of a version, a platform key and the bin check every project's.
"""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import and_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Connector, ConnectorVersion, Rollout
from app.domain.access import Principal
from app.domain.enums import PinSource
from app.domain.pins import stored_pin
from app.domain.usage import PinnedConfig, VersionUsage, usage_of
from app.services.connectors import visible_to
from app.services.effective.resolution import ProjectKey, versions_for_keys
from app.services.versions.assignments import site_assignments_of_versions

EVERY_PROJECT = None

UsageRows = tuple[VersionUsage, list[AuthConfig]]  # the usage, and the auth configs it names


async def usage_by_version(
    session: AsyncSession, *, actor: Principal, version_ids: Sequence[UUID]
) -> list[UsageRows | None]:
    """Each version's usage as the caller may see it (None for a version it cannot see), and
    the auth config rows it mentions."""
    rows = (
        await session.exec(
            select(col(ConnectorVersion.id), Connector)
            .join(Connector, col(Connector.id) == col(ConnectorVersion.connector_id))
            .where(col(ConnectorVersion.id).in_(version_ids), visible_to(actor))
        )
    ).all()
    found = {version_id: (version_id, connector) for version_id, connector in rows}
    scope = EVERY_PROJECT if actor.is_platform else actor.project_id
    usages = await usage_of_versions(session, versions=list(found.values()), project_id=scope)
    return [usages.get(version_id) for version_id in version_ids]


async def usage_of_versions(
    session: AsyncSession,
    *,
    versions: Sequence[tuple[UUID, Connector]],
    project_id: UUID | None,
    lock: bool = False,
) -> dict[UUID, UsageRows]:
    """Usage of each version (by id, with its connector) among the auth configs of `project_id`
    (None: every project).

    `lock` holds the auth configs' rows, so that a pin cannot change under a bin check."""
    if not versions:
        return {}
    keys = {connector.key for _, connector in versions}
    # With the target of each one's running rollout (a rollout's target is in use), read in
    # the same statement; rollout writes hold the auth config's row, so locking it holds both.
    query = (
        select(AuthConfig, col(Rollout.target_version_id))
        .outerjoin(
            Rollout,
            and_(
                col(Rollout.auth_config_id) == col(AuthConfig.id), col(Rollout.ended_at).is_(None)
            ),
        )
        .where(col(AuthConfig.connector_key).in_(keys))
    )
    if project_id is not EVERY_PROJECT:
        query = query.where(AuthConfig.project_id == project_id)
    if lock:
        query = query.with_for_update(of=AuthConfig)
    # Read afresh: an auth config this session holds already may have gained accounts since.
    query = query.order_by(col(AuthConfig.id)).execution_options(populate_existing=True)
    rows = (await session.exec(query)).all()
    configs = [config for config, _ in rows]
    targets = {config.id: target for config, target in rows}
    assigned = await site_assignments_of_versions(
        session, version_ids=[version_id for version_id, _ in versions], project_id=project_id
    )
    candidates = await versions_for_keys(
        session,
        keys=list(dict.fromkeys(ProjectKey.of(config) for config in configs)),
        cached=not lock,
    )
    result: dict[UUID, UsageRows] = {}
    for version_id, connector in versions:
        relevant = [
            config
            for config in configs
            if config.connector_key == connector.key
            and (connector.project_id is None or config.project_id == connector.project_id)
        ]
        usage = usage_of(
            version_id,
            (
                (
                    _pinned(config, targets[config.id]),
                    candidates[ProjectKey.of(config)].candidates,
                )
                for config in relevant
            ),
        )
        result[version_id] = (usage.with_assignments(assigned[version_id]), list(relevant))
    return result


def _pinned(config: AuthConfig, rollout_target_id: UUID | None) -> PinnedConfig:
    return PinnedConfig(
        id=config.id,
        name=config.name,
        project_id=config.project_id,
        active=config.active,
        linked_account_count=config.linked_account_count,
        pin=stored_pin(config.pin),
        pin_source=PinSource(config.pin_source),
        rollout_target_id=rollout_target_id,
    )
