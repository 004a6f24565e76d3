"""Typed errors (DESIGN §8): every expected failure is a type implementing `Error`.

Services raise domain exceptions; `EXCEPTION_HANDLERS` turns each into its GraphQL type on any
field whose result union lists that type. An exception a field does not list stays an unexpected
error and is masked.
"""

from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError, Node

from app.db.admission import Overloaded
from app.domain import errors as domain
from app.domain import version_errors
from app.domain.bumps import Bump
from app.domain.definition_problems import InvalidDefinition
from app.domain.pin_targets import PinnedVersionNotFound
from app.domain.pins import InvalidPin
from app.domain.rollouts import NoRolloutInProgress, RolloutInProgress
from app.domain.version_errors import InsufficientVersionBump
from app.domain.versions import InvalidVersion
from app.graphql.enums import DeploymentState, ErrorCode, PinSource
from app.graphql.lifecycle.blockers import AssignmentBlocker, UsageBlocker
from app.graphql.versions.changes import DefinitionProblem, VersionChange
from app.observability.record import note_typed_error


@strawberry.interface(description="An expected failure: a machine-readable code and a message.")
class Error:
    code: ErrorCode = strawberry.field(description="What went wrong, for programs.")
    message: str = strawberry.field(description="What went wrong, for people.")


@strawberry.type(description="The object does not exist, or the caller cannot see it.")
class NotFoundError(Error):
    pass


@strawberry.type(description="The caller's key may not do this.")
class ForbiddenError(Error):
    pass


@strawberry.type(description="An input value is not acceptable.")
class InvalidInputError(Error):
    field: str = strawberry.field(description="The input field at fault.")


@strawberry.type(description="Something with the same unique value already exists.")
class AlreadyExistsError(Error):
    field: str = strawberry.field(description="The input field whose value is taken.")


@strawberry.type(description="The object changed since it was read; read it again and retry.")
class ConflictError(Error):
    pass


@strawberry.type(description="Not a semantic version number (1.2.0, 2.0.0-beta.1).")
class InvalidVersionError(Error):
    pass


@strawberry.type(description="The connector definition is invalid; every problem is listed.")
class InvalidDefinitionError(Error):
    problems: list[DefinitionProblem]

    @classmethod
    def from_exception(cls, exception: InvalidDefinition) -> "InvalidDefinitionError":
        return cls(
            code=exception.code,
            message=exception.message,
            problems=[DefinitionProblem.from_domain(problem) for problem in exception.problems],
        )


@strawberry.type(description="The version exists with other content.")
class VersionExistsError(Error):
    version_number: str = strawberry.field(description="The version number concerned.")


@strawberry.type(description="The version is published and cannot change.")
class VersionImmutableError(Error):
    version_number: str = strawberry.field(description="The version number concerned.")


@strawberry.type(
    description="The number belonged to a permanently deleted version; it never returns."
)
class VersionNumberRetiredError(Error):
    version_number: str = strawberry.field(description="The version number concerned.")


@strawberry.type(description="The version number declares a smaller bump than its changes need.")
class InsufficientVersionBumpError(Error):
    # Nullable like the success types' `requiredBump`, so one selection can span the union.
    required_bump: Bump | None = strawberry.field(description="The bump the changes need.")
    declared_bump: Bump | None = strawberry.field(description="Null when the number is not higher.")
    previous_version: str | None = strawberry.field(description="The version it was compared with.")
    changes: list[VersionChange] = strawberry.field(description="Every change, with its bump.")

    @classmethod
    def from_exception(cls, exception: InsufficientVersionBump) -> "InsufficientVersionBumpError":
        return cls(
            code=exception.code,
            message=exception.message,
            required_bump=exception.required_bump,
            declared_bump=exception.declared_bump,
            previous_version=exception.previous_version,
            changes=[VersionChange.from_domain(change) for change in exception.changes],
        )


@strawberry.type(description="The step is not allowed in the version's current state.")
class InvalidTransitionError(Error):
    current_state: DeploymentState


@strawberry.type(description="Not an accepted pin; `acceptedForms` lists examples of each form.")
class InvalidPinError(Error):
    accepted_forms: list[str]


@strawberry.type(
    description="An exact pin names no published, not binned version of the auth config's key "
    "within its pin source; `availableVersions` lists the numbers it can name."
)
class PinnedVersionNotFoundError(Error):
    version_number: str = strawberry.field(description="The number the pin names.")
    pin_source: PinSource = strawberry.field(description="The pin source it was looked for in.")
    available_versions: list[str] = strawberry.field(
        description="The published, not binned numbers of the key within the pin source, "
        "highest first."
    )


