"""Relay connections over keyset pages: `first` between 1 and 100, cursors that carry a sort key.

A cursor is opaque to clients: base64url of a small JSON document holding a format number, the
shape of the list's sort key and the values of one row's sort key. A page is what comes after
that key, so a cursor stays a valid position while rows come and go. Anything that does not
decode to the list's shape is refused as `INVALID_INPUT` before it reaches a query; a cursor of
another list of the same shape is simply a position in this one (the query still filters by
what the caller may see).
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from app.graphql.context import Info
from app.graphql.errors import PublicError
from app.graphql.relay.cursor_values import (
    CONNECTOR_KEY,
    EVENT_ID,
    MANAGED,
    PROJECT_SLUG,
    ROW_ID,
    TIMESTAMP,
    VERSION_NUMBER,
    Value,
)
from app.services.pages import Page, PageRequest, SortKey

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURSOR_FORMAT = 1
# Real cursors are under 150 characters; anything much longer is refused before decoding.
_MAX_CURSOR_LENGTH = 512

FIRST_DESCRIPTION = f"How many to return: 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
AFTER_DESCRIPTION = "Return what comes after this cursor (an edge's `cursor`)."

First = Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class CursorShape:
    """The sort key a list's cursors carry: its name, and the kind of each of its values."""

    name: str
    values: tuple[Value, ...]


CREATED_ORDER = CursorShape("created", (TIMESTAMP, ROW_ID))
"""Oldest first by creation: auth configs, linked accounts, API keys."""
CONNECTOR_ORDER = CursorShape("connector", (CONNECTOR_KEY, MANAGED, ROW_ID))
"""By key, custom before managed."""
EVENT_ORDER = CursorShape("event", (EVENT_ID,))
"""Newest first by id."""
VERSION_ORDER = CursorShape("version", (VERSION_NUMBER,))
"""Highest first by semver precedence."""
PROJECT_ORDER = CursorShape("project", (PROJECT_SLUG,))
"""Projects by slug."""


def encode_cursor(shape: CursorShape, key: SortKey) -> str:
    values = [value.dump(item) for value, item in zip(shape.values, key, strict=True)]
    document = {"v": CURSOR_FORMAT, "s": shape.name, "k": values}
    text = json.dumps(document, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(shape: CursorShape, cursor: str) -> SortKey:
    """The sort key in `cursor`, or INVALID_INPUT naming `after`."""
    try:
        return _decoded(shape, cursor)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeError, RecursionError):
        shown = cursor if len(cursor) <= 80 else cursor[:80] + "…"
        raise PublicError(f"after: {shown!r} is not a cursor of this list") from None


def _decoded(shape: CursorShape, cursor: str) -> SortKey:
    if not cursor or len(cursor) > _MAX_CURSOR_LENGTH:
        raise ValueError("no cursor has this length")
    raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
    document = json.loads(raw.decode())
    if not isinstance(document, dict) or set(document) != {"v", "s", "k"}:
        raise ValueError("not a cursor document")
    if document["v"] != CURSOR_FORMAT or document["s"] != shape.name:
        raise ValueError("a cursor of another format or list")
    values = document["k"]
    if not isinstance(values, list) or len(values) != len(shape.values):
        raise ValueError("not this list's sort key")
    return tuple(value.load(item) for value, item in zip(shape.values, values, strict=True))


def page_request(
    first: int, after: str | None, shape: CursorShape, *, count: bool = False
) -> PageRequest:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise PublicError(f"first: must be between 1 and {MAX_PAGE_SIZE}, got {first}")
    key = None if after is None else decode_cursor(shape, after)
    return PageRequest(limit=first, after=key, count=count)


def selects_total_count(info: Info) -> bool:
    """Whether the request asks this connection field for `totalCount` (through fragments too):
    counting every row costs more than a page, so it runs only for those who read it."""
    return selects(info, "totalCount")


def selects(info: Info, *path: str) -> bool:
    """Whether the request selects the field `path` (names, e.g. "edges", "node", "status")
    under the field being resolved, through fragments too."""
    return any(_selects(field.selections, path) for field in info.selected_fields)


def _selects(selections: Sequence[Selection], path: Sequence[str]) -> bool:
    name, rest = path[0], path[1:]
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name and (not rest or _selects(selection.selections, rest)):
                return True
        elif isinstance(selection, FragmentSpread | InlineFragment) and _selects(
            selection.selections, path
        ):
            return True
    return False


@strawberry.type
class Counted:
    """A connection's `totalCount`, counted only when the request selects it."""

    total: strawberry.Private[int | None]

    @strawberry.field(description="How many there are in all.")
    def total_count(self) -> int:
        if self.total is None:
            # The resolver decides whether to count from the selection; reaching here means
            # it misread the selection, which must be loud rather than a wrong 0.
            raise RuntimeError("totalCount was selected but not counted")
        return self.total


def selects_cursors(info: Info) -> bool:
    """Whether the request reads any cursor of this connection: an edge's, or `pageInfo`'s."""
    return selects(info, "edges", "cursor") or selects(info, "pageInfo")


UNREAD_CURSOR = ""
"""An edge's cursor when the request reads none: encoding one costs more than its node's
answer in a page of accounts that only reads their effective version."""


def to_connection(
    connection: type[C],
    page: Page[Any],
    convert: Callable[[Any], Any],
    shape: CursorShape,
    *,
    cursors: bool = True,
) -> C:
    """`cursors`: False when the request reads no cursor (`selects_cursors`)."""
    edges = [
        relay.Edge(
            cursor=encode_cursor(shape, key) if cursors else UNREAD_CURSOR, node=convert(item)
        )
        for key, item in zip(page.keys, page.items, strict=True)
    ]
    page_info = relay.PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return connection(edges=edges, page_info=page_info, total=page.total)  # type: ignore[call-arg]
