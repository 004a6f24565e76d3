"""The `connector-registry` command."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from app.push import PushFile
    from app.settings import Settings

T = TypeVar("T")

SHUTDOWN_CLOSE_SECONDS = 5
"""After a drain, how long uvicorn waits for connections to close before it cancels them."""

cli = typer.Typer(
    help="Connector Registry: connector versions, and which one every linked account runs.",
    no_args_is_help=True,
    add_completion=False,
)


def _settings(**overrides: object) -> "Settings":
    # Imported here, as the database modules are, so that `push` starts without them.
    from app.settings import SettingsError, load_settings

    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        typer.echo(f"connector-registry: {error}", err=True)
        raise typer.Exit(2) from None


def _run(make: Callable[[], Awaitable[T]]) -> T:
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except (OperationalError, DBAPIError, OSError) as error:
        typer.echo(
            f"connector-registry: cannot use the database: {error}".splitlines()[0],
            err=True,
        )
        raise typer.Exit(1) from None


@cli.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(
            envvar="HOST", show_envvar=True, show_default="127.0.0.1", help="Address to listen on"
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(envvar="PORT", show_envvar=True, show_default="8000", help="Port"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="WEB_CONCURRENCY",
            show_envvar=True,
            show_default="1",
            help="Worker processes",
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            envvar="LOG_LEVEL",
            show_envvar=True,
            show_default="info",
            help="How much the server logs: critical, error, warning, info or debug",
        ),
    ] = None,
    worker_healthcheck_timeout: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="WORKER_HEALTHCHECK_TIMEOUT",
            show_envvar=True,
            show_default="30",
            help="Seconds a worker may take to answer uvicorn's health check before it is replaced",
        ),
    ] = None,
) -> None:
    """Serve the API: /graphql (GraphiQL in a browser), /livez, /readyz and /metrics."""
    import logging.config

    import uvicorn

    from app.observability.logs import configure_structlog, uvicorn_log_config

    settings = _settings(
        host=host,
        port=port,
        log_level=log_level,
        web_concurrency=workers,
        worker_healthcheck_timeout=worker_healthcheck_timeout,
    )
    log_config = uvicorn_log_config(settings.log_format, settings.log_level)
    # From the first line on, the log is in LOG_FORMAT (uvicorn would set it up only below).
    logging.config.dictConfig(log_config)
    configure_structlog()
    if settings.is_sqlite:
        # Migrate once here, not in every worker, so that workers never race on the schema.
        _migrate(settings)
    elif not _up_to_date(settings):
        logging.getLogger("app.serve").error(
            "the database schema is not up to date; run `connector-registry migrate` first"
        )
        raise typer.Exit(1)
    else:
        _check_pooled_statement_timeout(settings)
    _log_start(settings)
    # Each worker reads its settings again: it must know how many there are (on SQLite, only a
    # single process answers lookups from memory, `app.db.engine.Database`).
    os.environ["WEB_CONCURRENCY"] = str(settings.web_concurrency)
    with _metrics_directory():
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.web_concurrency,
            timeout_worker_healthcheck=settings.worker_healthcheck_timeout,
            # After the drain (`app.http.drain`): how long uvicorn then waits for connections
            # to close, subscriptions closed with 1012, before it cancels what is left.
            timeout_graceful_shutdown=SHUTDOWN_CLOSE_SECONDS,
            log_level=settings.log_level,
            log_config=log_config,
            # The app writes one line per request, with its id, operation and duration.
            access_log=False,
            # A websocket message is a request too: the same ceiling as an HTTP body.
            ws_max_size=settings.max_body_bytes,
        )


def _log_start(settings: "Settings") -> None:
    """One line that says what runs: where the data is, how many workers, what is observed."""
    import structlog

    logger = structlog.get_logger("app.serve")
    database = settings.url.get_backend_name()
    logger.info(
        "starting",
        database=database,
        sqlite_file=settings.url.database if settings.is_sqlite else None,
        workers=settings.web_concurrency,
        tracing=settings.tracing,
        metrics=settings.metrics,
        metrics_token_required=bool(settings.metrics_token),
        log_format=settings.log_format,
        shutdown_grace_seconds=settings.shutdown_grace_seconds,
        graphiql=f"http://{settings.host}:{settings.port}/graphql",
    )


@contextmanager
def _metrics_directory() -> Iterator[None]:
    """A PROMETHEUS_MULTIPROC_DIR for the workers' metrics, made before they start (they read
    it when they import prometheus-client) and removed after them — unless the operator chose
    one, which is theirs to clear between runs."""
    import os
    import tempfile

    from app.observability import MULTIPROCESS_DIR_VARIABLE

    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="connector-registry-metrics-") as directory:
        os.environ[MULTIPROCESS_DIR_VARIABLE] = directory
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR_VARIABLE]


def _migrate(settings: "Settings") -> None:
    from app.db.engine import create_engine
    from app.db.migrate import upgrade

    async def run() -> None:
        engine = create_engine(settings.direct_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    _run(run)


def _up_to_date(settings: "Settings") -> bool:
    from app.db.engine import create_engine
    from app.db.migrate import is_up_to_date

    async def run() -> bool:
        engine = create_engine(settings.direct_url)
        try:
            return await is_up_to_date(engine)
        finally:
            await engine.dispose()

    return _run(run)


def _check_pooled_statement_timeout(settings: "Settings") -> None:
    """Behind a transaction pooler, the statements run under the statement_timeout of the
    pooler's server connections (see `Database.for_server`): say so when it is not
    STATEMENT_TIMEOUT. This also connects through the pooler once before the workers start."""
    from app.db.engine import pooled_statement_timeout

    if settings.database_pooler == "none":
        return
    seconds = _run(lambda: pooled_statement_timeout(settings.url))
    if seconds != settings.statement_timeout:
        shown = f"{seconds:g} s" if seconds else "none"
        logging.getLogger("app.serve").warning(
            "statements through the pooler run with statement_timeout %s, not "
            "STATEMENT_TIMEOUT=%g s; set it on the database role "
            "(ALTER ROLE ... SET statement_timeout)",
            shown,
            settings.statement_timeout,
        )


@cli.command()
def migrate() -> None:
    """Bring the database (DATABASE_DIRECT_URL, else DATABASE_URL) to the newest schema."""
    settings = _settings()
    _migrate(settings)
    typer.echo("The database schema is up to date.")


def _moment(value: str) -> datetime:
    """An ISO 8601 moment; whether it has a time zone and lies ahead is the domain's to say."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date and time") from None


