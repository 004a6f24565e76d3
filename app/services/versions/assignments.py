"""Site assignments (DESIGN §10): recording that a site uses a version, and reading them.

Who: a project ADMIN assigns its own custom versions and managed versions (to its own sites),
and removes its own project's assignments. A platform key has no sites and is FORBIDDEN; a
VIEWER too. Another project's version or assignment is NOT_FOUND.

Only a published version outside the bin is assigned. The check and the insert run under
`app.services.key_locks.lock_key` — the caller's custom connector of the version's key and the
managed one, FOR SHARE — the rows `moveVersionToBin` holds FOR UPDATE while it reads the usage:
an assignment is either committed before the bin check reads it (the bin is refused) or made
after the bin committed (and then refused, since the version is binned).

Assigning the same version to the same site with the same kind again is ALREADY_EXISTS: the
unique constraint decides (insert and catch), so two concurrent calls never make two.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Uuid, bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Assignment, Connector, ConnectorVersion
from app.domain import assignments
from app.domain.access import Principal, require_project_admin
from app.domain.assignments import AssignmentKind, SiteAssignment
from app.domain.enums import DeploymentState
from app.domain.errors import AlreadyExists, NotFound
from app.domain.events import EventKind
from app.domain.version_errors import InvalidTransition, VersionInBin
from app.services.connectors import visible_to
from app.services.effective.resolution import ProjectKey
from app.services.events import record_event
from app.services.key_locks import lock_key
from app.services.lookups import column_rows
from app.services.pages import Order, Page, PageRequest, fetch_pages_by_parent
from app.services.transactions import is_unique_violation, transaction

OLDEST_FIRST: Order[Assignment] = Order(
    columns=(col(Assignment.created_at), col(Assignment.id)),
    key_of=lambda assignment: (assignment.created_at, assignment.id),
)
"""A version's assignments' order, served by an index on (version, created_at, id)."""


@dataclass(frozen=True, slots=True)
class _Target:
    """The version an assignment is asked for, as read under the lock."""

    id: UUID
    version: str
    state: str
    published: bool
    binned: bool
    connector_id: UUID


_VERSION_UNDER_LOCK = (
    sa.select(
        col(ConnectorVersion.id),
        col(ConnectorVersion.version),
        col(ConnectorVersion.state),
        col(ConnectorVersion.published_at).is_not(None),
        col(ConnectorVersion.binned_at).is_not(None),
        col(ConnectorVersion.connector_id),
    )
).where(col(ConnectorVersion.id) == bindparam("version_id", type_=Uuid))


async def assign_version(
    session: AsyncSession,
    *,
    actor: Principal,
    version_id: UUID,
    site_id: str,
    kind: AssignmentKind,
    external_reference: str | None = None,
) -> Assignment:
    """Assign a published, not binned version to a site of the caller's project."""
    project_id = require_project_admin(actor, "assign versions to sites")
    site = assignments.site_id(site_id)
    reference = assignments.external_reference(external_reference)
    try:
        async with transaction(session):
            connector = await _connector_of_visible_version(session, actor, version_id)
            # Before deciding on the version's state: the bin holds one of these FOR UPDATE.
            await lock_key(session, ProjectKey(project_id, connector.key))
            target = await _target(session, version_id)
            if target.binned:
                raise VersionInBin(target.version, DeploymentState(target.state))
            if not target.published:
                raise InvalidTransition(
                    DeploymentState(target.state),
                    f"version {target.version} is a draft; only published versions are assigned",
                )
            assignment = Assignment(
                version_id=version_id,
                project_id=project_id,
                site_id=site,
                kind=kind,
                external_reference=reference,
                api_key_id=actor.api_key_id,
            )
            session.add(assignment)
            await session.flush()
            _event(session, actor, EventKind.VERSION_ASSIGNED, assignment, target)
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise AlreadyExists(
            "site assignment of this version", "siteId", f"{site} ({kind.value})"
        ) from None
    return assignment


