"""Cursors built by hand, as a client forging or mangling them would: base64url of JSON."""

import base64
import json

# The largest values of each kind a sort key holds: a cursor made of them is past every row.
LAST_TIMESTAMP = "9999-12-31T23:59:59+00:00"
LAST_ROW_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff"


def document_cursor(document: object) -> str:
    """A cursor holding any JSON document."""
    text = json.dumps(document, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def keyset_cursor(shape: str, values: object, *, version: object = 1) -> str:
    """A cursor in this API's format: the list's sort key shape and one row's values."""
    return document_cursor({"v": version, "s": shape, "k": values})
