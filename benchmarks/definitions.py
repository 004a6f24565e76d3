"""Realistic connector definitions for the benchmark: a CRM-like API of 30 to 47 KB of JSON.

Each definition has an OAuth2 `auth` block and a few dozen actions with params, nested response
fields, cursor pagination and filters, the shape real connectors have. They are deterministic
(seeded), pass `app.domain.definitions.parse_definition`, and are stored in canonical form
(`definition_to_json`), as the app stores what it is sent.
"""

import copy
import random
from functools import lru_cache
from typing import Any

from app.domain.definitions import definition_to_json, parse_definition

_OBJECTS = (
    "contact", "company", "deal", "ticket", "invoice", "product", "quote", "order", "task",
    "note", "call", "meeting", "email", "campaign", "list", "owner", "pipeline", "stage",
    "line_item", "subscription", "payment", "refund", "lead", "opportunity", "account",
    "activity", "attachment", "comment", "team", "user", "webhook", "territory",
)  # fmt: skip
_SCALARS = ("string", "integer", "number", "boolean", "date", "datetime")
_FIELD_NAMES = (
    "id", "name", "email", "phone", "status", "owner_id", "amount", "currency", "created_at",
    "updated_at", "archived", "priority", "source", "external_ref", "score", "due_date",
    "closed_at", "description", "url", "country", "city", "postal_code", "industry", "size",
)  # fmt: skip


def _fields(rng: random.Random, count: int, *, nested: bool) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    for name in rng.sample(_FIELD_NAMES, count):
        field: dict[str, Any] = {
            "name": name,
            "type": rng.choice(_SCALARS),
            "required": name == "id",
            "description": f"The record's {name.replace('_', ' ')}.",
        }
        fields.append(field)
    if nested:
        fields.append(
            {
                "name": "address",
                "type": "object",
                "description": "Postal address.",
                "fields": _fields(rng, 5, nested=False),
            }
        )
        fields.append(
            {
                "name": "tags",
                "type": "array",
                "description": "Labels attached to the record.",
                "fields": [{"name": "label", "type": "string", "required": True}],
            }
        )
    return fields


def _action(rng: random.Random, verb: str, thing: str) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": "limit", "type": "integer", "default": 100, "description": "Page size."},
        {"name": "cursor", "type": "string", "description": "Where the previous page ended."},
    ]
    if verb in ("get", "update", "delete"):
        params = [{"name": "id", "type": "string", "required": True, "description": "Its id."}]
    params += [
        {"name": f"include_{name}", "type": "boolean", "default": False}
        for name in rng.sample(_FIELD_NAMES, rng.randint(1, 3))
    ]
    action: dict[str, Any] = {
        "id": f"{verb}_{thing}s" if verb == "list" else f"{verb}_{thing}",
        "description": f"{verb.capitalize()} {thing.replace('_', ' ')} records of the CRM.",
        "params": params,
        "response": _fields(rng, rng.randint(7, 10), nested=True),
    }
    if verb == "list":
        action["pagination"] = {"type": "cursor", "cursorParam": "cursor", "pageSize": 100}
        action["filters"] = [
            {"name": name, "type": "string", "operators": ["eq", "in", "contains"]}
            for name in rng.sample(_FIELD_NAMES, 3)
        ]
    return action


def definition(seed: int, *, note: str = "") -> dict[str, Any]:
    """A canonical definition of 30 to 47 KB; the same `seed` gives the same document.

    `note` goes into every action's description, so that versions with the same seed still
    differ in content (a patch release). Descriptions change no shape, so the document stays
    valid without being parsed again (parsing costs milliseconds, and there are thousands).
    """
    document = copy.deepcopy(_canonical(seed))
    if note:
        for action in document["actions"]:
            action["description"] += f" {note}"
    return document


@lru_cache(maxsize=64)
def _canonical(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    things = rng.sample(_OBJECTS, rng.randint(7, 9))
    actions = [_action(rng, verb, thing) for thing in things for verb in ("list", "get")]
    raw = {
        "auth": {
            "type": "oauth2",
            "scopes": [f"crm.{thing}.read" for thing in things],
            "fields": [
                {"name": "client_id", "required": True, "description": "OAuth client id."},
                {"name": "client_secret", "required": True, "description": "OAuth secret."},
                {"name": "subdomain", "description": "The account's subdomain, if any."},
            ],
        },
        "actions": actions,
    }
    return definition_to_json(parse_definition(raw))