@cli.command("create-platform-key")
def create_platform_key(
    name: Annotated[str, typer.Option(help="A name to recognise the key by")] = "Platform admin",
    expires_at: Annotated[
        datetime | None,
        typer.Option(
            parser=_moment,
            metavar="ISO-8601",
            help="When the key stops working, with a time zone (2030-01-01T00:00:00Z)",
        ),
    ] = None,
) -> None:
    """Issue a PLATFORM_ADMIN key (creates projects, manages managed connectors)."""
    from app.domain.enums import Role
    from app.services.access.api_keys import create_api_key

    settings = _settings()
    _migrate(settings)

    async def run() -> str:
        async with _database(settings) as session:
            issued = await create_api_key(
                session,
                actor=None,
                name=name,
                role=Role.PLATFORM_ADMIN,
                project_id=None,
                expires_at=expires_at,
            )
            return issued.secret

    secret = _run_domain(run)
    typer.echo(f"PLATFORM_ADMIN key (shown once): {secret}")


@cli.command("create-project")
def create_project(
    slug: Annotated[str, typer.Argument(help="Unique slug: a-z, 0-9 and '-'")],
    name: Annotated[str, typer.Option(help="Display name")],
) -> None:
    """Create a project and print its first ADMIN key."""
    from app.services.access.projects import create_project as create

    settings = _settings()
    _migrate(settings)

    async def run() -> str:
        async with _database(settings) as session:
            created = await create(session, actor=None, slug=slug, name=name)
            return created.admin_key.secret

    secret = _run_domain(run)
    typer.echo(f"Created project {slug!r}. ADMIN key (shown once): {secret}")


@cli.command("register-documents")
def register_documents(
    manifest: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help='A JSON object {"<id>": "<document>"}: GraphQL Codegen\'s persisted documents '
            "or Relay's persisted queries",
        ),
    ],
) -> None:
    """Register a manifest's documents as trusted (PERSISTED_DOCUMENTS=trusted runs only
    these), all or none; clients send their ids."""
    import json

    from app.domain.persisted_documents import ManifestError, parse_manifest
    from app.graphql.endpoint.manifests import manifest_problems
    from app.services.persisted_documents import register_manifest

    settings = _settings()
    try:
        documents = parse_manifest(json.loads(manifest.read_text(encoding="utf-8")))
    except (ValueError, ManifestError) as error:  # JSONDecodeError and UnicodeError are too
        typer.echo(f"connector-registry: {manifest}: {error}", err=True)
        raise typer.Exit(1) from None
    problems = manifest_problems(documents, max_tokens=settings.max_query_tokens)
    if problems:
        typer.echo(
            f"connector-registry: {manifest}: nothing registered; these documents would not run:",
            err=True,
        )
        for problem in problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1)
    _migrate(settings)

    async def run() -> str:
        async with _database(settings) as session:
            registered = await register_manifest(session, documents)
        return (
            f"Registered {len(documents)} trusted documents: {registered.added} new, "
            f"{registered.now_trusted} known and now trusted, {registered.unchanged} unchanged."
        )

    try:
        typer.echo(_run_domain(run))
    except ManifestError as error:
        typer.echo(f"connector-registry: {manifest}: nothing registered; {error}", err=True)
        raise typer.Exit(1) from None


