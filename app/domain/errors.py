"""Expected failures. Services raise these; the GraphQL layer turns each into a typed error."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_VERSION = "INVALID_VERSION"
    INVALID_PIN = "INVALID_PIN"
    PINNED_VERSION_NOT_FOUND = "PINNED_VERSION_NOT_FOUND"
    INVALID_DEFINITION = "INVALID_DEFINITION"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    VERSION_EXISTS = "VERSION_EXISTS"
    VERSION_IMMUTABLE = "VERSION_IMMUTABLE"
    VERSION_NUMBER_RETIRED = "VERSION_NUMBER_RETIRED"
    INSUFFICIENT_VERSION_BUMP = "INSUFFICIENT_VERSION_BUMP"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    VERSION_IN_USE = "VERSION_IN_USE"
    VERSION_NOT_IN_BIN = "VERSION_NOT_IN_BIN"
    CONFLICT = "CONFLICT"
    AUTH_CONFIG_HAS_ACCOUNTS = "AUTH_CONFIG_HAS_ACCOUNTS"
    ROLLOUT_IN_PROGRESS = "ROLLOUT_IN_PROGRESS"
    NO_ROLLOUT_IN_PROGRESS = "NO_ROLLOUT_IN_PROGRESS"
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"


class DomainError(Exception):
    """Base of every expected failure; `code` names it for clients."""

    code: ErrorCode

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND

    def __init__(self, kind: str, reference: str | None = None) -> None:
        where = f" {reference!r}" if reference else ""
        super().__init__(f"{kind}{where} was not found")
        self.kind = kind


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class AlreadyExists(DomainError):
    code = ErrorCode.ALREADY_EXISTS

    def __init__(self, kind: str, field: str, value: str) -> None:
        super().__init__(f"a {kind} with {field} {value!r} already exists")
        self.field = field


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class AuthConfigHasAccounts(DomainError):
    """An auth config is deleted only once it has no linked accounts: deleting it would strand
    them, so they are unlinked first, one by one, each with its own event."""

    code = ErrorCode.AUTH_CONFIG_HAS_ACCOUNTS

    def __init__(self, linked_account_count: int) -> None:
        super().__init__(
            f"the auth config has {linked_account_count} linked account(s): unlink them first"
        )
        self.linked_account_count = linked_account_count
