"""The client side of `connector-registry push FILE`: read a connector definition file, send it to a
running registry as the `pushVersion` mutation, and say what happened in words.

The file (YAML or JSON) is the connector definition with its metadata beside it, StackOne-style:

    key: crm                 # the connector's key (required)
    version: 1.2.0           # the version to push (required)
    name: CRM                # optional, as are description, readme and config
    auth: {type: oauth2, scopes: [contacts.read]}
    actions: [{id: list_contacts}]

Everything but `key`, `version`, `name`, `description`, `readme` and `config` is the definition, so
a stray key reaches the server's definition check and comes back as a problem at its path rather
than being dropped here. This package talks to the server over HTTP only, like any other client:
`files` reads the file, `client` sends the mutation, `report` puts the outcome into words.
`connector-registry impact FILE` asks what the push would do instead (`impact`).
"""

from app.push.client import (
    DEFAULT_URL,
    Change,
    Problem,
    Pushed,
    PushError,
    PushResult,
    Refused,
    graphql_endpoint,
    push,
    result_of,
)
from app.push.files import PushFile, PushFileError, parse_push_document, read_push_file
from app.push.impact import Move, Preview, preview
from app.push.report import describe, describe_preview

__all__ = [
    "DEFAULT_URL",
    "Change",
    "Move",
    "Preview",
    "Problem",
    "PushError",
    "PushFile",
    "PushFileError",
    "PushResult",
    "Pushed",
    "Refused",
    "describe",
    "describe_preview",
    "graphql_endpoint",
    "parse_push_document",
    "preview",
    "push",
    "read_push_file",
    "result_of",
]
