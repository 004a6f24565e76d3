"""Connector definitions for the version tests: a base definition and edits to it, each a change
of a known bump (DESIGN §4), and version numbers at and past what the database holds."""

import copy
from collections.abc import Callable
from typing import Any

Json = dict[str, Any]

BASE: Json = {
    "auth": {
        "type": "oauth2",
        "scopes": ["contacts.read"],
        "fields": [{"name": "client_id", "required": True}],
    },
    "actions": [
        {
            "id": "list_contacts",
            "description": "List contacts",
            "params": [{"name": "limit", "type": "integer", "default": 50}],
            "response": [
                {"name": "id", "type": "string", "required": True},
                {"name": "email", "type": "string"},
            ],
        },
        {
            "id": "get_contact",
            "params": [{"name": "id", "type": "string", "required": True}],
            "response": [{"name": "id", "type": "string", "required": True}],
        },
    ],
}

Edit = Callable[[Json], None]


def edited(definition: Json, *edits: Edit) -> Json:
    """A copy of `definition` with the edits applied; the original is left alone."""
    result = copy.deepcopy(definition)
    for edit in edits:
        edit(result)
    return result


def _action(definition: Json, action_id: str) -> Json:
    (action,) = [a for a in definition["actions"] if a["id"] == action_id]
    return action  # type: ignore[no-any-return]


def describe(action_id: str, text: str) -> Edit:
    """PATCH: a description changes, no shape does."""

    def edit(definition: Json) -> None:
        _action(definition, action_id)["description"] = text

    return edit


def add_action(action_id: str) -> Edit:
    """MINOR: an action is added."""

    def edit(definition: Json) -> None:
        definition["actions"].append({"id": action_id})

    return edit


def remove_action(action_id: str) -> Edit:
    """MAJOR: an action is removed."""

    def edit(definition: Json) -> None:
        definition["actions"] = [a for a in definition["actions"] if a["id"] != action_id]

    return edit


def add_optional_param(action_id: str, name: str) -> Edit:
    """MINOR: an optional param is added."""

    def edit(definition: Json) -> None:
        _action(definition, action_id).setdefault("params", []).append(
            {"name": name, "type": "string"}
        )

    return edit


def set_auth_type(auth_type: str) -> Edit:
    """MAJOR, affecting auth."""

    def edit(definition: Json) -> None:
        definition["auth"]["type"] = auth_type

    return edit


def add_scope(scope: str) -> Edit:
    """MAJOR, affecting auth."""

    def edit(definition: Json) -> None:
        definition["auth"]["scopes"].append(scope)

    return edit


def remove_scope(scope: str) -> Edit:
    """PATCH, affecting auth."""

    def edit(definition: Json) -> None:
        definition["auth"]["scopes"].remove(scope)

    return edit


PATCH_CHANGE = describe("list_contacts", "List every contact")
MINOR_CHANGE = add_action("export_contacts")
MAJOR_CHANGE = remove_action("get_contact")

# The widest numbers the version columns hold on both databases, and numbers just past them.
LONGEST_NUMBER = "1.0.0-" + "a" * 122
LARGEST_NUMBER = "2147483647.2147483647.2147483647"
INVALID_NUMBERS = [
    "v1.0",
    "1.0",
    "1.0.0+build",
    "1.0.0+build.5",
    "",
    "latest",
    "1.x.x",
    "01.0.0",
    LONGEST_NUMBER + "a",
    "2147483648.0.0",
    "1.0.2147483648",
    "99999999999999999999.0.0",
]
