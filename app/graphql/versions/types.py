"""Connector versions: the version node, its history and comparisons.

`ConnectorVersion` sits above the types it links to (its connector, usage, deployment history),
so it imports them plainly. `Connector` in turn lists its versions and is imported by nearly every
area, so it reaches this module at run time, and `Assignment` refers back to it through this
module object (`version_types`), as this module does to it.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from app.db import models
from app.domain.bumps import Bump
from app.graphql.assignments import types as assignment_types
from app.graphql.connectors.types import Connector, source_of
from app.graphql.context import Info
from app.graphql.enums import DeploymentState, VersionSource
from app.graphql.lifecycle.types import VersionUsage
from app.graphql.loader_keys import PageKey
from app.graphql.loaders import Loaders
from app.graphql.pipeline.types import DeploymentStepRecord
from app.graphql.relay.entity import Entity, present
from app.graphql.relay.pagination import (
    CREATED_ORDER,
    DEFAULT_PAGE_SIZE,
    After,
    Counted,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.graphql.versions.changes import VersionChange
from app.graphql.versions.environments import Environment
from app.services.versions.comparisons import Comparison
from app.services.versions.publishing import BumpCheck
from app.services.versions.reads import VersionBody, VersionHeader

if TYPE_CHECKING:
    from app.graphql.assignments.types import AssignmentConnection


@strawberry.type(description="Content a forced push replaced; kept so that nothing is lost.")
class VersionRevision:
    revision: int = strawberry.field(description="The revision number this content had.")
    name: str
    description: str
    readme: str
    definition: JSON | None
    config: JSON
    content_hash: str
    published_at: datetime | None
    replaced_at: datetime = strawberry.field(description="When a forced push replaced it.")

    @classmethod
    def from_row(cls, row: models.VersionRevision) -> "VersionRevision":
        return cls(
            revision=row.revision,
            name=row.name,
            description=row.description,
            readme=row.readme,
            definition=row.definition,  # type: ignore[arg-type]
            config=row.config,  # type: ignore[arg-type]
            content_hash=row.content_hash,
            published_at=row.published_at,
            replaced_at=row.replaced_at,
        )


@strawberry.federation.type(keys=["id"], description="One version of a connector.")
class ConnectorVersion(relay.Node, Entity[VersionHeader]):
    """Built from a version's header; its body (readme, definition, config, environments) is
    read only when one of those fields is selected, and then once per request for all versions
    that need it."""

    @classmethod
    def loader(cls, loaders: Loaders) -> DataLoader[UUID, VersionHeader | None]:
        return loaders.version_by_id

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
    def from_loaded(cls, loaded: VersionHeader) -> "ConnectorVersion":
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
    async def revisions(self, info: Info) -> list[VersionRevision]:
        rows = await info.context.loaders.revisions_by_version.load(UUID(self.id))
        return [VersionRevision.from_row(row) for row in rows]

    @strawberry.field(description="What keeps the version in use (DESIGN §6).")
    async def usage(self, info: Info) -> VersionUsage:
        found = present(await info.context.loaders.usage_by_version.load(UUID(self.id)))
        return VersionUsage.from_domain(*found)

    @strawberry.field(
        description="Every recorded pipeline step, oldest first, failures included (IMAGE only)."
    )
    async def deployment_history(self, info: Info) -> list[DeploymentStepRecord]:
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
        page = page_request(first, after, CREATED_ORDER, count=selects_total_count(info))
        result = await info.context.loaders.assignments_by_version.load(
            PageKey.of(UUID(self.id), page)
        )
        info.context.loaders.assignment_by_id.prime_many({row.id: row for row in result.items})
        return to_connection(
            assignment_types.AssignmentConnection,
            result,
            assignment_types.Assignment.from_row,
            CREATED_ORDER,
        )

    @strawberry.field(description="MANAGED or CUSTOM: the source of its connector.")
    async def source(self, info: Info) -> VersionSource:
        if self.managed is None:
            row = await info.context.loaders.connector_by_id.load(self.connector_row_id)
            return source_of(present(row))
        return VersionSource.MANAGED if self.managed else VersionSource.CUSTOM


@strawberry.type(description="A page of connector versions.")
class ConnectorVersionConnection(relay.Connection[ConnectorVersion], Counted):
    pass


@strawberry.type(description="How one version's definition differs from another's.")
class VersionComparison:
    required_bump: Bump | None = strawberry.field(
        description="The smallest bump the changes need; null when the definitions are the same."
    )
    declared_bump: Bump | None = strawberry.field(
        description="The bump `to` declares over `from`; null when it is not higher."
    )
    sufficient: bool = strawberry.field(
        description="Whether `to` could be pushed after `from` as numbered."
    )
    changes: list[VersionChange]

    @classmethod
    def from_domain(cls, comparison: Comparison) -> "VersionComparison":
        required, declared = comparison.required_bump, comparison.declared_bump
        return cls(
            required_bump=required,
            declared_bump=declared,
            sufficient=required is None or (declared is not None and declared >= required),
            changes=[VersionChange.from_domain(change) for change in comparison.changes],
        )


def change_list(check: BumpCheck) -> list[VersionChange]:
    return [VersionChange.from_domain(change) for change in check.changes]
