"""How definitions differ: the bump a change needs, and problems found in a definition."""

import strawberry

from app.domain import bumps, definition_problems
from app.domain.bumps import Bump
from app.graphql import enums as _enums  # noqa: F401  (registers Bump as a GraphQL enum)


@strawberry.type(description="One difference between two definitions, and the bump it needs.")
class VersionChange:
    bump: Bump
    path: str = strawberry.field(
        description="Where in the definition, by id and name: e.g. actions[list_contacts]."
        "params[limit].default, auth.scopes[crm.read]."
    )
    description: str
    affects_auth: bool = strawberry.field(
        description="A change under `auth`; when it is MAJOR, linked accounts must re-authenticate."
    )

    @classmethod
    def from_domain(cls, change: bumps.Change) -> "VersionChange":
        return cls(
            bump=change.bump,
            path=change.path,
            description=change.description,
            affects_auth=change.affects_auth,
        )


@strawberry.type(description="A problem in a connector definition, at a path in the document.")
class DefinitionProblem:
    path: str = strawberry.field(description="e.g. actions[2].params[0].type; empty for the root.")
    message: str

    @classmethod
    def from_domain(cls, problem: definition_problems.DefinitionProblem) -> "DefinitionProblem":
        return cls(path=problem.path, message=problem.message)
