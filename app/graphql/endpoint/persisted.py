"""Persisted documents at the endpoint (DESIGN §16): what document a request runs, given
`PERSISTED_DOCUMENTS`, and the registration of automatic persisted queries.

Over HTTP (Apollo's protocol, GET or POST):
- the id alone (`extensions.persistedQuery.sha256Hash`): the registered document runs; an
  unknown id is answered `PersistedQueryNotFound` (200, no `data`), and the client sends the id
  again with its document;
- the id and the document: the document runs if its SHA-256 is the id (else 400), and is
  registered once it has passed every check a document passes (it parsed, validated and was
  within the limits): the table holds no document that could not run.

`trusted`: only documents of a registered manifest run, by id or whole (403 otherwise), over
HTTP and websockets alike; platform keys may be exempted (`TRUSTED_DOCUMENTS_EXEMPT_PLATFORM`).

Documents never change under their id, so each process keeps the ones it has seen in memory
(bounded) in front of the table: a warm lookup reads nothing. Only trusted ones are kept in
trusted mode, so a document a manifest trusts later is read again, never refused from memory.
"""

from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.access import Principal
from app.domain.persisted_documents import (
    DOCUMENT_ID,
    PersistedDocumentsMode,
    PersistedQuery,
    PersistedQueryProblem,
    document_hash,
    persisted_query_of,
)
from app.http.refusals import RefusalCode
from app.services import persisted_documents as store
from app.settings import Settings

Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Where a lookup gets a session: the request's (`RequestSession`), or the database's."""

MEMORY_SIZE = 1024
"""Documents each process keeps in memory; a client sends a handful of them."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request answered without running anything: `status` in both media types (Apollo
    clients read a PersistedQueryNotFound only in a 200, and stop persisting after a 400)."""

    status: int
    error: GraphQLError


@dataclass(frozen=True, slots=True)
class Resolved:
    """The document to run, and the id to register it under once it has run (if any)."""

    query: str | None
    register_as: str | None = None


def _refusal(status: int, message: str, code: RefusalCode) -> Refusal:
    return Refusal(status, GraphQLError(message, extensions={"code": code.value}))


NOT_FOUND = _refusal(200, "PersistedQueryNotFound", RefusalCode.PERSISTED_QUERY_NOT_FOUND)
NOT_SUPPORTED = _refusal(
    200, "PersistedQueryNotSupported", RefusalCode.PERSISTED_QUERY_NOT_SUPPORTED
)
HASH_MISMATCH = _refusal(
    400,
    "the query's SHA-256 is not extensions.persistedQuery.sha256Hash: hash the exact text sent",
    RefusalCode.PERSISTED_QUERY_HASH_MISMATCH,
)
NOT_IN_LIST = _refusal(
    403,
    "only documents of a registered manifest run here (PERSISTED_DOCUMENTS=trusted): register "
    "the client's manifest with `connector-registry register-documents`",
    RefusalCode.PERSISTED_QUERY_NOT_IN_LIST,
)


class PersistedDocuments:
    """A process's persisted-documents policy and its memory of documents (`app.state`)."""

    def __init__(
        self,
        mode: PersistedDocumentsMode = PersistedDocumentsMode.AUTOMATIC,
        *,
        platform_exempt: bool = False,
    ) -> None:
        self.mode = mode
        self.platform_exempt = platform_exempt
        self._by_id: OrderedDict[str, str] = OrderedDict()
        self._trusted_hashes: OrderedDict[str, None] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> "PersistedDocuments":
        return cls(
            PersistedDocumentsMode(settings.persisted_documents),
            platform_exempt=settings.trusted_documents_exempt_platform,
        )

    def _only_trusted(self, principal: Principal) -> bool:
        return self.mode is PersistedDocumentsMode.TRUSTED and not (
            self.platform_exempt and principal.is_platform
        )

    async def resolve(
        self,
        sessions: Sessions,
        principal: Principal,
        query: str | None,
        extensions: dict[str, Any] | None,
    ) -> Resolved | Refusal:
        """The document a request runs, or why none does. A request with neither a persisted
        query nor PERSISTED_DOCUMENTS=trusted is answered at once, without a session."""
        persisted = persisted_query_of(extensions, with_query=query is not None)
        if persisted is None:
            only_trusted = query is not None and self._only_trusted(principal)
            if only_trusted and not await self.is_trusted(sessions, query or ""):
                return NOT_IN_LIST
            return Resolved(query)
        if isinstance(persisted, PersistedQueryProblem):
            return _refusal(400, persisted.value, RefusalCode.BAD_REQUEST)
        if self.mode is PersistedDocumentsMode.OFF:
            return NOT_SUPPORTED
        only_trusted = self._only_trusted(principal)
        sha256_hash = persisted.sha256_hash
        if query is not None and sha256_hash is not None:
            if document_hash(query) != sha256_hash:
                return HASH_MISMATCH
            if only_trusted:
                return Resolved(query) if await self.is_trusted(sessions, query) else NOT_IN_LIST
            known = self._by_id.get(sha256_hash) == query
            return Resolved(query, register_as=None if known else sha256_hash)
        document = await self._document(sessions, persisted, only_trusted=only_trusted)
        if isinstance(document, Refusal):
            return document
        return Resolved(document)

    async def _document(
        self, sessions: Sessions, persisted: PersistedQuery, *, only_trusted: bool
    ) -> str | Refusal:
        document_id = persisted.document_id
        remembered = self._by_id.get(document_id)
        if remembered is not None:
            self._by_id.move_to_end(document_id)
            return remembered
        async with sessions() as session:
            stored = await store.find_document(session, document_id, sha256=persisted.sha256_hash)
        if stored is None:
            return NOT_FOUND
        if only_trusted and not stored.trusted:
            return NOT_IN_LIST
        if stored.trusted or self.mode is not PersistedDocumentsMode.TRUSTED:
            self._remember(document_id, stored.document)
        return stored.document

    async def is_trusted(self, sessions: Sessions, query: str) -> bool:
        """Whether `query` is the text of a document of a registered manifest."""
        sha256 = document_hash(query)
        if sha256 in self._trusted_hashes:
            self._trusted_hashes.move_to_end(sha256)
            return True
        async with sessions() as session:
            if not await store.is_trusted_text(session, sha256):
                return False
        self._trusted_hashes[sha256] = None
        if len(self._trusted_hashes) > MEMORY_SIZE:
            self._trusted_hashes.popitem(last=False)
        return True

    async def register(self, sessions: Sessions, sha256_hash: str, document: str) -> None:
        """Register a document that has run (`Resolved.register_as`), for every process."""
        async with sessions() as session:
            registered = await store.register_automatic(
                session, sha256_hash=sha256_hash, document=document
            )
        if registered:
            self._remember(sha256_hash, document)

    def _remember(self, document_id: str, document: str) -> None:
        self._by_id[document_id] = document
        if len(self._by_id) > MEMORY_SIZE:
            self._by_id.popitem(last=False)


def with_document_id(params: dict[str, Any]) -> dict[str, Any]:
    """A request's `documentId` parameter moved into its `extensions`, which Strawberry passes
    on (it drops parameters it does not know); `extensions` that are not an object are left
    for Strawberry to refuse."""
    if DOCUMENT_ID not in params:
        return params
    document_id = params.pop(DOCUMENT_ID)
    extensions = params.get("extensions")
    if extensions is None or isinstance(extensions, dict):
        params["extensions"] = {**(extensions or {}), DOCUMENT_ID: document_id}
    return params


def persisted_documents_of(request: Any) -> PersistedDocuments:
    """The policy of the app serving `request` (an HTTP request or a websocket)."""
    policy = getattr(getattr(getattr(request, "app", None), "state", None), "persisted", None)
    return policy if isinstance(policy, PersistedDocuments) else DEFAULT_POLICY


DEFAULT_POLICY = PersistedDocuments()
