"""Persisted documents (DESIGN §16): GraphQL documents a client refers to by an id instead of
sending their text.

- Automatic persisted queries (Apollo's protocol): `extensions.persistedQuery` holds
  `{"version": 1, "sha256Hash": <hex>}`; the id is the SHA-256 of the document's text, so the
  server can check a document it is sent against the id it is sent with.
- `documentId` (the persisted-documents appendix of GraphQL over HTTP; how Relay and GraphQL
  Codegen clients are usually set up to send a manifest's ids): any registered id, sent
  instead of the document; `sha256:<hex>` also finds a document by its text's SHA-256.
- A manifest, made by the client's build (GraphQL Codegen's client preset with
  `persistedDocuments`, or Relay's `persistConfig`): a JSON object `{"<id>": "<document>"}`. Its
  ids are whatever the tool hashed with (SHA-256, SHA-1, MD5, ...), so only their shape is
  checked; a manifest's documents are the trusted ones.
"""

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

APQ_VERSION = 1
MAX_ID_LENGTH = 200
_ID = re.compile(r"^[A-Za-z0-9_:.+/=-]+$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class PersistedDocumentsMode(StrEnum):
    """`PERSISTED_DOCUMENTS`: what a request may send."""

    OFF = "off"
    """Documents are sent whole; a persisted query is answered PersistedQueryNotSupported, which
    makes Apollo clients send whole documents from then on."""
    AUTOMATIC = "automatic"
    """Whole documents, or ids of documents registered before (by a manifest, or by an earlier
    request that sent the id with its document)."""
    TRUSTED = "trusted"
    """Only documents of a registered manifest run, by id or in whole."""


def document_hash(document: str) -> str:
    """The id automatic persisted queries use: the SHA-256 of the text, in lower-case hex."""
    return hashlib.sha256(document.encode()).hexdigest()


DOCUMENT_ID = "documentId"
"""The request parameter, carried in `extensions` under the same name by the endpoint."""


class PersistedQueryProblem(StrEnum):
    """Why a persisted query cannot be used; each is a 400 with this message."""

    NOT_AN_OBJECT = 'extensions.persistedQuery must be an object: {"version": 1, "sha256Hash": …}'
    UNSUPPORTED_VERSION = "extensions.persistedQuery.version must be 1 (the only version)"
    BAD_HASH = "extensions.persistedQuery.sha256Hash must be a SHA-256 in lower-case hex"
    BAD_DOCUMENT_ID = f"documentId must be 1-{MAX_ID_LENGTH} letters, digits or _:.+/=-"
    BOTH = "send a documentId or a query, not both"


@dataclass(frozen=True, slots=True)
class PersistedQuery:
    document_id: str
    sha256_hash: str | None
    """The SHA-256 of the document's text, when the request names it (`sha256Hash`, or a
    `documentId` of the form `sha256:<hex>`)."""
    by_document_id: bool = False


def persisted_query_of(
    extensions: dict[str, object] | None, *, with_query: bool = False
) -> PersistedQuery | PersistedQueryProblem | None:
    """The persisted query a request names, if any: `extensions.persistedQuery`, or a
    `documentId` (which the endpoint moves into `extensions`)."""
    if not extensions:
        return None
    if DOCUMENT_ID in extensions:
        return _by_document_id(extensions[DOCUMENT_ID], with_query=with_query)
    if "persistedQuery" not in extensions:
        return None
    value = extensions["persistedQuery"]
    if not isinstance(value, dict):
        return PersistedQueryProblem.NOT_AN_OBJECT
    if value.get("version") != APQ_VERSION:
        return PersistedQueryProblem.UNSUPPORTED_VERSION
    sha256_hash = value.get("sha256Hash")
    if not isinstance(sha256_hash, str) or not _SHA256_HEX.match(sha256_hash):
        return PersistedQueryProblem.BAD_HASH
    return PersistedQuery(document_id=sha256_hash, sha256_hash=sha256_hash)


def _by_document_id(value: object, *, with_query: bool) -> PersistedQuery | PersistedQueryProblem:
    if not is_document_id(value):
        return PersistedQueryProblem.BAD_DOCUMENT_ID
    if with_query:
        return PersistedQueryProblem.BOTH
    assert isinstance(value, str)
    prefix, _, digest = value.partition(":")
    sha256_hash = digest if prefix == "sha256" and _SHA256_HEX.match(digest) else None
    return PersistedQuery(document_id=value, sha256_hash=sha256_hash, by_document_id=True)


def is_document_id(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and bool(_ID.match(value))


class ManifestError(ValueError):
    """A manifest that cannot be registered; nothing of it is."""


def parse_manifest(data: object) -> dict[str, str]:
    """`{"<id>": "<document>"}` (GraphQL Codegen's and Relay's persisted documents), checked."""
    if not isinstance(data, dict) or not data:
        raise ManifestError('a manifest is a non-empty JSON object: {"<id>": "<document>", …}')
    problems = []
    for document_id, document in data.items():
        if not is_document_id(document_id):
            problems.append(
                f"{document_id!r}: an id is 1-{MAX_ID_LENGTH} letters, digits or _:.+/=-"
            )
        elif not isinstance(document, str) or not document.strip():
            problems.append(f"{document_id}: the document must be a non-empty string")
    if problems:
        raise ManifestError("; ".join(problems))
    return dict(data)
