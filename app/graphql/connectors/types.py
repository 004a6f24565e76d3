"""Connectors and their versions."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.db import models
from app.domain.enums import VersionSource as DomainVersionSource
from app.graphql.context import Info
from app.graphql.enums import DeploymentState, Runtime, VersionSource
from app.graphql.loader_keys import PageKey, VersionsOf
from app.graphql.relay.entity import Entity, present
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
from app.services.versions.reads import (
    VersionBody,
    VersionHeader,
    latest_published,
    page_of_versions,
)

if TYPE_CHECKING:
    from app.graphql.assignments.types import AssignmentConnection
    from app.graphql.auth_configs.types import AuthConfigConnection
    from app.graphql.lifecycle.types import VersionUsage
    from app.graphql.pipeline.types import DeploymentStepRecord
    from app.graphql.versions.types import VersionRevision


def source_of(connector: models.Connector) -> DomainVersionSource:
    return DomainVersionSource.MANAGED if connector.is_managed else DomainVersionSource.CUSTOM


@strawberry.federation.type(
    keys=["id"],
    description="An integration connector: managed (the platform's, visible to every project) "
    "or custom (one project's).",
)
class Connector(relay.Node, Entity):
    loader_name = "connector_by_id"

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
    ) -> "ConnectorVersionConnection":
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
    ) -> "ConnectorVersion | None":
        for row in await self._versions(info, include_binned):
            if row.version == number.strip():
                return ConnectorVersion.from_header(row)
        return None

    @strawberry.field(description="The highest published release (prereleases aside), if any.")
    async def latest_version(self, info: Info) -> "ConnectorVersion | None":
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


@strawberry.type(description="Where a version is deployed in one environment.")
class Environment:
    account_id: str | None = None
    project_id: str | None = None
    site_id: str | None = None
    synced_at: datetime | None = None

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> "Environment | None":
        if not value:
            return None
        synced_at = value.get("syncedAt")
        return cls(
            account_id=value.get("accountId"),
            project_id=value.get("projectId"),
            site_id=value.get("siteId"),
            synced_at=datetime.fromisoformat(synced_at) if synced_at else None,
        )


@strawberry.federation.type(keys=["id"], description="One version of a connector.")
class ConnectorVersion(relay.Node, Entity):
    """Built from a version's header; its body (readme, definition, config, environments) is
    read only when one of those fields is selected, and then once per request for all versions
    that need it."""

    loader_name = "version_by_id"

    id: relay.NodeID[str]
    version: str = strawberry.field(description="The semver number, e.g. 1.2.0 or 2.0.0-beta.1.")
    name: str
    description: str
    state: DeploymentState
    published_at: datetime | None
    revision: int = strawberry.field(description="1, plus one for every forced overwrite.")
    content_hash: str = strawberry.field(description="SHA-256 of the published content.")
    deprecated_at: datetime | None
    deprecation_message: str | None
    sunset_at: datetime | None
    binned_at: datetime | None
    created_at: datetime
    updated_at: datetime
    connector_row_id: strawberry.Private[UUID]
    managed: strawberry.Private[bool | None]
    known_body: strawberry.Private[VersionBody | None]

    @classmethod
    def from_header(
        cls, header: VersionHeader, body: VersionBody | None = None
    ) -> "ConnectorVersion":
        return cls(
            id=str(header.id),
            version=header.version,
            name=header.name,
            description=header.description,
            state=DeploymentState(header.state),
            published_at=header.published_at,
            revision=header.revision,
            content_hash=header.content_hash,
            deprecated_at=header.deprecated_at,
            deprecation_message=header.deprecation_message,
            sunset_at=header.sunset_at,
            binned_at=header.binned_at,
            created_at=header.created_at,
            updated_at=header.updated_at,
            connector_row_id=header.connector_id,
            managed=header.managed,
            known_body=body,
        )

    @classmethod
    def from_row(cls, row: models.ConnectorVersion) -> "ConnectorVersion":
        """From a whole row a write has in hand: its body is known; its source is not."""
        version = cls.from_header(VersionHeader.of(row, managed=False), VersionBody.of(row))
        version.managed = None
        return version

    @classmethod
    def from_loaded(cls, loaded: Any) -> "ConnectorVersion":
        return cls.from_header(loaded)

    async def _body(self, info: Info) -> VersionBody:
        if self.known_body is not None:
            return self.known_body
        return present(await info.context.loaders.version_body_by_id.load(UUID(self.id)))

    @strawberry.field
    async def readme(self, info: Info) -> str:
        return (await self._body(info)).readme

    @strawberry.field(description="The connector definition, if any.")
    async def definition(self, info: Info) -> JSON | None:
        return cast(JSON | None, (await self._body(info)).definition)

    @strawberry.field(description="Sections vcs, application, individual, execution, typeSpecific.")
    async def config(self, info: Info) -> JSON:
        return cast(JSON, (await self._body(info)).config)

    @strawberry.field
    async def dev_environment(self, info: Info) -> Environment | None:
        return Environment.from_json((await self._body(info)).dev_environment)

    @strawberry.field
    async def prod_environment(self, info: Info) -> Environment | None:
        return Environment.from_json((await self._body(info)).prod_environment)

    @strawberry.field(description="Whether the version is published.")
    def published(self) -> bool:
        return self.published_at is not None

    @strawberry.field(description="The connector this version belongs to.")
    async def connector(self, info: Info) -> Connector:
        row = await info.context.loaders.connector_by_id.load(self.connector_row_id)
        return Connector.from_row(present(row))

    @strawberry.field(
        description="Contents that forced pushes replaced, newest first (empty for most versions)."
    )
    async def revisions(
        self, info: Info
    ) -> list[Annotated["VersionRevision", strawberry.lazy("app.graphql.versions.types")]]:
        from app.graphql.versions.types import VersionRevision

        rows = await info.context.loaders.revisions_by_version.load(UUID(self.id))
        return [VersionRevision.from_row(row) for row in rows]

    @strawberry.field(description="What keeps the version in use (DESIGN §6).")
    async def usage(
        self, info: Info
    ) -> Annotated["VersionUsage", strawberry.lazy("app.graphql.lifecycle.types")]:
        from app.graphql.lifecycle.types import VersionUsage

        found = present(await info.context.loaders.usage_by_version.load(UUID(self.id)))
        return VersionUsage.from_domain(*found)

    @strawberry.field(
        description="Every recorded pipeline step, oldest first, failures included (IMAGE only)."
    )
    async def deployment_history(
        self, info: Info
    ) -> list[Annotated["DeploymentStepRecord", strawberry.lazy("app.graphql.pipeline.types")]]:
        from app.graphql.pipeline.types import DeploymentStepRecord

        rows = await info.context.loaders.deployment_steps_by_version.load(UUID(self.id))
        return [DeploymentStepRecord.from_row(row) for row in rows]

    @strawberry.field(
        description='How end users see it: "<connector name> v<major>" ("My Connector v2"), '
        "or with the full number when its major has other published, not binned releases "
        '("My Connector v2.1.0"). A prerelease always shows its full number.'
    )
    async def display_name(self, info: Info) -> str:
        context = await info.context.loaders.naming_context_by_connector.load(self.connector_row_id)
        return present(context).name_of(self.version)

    @strawberry.field(
        description="Its site assignments, oldest first: the caller's project's (every "
        "project's for a platform key)."
    )
    async def assignments(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Annotated["AssignmentConnection", strawberry.lazy("app.graphql.assignments.types")]:
        from app.graphql.assignments.types import Assignment, AssignmentConnection

        page = page_request(first, after, CREATED_ORDER, count=selects_total_count(info))
        result = await info.context.loaders.assignments_by_version.load(
            PageKey.of(UUID(self.id), page)
        )
        info.context.loaders.assignment_by_id.prime_many({row.id: row for row in result.items})
        return to_connection(AssignmentConnection, result, Assignment.from_row, CREATED_ORDER)

    @strawberry.field(description="MANAGED or CUSTOM: the source of its connector.")
    async def source(self, info: Info) -> VersionSource:
        if self.managed is None:
            row = await info.context.loaders.connector_by_id.load(self.connector_row_id)
            return source_of(present(row))
        return VersionSource.MANAGED if self.managed else VersionSource.CUSTOM


@strawberry.type(description="A page of connectors.")
class ConnectorConnection(relay.Connection[Connector], Counted):
    pass


@strawberry.type(description="A page of connector versions.")
class ConnectorVersionConnection(relay.Connection[ConnectorVersion], Counted):
    pass
