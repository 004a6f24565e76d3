"""Creating, editing, publishing and pushing versions (DESIGN §2)."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.domain.bumps import Bump
from app.graphql.context import Info
from app.graphql.errors import (
    ConflictError,
    ForbiddenError,
    InsufficientVersionBumpError,
    InvalidDefinitionError,
    InvalidInputError,
    InvalidTransitionError,
    InvalidVersionError,
    NotFoundError,
    VersionExistsError,
    VersionImmutableError,
    VersionNumberRetiredError,
)
from app.graphql.relay.ids import require_id
from app.graphql.versions.changes import VersionChange
from app.graphql.versions.types import ConnectorVersion, change_list
from app.services.impact import changes as impact
from app.services.versions import drafts as version_drafts
from app.services.versions import publishing


@strawberry.input(description="Add a version: a copy of the most recent one, under a new number.")
class CreateVersionInput:
    connector_id: strawberry.ID
    bump: Bump | None = strawberry.field(
        default=None, description="MAJOR (the default), MINOR or PATCH over the highest number."
    )
    version: str | None = strawberry.field(
        default=None, description="An explicit number instead of a bump, e.g. 1.2.5."
    )


@strawberry.type(description="The new draft version.")
class CreateVersionSuccess:
    version: ConnectorVersion


CreateVersionResult = Annotated[
    CreateVersionSuccess
    | NotFoundError
    | ForbiddenError
    | InvalidInputError
    | InvalidVersionError
    | VersionExistsError
    | VersionNumberRetiredError
    | ConflictError,
    strawberry.union("CreateVersionResult"),
]


@strawberry.input(description="Changes to an unpublished version; leave out what stays.")
class UpdateVersionInput:
    version_id: strawberry.ID
    name: str | None = None
    description: str | None = None
    readme: str | None = None
    definition: JSON | None = strawberry.field(default=None, description="A connector definition.")
    config: JSON | None = strawberry.field(
        default=None,
        description="Sections vcs, application, individual, execution, typeSpecific (objects).",
    )


@strawberry.type(description="The edited version (back in state UPDATED).")
class UpdateVersionSuccess:
    version: ConnectorVersion


UpdateVersionResult = Annotated[
    UpdateVersionSuccess
    | NotFoundError
    | ForbiddenError
    | InvalidInputError
    | InvalidDefinitionError
    | VersionImmutableError
    | InvalidTransitionError,
    strawberry.union("UpdateVersionResult"),
]


@strawberry.input(description="A draft to publish.")
class PublishVersionInput:
    version_id: strawberry.ID

    def proposed_change(self, info: Info) -> impact.PublishChange:
        """What `publishVersion` with this input would do, for an impact preview."""
        return impact.PublishChange(
            require_id(self.version_id, "ConnectorVersion", "connector version")
        )


@strawberry.type(description="The published version, and what it changed against the previous.")
class PublishVersionSuccess:
    version: ConnectorVersion
    previous_version: str | None = strawberry.field(description="The version it was compared with.")
    required_bump: Bump | None
    changes: list[VersionChange]


PublishVersionResult = Annotated[
    PublishVersionSuccess
    | NotFoundError
    | ForbiddenError
    | InvalidDefinitionError
    | InsufficientVersionBumpError
    | InvalidTransitionError,
    strawberry.union("PublishVersionResult"),
]


@strawberry.input(description="A connector definition to publish as a version, in one step.")
class PushVersionInput:
    connector_key: str = strawberry.field(
        description="The project's custom connector of this key (with a platform key: the "
        "managed one)."
    )
    version: str = strawberry.field(description="The semver number, e.g. 1.3.0 or 2.0.0-beta.1.")
    definition: JSON
    name: str | None = strawberry.field(default=None, description="Default: the connector's name.")
    description: str | None = None
    readme: str | None = None
    config: JSON | None = None
    force: bool = strawberry.field(
        default=False,
        description="Overwrite a published version with other content — only when the project's "
        "immutable versioning is off. The old content is kept in `revisions`.",
    )

    def proposed_change(self, info: Info) -> impact.PushChange:
        """What `pushVersion` with this input would do, for an impact preview."""
        return impact.PushChange(
            connector_key=self.connector_key,
            number=self.version,
            definition=self.definition,
            limits=info.context.content_limits,
            name=self.name,
            description=self.description,
            readme=self.readme,
            config=self.config,
            force=self.force,
        )


@strawberry.type(description="The pushed version. `changed` is false when it was already there.")
class PushVersionSuccess:
    version: ConnectorVersion
    changed: bool = strawberry.field(description="False when the same content was there already.")
    previous_version: str | None = strawberry.field(description="The version it was compared with.")
    required_bump: Bump | None
    changes: list[VersionChange]


PushVersionResult = Annotated[
    PushVersionSuccess
    | NotFoundError
    | ForbiddenError
    | InvalidInputError
    | InvalidVersionError
    | InvalidDefinitionError
    | VersionExistsError
    | VersionImmutableError
    | VersionNumberRetiredError
    | InsufficientVersionBumpError
    | InvalidTransitionError
    | ConflictError,
    strawberry.union("PushVersionResult"),
]


@strawberry.type
class VersionMutations:
    @strawberry.mutation(
        description="Add a version (dev-portal *Add version*): a copy of the most recent one — "
        "content, config and dev environment — as a draft under the next major number, or the "
        "bump or number asked for. The first version is 1.0.0."
    )
    async def create_version(self, info: Info, input: CreateVersionInput) -> CreateVersionResult:
        connector_id = require_id(input.connector_id, "Connector", "connector")
        async with info.context.session() as session:
            row = await version_drafts.create_version(
                session,
                actor=info.context.principal,
                connector_id=connector_id,
                bump=input.bump,
                number=input.version,
            )
        return CreateVersionSuccess(version=ConnectorVersion.from_row(row))

    @strawberry.mutation(
        description="Edit an unpublished version. An edit after UPDATED sends it back to UPDATED."
    )
    async def update_version(self, info: Info, input: UpdateVersionInput) -> UpdateVersionResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row = await version_drafts.update_version(
                session,
                actor=info.context.principal,
                version_id=version_id,
                name=input.name,
                description=input.description,
                readme=input.readme,
                definition=input.definition,
                config=input.config,
                limits=info.context.content_limits,
            )
        return UpdateVersionSuccess(version=ConnectorVersion.from_row(row))

    @strawberry.mutation(
        description="Publish a draft: a DEFINITION version with a valid definition, an IMAGE "
        "version from PROD_SYNCED (its RELEASE step). Both pass the bump check."
    )
    async def publish_version(self, info: Info, input: PublishVersionInput) -> PublishVersionResult:
        version_id = require_id(input.version_id, "ConnectorVersion", "connector version")
        async with info.context.session() as session:
            row, check = await publishing.publish_version(
                session, actor=info.context.principal, version_id=version_id
            )
        return PublishVersionSuccess(
            version=ConnectorVersion.from_row(row),
            previous_version=check.previous,
            required_bump=check.required_bump,
            changes=change_list(check),
        )

    @strawberry.mutation(
        description="Create and publish a version of a DEFINITION connector in one step, after "
        "checking its bump against the previous version. Re-pushing the same content is a no-op."
    )
    async def push_version(self, info: Info, input: PushVersionInput) -> PushVersionResult:
        async with info.context.session() as session:
            outcome = await publishing.push_version(
                session,
                actor=info.context.principal,
                connector_key=input.connector_key,
                number=input.version,
                definition=input.definition,
                name=input.name,
                description=input.description,
                readme=input.readme,
                config=input.config,
                force=input.force,
                limits=info.context.content_limits,
            )
        return PushVersionSuccess(
            version=ConnectorVersion.from_row(outcome.version),
            changed=outcome.changed,
            previous_version=outcome.check.previous,
            required_bump=outcome.check.required_bump,
            changes=change_list(outcome.check),
        )
