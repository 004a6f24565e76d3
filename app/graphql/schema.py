"""The schema: a federation v2 subgraph with Relay nodes and typed mutation errors."""

from collections.abc import Iterable
from typing import Any

import strawberry
import structlog
from graphql import GraphQLError, GraphQLNamedType, GraphQLObjectType
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.federation.schema import FederationAny
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from app.graphql.accounts.mutations import AccountMutations
from app.graphql.accounts.types import LinkedAccount
from app.graphql.assignments.mutations import AssignmentMutations
from app.graphql.assignments.types import Assignment
from app.graphql.auth_configs.mutations import AuthConfigMutations
from app.graphql.auth_configs.queries import AuthConfigQueries
from app.graphql.auth_configs.types import AuthConfig
from app.graphql.connectors.mutations import ConnectorMutations
from app.graphql.connectors.queries import ConnectorQueries
from app.graphql.connectors.types import Connector
from app.graphql.errors import EXCEPTION_HANDLERS, ConflictError, PublicError, should_mask
from app.graphql.events.queries import EventQueries
from app.graphql.events.subscriptions import EventSubscriptions
from app.graphql.guards.cost_directives import attach_cost_directives
from app.graphql.guards.hooks import KnownHooksRunner
from app.graphql.guards.masking import is_statement_timeout
from app.graphql.guards.operation import OperationGuards
from app.graphql.impact.queries import ImpactQueries
from app.graphql.lifecycle.mutations import LifecycleMutations
from app.graphql.pipeline.mutations import PipelineMutations
from app.graphql.plain import answer_at_hand, read_attributes_directly
from app.graphql.plain_lists import PlainListsExecutor
from app.graphql.projects.mutations import ProjectMutations
from app.graphql.projects.queries import ProjectQueries
from app.graphql.projects.types import ApiKey, Project
from app.graphql.relay.node import NodeQueries
from app.graphql.rollouts.mutations import RolloutMutations
from app.graphql.versions.mutations import VersionMutations
from app.graphql.versions.queries import VersionQueries
from app.graphql.versions.types import ConnectorVersion
from app.observability.record import current_record
from app.tracing.per_request import asked_for_now, extensions_asked_for, running_with

logger = structlog.get_logger("app.graphql")


@strawberry.type(description="Reading the registry.")
class Query(
    ProjectQueries,
    NodeQueries,
    ConnectorQueries,
    VersionQueries,
    AuthConfigQueries,
    EventQueries,
    ImpactQueries,
):
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
    AssignmentMutations,
    PipelineMutations,
    RolloutMutations,
):
    pass


@strawberry.type(description="Live updates, over a websocket (graphql-transport-ws).")
class Subscription(EventSubscriptions):
    pass


ENTITY_TYPES = (Project, Connector, ConnectorVersion, AuthConfig, LinkedAccount, Assignment)
_ENTITY_NAMES = frozenset(entity.__name__ for entity in ENTITY_TYPES)


class RegistrySchema(strawberry.federation.Schema):
    def _collect_schema_directives(
        self,
        explicit_directive_types: Iterable[type],
        graphql_types: Iterable[GraphQLNamedType | None],
    ) -> list[type]:
        """The cost rule's directives join the schema's own before they are collected, so that
        the served schema, its SDL and its federation `@link` all carry them."""
        types = list(graphql_types)
        # Strawberry hands the root types first: query, mutation, subscription, then the others.
        mutation = types[1] if isinstance(types[1], GraphQLObjectType) else None
        attach_cost_directives(types, mutation)
        return super()._collect_schema_directives(explicit_directive_types, types)

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

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Run an operation with the tracing its request asks for (`app.tracing.per_request`)."""
        with running_with(extensions_asked_for(context_value)):
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Hooks found once per extension class (`app.graphql.guards.hooks`)."""
        return KnownHooksRunner(execution_context=execution_context, extensions=extensions)

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        # After the schema's own, whose order matters (see below); these depend on none of them.
        return [*super().get_extensions(sync), *asked_for_now()]

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
    execution_context_class=PlainListsExecutor,
    extensions=[
        # One for everything an operation passes (`app.graphql.guards.operation`).
        OperationGuards,
    ],
)
# Plain data read as it is (`app.graphql.plain`): every field without a resolver, and an
# account's effective version now when its page worked it out.
read_attributes_directly(schema._schema)
answer_at_hand(schema._schema, "LinkedAccount", "effectiveVersion", attribute="effective_now")
