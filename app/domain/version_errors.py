"""Expected failures of creating, editing and publishing versions (DESIGN §2)."""

from collections.abc import Sequence

from app.domain.bumps import Bump, Change
from app.domain.enums import DeploymentState
from app.domain.errors import DomainError, ErrorCode


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
