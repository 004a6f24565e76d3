"""Relay connections over offset pages: opaque cursors, `first` between 1 and 100."""

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import relay

from app.graphql.errors import PublicError
from app.services.pages import Page, PageRequest

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_CURSOR_PREFIX = "offset:"
# Far beyond any real list; keeps OFFSET and `offset + limit` within the databases' 64-bit ints.
_MAX_OFFSET = 2**62

FIRST_DESCRIPTION = f"How many to return: 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
AFTER_DESCRIPTION = "Return what comes after this cursor (an edge's `cursor`)."

First = Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]

C = TypeVar("C")


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        offset = int(text.removeprefix(_CURSOR_PREFIX)) if text.startswith(_CURSOR_PREFIX) else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if not 0 <= offset <= _MAX_OFFSET:
        raise PublicError(f"after: {cursor!r} is not a cursor from this API")
    return offset


def page_request(first: int, after: str | None) -> PageRequest:
    limit = first
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise PublicError(f"first: must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
    offset = 0 if after is None else decode_cursor(after) + 1
    return PageRequest(offset=offset, limit=limit)


def to_connection(connection: type[C], page: Page[Any], convert: Callable[[Any], Any]) -> C:
    edges = [
        relay.Edge(cursor=encode_cursor(page.offset + index), node=convert(item))
        for index, item in enumerate(page.items)
    ]
    page_info = relay.PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.offset > 0,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return connection(edges=edges, page_info=page_info, total_count=page.total)  # type: ignore[call-arg]
