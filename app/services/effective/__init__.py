"""The effective version: what each auth config and linked account runs, and why (DESIGN §5).

The rules are in `app.domain.resolution` and `app.domain.rollouts`; this package loads what they
need, keeps the candidates in memory per process, and answers for batches of auth configs and
accounts in one read (`read`), the only place that assembles the answer."""

from app.services.effective.read import (
    AccountEffectiveVersion,
    AccountsEffectiveVersions,
    AuthConfigEffectiveVersion,
    EffectiveVersionRead,
    account_effective_version,
    auth_config_effective_version,
    effective_version_now,
)
from app.services.effective.status import StatusOf, account_status_of

__all__ = [
    "AccountEffectiveVersion",
    "AccountsEffectiveVersions",
    "AuthConfigEffectiveVersion",
    "EffectiveVersionRead",
    "StatusOf",
    "account_effective_version",
    "account_status_of",
    "auth_config_effective_version",
    "effective_version_now",
]