@cli.command()
def demo() -> None:
    """Seed a small, realistic data set and print keys to use in GraphiQL."""
    from app.demo import seed_demo

    settings = _settings()
    _migrate(settings)

    async def run() -> list[str]:
        async with _database(settings) as session:
            return await seed_demo(session)

    for line in _run_domain(run):
        typer.echo(line)


PushFileArgument = Annotated[
    Path, typer.Argument(help="The definition: YAML or JSON with key, version, auth, actions")
]
RegistryUrl = Annotated[
    str,
    typer.Option(
        envvar="CONNECTOR_REGISTRY_URL",
        show_envvar=True,
        help="The registry's /graphql endpoint (a bare address gets /graphql added)",
    ),
]
"""The file and the server of `push` and `impact`."""


@cli.command()
def push(
    file: PushFileArgument,
    url: RegistryUrl = "http://127.0.0.1:8000/graphql",
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="CONNECTOR_REGISTRY_API_KEY",
            show_envvar=True,
            help="An ADMIN key of the project (a platform key for managed connectors). Required.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite a published version with other content (only when the project's "
            "immutable versioning is off)",
        ),
    ] = False,
) -> None:
    """Push a connector definition file to a running registry, which publishes it as version
    `version` of the connector `key` (both in the file) after checking its bump against the
    previous version.

    Exit status: 0 published or unchanged; 1 refused or no answer; 2 unusable file or options.
    """
    from app import push as client

    push_file, endpoint = _push_file(file, url, api_key, "push")
    assert api_key is not None
    result = _answer(lambda: client.push(push_file, url=endpoint, api_key=api_key, force=force))
    _say(client.describe(push_file, result), refused=isinstance(result, client.Refused))


@cli.command()
def impact(
    file: PushFileArgument,
    url: RegistryUrl = "http://127.0.0.1:8000/graphql",
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="CONNECTOR_REGISTRY_API_KEY",
            show_envvar=True,
            help="A key of the project (a VIEWER may ask; the answer says FORBIDDEN). Required.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="What a push with --force would do"),
    ] = False,
) -> None:
    """Ask a running registry what pushing a definition file would do, without pushing it: each
    auth config that would run another version (from, to, accounts moving, needing
    re-authentication), or the refusal the push would get.

    Exit status: 0 it would go through; 1 it would be refused or no answer; 2 unusable file.
    """
    from app import push as client

    push_file, endpoint = _push_file(file, url, api_key, "impact")
    assert api_key is not None
    preview = _answer(lambda: client.preview(push_file, url=endpoint, api_key=api_key, force=force))
    _say(client.describe_preview(push_file, preview), refused=preview.refusal is not None)


def _answer(ask: Callable[[], T]) -> T:
    """The registry's answer to `push` or `impact`; exit status 1 when there is none."""
    from app import push as client

    try:
        return ask()
    except client.PushError as error:
        typer.echo(f"connector-registry: {error}", err=True)
        raise typer.Exit(1) from None


def _say(lines: list[str], *, refused: bool) -> None:
    """Print the answer: to stderr with exit status 1 when the push is (or would be) refused."""
    for line in lines:
        typer.echo(line, err=refused)
    if refused:
        raise typer.Exit(1)


def _push_file(file: Path, url: str, api_key: str | None, command: str) -> tuple["PushFile", str]:
    """The file and the endpoint of `push` or `impact`; exit status 2 when either is unusable."""
    from app import push as client

    if not api_key:
        typer.echo(
            f"connector-registry: {command} needs an API key: --api-key or "
            "CONNECTOR_REGISTRY_API_KEY",
            err=True,
        )
        raise typer.Exit(2)
    try:
        endpoint = client.graphql_endpoint(url)
        push_file = client.read_push_file(file)
    except (client.PushError, client.PushFileError) as error:
        typer.echo(f"connector-registry: {error}", err=True)
        raise typer.Exit(2) from None
    return push_file, endpoint


@asynccontextmanager
async def _database(settings: "Settings") -> AsyncIterator["AsyncSession"]:
    from app.db.engine import Database

    database = Database.from_url(settings.url, pooler=settings.database_pooler)
    try:
        async with database.session() as session:
            yield session
    finally:
        await database.dispose()


def _run_domain(make: Callable[[], Awaitable[T]]) -> T:
    from app.domain.errors import DomainError

    try:
        return _run(make)
    except DomainError as error:
        typer.echo(f"connector-registry: {error.code}: {error.message}", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    cli(prog_name="connector-registry")


if __name__ == "__main__":
    main()
