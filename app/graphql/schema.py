"""The schema: a federation v2 subgraph with Relay nodes and typed mutation errors."""

from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.types import ExecutionContext

from app.graphql.accounts.mutations import AccountMutations
from app.graphql.accounts.types import LinkedAccount
from app.graphql.auth_configs.mutations import AuthConfigMutations
from app.graphql.auth_configs.queries import AuthConfigQueries
from app.graphql.auth_configs.types import AuthConfig
from app.graphql.connectors.mutations import ConnectorMutations
from app.graphql.connectors.queries import ConnectorQueries
from app.graphql.connectors.types import Connector, ConnectorVersion
from app.graphql.errors import EXCEPTION_HANDLERS, ConflictError, should_mask
from app.graphql.projects.mutations import ProjectMutations
from app.graphql.projects.queries import ProjectQueries
from app.graphql.projects.types import ApiKey, Project

MAX_QUERY_DEPTH = 15
MAX_ALIASES = 50


@strawberry.type(description="Reading the registry.")
class Query(ProjectQueries, ConnectorQueries, AuthConfigQueries):
    pass


@strawberry.type(
    description="Changing the registry. Each mutation returns a success or typed errors."
)
class Mutation(ProjectMutations, ConnectorMutations, AuthConfigMutations, AccountMutations):
    pass


class RegistrySchema(strawberry.federation.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what went wrong on the server; a client's mistakes are the client's to read."""
        unexpected = [error for error in errors if should_mask(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


schema = RegistrySchema(
    query=Query,
    mutation=Mutation,
    types=[
        Project,
        ApiKey,
        Connector,
        ConnectorVersion,
        AuthConfig,
        LinkedAccount,
        ConflictError,
    ],
    exception_handlers=EXCEPTION_HANDLERS,
    extensions=[
        partial(QueryDepthLimiter, max_depth=MAX_QUERY_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(MaskErrors, should_mask_error=should_mask),
    ],
)
