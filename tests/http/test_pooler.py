"""Two server processes behind PgBouncer in transaction mode, on one database (DESIGN §18).

Each process (`connector-registry serve`, one worker) reaches PostgreSQL through a real PgBouncer
(`pool_mode = transaction`, 4 server connections for all its clients) with DATABASE_POOLER=
transaction, and directly (DATABASE_DIRECT_URL) for migrations and its LISTEN connection. The
database is migrated and seeded through the CLI as an operator would.
"""

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from app.cli import _check_pooled_statement_timeout
from app.db.engine import pooled_statement_timeout
from app.db.listener import APPLICATION_NAME
from app.settings import load_settings
from tests.databases import IN_CI, fresh_database, postgres_server_url
from tests.graphql.access.documents import CREATE_API_KEY, REVOKE_API_KEY
from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, READ_AUTH_CONFIG
from tests.graphql.versions.documents import PUSH_VERSION
from tests.http.pgbouncer import DEFAULT_POOL_SIZE, PgBouncer, pgbouncer_binary, running_pgbouncer
from tests.http.server import Project, create_project, graphql, mutate, run_cli, serving, unique
from tests.http.test_subscriptions import connected, first_event, new_connector

pytestmark = pytest.mark.slow

MIXED_REQUESTS = 300
AFTER_RESTART_REQUESTS = 100
CONCURRENT_PER_SERVER = 20
# Another process sees a change once its notification arrives (DESIGN §17): milliseconds, but
# a busy machine may take longer.
NOTIFICATION_DEADLINE_SECONDS = 15
POLL_SECONDS = 0.1
STATEMENT_TIMEOUT = "7s"

DEFINITION: dict[str, Any] = {
    "auth": {"type": "api_key", "fields": [{"name": "api_key", "required": True}]},
    "actions": [{"id": "list_tickets", "description": "List tickets"}],
}
CONNECTORS = "{ connectors(first: 20) { edges { node { key } } } }"
CREATE_CONNECTOR = (
    "mutation ($input: CreateConnectorInput!) { createConnector(input: $input) { __typename } }"
)
VERSION_NUMBER = "query ($id: ID!) { node(id: $id) { ... on ConnectorVersion { version } } }"
VIEWER = "{ viewer { apiKey { name } } }"


@pytest.fixture(scope="module")
def pgbouncer_path(postgres_skip_reason: str | None) -> str:
    if postgres_skip_reason:
        pytest.skip(postgres_skip_reason)
    binary = pgbouncer_binary()
    if binary is None:
        if IN_CI:
            pytest.fail("CI=true needs PgBouncer for the pooler tests (apt-get install pgbouncer)")
        pytest.skip("PgBouncer is not installed")
    return binary


@pytest.fixture(scope="module")
def pgbouncer(pgbouncer_path: str) -> Iterator[PgBouncer]:
    server = postgres_server_url()
    assert server is not None
    with running_pgbouncer(pgbouncer_path, server) as running:
        yield running


@pytest.fixture(scope="module")
async def direct_url(pgbouncer: PgBouncer, database_workdir: Path) -> AsyncIterator[URL]:
    async with fresh_database("postgres", database_workdir) as url:
        # Behind a transaction pooler the statement timeout is the server connections' own.
        connection = await asyncpg.connect(_dsn(url))
        try:
            await connection.execute(
                f"ALTER DATABASE \"{url.database}\" SET statement_timeout = '{STATEMENT_TIMEOUT}'"
            )
        finally:
            await connection.close()
        yield url


@pytest.fixture(scope="module")
def pooled_env(pgbouncer: PgBouncer, direct_url: URL) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "DATABASE_URL": pgbouncer.url_for(direct_url).render_as_string(hide_password=False),
        "DATABASE_DIRECT_URL": direct_url.render_as_string(hide_password=False),
        "DATABASE_POOLER": "transaction",
        "STATEMENT_TIMEOUT": "7",
        # A busy machine must not turn waiting for a connection into 503s: not what is tested.
        "QUEUE_TIMEOUT": "60",
        "LOG_LEVEL": "warning",
    }


@pytest.fixture(scope="module")
def seeded(pooled_env: dict[str, str]) -> str:
    """Migrated and seeded through the CLI; returns a PLATFORM_ADMIN key issued by it."""
    migrated = run_cli("migrate", env=pooled_env)
    assert migrated.returncode == 0, migrated.stderr
    demo = run_cli("demo", env=pooled_env)
    assert demo.returncode == 0, demo.stderr
    issued = run_cli("create-platform-key", env=pooled_env)
    assert issued.returncode == 0, issued.stderr
    match = re.search(r"(crk_\S+)", issued.stdout)
    assert match, issued.stdout
    return match.group(1)


@pytest.fixture(scope="module")
def instances(
    pooled_env: dict[str, str], seeded: str, database_workdir: Path
) -> Iterator[tuple[str, str]]:
    """The base URLs of two server processes on the database, both behind the pooler."""
    with (
        serving(pooled_env, database_workdir / "pooled-1.log", workers=1) as first,
        serving(pooled_env, database_workdir / "pooled-2.log", workers=1) as second,
    ):
        yield first, second


