"""The event catalogue: every kind of change the history records, and what its payload holds.

Stored rows keep the dotted value (`version.published`); GraphQL shows the member's name
(`VERSION_PUBLISHED`). Every writer of events names a member here, so this module is the whole
vocabulary a worker reading the history has to know.
"""

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    PROJECT_CREATED = "project.created"
    PROJECT_SETTINGS_UPDATED = "project.settings_updated"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    CONNECTOR_CREATED = "connector.created"
    CONNECTOR_UPDATED = "connector.updated"
    VERSION_CREATED = "version.created"
    VERSION_UPDATED = "version.updated"
    VERSION_PUBLISHED = "version.published"
    VERSION_PUSHED = "version.pushed"
    VERSION_OVERWRITTEN = "version.overwritten"
    VERSION_DEPLOYMENT_STEP = "version.deployment_step"
    VERSION_DEPRECATED = "version.deprecated"
    VERSION_UNDEPRECATED = "version.undeprecated"
    VERSION_BINNED = "version.binned"
    VERSION_RESTORED = "version.restored"
    VERSION_DELETED = "version.deleted"
    VERSION_ASSIGNED = "version.assigned"
    VERSION_UNASSIGNED = "version.unassigned"
    AUTH_CONFIG_CREATED = "auth_config.created"
    AUTH_CONFIG_PINNED = "auth_config.pinned"
    AUTH_CONFIG_ACTIVATED = "auth_config.activated"
    AUTH_CONFIG_DEACTIVATED = "auth_config.deactivated"
    AUTH_CONFIG_UPDATED = "auth_config.updated"
    AUTH_CONFIG_DELETED = "auth_config.deleted"
    ROLLOUT_STARTED = "rollout.started"
    ROLLOUT_PERCENT_CHANGED = "rollout.percent_changed"
    ROLLOUT_COMPLETED = "rollout.completed"
    ROLLOUT_ABORTED = "rollout.aborted"
    ACCOUNT_LINKED = "account.linked"
    ACCOUNT_REAUTHENTICATED = "account.reauthenticated"
    ACCOUNT_UNLINKED = "account.unlinked"
    DEMO_SEEDED = "demo.seeded"


@dataclass(frozen=True)
class EventKindDoc:
    """What an event of one kind means, and its payload's fields (name → meaning)."""

    meaning: str
    payload: dict[str, str]

    def describe(self) -> str:
        fields = "; ".join(f"{name}: {text}" for name, text in self.payload.items())
        return f"{self.meaning} Payload: {{{fields}}}." if fields else f"{self.meaning} No payload."


_VERSION = {"version": "the version number"}
_STATE_CHANGE = "the deployment state {from, to}"
_BUMP = "the bump the definition needs over the previous version (PATCH, MINOR, MAJOR or null)"
_CONTENT = {
    **_VERSION,
    "revision": "the content revision, 1 for the first content",
    "contentHash": "the hash of the version's content",
    "requiredBump": _BUMP,
}
_ASSIGNMENT = {
    **_VERSION,
    "assignmentId": "the assignment's id",
    "siteId": "the site",
    "kind": "DATASOURCE, EXPORT or DATA_SERVICE",
    "externalReference": "the datasource's, export's or data service's reference, or null",
}
_ROLLOUT = {
    "rolloutId": "the rollout's id (its accounts' buckets derive from it)",
    "targetVersion": "the target's version number",
    "targetSource": "the target's source, MANAGED or CUSTOM",
    "revision": "the auth config's new revision",
}

