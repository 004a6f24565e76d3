"""What keeps a version in use: shared by `VersionInUseError` and `VersionUsage`."""

import strawberry

from app.domain import assignments, usage
from app.graphql.relay.ids import encode_id

strawberry.enum(usage.UsageReason, description="Why an auth config keeps a version in use.")
strawberry.enum(
    assignments.AssignmentKind,
    description="What on a site references a version: a datasource, an export or a data service.",
)


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


@strawberry.type(
    description="A site assignment that keeps a version in use: unassign it before the bin."
)
class AssignmentBlocker:
    assignment_id: strawberry.ID = strawberry.field(description="The assignment's global id.")
    project_id: strawberry.ID = strawberry.field(
        description="The global id of the project that assigned it."
    )
    site_id: str = strawberry.field(description="The site the version is assigned to.")
    kind: assignments.AssignmentKind

    @classmethod
    def from_domain(cls, assignment: assignments.SiteAssignment) -> "AssignmentBlocker":
        return cls(
            assignment_id=strawberry.ID(encode_id("Assignment", assignment.id)),
            project_id=strawberry.ID(encode_id("Project", assignment.project_id)),
            site_id=assignment.site_id,
            kind=assignment.kind,
        )
