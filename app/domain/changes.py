"""Breaking-change classification (DESIGN §4): which bump a change between two definitions needs.

MAJOR: auth type changed; a scope added; a required credential field added or removed, or an
optional one made required; an action removed; a param removed, retyped, made required, or its
default changed (a default added or removed counts as changed); a required param added; a response
field removed or retyped; a nested object restructured; pagination added, changed or removed; a
filter changed (type or operators) or removed. A rename is a removal plus an addition.
MINOR: an action added; an optional param added; a response field added, at any depth (required or
not: consumers of a response ignore what they do not read); a filter added.
PATCH: descriptions, and anything that changes no shape.

Decisions for cases §4 does not name:
- A scope removed is PATCH: credentials granted the old scopes keep working.
- An optional credential field added or removed is MINOR: existing credentials stay valid, but the
  form a user fills in changes.
- A required credential field made optional is MINOR (existing credentials stay valid).
- A param made optional is MINOR (every existing call still works).
- A response field made optional (required -> not) is MAJOR: consumers relied on its presence.
  Made required is MINOR: a stronger promise.
- Pagination added where there was none is MAJOR: it changes the shape of results (a caller that
  read one response now gets only the first page).
- Response fields are compared recursively: a nested field removed, retyped or made optional is
  MAJOR, a nested field added is MINOR. A field going from no nested fields to some, or from some
  to none, is a restructure (MAJOR). A retyped field is one change: its nested fields are not
  compared further.
- Any change to an existing filter's type or operators is MAJOR (§4: "filters changed"), adding an
  operator included.
- Order does not matter: actions, params, response fields, filters, credential fields, scopes and
  operators are matched by name, so reordering them is no change at all.
- Default values are compared as JSON: 1 and 1.0, or 1 and true, are different defaults.
- Every change under `auth` has `affects_auth=True`; those that are MAJOR mean linked accounts
  must re-authenticate (§5.3, `requires_reauthentication`).

Paths name things by id and name, not by position, since positions differ between the two
definitions: `auth.scopes[crm.read]`, `actions[list_contacts].params[limit].default`,
`actions[get_contact].response[company].fields[name]`.
"""

from app.domain.action_changes import actions_changes, match_by_name
from app.domain.bumps import Bump, Change, declared_bump, required_bump
from app.domain.definitions import Auth, ConnectorDefinition, CredentialField

__all__ = [
    "Bump",
    "Change",
    "auth_requires_reauthentication",
    "classify_changes",
    "declared_bump",
    "required_bump",
    "requires_reauthentication",
]


def classify_changes(old: ConnectorDefinition, new: ConnectorDefinition) -> list[Change]:
    """Every change from `old` to `new` with the bump it needs, sorted by path."""
    changes = [*_auth_changes(old.auth, new.auth), *actions_changes(old.actions, new.actions)]
    return sorted(changes, key=lambda change: (change.path, -change.bump.rank, change.description))


def requires_reauthentication(old: ConnectorDefinition, new: ConnectorDefinition) -> bool:
    """Whether credentials captured under `old` may not work under `new` (DESIGN §5.3)."""
    return auth_requires_reauthentication(old.auth, new.auth)


def auth_requires_reauthentication(old: Auth, new: Auth) -> bool:
    """The same, from the `auth` sections alone: only changes under `auth` affect credentials."""
    return any(change.bump is Bump.MAJOR for change in _auth_changes(old, new))


# --- auth -------------------------------------------------------------------------------------


def _auth_changes(old: Auth, new: Auth) -> list[Change]:
    changes: list[Change] = []
    if old.type != new.type:
        description = f"auth type changed from {old.type!r} to {new.type!r}"
        changes.append(_auth(Bump.MAJOR, "auth.type", description))
    for scope in sorted(set(new.scopes) - set(old.scopes)):
        changes.append(_auth(Bump.MAJOR, f"auth.scopes[{scope}]", f"scope {scope!r} was added"))
    for scope in sorted(set(old.scopes) - set(new.scopes)):
        changes.append(_auth(Bump.PATCH, f"auth.scopes[{scope}]", f"scope {scope!r} was removed"))
    fields = match_by_name(old.fields, new.fields, lambda field: field.name)
    for field in fields.removed:
        changes.append(_credential_field_presence(field, "removed"))
    for field in fields.added:
        changes.append(_credential_field_presence(field, "added"))
    for before, after in fields.kept:
        changes += _credential_field_changes(before, after)
    return changes


def _credential_field_presence(field: CredentialField, what: str) -> Change:
    """Adding or removing a required field breaks existing credentials; an optional one does not."""
    bump = Bump.MAJOR if field.required else Bump.MINOR
    description = (
        f"{'required' if field.required else 'optional'} credential field {field.name!r} was {what}"
    )
    return _auth(bump, f"auth.fields[{field.name}]", description)


def _credential_field_changes(old: CredentialField, new: CredentialField) -> list[Change]:
    path, name = f"auth.fields[{old.name}]", old.name
    changes: list[Change] = []
    if old.required != new.required:
        bump = Bump.MAJOR if new.required else Bump.MINOR
        description = (
            f"credential field {name!r} is now {'required' if new.required else 'optional'}"
        )
        changes.append(_auth(bump, f"{path}.required", description))
    if old.description != new.description:
        description = f"description of credential field {name!r} changed"
        changes.append(_auth(Bump.PATCH, f"{path}.description", description))
    return changes


def _auth(bump: Bump, path: str, description: str) -> Change:
    return Change(bump=bump, path=path, description=description, affects_auth=True)
