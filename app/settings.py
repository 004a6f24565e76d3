"""Settings read from the environment (and an optional `.env` file)."""

from dataclasses import fields
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.domain.content_limits import ContentLimits
from app.http.origins import parse_origins

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./connector-registry.db"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")

LogLevel = Literal["critical", "error", "warning", "info", "debug"]
Tracing = Literal["off", "otlp"]
LogFormat = Literal["console", "json"]
MetricsMode = Literal["on", "off"]
# What stands between the server and PostgreSQL (DESIGN §18): nothing, or a pooler that hands a
# server connection to a client for one transaction at a time (PgBouncer's `pool_mode =
# transaction` and the poolers of managed PostgreSQL services).
DatabasePooler = Literal["none", "transaction"]
PersistedDocumentsSetting = Literal["off", "automatic", "trusted"]

# Connections each server process keeps open: 4 workers stay well under PostgreSQL's default
# max_connections of 100, and one request holds one connection for its whole length.
DEFAULT_DATABASE_POOL_SIZE = 15
MIB = 1024 * 1024


class Settings(BaseSettings):
    """Everything the server needs to start; nothing else is read from the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite+aiosqlite:///FILE (default) or postgresql+asyncpg://…",
    )
    database_pooler: DatabasePooler = Field(
        default="none",
        description="`transaction`: DATABASE_URL reaches PostgreSQL through a transaction-pooling "
        "pooler (PgBouncer); nothing then relies on a session outliving a transaction.",
    )
    database_direct_url: str = Field(
        default="",
        description="A URL that reaches PostgreSQL itself, for what needs a session of its own "
        "(migrations, each process's LISTEN connection); empty: DATABASE_URL.",
    )
    database_pool_size: int = Field(
        default=DEFAULT_DATABASE_POOL_SIZE,
        ge=1,
        le=500,
        description="Database connections per server process; requests beyond it wait for one.",
    )
    max_body_bytes: int = Field(
        default=4 * MIB,
        ge=1024,
        description="Largest request body; a larger one gets 413 before it is read.",
    )
    max_query_tokens: int = Field(
        default=2_000, ge=100, description="Tokens a GraphQL document may have."
    )
    max_query_cost: int = Field(
        default=50_000,
        ge=100,
        description="What one operation may cost: objects it can return, heavy values weighted "
        "(app/graphql/guards/cost.py).",
    )
    max_response_bytes: int = Field(
        default=16 * MIB, ge=1024, description="Largest response an operation may produce."
    )
    statement_timeout: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds one SQL statement may run on PostgreSQL before it is cancelled.",
    )
    request_timeout: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds one request may take in all."
    )
    max_queued_requests: int = Field(
        default=256,
        ge=0,
        description="Most requests a process lets wait for a database connection; more get 503.",
    )
    queue_timeout: float = Field(
        default=2.0,
        gt=0,
        le=600,
        description="Seconds a request may wait for a database connection before it gets 503.",
    )
    max_subscriptions_per_key: int = Field(
        default=50,
        ge=1,
        le=100_000,
        description="Open subscriptions one API key may hold in one server process.",
    )
    max_subscriptions: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Open subscriptions one server process serves, all keys together.",
    )
    subscription_key_recheck_seconds: float = Field(
        default=0.0,
        ge=0,
        le=300,
        description="Seconds a subscription's key, found working, is trusted before a delivery "
        "reads it again; 0: read before every delivery (one statement per batch of events for "
        "all the keys it wakes). Catches keys deleted straight in the database.",
    )
    memory_max_age_seconds: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="Seconds a process may answer lookups from its copy of an API key or an auth "
        "config (dropped at once when a change notification arrives) before it reads it again: "
        "the bound on how late a revoked key or a change is seen if notifications are lost. "
        "0: every lookup reads the database.",
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins whose pages may call the API (HTTP and websockets); "
        "`*` for any. Empty: none but the server's own.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: LogLevel = "info"
    tracing: Tracing = Field(
        default="off",
        description="`otlp`: OpenTelemetry spans sent by OTLP, set up by the standard OTEL_* "
        "variables (needs the `otel` extra). Apollo's ftv1 traces need no setting.",
    )
    tracing_background_sql: Literal["off", "on"] = Field(
        default="off",
        description="`on`: SQL run outside a request (live-events listener, key-usage writes, "
        "probes) is traced too, each statement a trace of its own.",
    )
    # Read by `serve` when --workers is not given; the name is the one uvicorn and PaaS use.
    web_concurrency: int = Field(
        default=1, ge=1, le=64, description="Worker processes `serve` starts."
    )
    # uvicorn's own default is 5 s: a worker still importing the app on a busy machine misses
    # it, and is killed and started again, over and over.
    worker_healthcheck_timeout: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="Seconds a worker of `serve` may take to answer uvicorn's health check (while "
        "it starts, and every half second after) before uvicorn kills and replaces it.",
    )
    # Longer than REQUEST_TIMEOUT (30 s), so that a request that may still run is let finish.
    shutdown_grace_seconds: float = Field(
        default=35.0,
        ge=0,
        le=3600,
        description="Seconds a process lets its requests in flight finish after SIGTERM (it is "
        "not ready and refuses new work meanwhile) before it stops them and exits.",
    )
    log_format: LogFormat = Field(
        default="console", description="`console` (readable lines) or `json` (one object a line)."
    )
    metrics: MetricsMode = Field(
        default="on", description="`on`: Prometheus text at /metrics; `off`: /metrics is 404."
    )
    metrics_token: str = Field(
        default="",
        description="When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`.",
    )
    persisted_documents: PersistedDocumentsSetting = Field(
        default="automatic",
        description="`automatic`: documents whole or by a registered id (Apollo's automatic "
        "persisted queries); `trusted`: only documents of a registered manifest; `off`: whole "
        "documents only (docs/api/over-http.md).",
    )
    trusted_documents_exempt_platform: bool = Field(
        default=False,
        description="With PERSISTED_DOCUMENTS=trusted, platform keys may still send any document "
        "(GraphiQL, operators' scripts).",
    )

    # What a version may be sent (`app.domain.content_limits`). A large real definition is
    # tens of KB with a few dozen actions (the benchmark's are 30-47 KB); these leave room for
    # ten to twenty times that and refuse what no engine would run.
    definition_max_bytes: int = Field(
        default=1_000_000, ge=1, description="A definition's size as compact JSON (UTF-8)."
    )
    definition_max_actions: int = Field(default=500, ge=1, description="Actions per definition.")
    definition_max_params: int = Field(default=100, ge=1, description="Params per action.")
    definition_max_response_fields: int = Field(
        default=200, ge=1, description="Response fields per level (an action's, or nested ones)."
    )
    definition_max_filters: int = Field(default=50, ge=1, description="Filters per action.")
    definition_max_operators: int = Field(default=20, ge=1, description="Operators per filter.")
    definition_max_scopes: int = Field(default=100, ge=1, description="Scopes of `auth`.")
    definition_max_credential_fields: int = Field(
        default=50, ge=1, description="Credential fields of `auth`."
    )
    config_max_bytes: int = Field(
        default=100_000, ge=1, description="A version's config as compact JSON (UTF-8)."
    )
    # At most 100: serialising a document uses the interpreter's stack, one frame per level.
    json_max_depth: int = Field(
        default=32, ge=2, le=100, description="Levels of nesting of a definition or config."
    )
    # Impact previews (DESIGN §12): each runs its change's mutation and rolls it back.
    max_previews_per_operation: int = Field(
        default=3,
        ge=1,
        le=50,
        description="`impact` fields one operation may hold; more are refused before it runs.",
    )
    max_concurrent_previews: int = Field(
        default=2,
        ge=1,
        le=100,
        description="Operations with `impact` fields a process runs at once; as many more wait "
        "up to QUEUE_TIMEOUT, the rest get 503.",
    )

    @field_validator("database_url")
    @classmethod
    def _supported_database_url(cls, value: str) -> str:
        return str(parse_database_url(value).render_as_string(hide_password=False))

    @field_validator("database_direct_url")
    @classmethod
    def _supported_direct_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = parse_database_url(value)
        except ValueError as error:
            raise ValueError(str(error).replace("DATABASE_URL", "DATABASE_DIRECT_URL")) from None
        return str(url.render_as_string(hide_password=False))

    @model_validator(mode="after")
    def _pooler_needs_postgresql(self) -> "Settings":
        if self.database_pooler != "none" and self.is_sqlite:
            raise ValueError(
                f"DATABASE_POOLER={self.database_pooler} needs a PostgreSQL DATABASE_URL"
            )
        if self.database_direct_url and (
            make_url(self.database_direct_url).get_backend_name() != self.url.get_backend_name()
        ):
            raise ValueError("DATABASE_DIRECT_URL must reach the database of DATABASE_URL")
        return self

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        return ",".join(parse_origins(value))

    @field_validator(
        "log_level",
        "log_format",
        "metrics",
        "database_pooler",
        "tracing_background_sql",
        "persisted_documents",
        mode="before",
    )
    @classmethod
    def _lower_case_log_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("tracing", mode="before")
    @classmethod
    def _lower_case_tracing(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("tracing")
    @classmethod
    def _tracing_can_run(cls, value: Tracing) -> Tracing:
        from app.tracing.setup import otel_missing

        missing = otel_missing() if value != "off" else None
        if missing:
            raise ValueError(f"{value!r} needs OpenTelemetry: {missing}")
        return value

    @cached_property
    def url(self) -> URL:
        return make_url(self.database_url)

    @cached_property
    def direct_url(self) -> URL:
        """Where migrations and the LISTEN connection go: `DATABASE_DIRECT_URL`, else `url`."""
        return make_url(self.database_direct_url) if self.database_direct_url else self.url

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """`CORS_ORIGINS` as a list, each as browsers send it."""
        return parse_origins(self.cors_origins)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def content_limits(self) -> ContentLimits:
        """The limits on what a version is sent, for the rules that apply them."""
        return ContentLimits(
            **{limit.name: getattr(self, limit.name) for limit in fields(ContentLimits)}
        )


def parse_database_url(value: str) -> URL:
    """Parse a database URL, accepting the plain `postgresql://` and `sqlite://` spellings too."""
    try:
        url = make_url(value)
    except ArgumentError as error:
        raise ValueError(f"DATABASE_URL is not a database URL: {value!r}") from error
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    backend = url.get_backend_name()
    if url.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(
            f"DATABASE_URL uses {url.drivername!r}; use one of: "
            "sqlite+aiosqlite:///FILE, postgresql+asyncpg://USER@HOST/DB"
        )
    if backend == "sqlite" and not url.database:
        raise ValueError("DATABASE_URL for SQLite needs a file: sqlite+aiosqlite:///FILE")
    return url


class SettingsError(Exception):
    """Settings could not be read; the message fits on one line."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one readable line."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            ": ".join(
                part
                for part in (
                    ".".join(str(part) for part in problem["loc"]).upper(),
                    problem["msg"].removeprefix("Value error, "),
                )
                if part
            )
            for problem in error.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
