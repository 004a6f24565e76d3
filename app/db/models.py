"""Table models. GraphQL types are separate (app/graphql) and built from these."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import base as _base  # noqa: F401  (naming convention first)
from app.db.types import JSONDocument, UTCDateTime, utc_now
from app.domain.assignments import AssignmentKind
from app.domain.enums import DeploymentState, PinSource, Role, Runtime, VersionSource
from app.domain.pipeline import DeploymentStep as PipelineStep
from app.domain.pipeline import StepOutcome
from app.domain.rollouts import RolloutEnding


def _timestamp(*, nullable: bool = False, index: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=index)


def _json(*, nullable: bool) -> Any:
    if nullable:
        return Field(default=None, sa_type=JSONDocument, nullable=True)
    return Field(default_factory=dict, sa_type=JSONDocument, nullable=False)


def _text(default: str = "") -> Any:
    return Field(default=default, sa_type=sa.Text, nullable=False)


OnDelete = Literal["CASCADE", "SET NULL", "RESTRICT"]


def _reference(
    target: str, *, ondelete: OnDelete, nullable: bool = False, index: bool = True
) -> Any:
    default: Any = None if nullable else ...
    return Field(
        default=default, foreign_key=target, ondelete=ondelete, nullable=nullable, index=index
    )


class Project(SQLModel, table=True):
    __tablename__ = "project"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    slug: str = Field(max_length=63, unique=True)
    name: str = Field(max_length=200)
    immutable_versioning: bool = Field(default=True)
    created_at: datetime = _timestamp()


class ApiKey(SQLModel, table=True):
    """An API key. Only the SHA-256 of the secret is kept; `prefix` lets people recognise it."""

    __tablename__ = "api_key"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'PLATFORM_ADMIN' AND project_id IS NULL)"
            " OR (role <> 'PLATFORM_ADMIN' AND project_id IS NOT NULL)",
            name="platform_keys_have_no_project",
        ),
        # Project.apiKeys pages (oldest first) through it; it serves project_id lookups too.
        sa.Index("ix_api_key_project_id_created_at_id", "project_id", "created_at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    project_id: UUID | None = _reference(
        "project.id", ondelete="CASCADE", nullable=True, index=False
    )
    name: str = Field(max_length=200)
    role: Role = Field(sa_type=sa.String(16))
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _timestamp()
    # None: never expires. A key past it is refused like a revoked one (DESIGN §11).
    expires_at: datetime | None = _timestamp(nullable=True)
    # Written at most once a minute per key, after the request (`app.services.access.key_usage`).
    last_used_at: datetime | None = _timestamp(nullable=True)
    revoked_at: datetime | None = _timestamp(nullable=True)


class Connector(SQLModel, table=True):
    """A managed connector has no project; a custom one belongs to exactly one project."""

    __tablename__ = "connector"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "key"),
        # NULLs are distinct in a unique constraint, so managed keys need their own index.
        sa.Index(
            "uq_connector_managed_key",
            "key",
            unique=True,
            sqlite_where=sa.text("project_id IS NULL"),
            postgresql_where=sa.text("project_id IS NULL"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    project_id: UUID | None = _reference("project.id", ondelete="CASCADE", nullable=True)
    key: str = Field(max_length=63, index=True)
    name: str = Field(max_length=200)
    description: str = _text()
    runtime: Runtime = Field(sa_type=sa.String(16))
    # Moves with every change to the connector's versions, by triggers on connector_version
    # (migration 0006): never written by the application.
    versions_stamp: int = Field(
        default=0,
        sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    created_at: datetime = _timestamp()

    @property
    def is_managed(self) -> bool:
        return self.project_id is None


class ConnectorVersion(SQLModel, table=True):
    __tablename__ = "connector_version"
    __table_args__ = (sa.UniqueConstraint("connector_id", "version"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    connector_id: UUID = _reference("connector.id", ondelete="CASCADE")
    version: str = Field(max_length=128)
    major: int
    minor: int
    patch: int
    prerelease: str | None = Field(default=None, max_length=128)
    name: str = Field(max_length=200)
    description: str = _text()
    readme: str = _text()
    definition: dict[str, Any] | None = _json(nullable=True)
    config: dict[str, Any] = _json(nullable=False)
    dev_environment: dict[str, Any] | None = _json(nullable=True)
    prod_environment: dict[str, Any] | None = _json(nullable=True)
    state: DeploymentState = Field(default=DeploymentState.UPDATED, sa_type=sa.String(16))
    published_at: datetime | None = _timestamp(nullable=True)
    revision: int = Field(default=1)
    content_hash: str = Field(max_length=64)
    deprecated_at: datetime | None = _timestamp(nullable=True)
    deprecation_message: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    sunset_at: datetime | None = _timestamp(nullable=True)
    binned_at: datetime | None = _timestamp(nullable=True)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class VersionRevision(SQLModel, table=True):
    """The content a forced push replaced; nothing published is ever lost."""

    __tablename__ = "version_revision"
    __table_args__ = (sa.UniqueConstraint("version_id", "revision"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    version_id: UUID = _reference("connector_version.id", ondelete="CASCADE")
    revision: int
    name: str = Field(max_length=200)
    description: str = _text()
    readme: str = _text()
    definition: dict[str, Any] | None = _json(nullable=True)
    config: dict[str, Any] = _json(nullable=False)
    content_hash: str = Field(max_length=64)
    published_at: datetime | None = _timestamp(nullable=True)
    replaced_at: datetime = _timestamp()


class DeploymentStep(SQLModel, table=True):
    """One recorded outcome of a version's pipeline step (DESIGN §3); failures are kept too."""

    __tablename__ = "deployment_step"
    __table_args__ = (
        sa.Index("ix_deployment_step_version_id_created_at", "version_id", "created_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    version_id: UUID = _reference("connector_version.id", ondelete="CASCADE", index=False)
    step: PipelineStep = Field(sa_type=sa.String(16))
    outcome: StepOutcome = Field(sa_type=sa.String(16))
    message: str = _text()
    # The environment a sync step deployed to (accountId, projectId, siteId); null otherwise.
    environment: dict[str, Any] | None = _json(nullable=True)
    state_before: DeploymentState = Field(sa_type=sa.String(16))
    state_after: DeploymentState = Field(sa_type=sa.String(16))
    api_key_id: UUID | None = Field(default=None)
    created_at: datetime = _timestamp()


class RetiredVersionNumber(SQLModel, table=True):
    """A tombstone: a permanently deleted version's number is never used again."""

    __tablename__ = "retired_version_number"
    __table_args__ = (sa.UniqueConstraint("connector_id", "version"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    connector_id: UUID = _reference("connector.id", ondelete="CASCADE", index=False)
    version: str = Field(max_length=128)
    retired_at: datetime = _timestamp()


class AuthConfig(SQLModel, table=True):
    """Names a connector *key*: resolution spans the custom and the managed connector of it."""

    __tablename__ = "auth_config"
    # Keyset pages of a project's auth configs, all of them or those of one connector key, read
    # in (created_at, id) order straight from an index; the second serves key lookups too.
    __table_args__ = (
        sa.Index("ix_auth_config_project_id_created_at_id", "project_id", "created_at", "id"),
        sa.Index(
            "ix_auth_config_project_id_connector_key_created_at_id",
            "project_id",
            "connector_key",
            "created_at",
            "id",
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    project_id: UUID = _reference("project.id", ondelete="CASCADE", index=False)
    connector_key: str = Field(max_length=63)
    name: str = Field(max_length=200)
    pin: str | None = Field(default=None, max_length=128)
    pin_source: PinSource = Field(default=PinSource.ANY, sa_type=sa.String(16))
    active: bool = Field(default=True)
    revision: int = Field(default=1)
    # Kept by triggers on linked_account (migration 0005): never written by the application.
    linked_account_count: int = Field(
        default=0,
        sa_column=sa.Column(sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class LinkedAccount(SQLModel, table=True):
    __tablename__ = "linked_account"
    __table_args__ = (
        sa.UniqueConstraint("auth_config_id", "external_id"),
        # Each auth config's page of accounts is a range of this index, however many it has.
        sa.Index(
            "ix_linked_account_auth_config_id_created_at_id", "auth_config_id", "created_at", "id"
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    auth_config_id: UUID = _reference("auth_config.id", ondelete="CASCADE", index=False)
    external_id: str = Field(max_length=255)
    label: str = Field(default="", max_length=200)
    authenticated_version_id: UUID | None = _reference(
        "connector_version.id", ondelete="SET NULL", nullable=True
    )
    # Which content of that version: a forced overwrite keeps the number but may change `auth`.
    authenticated_revision: int | None = Field(default=None)
    authenticated_at: datetime | None = _timestamp(nullable=True)
    created_at: datetime = _timestamp()


class Assignment(SQLModel, table=True):
    """A published version referenced by a datasource, export or data service on a site
    (DESIGN §10). It keeps the version out of the bin, so a version that has assignments is
    never deleted: the cascade only ever runs for a project's own removal."""

    __tablename__ = "assignment"
    __table_args__ = (
        # One assignment per version, project, site and kind: assigning again is refused.
        sa.UniqueConstraint("version_id", "project_id", "site_id", "kind"),
        # A version's assignments are paged (oldest first) and counted for the bin through it.
        sa.Index("ix_assignment_version_id_created_at_id", "version_id", "created_at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    version_id: UUID = _reference("connector_version.id", ondelete="CASCADE", index=False)
    # The assigning project: a custom version's own, or the project that uses a managed one.
    project_id: UUID = _reference("project.id", ondelete="CASCADE")
    site_id: str = Field(max_length=255)
    kind: AssignmentKind = Field(sa_type=sa.String(16))
    external_reference: str | None = Field(default=None, max_length=255)
    # Who assigned it; a plain column, like the events': history outlives keys.
    api_key_id: UUID | None = Field(default=None)
    created_at: datetime = _timestamp()


class Event(SQLModel, table=True):
    """Append-only history. Object ids are plain columns: history outlives what it mentions."""

    __tablename__ = "event"
    # Query.events reads newest first within what the caller may see (a project, or the
    # platform's NULL); one index per filter makes each filtered page a range scan too.
    __table_args__ = (
        sa.Index("ix_event_project_id_id", "project_id", "id"),
        sa.Index("ix_event_project_id_connector_id_id", "project_id", "connector_id", "id"),
        sa.Index("ix_event_project_id_version_id_id", "project_id", "version_id", "id"),
        sa.Index("ix_event_project_id_auth_config_id_id", "project_id", "auth_config_id", "id"),
        sa.Index("ix_event_project_id_kind_id", "project_id", "kind", "id"),
    )

    id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
    )
    project_id: UUID | None = Field(default=None, index=False)
    api_key_id: UUID | None = Field(default=None)
    kind: str = Field(max_length=64)
    connector_id: UUID | None = Field(default=None)
    version_id: UUID | None = Field(default=None)
    auth_config_id: UUID | None = Field(default=None)
    linked_account_id: UUID | None = Field(default=None)
    payload: dict[str, Any] = _json(nullable=False)
    created_at: datetime = _timestamp()


class Rollout(SQLModel, table=True):
    """A target version rolled out to a percentage of an auth config's accounts (DESIGN §13).

    Ended rollouts stay, with how and by whom they ended: the buckets of a past rollout can be
    told again, and history reads like what happened. At most one per auth config runs (ended_at
    IS NULL), which a partial unique index holds even against writers that race; it also makes
    "the running rollout of these auth configs" an index lookup, whatever the history.
    """

    __tablename__ = "rollout"
    __table_args__ = (
        sa.Index(
            "uq_rollout_running_auth_config_id",
            "auth_config_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_is_a_percentage"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    auth_config_id: UUID = _reference("auth_config.id", ondelete="CASCADE")
    # A running rollout's target is in use, so it cannot be binned or deleted; an ended one's
    # may be deleted for good, and the number and source below still say what it was.
    target_version_id: UUID | None = _reference(
        "connector_version.id", ondelete="SET NULL", nullable=True
    )
    target_version: str = Field(max_length=128)
    target_source: VersionSource = Field(sa_type=sa.String(16))
    percent: int
    started_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    ended_at: datetime | None = _timestamp(nullable=True)
    ending: RolloutEnding | None = Field(default=None, sa_type=sa.String(16), nullable=True)
    # Who: API keys, as events name them (plain columns: history outlives the keys).
    started_by_api_key_id: UUID | None = Field(default=None)
    ended_by_api_key_id: UUID | None = Field(default=None)


class PersistedDocument(SQLModel, table=True):
    """A GraphQL document clients may refer to by its id (DESIGN §16). Registered by a request
    that sent the document with its SHA-256 (automatic persisted queries), or by a manifest
    (`connector-registry register-documents`), whose documents alone are trusted. The text of an
    id never changes; a trusted document stays trusted."""

    __tablename__ = "persisted_document"

    id: str = Field(max_length=200, primary_key=True)
    document: str = Field(sa_type=sa.Text, nullable=False)
    sha256: str = Field(max_length=64, index=True)
    trusted: bool = Field(default=False)
    created_at: datetime = _timestamp()


# The history of resolution's inputs (DESIGN §15) is part of the schema too.
from app.db import history_tables as _history_tables  # noqa: E402, F401