EVENT_KINDS: dict[EventKind, EventKindDoc] = {
    EventKind.PROJECT_CREATED: EventKindDoc(
        "A project was created, with its first ADMIN key.",
        {"slug": "the project's slug", "name": "its name", "apiKeyId": "the ADMIN key's id"},
    ),
    EventKind.PROJECT_SETTINGS_UPDATED: EventKindDoc(
        "A project's settings changed.",
        {"immutableVersioning": "the setting {from, to}"},
    ),
    EventKind.API_KEY_CREATED: EventKindDoc(
        "An API key was issued.",
        {
            "apiKeyId": "the key's id",
            "name": "its name",
            "role": "its role",
            "expiresAt": "when it stops working (ISO 8601) or null",
        },
    ),
    EventKind.API_KEY_REVOKED: EventKindDoc(
        "An API key was revoked.",
        {"apiKeyId": "the key's id", "name": "its name", "role": "its role"},
    ),
    EventKind.CONNECTOR_CREATED: EventKindDoc(
        "A connector was created.",
        {
            "key": "the connector's key",
            "runtime": "DEFINITION or IMAGE",
            "managed": "true for a managed (platform) connector",
        },
    ),
    EventKind.CONNECTOR_UPDATED: EventKindDoc(
        "A connector's name or description changed (its key never does).",
        {
            "name": "the name {from, to}, when it changed",
            "description": "the description {from, to}, when it changed",
        },
    ),
    EventKind.VERSION_CREATED: EventKindDoc("A draft version was created.", _VERSION),
    EventKind.VERSION_UPDATED: EventKindDoc(
        "A draft version's content was edited.",
        {**_VERSION, "fields": "the names of the fields that changed", "state": _STATE_CHANGE},
    ),
    EventKind.VERSION_PUBLISHED: EventKindDoc(
        "A draft was published.", {**_VERSION, "requiredBump": _BUMP}
    ),
    EventKind.VERSION_PUSHED: EventKindDoc(
        "A version was pushed: created and published at once, or a draft published with it.",
        _CONTENT,
    ),
    EventKind.VERSION_OVERWRITTEN: EventKindDoc(
        "A published version's content was replaced by force (immutable versioning off).",
        _CONTENT,
    ),
    EventKind.VERSION_DEPLOYMENT_STEP: EventKindDoc(
        "A deployment step of an IMAGE version was recorded.",
        {
            **_VERSION,
            "step": "the DeploymentStep",
            "outcome": "SUCCEEDED or FAILED",
            "state": _STATE_CHANGE,
        },
    ),
    EventKind.VERSION_DEPRECATED: EventKindDoc(
        "A version was deprecated (or its message or sunset changed).",
        {
            **_VERSION,
            "message": "the deprecation message or null",
            "sunsetAt": "the sunset moment (ISO 8601) or null",
        },
    ),
    EventKind.VERSION_UNDEPRECATED: EventKindDoc("A version's deprecation was lifted.", _VERSION),
    EventKind.VERSION_BINNED: EventKindDoc("A version was moved to the bin.", _VERSION),
    EventKind.VERSION_RESTORED: EventKindDoc("A version was restored from the bin.", _VERSION),
    EventKind.VERSION_DELETED: EventKindDoc(
        "A binned version was deleted permanently; the payload keeps what identified it.",
        {
            **_VERSION,
            "connectorKey": "its connector's key",
            "managed": "true for a managed connector",
            "contentHash": "the hash of its content",
            "vcs": "its config's vcs or null",
            "execution": "its config's execution or null",
            "devEnvironment": "its dev environment or null",
            "prodEnvironment": "its prod environment or null",
        },
    ),
    EventKind.VERSION_ASSIGNED: EventKindDoc(
        "A published version was assigned to a site; it stays in use until it is unassigned.",
        _ASSIGNMENT,
    ),
    EventKind.VERSION_UNASSIGNED: EventKindDoc(
        "A version's site assignment was removed.", _ASSIGNMENT
    ),
    EventKind.AUTH_CONFIG_CREATED: EventKindDoc(
        "An auth config was created.",
        {
            "connectorKey": "its connector's key",
            "name": "its name",
            "pin": "its pin or null",
            "pinSource": "ANY, MANAGED or CUSTOM",
        },
    ),
    EventKind.AUTH_CONFIG_PINNED: EventKindDoc(
        "An auth config's pin or pin source changed.",
        {
            "from": "{pin, pinSource} before",
            "to": "{pin, pinSource} after",
            "revision": "its new revision",
        },
    ),
    EventKind.AUTH_CONFIG_ACTIVATED: EventKindDoc(
        "An auth config was switched on.",
        {"active": "true", "revision": "its new revision"},
    ),
    EventKind.AUTH_CONFIG_DEACTIVATED: EventKindDoc(
        "An auth config was switched off.",
        {"active": "false", "revision": "its new revision"},
    ),
    EventKind.AUTH_CONFIG_UPDATED: EventKindDoc(
        "An auth config was renamed.",
        {"name": "the name {from, to}", "revision": "its new revision"},
    ),
    EventKind.AUTH_CONFIG_DELETED: EventKindDoc(
        "An auth config with no linked accounts was deleted; the payload keeps what identified "
        "it (the event row keeps its id).",
        {
            "name": "its name",
            "connectorKey": "its connector's key",
            "revision": "its last revision",
        },
    ),
    EventKind.ROLLOUT_STARTED: EventKindDoc(
        "A rollout of a target version to a percentage of an auth config's accounts started.",
        {**_ROLLOUT, "percent": "the percentage of accounts in it"},
    ),
    EventKind.ROLLOUT_PERCENT_CHANGED: EventKindDoc(
        "A running rollout's percentage changed.",
        {**_ROLLOUT, "percent": "the percentage {from, to}"},
    ),
    EventKind.ROLLOUT_COMPLETED: EventKindDoc(
        "A rollout ended with its target as the auth config's exact pin.",
        {
            **_ROLLOUT,
            "percent": "the percentage it had reached",
            "from": "{pin, pinSource} before",
            "to": "{pin, pinSource} after",
        },
    ),
    EventKind.ROLLOUT_ABORTED: EventKindDoc(
        "A rollout ended with every account back on the auth config's own resolution.",
        {**_ROLLOUT, "percent": "the percentage it had reached"},
    ),
    EventKind.ACCOUNT_LINKED: EventKindDoc(
        "An account was linked to an auth config.",
        {
            "externalId": "the account's external id",
            "authenticatedVersion": "the version it authenticated under, or null",
        },
    ),
    EventKind.ACCOUNT_REAUTHENTICATED: EventKindDoc(
        "A linked account authenticated again.",
        {
            "fromVersionId": "the row id of the version it had authenticated under, or null",
            "authenticatedVersion": "the version it authenticated under now, or null",
        },
    ),
    EventKind.ACCOUNT_UNLINKED: EventKindDoc(
        "A linked account was unlinked (deleted) from its auth config.",
        {"externalId": "the account's external id"},
    ),
    EventKind.DEMO_SEEDED: EventKindDoc("`connector-registry demo` seeded the demo project.", {}),
}