@pytest.fixture(scope="module")
def project(instances: tuple[str, str], seeded: str) -> Project:
    first, _ = instances
    return Project(first, create_project(first, seeded))


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _push(base_url: str, admin_key: str, connector_key: str, number: str) -> str:
    """Publish version `number` of the connector; returns its id."""
    pushed = mutate(
        base_url,
        admin_key,
        PUSH_VERSION,
        {"connectorKey": connector_key, "version": number, "definition": DEFINITION},
    )
    assert pushed["__typename"] == "PushVersionSuccess", pushed
    return str(pushed["version"]["id"])


def _auth_config(project: Project, connector_key: str) -> str:
    created = mutate(
        project.base_url,
        project.key,
        CREATE_AUTH_CONFIG,
        {"connectorKey": connector_key, "name": unique("sales")},
    )
    assert created["__typename"] == "CreateAuthConfigSuccess", created
    return str(created["authConfig"]["id"])


def _effective_version(base_url: str, key: str, auth_config_id: str) -> str:
    response = graphql(base_url, key, READ_AUTH_CONFIG, {"id": auth_config_id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return str(body["data"]["node"]["effectiveVersion"]["version"]["version"])


def _until(check: Any, deadline_seconds: float = NOTIFICATION_DEADLINE_SECONDS) -> None:
    deadline = time.monotonic() + deadline_seconds
    while not check():
        assert time.monotonic() < deadline, "the other instance never saw the change"
        time.sleep(POLL_SECONDS)


def _mixed_request(index: int, connector_key: str, auth_config_id: str) -> dict[str, Any]:
    """The `index`th request of a mix: lookups, lists, and three kinds of writes."""
    kind = index % 5
    if kind == 0:
        return {
            "query": CREATE_CONNECTOR,
            "variables": {"input": {"key": unique("mix"), "name": "Mix"}},
        }
    if kind == 1:
        return {
            "query": CREATE_AUTH_CONFIG,
            "variables": {"input": {"connectorKey": connector_key, "name": unique("mix")}},
        }
    if kind == 2:
        return {"query": CONNECTORS, "variables": {}}
    return {"query": READ_AUTH_CONFIG, "variables": {"id": auth_config_id}}


async def _send_mixed(
    instances: tuple[str, str],
    project: Project,
    count: int,
    connector_key: str,
    auth_config_id: str,
) -> list[str]:
    """`count` mixed requests, alternating between the instances, many at once; returns what
    went wrong with each that failed."""
    limits = httpx.Limits(max_connections=CONCURRENT_PER_SERVER)
    headers = {"Authorization": f"Bearer {project.key}"}
    clients = [
        httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits, headers=headers)
        for base_url in instances
    ]
    problems: list[str] = []

    async def send(index: int) -> None:
        client = clients[index % len(clients)]
        try:
            response = await client.post(
                "/graphql", json=_mixed_request(index, connector_key, auth_config_id)
            )
        except httpx.TransportError as error:
            problems.append(f"{index}: {error!r}")
            return
        body = response.json() if response.status_code == 200 else {}
        if response.status_code != 200 or body.get("errors"):
            problems.append(f"{index}: {response.status_code} {response.text[:300]}")
            return
        (result,) = body["data"].values()
        typename = result.get("__typename", "") if isinstance(result, dict) else ""
        if typename and not typename.endswith("Success") and typename != "AuthConfig":
            problems.append(f"{index}: {result}")

    try:
        await asyncio.gather(*(send(index) for index in range(count)))
    finally:
        for client in clients:
            await client.aclose()
    return problems


async def _backends(direct_url: URL) -> tuple[int, int]:
    """(listener connections, other connections) of PostgreSQL to the test database."""
    connection = await asyncpg.connect(_dsn(direct_url))
    try:
        rows = await connection.fetch(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            direct_url.database,
        )
    finally:
        await connection.close()
    listeners = sum(1 for row in rows if row["application_name"] == APPLICATION_NAME)
    return listeners, len(rows) - listeners


async def test_two_instances_serve_mixed_concurrent_requests_through_a_few_connections(
    instances: tuple[str, str], project: Project, direct_url: URL
) -> None:
    # given a connector with a published version and an auth config running it
    connector_key = await asyncio.to_thread(project.connector)
    await asyncio.to_thread(_push, project.base_url, project.key, connector_key, "1.0.0")
    auth_config_id = await asyncio.to_thread(_auth_config, project, connector_key)

    # when 300 reads and writes go to the two instances, many at once
    problems = await _send_mixed(instances, project, MIXED_REQUESTS, connector_key, auth_config_id)

    # then every one succeeds
    assert problems == []
    # and PostgreSQL served both instances' pools (15 connections each) through the pooler's
    # 4 server connections, besides each process's LISTEN connection, which goes straight to it
    listeners, others = await _backends(direct_url)
    assert listeners == len(instances)
    assert 1 <= others <= DEFAULT_POOL_SIZE


async def test_a_version_published_through_one_instance_is_read_through_the_other(
    instances: tuple[str, str], project: Project
) -> None:
    # given an auth config that runs 1.0.0, looked up through the second instance
    first, second = instances
    connector_key = await asyncio.to_thread(project.connector)
    await asyncio.to_thread(_push, first, project.key, connector_key, "1.0.0")
    auth_config_id = await asyncio.to_thread(_auth_config, project, connector_key)
    assert await asyncio.to_thread(_effective_version, second, project.key, auth_config_id) == (
        "1.0.0"
    )

    # when 1.1.0 is published through the first
    version_id = await asyncio.to_thread(_push, first, project.key, connector_key, "1.1.0")

    # then the second reads the version at once
    response = await asyncio.to_thread(
        graphql, second, project.key, VERSION_NUMBER, {"id": version_id}
    )
    assert response.json() == {"data": {"node": {"version": "1.1.0"}}}
    # and its lookups run it
    await asyncio.to_thread(
        _until,
        lambda: _effective_version(second, project.key, auth_config_id) == "1.1.0",
    )


async def test_a_subscriber_on_one_instance_receives_the_events_of_writes_through_the_other(
    instances: tuple[str, str], project: Project
) -> None:
    first, second = instances
    connector_id = await asyncio.to_thread(new_connector, first, project.key)
    async with connected(second, {"Authorization": f"Bearer {project.key}"}) as session:
        received, created = await first_event(session, first, project.key, connector_id)
    event = received["events"]
    assert event["kind"] == "VERSION_CREATED"
    assert event["versionId"] in created


async def test_a_key_revoked_through_one_instance_is_refused_by_the_other(
    instances: tuple[str, str], project: Project
) -> None:
    # given a VIEWER key that works on the second instance
    first, second = instances
    issued = await asyncio.to_thread(
        mutate, first, project.key, CREATE_API_KEY, {"name": "pooled", "role": "VIEWER"}
    )
    assert issued["__typename"] == "CreateApiKeySuccess", issued
    secret = str(issued["secret"])
    working = await asyncio.to_thread(graphql, second, secret, VIEWER)
    assert working.status_code == 200, working.text

    # when it is revoked through the first
    revoked = await asyncio.to_thread(
        mutate, first, project.key, REVOKE_API_KEY, {"apiKeyId": issued["apiKey"]["id"]}
    )
    assert revoked["__typename"] == "RevokeApiKeySuccess", revoked

    # then the second refuses it
    def refused() -> bool:
        return bool(graphql(second, secret, VIEWER).status_code == 401)

    await asyncio.to_thread(_until, refused)
    response = await asyncio.to_thread(graphql, second, secret, VIEWER)
    assert response.json()["errors"][0]["message"] == "the API key has been revoked"


async def test_statements_through_the_pooler_run_with_the_databases_timeout(
    pgbouncer: PgBouncer, direct_url: URL
) -> None:
    assert await pooled_statement_timeout(pgbouncer.url_for(direct_url)) == 7.0


@pytest.mark.parametrize(("setting", "warned"), [(7.0, False), (3.0, True)])
def test_serve_warns_when_the_pooled_statement_timeout_is_not_the_setting(
    pooled_env: dict[str, str], caplog: pytest.LogCaptureFixture, setting: float, warned: bool
) -> None:
    settings = load_settings(
        database_url=pooled_env["DATABASE_URL"],
        database_pooler="transaction",
        statement_timeout=setting,
    )
    with caplog.at_level(logging.WARNING, logger="app.serve"):
        _check_pooled_statement_timeout(settings)
    warning = "\n".join(r.getMessage() for r in caplog.records if r.name == "app.serve")
    assert (f"statement_timeout 7 s, not STATEMENT_TIMEOUT={setting:g} s" in warning) == warned
    assert bool(warning) == warned


async def test_the_instances_survive_a_restart_of_the_pooler(
    instances: tuple[str, str], project: Project, pgbouncer: PgBouncer
) -> None:
    # given both instances with connections to the pooler in their pools
    connector_key = await asyncio.to_thread(project.connector)
    await asyncio.to_thread(_push, project.base_url, project.key, connector_key, "1.0.0")
    auth_config_id = await asyncio.to_thread(_auth_config, project, connector_key)
    assert await _send_mixed(instances, project, 40, connector_key, auth_config_id) == []

    # when the pooler is restarted, closing every connection the instances hold to it
    await asyncio.to_thread(pgbouncer.restart)

    # then every request after it succeeds, on both instances
    problems = await _send_mixed(
        instances, project, AFTER_RESTART_REQUESTS, connector_key, auth_config_id
    )
    assert problems == []
    for base_url in instances:
        response = await asyncio.to_thread(httpx.get, f"{base_url}/healthz", timeout=30)
        assert response.status_code == 200, response.text
    # and a change through one is seen through the other, as before
    await asyncio.to_thread(_push, instances[0], project.key, connector_key, "1.1.0")
    await asyncio.to_thread(
        _until,
        lambda: _effective_version(instances[1], project.key, auth_config_id) == "1.1.0",
    )