async def unassign_version(
    session: AsyncSession, *, actor: Principal, assignment_id: UUID
) -> Assignment:
    """Remove one of the caller's project's assignments; returns the deleted row, detached."""
    project_id = require_project_admin(actor, "unassign versions")
    async with transaction(session):
        # Held until the end, so that two removals of the same assignment remove it once.
        assignment = await session.get(Assignment, assignment_id, with_for_update=True)
        if assignment is None or assignment.project_id != project_id:
            raise NotFound("assignment")
        target = await _target(session, assignment.version_id)
        _event(session, actor, EventKind.VERSION_UNASSIGNED, assignment, target)
        await session.delete(assignment)
        await session.flush()
        session.expunge(assignment)
    return assignment


def assignment_visible_to(actor: Principal) -> ColumnElement[bool]:
    """SQL condition on assignments: a project's own; every one for a platform key."""
    if actor.is_platform:
        return col(Assignment.id).is_not(None)
    return col(Assignment.project_id) == actor.project_id


async def assignments_by_id(
    session: AsyncSession, *, actor: Principal, assignment_ids: Sequence[UUID]
) -> dict[UUID, Assignment]:
    """The assignments the caller may see: its project's own (a platform key: those of the
    versions it can see, the managed ones)."""
    query = (
        select(Assignment)
        .join(ConnectorVersion, col(ConnectorVersion.id) == col(Assignment.version_id))
        .join(Connector, col(Connector.id) == col(ConnectorVersion.connector_id))
        .where(
            col(Assignment.id).in_(assignment_ids),
            assignment_visible_to(actor),
            visible_to(actor),
        )
    )
    rows = (await session.exec(query)).all()
    return {row.id: row for row in rows}


async def assignments_by_version(
    session: AsyncSession,
    *,
    actor: Principal,
    version_ids: Sequence[UUID],
    page: PageRequest,
) -> dict[UUID, Page[Assignment]]:
    """One page of each version's assignments that the caller may see; the caller has read the
    versions, so it may read their assignments."""
    return await fetch_pages_by_parent(
        session,
        model=Assignment,
        parent=Assignment.version_id,  # type: ignore[arg-type]
        parent_ids=version_ids,
        order=OLDEST_FIRST,
        page=page,
        where=(assignment_visible_to(actor),),
    )


async def site_assignments_of_versions(
    session: AsyncSession, *, version_ids: Sequence[UUID], project_id: UUID | None
) -> dict[UUID, list[SiteAssignment]]:
    """Each version's assignments made by `project_id` (None: by every project), for usage."""
    query = sa.select(
        col(Assignment.id),
        col(Assignment.version_id),
        col(Assignment.project_id),
        col(Assignment.site_id),
        col(Assignment.kind),
    ).where(col(Assignment.version_id).in_(version_ids))
    if project_id is not None:
        query = query.where(col(Assignment.project_id) == project_id)
    found: dict[UUID, list[SiteAssignment]] = {version_id: [] for version_id in version_ids}
    for id_, version_id, owner, site, kind in await column_rows(session, query):
        found[version_id].append(SiteAssignment(id_, owner, site, AssignmentKind(kind)))
    return found


async def _connector_of_visible_version(
    session: AsyncSession, actor: Principal, version_id: UUID
) -> Connector:
    query = (
        select(Connector)
        .join(ConnectorVersion, col(ConnectorVersion.connector_id) == col(Connector.id))
        .where(col(ConnectorVersion.id) == version_id, visible_to(actor))
    )
    connector = (await session.exec(query)).first()
    if connector is None:
        raise NotFound("connector version")
    return connector


async def _target(session: AsyncSession, version_id: UUID) -> _Target:
    rows = await column_rows(session, _VERSION_UNDER_LOCK, {"version_id": version_id})
    if not rows:
        # Deleted for good since it was found: it was in the bin, so it was never assignable.
        raise NotFound("connector version")
    return _Target(*rows[0])


def _event(
    session: AsyncSession,
    actor: Principal,
    kind: EventKind,
    assignment: Assignment,
    target: _Target,
) -> None:
    record_event(
        session,
        actor=actor,
        kind=kind,
        project_id=assignment.project_id,
        connector_id=target.connector_id,
        version_id=target.id,
        payload={
            "version": target.version,
            "assignmentId": str(assignment.id),
            "siteId": assignment.site_id,
            "kind": AssignmentKind(assignment.kind).value,
            "externalReference": assignment.external_reference,
        },
    )
