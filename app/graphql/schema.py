"""The schema: a federation v2 subgraph with Relay nodes and typed mutation errors."""

from functools import partial

import strawberry
import structlog
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.federation.schema import FederationAny
from strawberry.types import ExecutionContext

from app.graphql.accounts.mutations import AccountMutations
from app.graphql.accounts.types import LinkedAccount
from app.graphql.auth_configs.mutations import AuthConfigMutations
from app.graphql.auth_configs.queries import AuthConfigQueries
from app.graphql.auth_configs.types import AuthConfig
from app.graphql.budget import OperationBudget
from app.graphql.connectors.mutations import ConnectorMutations
from app.graphql.connectors.queries import ConnectorQueries
from app.graphql.connectors.types import Connector, ConnectorVersion
from app.graphql.context import WebSocketOperations
from app.graphql.errors import EXCEPTION_HANDLERS, ConflictError, PublicError, should_mask
from app.graphql.events.queries import EventQueries
from app.graphql.events.subscriptions import EventSubscriptions
from app.graphql.lifecycle.mutations import LifecycleMutations
from app.graphql.limits import QueryLimits
from app.graphql.masking import MaskUnexpectedErrors, is_statement_timeout
from app.graphql.observation import OperationObservation
from app.graphql.pipeline.mutations import PipelineMutations
from app.graphql.projects.mutations import ProjectMutations
from app.graphql.projects.queries import ProjectQueries
from app.graphql.projects.types import ApiKey, Project
from app.graphql.storable_input import StorableInput
from app.graphql.versions.mutations import VersionMutations
from app.graphql.versions.queries import VersionQueries
from app.observability.record import current_record

logger = structlog.get_logger("app.graphql")

# Distinct documents whose parse and validation are kept; a client sends a handful of them.
DOCUMENT_CACHE_SIZE = 1024


@strawberry.type(description="Reading the registry.")
class Query(ProjectQueries, ConnectorQueries, VersionQueries, AuthConfigQueries, EventQueries):
    pass


@strawberry.type(
    description="Changing the registry. Each mutation returns a success or typed errors."
)
class Mutation(
    ProjectMutations,
    ConnectorMutations,
    VersionMutations,
    AuthConfigMutations,
    AccountMutations,
    LifecycleMutations,
    PipelineMutations,
):
    pass


@strawberry.type(description="Live updates, over a websocket (graphql-transport-ws).")
class Subscription(EventSubscriptions):
    pass


ENTITY_TYPES = (Project, Connector, ConnectorVersion, AuthConfig, LinkedAccount)
_ENTITY_NAMES = frozenset(entity.__name__ for entity in ENTITY_TYPES)


class RegistrySchema(strawberry.federation.Schema):
    def entities_resolver(
        self, info: strawberry.Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Federation `_entities`; a malformed representation is the client's error, not ours."""
        return [
            self._resolve_representation(info, index, representation)
            for index, representation in enumerate(representations)
        ]

    def _resolve_representation(
        self, info: strawberry.Info, index: int, representation: object
    ) -> FederationAny:
        if not isinstance(representation, dict) or not isinstance(representation.get("id"), str):
            return FederationAny(
                PublicError(f"representations[{index}]: needs __typename and an id string")
            )
        if representation.get("__typename") not in _ENTITY_NAMES:
            names = ", ".join(sorted(_ENTITY_NAMES))
            return FederationAny(
                PublicError(f"representations[{index}]: __typename must be one of {names}")
            )
        return super().entities_resolver(info, [FederationAny(representation)])[0]

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what went wrong on the server, with the error id the client is shown (and the
        request id); a client's mistakes are the client's to read."""
        for error in errors:
            if should_mask(error):
                _log_unexpected(error)


def _log_unexpected(error: GraphQLError) -> None:
    record = current_record()
    if is_statement_timeout(error):
        # Shown to the client as a TIMEOUT, not as an unexpected error with an id.
        logger.warning(
            "statement timeout", operation=record.operation_name, exc_info=error.original_error
        )
        return
    logger.error(
        "unexpected error",
        error_id=record.error_id_for(error),
        operation=record.operation_name,
        path=".".join(str(part) for part in error.path or ()),
        exc_info=error.original_error,
    )


schema = RegistrySchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[*ENTITY_TYPES, ApiKey, ConflictError],
    exception_handlers=EXCEPTION_HANDLERS,
    extensions=[
        WebSocketOperations,
        OperationObservation,
        QueryLimits,
        # Both keyed on the parsed document: the parser cache hands back the same one for the
        # same text, and the limits' rule classes never change, so validation runs once.
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        # After the validation cache: text the databases cannot store (the cached answer for
        # the document, plus this request's variables), then tokens and cost.
        StorableInput,
        OperationBudget,
        MaskUnexpectedErrors,
    ],
)
