"""Persisted documents in the database (DESIGN §16): one table every worker and instance reads,
so a document registered through one process runs by its id through all of them."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import PersistedDocument
from app.domain.persisted_documents import ManifestError, document_hash
from app.services.transactions import is_unique_violation, is_write_contention, transaction


@dataclass(frozen=True, slots=True)
class StoredDocument:
    document: str
    trusted: bool


async def find_document(
    session: AsyncSession, document_id: str, *, sha256: str | None = None
) -> StoredDocument | None:
    """The document registered under `document_id` — or, given the SHA-256 of its text, one
    registered under another id (a manifest's) with that text (one statement)."""
    found_by = col(PersistedDocument.id) == document_id
    if sha256 is not None:
        found_by = sa.or_(found_by, col(PersistedDocument.sha256) == sha256)
    row = (
        await session.exec(
            select(PersistedDocument.document, PersistedDocument.trusted)
            .where(found_by)
            # The id's own row first, then a trusted one.
            .order_by(
                col(PersistedDocument.id) != document_id, col(PersistedDocument.trusted).desc()
            )
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    document, trusted = row
    return StoredDocument(document=document, trusted=trusted)


async def is_trusted_text(session: AsyncSession, sha256: str) -> bool:
    """Whether a trusted (manifest) document has this text, by its SHA-256 (one statement)."""
    found = await session.exec(
        select(sa.literal(1))
        .where(col(PersistedDocument.sha256) == sha256, col(PersistedDocument.trusted).is_(True))
        .limit(1)
    )
    return found.first() is not None


async def register_automatic(session: AsyncSession, *, sha256_hash: str, document: str) -> bool:
    """Register a document a request sent with its SHA-256 (`sha256_hash`, checked by the
    caller). Whether it is registered now: another process may have registered it meanwhile
    (the same text, since the id is its hash), and on SQLite a registration that would wait for
    another writer is skipped — the next request with the document registers it."""
    try:
        async with transaction(session, wait_for_writers=False):
            session.add(
                PersistedDocument(
                    id=sha256_hash, document=document, sha256=sha256_hash, trusted=False
                )
            )
            await session.flush()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        return True
    except OperationalError as error:
        if not is_write_contention(error):
            raise
        return False
    return True


@dataclass(frozen=True, slots=True)
class ManifestRegistration:
    added: int
    now_trusted: int
    """Documents registered before by automatic persisted queries, now trusted."""
    unchanged: int


async def register_manifest(
    session: AsyncSession, manifest: dict[str, str]
) -> ManifestRegistration:
    """Register a manifest's documents as trusted, all or none: an id registered before with
    another text is refused (ManifestError), since a client may hold it."""
    async with transaction(session):
        existing = {
            document_id: StoredDocument(document=document, trusted=trusted)
            for document_id, document, trusted in (
                await session.exec(
                    select(
                        PersistedDocument.id, PersistedDocument.document, PersistedDocument.trusted
                    ).where(col(PersistedDocument.id).in_(list(manifest)))
                )
            ).all()
        }
        conflicts = sorted(
            document_id
            for document_id, row in existing.items()
            if row.document != manifest[document_id]
        )
        if conflicts:
            raise ManifestError(
                "these ids are registered with another document, and ids never change: "
                + ", ".join(conflicts)
            )
        to_trust = [document_id for document_id, row in existing.items() if not row.trusted]
        if to_trust:
            await session.exec(
                update(PersistedDocument)
                .where(col(PersistedDocument.id).in_(to_trust))
                .values(trusted=True)
            )
        for document_id, document in manifest.items():
            if document_id not in existing:
                session.add(
                    PersistedDocument(
                        id=document_id,
                        document=document,
                        sha256=document_hash(document),
                        trusted=True,
                    )
                )
        await session.flush()
    return ManifestRegistration(
        added=len(manifest) - len(existing),
        now_trusted=len(to_trust),
        unchanged=len(existing) - len(to_trust),
    )
