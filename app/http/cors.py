"""CORS for the API: which pages on other origins may call it, and what they may send and read.

Keys travel in `Authorization`, never in cookies, so credentialed requests are not allowed; the
browser then sends no cookies, and `*` answers any origin without naming it.
"""

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Request-ID",
    # What Apollo Client and Apollo's CSRF prevention send alongside an operation.
    "Apollo-Require-Preflight",
    "Apollographql-Client-Name",
    "Apollographql-Client-Version",
    "X-Apollo-Operation-Name",
)
EXPOSED_HEADERS = (
    "X-Request-ID",  # what an operator asks for when a user reports a failure
    "Retry-After",  # when to retry after a 503
    "WWW-Authenticate",  # with a 401
)
PREFLIGHT_MAX_AGE_SECONDS = 600


def cors(origins: tuple[str, ...]) -> Middleware:
    """The middleware answering preflights and marking responses for `origins`."""
    return Middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=("GET", "POST"),
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
