"""What a client sees of an error the server did not expect: "Unexpected error (id …)." with
the id its logged traceback carries, and the code INTERNAL_SERVER_ERROR — except a statement the
database cancelled for running too long, which the client can do something about (ask for less),
and so reads as a TIMEOUT."""

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from strawberry.extensions import MaskErrors

from app.graphql.errors import should_mask
from app.http.refusals import RefusalCode
from app.observability.record import current_record

# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"


def is_statement_timeout(error: GraphQLError) -> bool:
    original = error.original_error
    return (
        isinstance(original, DBAPIError)
        and getattr(original.orig, "sqlstate", None) == QUERY_CANCELED
    )


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if not is_statement_timeout(error):
            error_id = current_record().error_id_for(error)
            return GraphQLError(
                f"Unexpected error (id {error_id}).",
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": RefusalCode.INTERNAL_SERVER_ERROR.value},
            )
        return GraphQLError(
            "a database statement took longer than the server allows (STATEMENT_TIMEOUT): "
            "ask for less at once",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": RefusalCode.TIMEOUT.value},
        )
