"""A linked account's status (DESIGN §5.3), judged from its effective version's content.

The rule is `app.domain.accounts.account_status`; this names the contents it compares by
`ContentKey`, so that many accounts sharing a pair of contents are judged on one read of their
`auth` sections (the GraphQL layer batches `StatusOf` keys; an impact preview groups accounts in
SQL).
"""

from collections.abc import Mapping
from typing import NamedTuple

from app.domain.accounts import account_status
from app.domain.enums import AccountStatus
from app.services.versions.reads import AuthOfContent, ContentKey


class StatusOf(NamedTuple):
    """What an account's status depends on: whether its auth config is active, the content its
    credentials were captured for, and the content it runs now."""

    auth_config_active: bool
    authenticated: ContentKey | None
    effective: ContentKey | None

    @property
    def contents(self) -> tuple[ContentKey, ...]:
        """The contents whose `auth` the status compares."""
        return tuple(content for content in (self.authenticated, self.effective) if content)


def account_status_of(key: StatusOf, auth: Mapping[ContentKey, AuthOfContent]) -> AccountStatus:
    """`account_status` for contents named by key, with their `auth` read already (a content
    missing from `auth` was deleted for good)."""
    authenticated, effective = key.authenticated, key.effective
    return account_status(
        auth_config_active=key.auth_config_active,
        authenticated=None if authenticated is None else auth.get(authenticated),
        effective=None if effective is None else auth.get(effective),
    )
