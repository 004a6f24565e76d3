"""The ASGI application: `/graphql` (GraphiQL in a browser), its static files, the probes
(`/livez`, `/readyz`, `/healthz`) and `/metrics`."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from app.db.engine import Database
from app.graphql.endpoint import ide
from app.graphql.endpoint.persisted import PersistedDocuments
from app.graphql.endpoint.view import RegistryGraphQL
from app.graphql.events.feeds import FeedLimits
from app.graphql.guards.budget import Budget
from app.graphql.schema import schema
from app.http.body_limit import BodySizeLimit
from app.http.cors import cors
from app.http.drain import Drain, DrainGate, hand_over_after_drain
from app.http.probes import livez, readyz
from app.observability import logs, metrics
from app.observability.middleware import RequestObservation
from app.services.access.key_usage import KeyUsage
from app.settings import Settings, load_settings
from app.tracing.setup import tracing_from

if TYPE_CHECKING:
    from app.tracing.otel import OpenTelemetryTracing

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    tracing: "OpenTelemetryTracing | None" = None,
) -> Starlette:
    """Build the app. The lifespan owns the engine unless a `database` is handed in (tests);
    `tracing` is made from the settings (`TRACING`) unless handed in (tests).

    The schema is not migrated here, where every worker would do it again: `connector-registry
    serve` migrates the SQLite default once before the workers start, and PostgreSQL is migrated
    by `connector-registry migrate`.
    """
    settings = settings or load_settings()
    tracing = tracing or tracing_from(settings)
    logs.configure_structlog()
    logs.silence_uvicorn_access_log()
    key_usage = KeyUsage()
    drain = Drain()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = database is None
        db = database or Database.for_server(
            settings.url,
            pool_size=settings.database_pool_size,
            max_waiting=settings.max_queued_requests,
            wait_timeout=settings.queue_timeout,
            statement_timeout=settings.statement_timeout,
            pooler=settings.database_pooler,
            listener_url=settings.direct_url,
            memory_max_age_seconds=settings.memory_max_age_seconds,
            single_process=settings.web_concurrency == 1,
        )
        app.state.database = db
        if owned and tracing is not None:
            tracing.instrument(db.engine)
        await db.start_listening()
        usage_writer = asyncio.create_task(key_usage.keep_writing(db))
        pool_sampler = asyncio.create_task(metrics.keep_sampling_pool(db))
        _freeze_startup_objects()
        restore_sigterm = hand_over_after_drain(drain, settings.shutdown_grace_seconds)
        try:
            yield
        finally:
            if restore_sigterm is not None:
                restore_sigterm()
            for task in (usage_writer, pool_sampler):
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            metrics.mark_process_dead()
            await key_usage.write(db)
            if owned:
                await db.dispose()
            else:
                await db.live_events.stop()
            if tracing is not None:
                tracing.shutdown()

    graphql = RegistryGraphQL(
        schema, graphql_ide="graphiql", allowed_origins=settings.allowed_origins
    )
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/livez", livez),
        Route("/readyz", readyz),
        Route("/healthz", healthz),
        Mount(ide.STATIC_URL, StaticFiles(directory=ide.STATIC_DIR), name="graphiql"),
    ]
    if settings.metrics == "on":
        routes.append(Route("/metrics", metrics.metrics_endpoint(settings.metrics_token)))
    app = Starlette(
        routes=routes,
        # CORS outermost: a refusal (413, 401, 503) must carry its headers too, or a page on
        # another origin cannot read why it was refused. The request's span holds everything
        # else, so that every log line of the request (its own line too) carries its trace id;
        # every response carries its request id.
        middleware=[
            cors(settings.allowed_origins),
            *([tracing.middleware()] if tracing is not None else []),
            Middleware(RequestObservation),
            Middleware(DrainGate, drain=drain),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.budget = Budget.from_settings(settings)
    app.state.content_limits = settings.content_limits()
    app.state.persisted = PersistedDocuments.from_settings(settings)
    app.state.subscription_limits = FeedLimits(
        per_key=settings.max_subscriptions_per_key,
        total=settings.max_subscriptions,
        key_recheck_seconds=settings.subscription_key_recheck_seconds,
    )
    app.state.key_usage = key_usage
    app.state.drain = drain
    app.state.tracing = tracing  # read per operation: `app.tracing.per_request`
    if database is not None:
        app.state.database = database
        if tracing is not None:
            tracing.instrument(database.engine)
    return app


def _freeze_startup_objects() -> None:
    """Keep what start-up built (the schema, the mappers, the modules) out of the garbage
    collector's reach: it lives as long as the process, and collecting the oldest generation
    walked all of it again and again, stalling requests (a lookup's p99 went from about 60 ms
    to 5 ms on one connection, and throughput rose by a sixth, with this)."""
    gc.collect()
    gc.freeze()


async def healthz(request: Request) -> JSONResponse:
    """The health check of earlier releases, kept as it was for the probes that use it: the
    database answers and live events reach this process (`liveEvents`: a process whose listener
    is reconnecting would leave its subscribers waiting). `/livez` and `/readyz` split it."""
    database: Database = request.app.state.database
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        logger.exception("health check failed")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    live_events = database.live_events_state()
    if not live_events.delivers:
        return JSONResponse(
            {"status": "unavailable", "liveEvents": live_events.value}, status_code=503
        )
    return JSONResponse({"status": "ok", "liveEvents": live_events.value})
