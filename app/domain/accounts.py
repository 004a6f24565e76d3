"""A linked account's status (DESIGN §5.3)."""

from typing import Any

from app.domain.changes import auth_requires_reauthentication
from app.domain.definitions import parse_auth
from app.domain.enums import AccountStatus


def account_status(
    *,
    auth_config_active: bool,
    authenticated: Any | None,
    effective: Any | None,
) -> AccountStatus:
    """INACTIVE with its auth config; NEEDS_REAUTHENTICATION when the effective version's `auth`
    needs a MAJOR change from the version its credentials were captured under; else ACTIVE.

    `authenticated` and `effective` are (identity, auth) pairs or None: the identity names the
    content (a version's id and revision, since a forced overwrite keeps the id), `auth` is its
    definition's `auth` section (None without a definition). Credentials
    captured under no known version (never recorded, or that version deleted for good) need
    capturing again as soon as there is a version to run. Versions without definitions (IMAGE
    connectors) have no `auth` to compare, so only a change of identity could tell, and that
    alone is no reason.
    """
    if not auth_config_active:
        return AccountStatus.INACTIVE
    if effective is None:
        return AccountStatus.ACTIVE
    if authenticated is None:
        return AccountStatus.NEEDS_REAUTHENTICATION
    (authenticated_id, authenticated_auth), (effective_id, effective_auth) = (
        authenticated,
        effective,
    )
    if authenticated_id == effective_id:
        return AccountStatus.ACTIVE
    if authenticated_auth is None or effective_auth is None:
        return AccountStatus.ACTIVE
    if auth_requires_reauthentication(parse_auth(authenticated_auth), parse_auth(effective_auth)):
        return AccountStatus.NEEDS_REAUTHENTICATION
    return AccountStatus.ACTIVE
