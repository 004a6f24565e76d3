"""A linked account's status (DESIGN §5.3)."""

from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

from app.domain.changes import auth_requires_reauthentication
from app.domain.definitions import parse_auth
from app.domain.enums import AccountStatus


class JudgedContent(Protocol):
    """One content of a version as a status judges it: which content it is (a version's id and
    revision, since a forced overwrite keeps the id) and its definition's `auth` section (None
    without a definition)."""

    @property
    def version_id(self) -> UUID: ...

    @property
    def revision(self) -> int: ...

    @property
    def auth(self) -> Mapping[str, Any] | None: ...


def account_status(
    *,
    auth_config_active: bool,
    authenticated: JudgedContent | None,
    effective: JudgedContent | None,
) -> AccountStatus:
    """INACTIVE with its auth config; NEEDS_REAUTHENTICATION when the effective version's `auth`
    needs a MAJOR change from the version its credentials were captured under; else ACTIVE.

    Credentials captured under no known version (`authenticated` None: never recorded, or that
    version deleted for good) need capturing again as soon as there is a version to run.
    Versions without definitions (IMAGE connectors) have no `auth` to compare, so only a change
    of content could tell, and that alone is no reason.
    """
    if not auth_config_active:
        return AccountStatus.INACTIVE
    if effective is None:
        return AccountStatus.ACTIVE
    if authenticated is None:
        return AccountStatus.NEEDS_REAUTHENTICATION
    same = (authenticated.version_id, authenticated.revision) == (
        effective.version_id,
        effective.revision,
    )
    if same or authenticated.auth is None or effective.auth is None:
        return AccountStatus.ACTIVE
    if auth_requires_reauthentication(parse_auth(authenticated.auth), parse_auth(effective.auth)):
        return AccountStatus.NEEDS_REAUTHENTICATION
    return AccountStatus.ACTIVE
