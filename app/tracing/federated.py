"""Apollo federation inline traces (ftv1): timings per field, for a gateway that asks for them
with `apollo-federation-include-trace: ftv1`."""

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo
from starlette.requests import Request
from strawberry.extensions.tracing.apollo_federation import (
    FTV1_HEADER,
    FTV1_HEADER_VALUE,
    ApolloFederationTracingExtension,
)

from app.graphql.errors import should_mask

# What a client reads of an unexpected error (Strawberry's `MaskErrors` default).
MASKED_MESSAGE = "Unexpected error."


def asks_for_federated_trace(request: Request) -> bool:
    return request.headers.get(FTV1_HEADER, "").lower() == FTV1_HEADER_VALUE


class FederatedTrace(ApolloFederationTracingExtension):
    """Strawberry's ftv1 extension, whose traces show an unexpected error as the response
    does ("Unexpected error."): a trace leaves the service, and such a message can hold SQL."""

    def _make_error(self, e: Exception, info: GraphQLResolveInfo[Any]) -> Any:
        if should_mask(GraphQLError(str(e), original_error=e)):
            e = Exception(MASKED_MESSAGE)
        return super()._make_error(e, info)
