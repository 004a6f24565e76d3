"""The domain's vocabularies, exposed as GraphQL enums.

`strawberry.enum` registers the domain's own classes, so `app.graphql.enums.PinSource` *is*
`app.domain.enums.PinSource`: a value read from an input is already the domain's value, and is
passed to the services as it is, with no conversion and no second name.
"""

import strawberry

from app.domain.bumps import Bump
from app.domain.enums import (
    AccountStatus,
    DeploymentState,
    PinSource,
    Role,
    Runtime,
    VersionSource,
)
from app.domain.errors import ErrorCode
from app.domain.events import EVENT_KINDS, EventKind
from app.domain.history import HistoryChange
from app.domain.resolution_values import ResolutionRule, SkipCause

strawberry.enum(Role, description="What an API key may do.")
strawberry.enum(Runtime, description="How a connector runs: a definition, or a built image.")
strawberry.enum(
    VersionSource,
    description="Whether a version belongs to a managed or a custom connector.",
)
strawberry.enum(PinSource, description="Which connectors a pin may choose from.")
strawberry.enum(DeploymentState, description="Where a version is in its deployment pipeline.")
strawberry.enum(AccountStatus, description="Whether a linked account can be used as it is.")
strawberry.enum(Bump, description="How far a version number moves: PATCH < MINOR < MAJOR.")
strawberry.enum(ResolutionRule, description="Which rule chose an effective version.")
strawberry.enum(SkipCause, description="Why resolution passed over a version.")
strawberry.enum(HistoryChange, description="A kind of change history records (DESIGN §15).")
strawberry.enum(ErrorCode, description="Machine-readable code of an expected failure.")
strawberry.enum(
    EventKind,
    description="What an event records; each value says what its payload holds. The database "
    "stores the dotted form (VERSION_PUBLISHED is `version.published`).",
)
# The catalogue lives in the domain, free of Strawberry; its words become the values' descriptions.
for _value in EventKind.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = EVENT_KINDS[EventKind(_value.value)].describe()

__all__ = [
    "AccountStatus",
    "Bump",
    "DeploymentState",
    "ErrorCode",
    "EventKind",
    "HistoryChange",
    "PinSource",
    "ResolutionRule",
    "Role",
    "Runtime",
    "SkipCause",
    "VersionSource",
]
