"""Assigning versions to sites and removing assignments (DESIGN §10)."""

from typing import Annotated

import strawberry

from app.domain.assignments import AssignmentKind
from app.graphql.assignments.types import Assignment
from app.graphql.context import Info
from app.graphql.errors import (
    AlreadyExistsError,
    ForbiddenError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
)
from app.graphql.relay.ids import require_id
from app.services.versions import assignments


@strawberry.input(description="A published version to assign to one of the project's sites.")
class AssignVersionInput:
    version_id: strawberry.ID
    site_id: str = strawberry.field(description="The site (1 to 255 characters).")
    kind: AssignmentKind = strawberry.field(description="What on the site references it.")
    external_reference: str | None = strawberry.field(
        default=None,
        description="The datasource's, export's or data service's own reference (optional).",
    )


@strawberry.input(description="An assignment to remove.")
class UnassignVersionInput:
    assignment_id: strawberry.ID


@strawberry.type(description="The new assignment.")
class AssignVersionSuccess:
    assignment: Assignment


@strawberry.type(description="What was removed.")
class UnassignVersionSuccess:
    unassigned_assignment_id: strawberry.ID = strawberry.field(
        description="The removed assignment's id."
    )
    assignment: Assignment = strawberry.field(description="The assignment as it was.")


AssignVersionResult = Annotated[
    AssignVersionSuccess
    | NotFoundError
    | ForbiddenError
    | InvalidInputError
    | InvalidTransitionError
    | AlreadyExistsError,
    strawberry.union("AssignVersionResult"),
]
UnassignVersionResult = Annotated[
    UnassignVersionSuccess | NotFoundError | ForbiddenError,
    strawberry.union("UnassignVersionResult"),
]


@strawberry.type
class AssignmentMutations:
    @strawberry.mutation(
        description="Record that a site of the caller's project uses a version: a custom "
        "version of the project, or a managed one. Only a published version outside the bin "
        "(INVALID_TRANSITION otherwise); the same version, site and kind again is "
        "ALREADY_EXISTS. Needs a project ADMIN key (a platform key has no sites). While "
        "assigned, the version cannot be moved to the bin."
    )
    async def assign_version(self, info: Info, input: AssignVersionInput) -> AssignVersionResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row = await assignments.assign_version(
                session,
                actor=info.context.principal,
                version_id=version_id,
                site_id=input.site_id,
                kind=input.kind,
                external_reference=input.external_reference,
            )
        return AssignVersionSuccess(assignment=Assignment.from_row(row))

    @strawberry.mutation(
        description="Remove one of the project's site assignments; once a version has none "
        "(and nothing else uses it), it can be moved to the bin."
    )
    async def unassign_version(
        self, info: Info, input: UnassignVersionInput
    ) -> UnassignVersionResult:
        assignment_id = require_id(input.assignment_id, "Assignment", "assignment")
        async with info.context.session() as session:
            row = await assignments.unassign_version(
                session, actor=info.context.principal, assignment_id=assignment_id
            )
        return UnassignVersionSuccess(
            unassigned_assignment_id=strawberry.ID(input.assignment_id),
            assignment=Assignment.from_row(row),
        )
