"""Expected failures of creating, editing, publishing (DESIGN §2) and retiring (§6) versions."""

from collections.abc import Sequence

from app.domain.assignments import SiteAssignment
from app.domain.bumps import Bump, Change
from app.domain.enums import DeploymentState
from app.domain.errors import DomainError, ErrorCode
from app.domain.usage import UsageBlocker


class VersionExists(DomainError):
    code = ErrorCode.VERSION_EXISTS

    def __init__(self, version: str, hint: str = "") -> None:
        super().__init__(f"version {version} already exists{hint}")
        self.version_number = version


class VersionImmutable(DomainError):
    code = ErrorCode.VERSION_IMMUTABLE

    def __init__(self, version: str, reason: str) -> None:
        super().__init__(f"version {version} is published and cannot change: {reason}")
        self.version_number = version


class VersionNumberRetired(DomainError):
    code = ErrorCode.VERSION_NUMBER_RETIRED

    def __init__(self, version: str) -> None:
        super().__init__(
            f"version {version} was deleted permanently; its number is retired for good"
        )
        self.version_number = version


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, current_state: DeploymentState, message: str) -> None:
        super().__init__(f"{message} (the version is {current_state.value})")
        self.current_state = current_state


class InsufficientVersionBump(DomainError):
    code = ErrorCode.INSUFFICIENT_VERSION_BUMP

    def __init__(
        self,
        *,
        version: str,
        previous: str,
        required: Bump,
        declared: Bump | None,
        changes: Sequence[Change],
    ) -> None:
        declared_text = declared.value if declared else "no bump"
        super().__init__(
            f"{version} declares {declared_text} over {previous}, but the changes need "
            f"{required.value}: "
            + "; ".join(f"{c.description} ({c.bump.value})" for c in changes if c.bump >= required)
        )
        self.required_bump = required
        self.declared_bump = declared
        self.previous_version = previous
        self.changes = list(changes)


class VersionInBin(InvalidTransition):
    """A binned version cannot be edited, published, pushed or deprecated: restore it first."""

    def __init__(self, version: str, current_state: DeploymentState) -> None:
        super().__init__(current_state, f"version {version} is in the bin; restore it first")
        self.version_number = version


class VersionNotInBin(DomainError):
    code = ErrorCode.VERSION_NOT_IN_BIN

    def __init__(self, version: str, action: str) -> None:
        super().__init__(f"version {version} is not in the bin; move it there before you {action}")
        self.version_number = version


class VersionInUse(DomainError):
    code = ErrorCode.VERSION_IN_USE

    def __init__(
        self,
        version: str,
        blockers: Sequence[UsageBlocker],
        assignments: Sequence[SiteAssignment] = (),
    ) -> None:
        uses = []
        if blockers:
            uses.append(
                f"{len(blockers)} auth config(s): "
                + "; ".join(
                    f"{b.auth_config_name} ({b.reason.value}, {b.linked_account_count} account(s))"
                    for b in blockers
                )
            )
        if assignments:
            uses.append(
                f"{len(assignments)} site assignment(s): "
                + "; ".join(assignment.describe() for assignment in assignments)
                + " (unassign them first)"
            )
        super().__init__(f"version {version} is in use by " + ", and by ".join(uses))
        self.version_number = version
        self.blockers = list(blockers)
        self.assignments = list(assignments)
