"""Requests the server refuses before (or instead of) running them, answered in GraphQL's JSON
error shape so that every client reads them the same way: `errors[0].extensions.code`."""

from enum import StrEnum

from starlette.responses import JSONResponse


class RefusalCode(StrEnum):
    BAD_REQUEST = "BAD_REQUEST"
    """The body is not a GraphQL request (not JSON, not an object, …)."""
    UNAUTHENTICATED = "UNAUTHENTICATED"
    """No API key, or one that is not valid."""
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    """The body is larger than MAX_BODY_BYTES."""
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    """The operation would cost more than MAX_QUERY_COST."""
    TOO_MANY_PREVIEWS = "TOO_MANY_PREVIEWS"
    """The operation holds more `impact` fields than MAX_PREVIEWS_PER_OPERATION."""
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    """The response would be larger than MAX_RESPONSE_BYTES."""
    TIMEOUT = "TIMEOUT"
    """The request took longer than REQUEST_TIMEOUT, or a statement than STATEMENT_TIMEOUT."""
    OVERLOADED = "OVERLOADED"
    """The process serves all it can and its queue is full: retry shortly."""
    SHUTTING_DOWN = "SHUTTING_DOWN"
    """The process is draining before it stops (SIGTERM): send the request again."""
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    """Something the server did not expect; the message names an error id its log carries."""
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    """No document is registered under the id sent: send it with its document (Apollo's)."""
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    """PERSISTED_DOCUMENTS=off: send documents whole (Apollo's)."""
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    """The document sent is not the one its sha256Hash names."""
    PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
    """PERSISTED_DOCUMENTS=trusted and the document is not one of a registered manifest."""


def refusal(
    status_code: int,
    message: str,
    code: RefusalCode,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]},
        status_code=status_code,
        headers=headers,
    )
