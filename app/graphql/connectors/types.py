"""Connectors.

`Connector` sits low in the graph of types: nearly every area imports it, and the types its
fields return (versions, auth configs) import it back. So it names them with `strawberry.lazy`
and imports them where it builds them.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from app.db import models
from app.graphql.context import Info
from app.graphql.enums import Runtime, VersionSource
from app.graphql.loader_keys import PageKey, VersionsOf
from app.graphql.loaders import Loaders
from app.graphql.relay.entity import Entity
from app.graphql.relay.pagination import (
    CREATED_ORDER,
    DEFAULT_PAGE_SIZE,
    VERSION_ORDER,
    After,
    Counted,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.services.versions.reads import VersionHeader, latest_published, page_of_versions

if TYPE_CHECKING:
    from app.graphql.auth_configs.types import AuthConfigConnection
    from app.graphql.versions.types import ConnectorVersion, ConnectorVersionConnection

_VERSIONS = "app.graphql.versions.types"


def source_of(connector: models.Connector) -> VersionSource:
    return VersionSource.MANAGED if connector.is_managed else VersionSource.CUSTOM


@strawberry.federation.type(
    keys=["id"],
    description="An integration connector: managed (the platform's, visible to every project) "
    "or custom (one project's).",
)
class Connector(relay.Node, Entity[models.Connector]):
    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, models.Connector | None]:
        return loaders.connector_by_id

    id: relay.NodeID[str]
    key: str = strawberry.field(description="Immutable key; auth configs name connectors by it.")
    name: str
    description: str
    runtime: Runtime
    source: VersionSource = strawberry.field(description="MANAGED or CUSTOM.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Connector) -> "Connector":
        return cls(
            id=str(row.id),
            key=row.key,
            name=row.name,
            description=row.description,
            runtime=Runtime(row.runtime),
            source=source_of(row),
            created_at=row.created_at,
        )

    async def _versions(self, info: Info, include_binned: bool) -> list[VersionHeader]:
        return await info.context.loaders.versions_by_connector.load(
            VersionsOf(UUID(self.id), include_binned)
        )

    @strawberry.field(description="Versions, highest first by semver precedence.")
    async def versions(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        include_binned: Annotated[
            bool, strawberry.argument(description="Include versions in the bin.")
        ] = False,
    ) -> Annotated["ConnectorVersionConnection", strawberry.lazy(_VERSIONS)]:
        from app.graphql.versions.types import ConnectorVersion, ConnectorVersionConnection

        page = page_request(first, after, VERSION_ORDER, count=selects_total_count(info))
        rows = await self._versions(info, include_binned)
        return to_connection(
            ConnectorVersionConnection,
            page_of_versions(rows, page),
            ConnectorVersion.from_header,
            VERSION_ORDER,
        )

    @strawberry.field(description="The version with this number, if there is one.")
    async def version(
        self,
        info: Info,
        number: str,
        include_binned: Annotated[
            bool, strawberry.argument(description="Also find a version in the bin.")
        ] = False,
    ) -> Annotated["ConnectorVersion", strawberry.lazy(_VERSIONS)] | None:
        from app.graphql.versions.types import ConnectorVersion

        for row in await self._versions(info, include_binned):
            if row.version == number.strip():
                return ConnectorVersion.from_header(row)
        return None

    @strawberry.field(description="The highest published release (prereleases aside), if any.")
    async def latest_version(
        self, info: Info
    ) -> Annotated["ConnectorVersion", strawberry.lazy(_VERSIONS)] | None:
        from app.graphql.versions.types import ConnectorVersion

        row = latest_published(await self._versions(info, include_binned=False))
        return None if row is None else ConnectorVersion.from_header(row)

    @strawberry.field(description="The caller's auth configs that name this connector's key.")
    async def auth_configs(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Annotated["AuthConfigConnection", strawberry.lazy("app.graphql.auth_configs.types")]:
        from app.graphql.auth_configs.types import AuthConfig, AuthConfigConnection

        page = page_request(first, after, CREATED_ORDER, count=selects_total_count(info))
        result = await info.context.loaders.auth_configs_by_connector_key.load(
            PageKey.of(self.key, page)
        )
        info.context.loaders.auth_config_by_id.prime_many({row.id: row for row in result.items})
        return to_connection(AuthConfigConnection, result, AuthConfig.from_row, CREATED_ORDER)


@strawberry.type(description="A page of connectors.")
class ConnectorConnection(relay.Connection[Connector], Counted):
    pass
