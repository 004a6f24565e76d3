"""What keeps a version in use: shared by `VersionInUseError` and `VersionUsage`."""

import strawberry

from app.domain import usage
from app.graphql.ids import encode_id

strawberry.enum(usage.UsageReason, description="Why an auth config keeps a version in use.")


@strawberry.type(description="An auth config that keeps a version in use.")
class UsageBlocker:
    auth_config_id: strawberry.ID = strawberry.field(description="The auth config's global id.")
    auth_config_name: str
    linked_account_count: int
    reason: usage.UsageReason = strawberry.field(
        description="EXACT_PIN: its exact pin resolves to the version; RESOLVES_WITH_ACCOUNTS: it "
        "is active, has linked accounts, and resolves to the version; ROLLOUT_TARGET: its "
        "running rollout targets the version."
    )

    @classmethod
    def from_domain(cls, blocker: usage.UsageBlocker) -> "UsageBlocker":
        return cls(
            auth_config_id=strawberry.ID(encode_id("AuthConfig", blocker.auth_config_id)),
            auth_config_name=blocker.auth_config_name,
            linked_account_count=blocker.linked_account_count,
            reason=blocker.reason,
        )
