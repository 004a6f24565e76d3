"""API keys: issued with their secret shown once; only the hash is stored."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, true, update
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.invalidation import API_KEY, CHANGES_NOTED, note_changes
from app.db.models import ApiKey, Project
from app.db.types import utc_now
from app.domain import validation
from app.domain.access import Principal
from app.domain.api_keys import LAST_USED_PRECISION, expiry, new_secret
from app.domain.enums import Role
from app.domain.errors import Forbidden, InvalidInput, NotFound
from app.domain.events import EventKind
from app.services.events import record_event
from app.services.lookups import rows_by_id
from app.services.transactions import transaction


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    secret: str


def add_api_key(
    session: AsyncSession,
    *,
    project_id: UUID | None,
    name: str,
    role: Role,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """Add a key to the session's transaction; the caller commits."""
    secret = new_secret()
    key = ApiKey(
        project_id=project_id,
        name=name,
        role=role,
        prefix=secret.prefix,
        secret_hash=secret.secret_hash,
        expires_at=expires_at,
    )
    session.add(key)
    return IssuedKey(key=key, secret=secret.secret)


async def create_api_key(
    session: AsyncSession,
    *,
    actor: Principal | None,
    name: str,
    role: Role,
    project_id: UUID | None,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """Project ADMINs issue keys for their project; platform keys for any project or the platform.

    `actor` None is the operator's CLI, which may issue platform keys. A key with `expires_at`
    stops working then; it must be in the future.
    """
    name = validation.name(name)
    project_id = _target_project(actor, role, project_id)
    expires_at = expiry(expires_at, utc_now())
    async with transaction(session):
        if project_id is not None and await session.get(Project, project_id) is None:
            raise NotFound("project")
        issued = add_api_key(
            session, project_id=project_id, name=name, role=role, expires_at=expires_at
        )
        await session.flush()
        record_event(
            session,
            actor=actor,
            kind=EventKind.API_KEY_CREATED,
            project_id=project_id,
            payload={
                "apiKeyId": str(issued.key.id),
                "name": name,
                "role": role.value,
                "expiresAt": None if expires_at is None else expires_at.isoformat(),
            },
        )
    return issued


def _target_project(actor: Principal | None, role: Role, project_id: UUID | None) -> UUID | None:
    if role == Role.PLATFORM_ADMIN:
        if actor is not None and not actor.is_platform:
            raise Forbidden("only a platform key may issue platform keys")
        if project_id is not None:
            raise InvalidInput("projectId", "a PLATFORM_ADMIN key belongs to no project")
        return None
    if actor is None or actor.is_platform:
        if project_id is None:
            raise InvalidInput("projectId", f"an {role} key needs the project it belongs to")
        return project_id
    if actor.role != Role.ADMIN:
        raise Forbidden(f"a {actor.role} key cannot issue keys; an ADMIN key is needed")
    if project_id is not None and project_id != actor.project_id:
        raise NotFound("project")
    return actor.project_id


async def revoke_api_key(session: AsyncSession, *, actor: Principal, api_key_id: UUID) -> ApiKey:
    """Revoke a key for good: an ADMIN its project's keys, a platform key any key.

    A key another project owns is NOT_FOUND, as if it did not exist. Revoking a revoked key is
    a success that changes nothing: it keeps its first `revoked_at` and writes no event, so a
    retried request is harmless.
    """
    if not actor.is_platform and actor.role != Role.ADMIN:
        raise Forbidden(f"a {actor.role} key cannot revoke keys; an ADMIN key is needed")
    async with transaction(session):
        query = (
            select(ApiKey)
            .where(col(ApiKey.id) == api_key_id, _revocable_by(actor))
            .with_for_update()
        )
        key = (await session.exec(query)).first()
        if key is None:
            raise NotFound("API key")
        if key.revoked_at is None:
            key.revoked_at = utc_now()
            session.add(key)
            record_event(
                session,
                actor=actor,
                kind=EventKind.API_KEY_REVOKED,
                project_id=key.project_id,
                payload={"apiKeyId": str(key.id), "name": key.name, "role": str(key.role)},
            )
    return key


def _revocable_by(actor: Principal) -> ColumnElement[bool]:
    if actor.is_platform:
        return true()
    return col(ApiKey.project_id) == actor.project_id


async def record_use(
    session: AsyncSession, *, api_key_ids: Collection[UUID], used_at: datetime
) -> None:
    """Set `last_used_at` of these keys to `used_at`, where it is a minute old or more.

    The condition makes one write a minute per key, however many processes noticed the use.
    It never waits for another writer: on PostgreSQL a key locked by another transaction (being
    revoked, say) is skipped, and on SQLite a held write lock fails the write at once
    (OperationalError), to be tried again later.
    """
    stale = select(col(ApiKey.id)).where(
        col(ApiKey.id).in_(api_key_ids),
        or_(
            col(ApiKey.last_used_at).is_(None),
            col(ApiKey.last_used_at) <= used_at - LAST_USED_PRECISION,
        ),
    )
    async with transaction(session, wait_for_writers=False):
        # The copies of these keys only (`app.db.invalidation`), not every key's.
        note_changes(session, [(API_KEY, str(api_key_id)) for api_key_id in api_key_ids])
        await session.exec(
            update(ApiKey)
            .where(col(ApiKey.id).in_(stale.with_for_update(skip_locked=True).scalar_subquery()))
            .values(last_used_at=used_at)
            .execution_options(**{CHANGES_NOTED: True})
        )


def api_key_visible_to(actor: Principal) -> ColumnElement[bool]:
    """SQL condition: a project key reads its project's keys (and itself); a platform key all."""
    if actor.is_platform:
        return true()
    return or_(col(ApiKey.project_id) == actor.project_id, col(ApiKey.id) == actor.api_key_id)


async def api_keys_by_id(
    session: AsyncSession, *, actor: Principal, api_key_ids: Sequence[UUID]
) -> dict[UUID, ApiKey]:
    return await rows_by_id(session, ApiKey, api_key_ids, api_key_visible_to(actor))
