"""What keeps a version in use (`ConnectorVersion.usage`)."""

import strawberry

from app.db import models
from app.domain import usage
from app.graphql.auth_configs.types import AuthConfig
from app.graphql.lifecycle.blockers import AssignmentBlocker, UsageBlocker


@strawberry.type(description="An active auth config whose accounts resolve to the version.")
class UsageByAuthConfig:
    auth_config: AuthConfig
    linked_account_count: int


@strawberry.type(
    description="What keeps a version in use. A custom version counts its project's auth "
    "configs and site assignments; a managed one the caller's project's (every project's for a "
    "platform key). A version in the bin is judged as if restored; a draft is never in use."
)
class VersionUsage:
    in_use: bool = strawberry.field(
        description="An exact pin resolves to it, an active auth config with linked accounts "
        "does, a running rollout targets it, or it is assigned to a site. moveVersionToBin "
        "refuses it then."
    )
    exact_pins: list[AuthConfig] = strawberry.field(
        description="Auth configs whose exact pin resolves to this version (under pin source "
        "ANY an exact pin takes the custom version of its number first)."
    )
    resolving_auth_configs: list[UsageByAuthConfig] = strawberry.field(
        description="Active auth configs that resolve to it, by any rule, with account counts."
    )
    rollouts: list[AuthConfig] = strawberry.field(
        description="Auth configs whose running rollout targets this version."
    )
    blockers: list[UsageBlocker] = strawberry.field(
        description="What would make moveVersionToBin refuse it, as VersionInUseError lists it."
    )
    assignments: list[AssignmentBlocker] = strawberry.field(
        description="Its site assignments, as VersionInUseError lists them."
    )

    @classmethod
    def from_domain(
        cls, found: usage.VersionUsage, rows: list[models.AuthConfig]
    ) -> "VersionUsage":
        by_id = {row.id: row for row in rows}
        return cls(
            in_use=found.in_use,
            exact_pins=[AuthConfig.from_row(by_id[config.id]) for config in found.exact_pins],
            resolving_auth_configs=[
                UsageByAuthConfig(
                    auth_config=AuthConfig.from_row(by_id[config.id]),
                    linked_account_count=config.linked_account_count,
                )
                for config in found.resolving
            ],
            rollouts=[AuthConfig.from_row(by_id[config.id]) for config in found.rollouts],
            blockers=[UsageBlocker.from_domain(blocker) for blocker in found.blockers],
            assignments=[AssignmentBlocker.from_domain(found_) for found_ in found.assignments],
        )
