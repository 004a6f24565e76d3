"""`X-Request-ID`: the caller's when it is safe to log and echo, a new one otherwise.

`RequestObservation` (`app.observability.middleware`) gives every HTTP request and websocket its
id and echoes it on every HTTP answer, as asgi-correlation-id's middleware did; the id is kept
in that package's context variable (`correlation_id`), where its log filter looks for it.
"""

import logging
import re
import uuid

from asgi_correlation_id import correlation_id
from starlette.datastructures import MutableHeaders
from starlette.types import Scope

HEADER = "X-Request-ID"
HEADER_KEY = HEADER.lower().encode("latin-1")
"""The header's name as the server hands it over (lower case, bytes)."""
MAX_LENGTH = 128
# Letters, digits and a few separators: enough for UUIDs, trace ids and load balancers' ids,
# and nothing that could forge a log line or a header.
_SAFE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}")

# The warning asgi-correlation-id's middleware wrote, under its logger's name, for an id refused.
_REFUSED_ID_LOGGER = logging.getLogger("asgi_correlation_id")
_REFUSED_ID_MESSAGE = "Generated new request ID (%s), since request header value failed validation"


def is_acceptable(value: str) -> bool:
    return _SAFE.fullmatch(value) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return correlation_id.get()


def start_request_id(scope: Scope) -> str:
    """The request's id, made current: the caller's `X-Request-ID` when it is acceptable, else
    a new one, which then replaces the caller's in the request's headers."""
    given: str | None = None
    for key, value in scope["headers"]:
        if key == HEADER_KEY:
            given = value.decode("latin-1")
            break
    if not given:
        request_id = new_request_id()
    elif not is_acceptable(given):
        request_id = new_request_id()
        _REFUSED_ID_LOGGER.warning(_REFUSED_ID_MESSAGE, request_id)
    else:
        request_id = given
    if request_id != given:
        MutableHeaders(scope=scope)[HEADER] = request_id
    correlation_id.set(request_id)
    return request_id
