"""Typed errors (DESIGN §8): every expected failure is a type implementing `Error`.

Services raise domain exceptions; `EXCEPTION_HANDLERS` turns each into its GraphQL type on any
field whose result union lists that type. An exception a field does not list stays an unexpected
error and is masked.
"""

from typing import Any

import strawberry
from graphql import GraphQLError

from app.domain import errors as domain
from app.graphql.enums import ErrorCode


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


def _common(exception: domain.DomainError) -> dict[str, Any]:
    return {"code": exception.code, "message": exception.message}


class _Handler:
    """Turns one domain exception class into its GraphQL error type."""

    def __init__(self, exception_type: type[domain.DomainError], error_type: type[Error]) -> None:
        self.exception_type = exception_type
        self.error_type = error_type

    def handle(self, exception: Any, *, field: Any, info: Any) -> Error:
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
}

EXCEPTION_HANDLERS = [_Handler(exception, error) for exception, error in ERROR_TYPES.items()]


class PublicError(GraphQLError):
    """A top-level error meant for the client (bad arguments to a query field); never masked."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.INVALID_INPUT) -> None:
        super().__init__(message, extensions={"code": code.value})


def should_mask(error: GraphQLError) -> bool:
    """Mask what the server did not expect; keep syntax, validation and `PublicError`s."""
    original = error.original_error
    return original is not None and not isinstance(original, PublicError)