@strawberry.type(
    description="The version is in use; `blockers` lists the auth configs and `assignments` the "
    "site assignments that keep it in use."
)
class VersionInUseError(Error):
    blockers: list[UsageBlocker] = strawberry.field(
        description="The auth configs that keep it in use."
    )
    assignments: list[AssignmentBlocker] = strawberry.field(
        description="The site assignments that keep it in use (every project's, for a managed "
        "version): unassign them first."
    )

    @classmethod
    def from_exception(cls, exception: version_errors.VersionInUse) -> "VersionInUseError":
        blockers = [UsageBlocker.from_domain(blocker) for blocker in exception.blockers]
        assignments = [AssignmentBlocker.from_domain(a) for a in exception.assignments]
        return cls(
            code=exception.code,
            message=exception.message,
            blockers=blockers,
            assignments=assignments,
        )


@strawberry.type(description="The version must be in the bin first.")
class VersionNotInBinError(Error):
    version_number: str = strawberry.field(description="The version number concerned.")


@strawberry.type(
    description="The auth config still has linked accounts; unlink them first, then delete it."
)
class AuthConfigHasAccountsError(Error):
    linked_account_count: int = strawberry.field(description="How many accounts it still has.")


@strawberry.type(
    description="The auth config runs a rollout already (one at a time): complete or abort it."
)
class RolloutInProgressError(Error):
    target_version: str = strawberry.field(description="The running rollout's target number.")
    percent: int = strawberry.field(description="The running rollout's percentage.")


@strawberry.type(description="The auth config has no rollout in progress.")
class NoRolloutInProgressError(Error):
    pass


def _common(exception: domain.DomainError) -> dict[str, Any]:
    return {"code": exception.code, "message": exception.message}


class _Handler:
    """Turns one domain exception class into its GraphQL error type."""

    def __init__(self, exception_type: type[domain.DomainError], error_type: type[Error]) -> None:
        self.exception_type = exception_type
        self.error_type = error_type

    def handle(self, exception: Any, *, field: Any, info: Any) -> Error:
        note_typed_error(str(exception.code))
        from_exception = getattr(self.error_type, "from_exception", None)
        if from_exception is not None:
            return from_exception(exception)  # type: ignore[no-any-return]
        extra = {
            name: getattr(exception, name)
            for name in getattr(self.error_type, "__annotations__", {})
            if name not in ("code", "message")
        }
        return self.error_type(**_common(exception), **extra)


ERROR_TYPES: dict[type[domain.DomainError], type[Error]] = {
    domain.NotFound: NotFoundError,
    domain.Forbidden: ForbiddenError,
    domain.InvalidInput: InvalidInputError,
    domain.AlreadyExists: AlreadyExistsError,
    domain.Conflict: ConflictError,
    InvalidVersion: InvalidVersionError,
    InvalidPin: InvalidPinError,
    PinnedVersionNotFound: PinnedVersionNotFoundError,
    InvalidDefinition: InvalidDefinitionError,
    version_errors.VersionExists: VersionExistsError,
    version_errors.VersionImmutable: VersionImmutableError,
    version_errors.VersionNumberRetired: VersionNumberRetiredError,
    version_errors.InsufficientVersionBump: InsufficientVersionBumpError,
    version_errors.InvalidTransition: InvalidTransitionError,
    version_errors.VersionInUse: VersionInUseError,
    version_errors.VersionNotInBin: VersionNotInBinError,
    domain.AuthConfigHasAccounts: AuthConfigHasAccountsError,
    RolloutInProgress: RolloutInProgressError,
    NoRolloutInProgress: NoRolloutInProgressError,
}

EXCEPTION_HANDLERS = [_Handler(exception, error) for exception, error in ERROR_TYPES.items()]


class PublicError(GraphQLError):
    """A top-level error meant for the client (bad arguments to a query field); never masked.

    `field`, when given, names the argument at fault in `extensions.field`, e.g.
    `createConnector.input.name`."""

    def __init__(
        self,
        message: str,
        code: ErrorCode = ErrorCode.INVALID_INPUT,
        *,
        field: str | None = None,
        nodes: Sequence[Node] | None = None,
    ) -> None:
        extensions = {"code": code.value} if field is None else {"code": code.value, "field": field}
        super().__init__(message, nodes=nodes, extensions=extensions)


def should_mask(error: GraphQLError) -> bool:
    """Mask what the server did not expect; keep syntax, validation and `PublicError`s, and a
    variable's value the schema refused (graphql-core keeps the scalar's or enum's parse error
    as its original error, but the message is about the client's value). A resolver that found
    no admission slot is no error either: the request's answer is that refusal, a 503 to retry
    (`app.graphql.endpoint.view`)."""
    original = error.original_error
    if original is None or isinstance(original, PublicError | Overloaded):
        return False
    return not (error.path is None and error.message.startswith(_VARIABLE_REFUSED))


# How graphql-core begins the message of a variable whose value does not fit its type.
_VARIABLE_REFUSED = "Variable '$"
