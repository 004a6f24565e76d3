"""`X-Request-ID`: the caller's when it is safe to log and echo, a new one otherwise."""

import re
import uuid

from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from starlette.middleware import Middleware

HEADER = "X-Request-ID"
MAX_LENGTH = 128
# Letters, digits and a few separators: enough for UUIDs, trace ids and load balancers' ids,
# and nothing that could forge a log line or a header.
_SAFE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}")


def is_acceptable(value: str) -> bool:
    return _SAFE.fullmatch(value) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return correlation_id.get()


def request_id_middleware() -> Middleware:
    return Middleware(
        CorrelationIdMiddleware,
        header_name=HEADER,
        generator=new_request_id,
        validator=is_acceptable,
    )
