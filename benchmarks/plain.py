"""The yardstick: a plain Starlette + asyncpg endpoint doing the GraphQL lookup's work by hand.

`POST /resolve` with `Authorization: Bearer <key>` and `{"id": "<auth config global id>"}` reads
the key by its hash (refused when revoked or expired), the auth config (in the key's project),
and only the version columns resolution needs; builds `Candidate`s, calls the app's own
`resolve` with `parse_pin`, and answers `{"version", "rule", "source"}`. What GraphQL adds on
top of this is the price of the framework, which is what the benchmark measures.

Run it as the server runs: `uvicorn benchmarks.plain:create_app --factory`, with
`PLAIN_DATABASE_URL` (a PostgreSQL URL) and `DATABASE_POOL_SIZE` in the environment.
"""

import base64
import binascii
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.domain.api_keys import hash_secret
from app.domain.enums import PinSource, VersionSource
from app.domain.pins import parse_pin
from app.domain.resolution import Candidate, resolve

DEFAULT_POOL_SIZE = 10

# A key works until it is revoked or expires, as the app's own lookup decides.
_API_KEY = (
    "SELECT project_id FROM api_key WHERE secret_hash = $1 "
    "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
)
_AUTH_CONFIG = (
    "SELECT connector_key, pin, pin_source FROM auth_config WHERE id = $1 AND project_id = $2"
)
_VERSIONS = """
SELECT v.id, v.version, v.published_at IS NOT NULL AS published, v.binned_at IS NOT NULL AS binned,
       v.deprecated_at IS NOT NULL AS deprecated, v.deprecation_message,
       c.project_id IS NULL AS managed
FROM connector_version v JOIN connector c ON c.id = v.connector_id
WHERE c.key = $1 AND (c.project_id IS NULL OR c.project_id = $2)
"""


def create_app() -> Starlette:
    """The app; its lifespan owns one asyncpg pool per worker."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        size = int(os.environ.get("DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE))
        dsn = os.environ["PLAIN_DATABASE_URL"]
        app.state.pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
        try:
            yield
        finally:
            await app.state.pool.close()

    return Starlette(
        routes=[Route("/resolve", resolve_endpoint, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


async def healthz(request: Request) -> JSONResponse:
    async with request.app.state.pool.acquire() as connection:
        await connection.fetchval("SELECT 1")
    return JSONResponse({"status": "ok"})


async def resolve_endpoint(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    body = await request.json()
    auth_config_id = _auth_config_id(body.get("id", "") if isinstance(body, dict) else "")
    if scheme.lower() != "bearer" or not secret or auth_config_id is None:
        return JSONResponse({"error": "unauthenticated or not found"}, status_code=404)
    async with request.app.state.pool.acquire() as connection:
        project_id = await connection.fetchval(_API_KEY, hash_secret(secret.strip()))
        if project_id is None:
            return JSONResponse({"error": "unauthenticated"}, status_code=401)
        config = await connection.fetchrow(_AUTH_CONFIG, auth_config_id, project_id)
        if config is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        rows = await connection.fetch(_VERSIONS, config["connector_key"], project_id)
    resolution = resolve(
        parse_pin(config["pin"]), PinSource(config["pin_source"]), [_candidate(r) for r in rows]
    )
    chosen = resolution.version
    return JSONResponse(
        {
            "version": None if chosen is None else chosen.version,
            "rule": resolution.rule.value,
            "source": None if resolution.source is None else resolution.source.value,
        }
    )


def _auth_config_id(global_id: object) -> UUID | None:
    """The UUID inside an AuthConfig global id (base64 of `AuthConfig:<uuid>`)."""
    if not isinstance(global_id, str):
        return None
    try:
        type_name, _, node_id = base64.b64decode(global_id).decode().partition(":")
        return UUID(node_id) if type_name == "AuthConfig" else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _candidate(row: Any) -> Candidate[UUID]:
    return Candidate(
        id=row["id"],
        version=row["version"],
        source=VersionSource.MANAGED if row["managed"] else VersionSource.CUSTOM,
        published=row["published"],
        binned=row["binned"],
        deprecated=row["deprecated"],
        deprecation_message=row["deprecation_message"],
    )
