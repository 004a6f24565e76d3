"""The image and docker-compose.yml: the schema is migrated once, by a one-shot service the API
waits for, so `--scale api=N` never races on it; the server runs as a non-root user, with a
pinned uv, base images pinned by digest, a health check on readiness, the worker count from
WEB_CONCURRENCY, one build of the image, and time to drain when it is stopped; several API
containers share PostgreSQL through PgBouncer in transaction mode."""

import configparser
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import URL, make_url

from app.cli import SHUTDOWN_CLOSE_SECONDS
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def _dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _instruction(name: str) -> list[str]:
    return [line for line in _dockerfile() if line.split()[0] == name]


def test_only_the_one_shot_service_migrates_and_the_api_waits_for_it() -> None:
    services = _compose()["services"]
    migrating = [
        name for name, service in services.items() if "migrate" in service.get("command", [])
    ]
    assert migrating == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["api"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert services["api"]["command"] == ["connector-registry", "serve"]


def test_the_image_never_migrates_on_start() -> None:
    (cmd,) = _instruction("CMD")
    assert "migrate" not in cmd
    assert "--workers" not in cmd  # WEB_CONCURRENCY decides


def test_the_api_takes_its_workers_from_web_concurrency() -> None:
    api = _compose()["services"]["api"]
    assert int(api["environment"]["WEB_CONCURRENCY"]) >= 1
    assert not any("--workers" in part for part in api["command"])


def test_the_image_runs_as_a_user_other_than_root() -> None:
    users = _instruction("USER")
    assert users, "no USER: the server would run as root"
    assert users[-1].split()[1] not in ("root", "0")


def test_uv_is_pinned() -> None:
    installs = [line for line in _dockerfile() if re.search(r"pip install .*\buv\b", line)]
    copies = [line for line in _instruction("COPY") if "astral-sh/uv" in line]
    assert installs or copies
    assert all(re.search(r"\buv==\d+\.\d+\.\d+", line) for line in installs)
    assert all(re.search(r"astral-sh/uv:\d+\.\d+\.\d+", line) for line in copies)


def test_the_image_has_a_health_check_on_readiness() -> None:
    (check,) = _instruction("HEALTHCHECK")
    assert "/readyz" in check  # not ready while draining: a router stops sending at once
    assert "urllib" in check  # python's own client: the slim image has no curl


DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def test_base_images_are_pinned_by_digest() -> None:
    dockerfiles = [ROOT / "Dockerfile", *ROOT.glob("*/Dockerfile")]
    bases = [
        line.split()[1]
        for dockerfile in dockerfiles
        for line in dockerfile.read_text().splitlines()
        if line.startswith("FROM ")
    ]
    assert len(bases) >= 2  # the API image and the pooler's
    assert all(DIGEST.search(base) for base in bases), bases


def test_images_compose_pulls_are_pinned_by_digest() -> None:
    services = _compose()["services"]
    pulled = [
        service["image"]
        for service in services.values()
        if "build" not in service and service.get("pull_policy") != "never"
    ]
    assert pulled
    assert all(DIGEST.search(image) for image in pulled), pulled


def test_the_image_is_built_once_and_shared() -> None:
    services = _compose()["services"]
    image = services["api"]["image"]
    building = [
        name
        for name, service in services.items()
        if "build" in service and service.get("image") == image
    ]
    assert building == ["api"]  # the pooler builds an image of its own
    sharing = [name for name, service in services.items() if service.get("image") == image]
    assert sorted(sharing) == ["api", "migrate"]
    # the other one never pulls what only a build makes
    assert services["migrate"]["pull_policy"] == "never"


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert "".join(number + unit for number, unit in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def test_docker_waits_for_the_drain_before_it_kills_the_api() -> None:
    api = _compose()["services"]["api"]
    grace = float(
        api["environment"].get(
            "SHUTDOWN_GRACE_SECONDS", Settings.model_fields["shutdown_grace_seconds"].default
        )
    )
    assert grace >= Settings.model_fields["request_timeout"].default
    assert _seconds(api["stop_grace_period"]) > grace + SHUTDOWN_CLOSE_SECONDS
    assert _instruction("STOPSIGNAL") in ([], ["STOPSIGNAL SIGTERM"])


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if (
        shutil.which("docker")
        and (
            subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        ).returncode
        == 0
    ):
        return ["docker", "compose"]
    return None


@pytest.mark.slow
def test_docker_compose_accepts_the_file() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# The pooled topology (DESIGN §18): the API containers reach PostgreSQL through PgBouncer.

PGBOUNCER = ROOT / "pgbouncer"
POSTGRES_MAX_CONNECTIONS = 100  # the postgres image's default


def _pgbouncer_ini() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read_string((PGBOUNCER / "pgbouncer.ini").read_text())
    return parser


def _url(value: str) -> URL:
    return make_url(value)


def test_the_api_containers_query_through_the_pooler_and_listen_directly() -> None:
    services = _compose()["services"]
    api = services["api"]["environment"]
    assert api["DATABASE_POOLER"] == "transaction"
    pooled, direct = _url(api["DATABASE_URL"]), _url(api["DATABASE_DIRECT_URL"])
    assert (pooled.host, pooled.port) == ("pgbouncer", 6432)
    assert (direct.host, direct.port) == ("db", 5432)
    assert pooled.database == direct.database
    # migrations need a session of their own: straight to PostgreSQL
    migrate = services["migrate"]["environment"]
    assert _url(migrate["DATABASE_URL"]).host == "db"
    assert "DATABASE_POOLER" not in migrate
    assert services["api"]["depends_on"]["pgbouncer"] == {"condition": "service_healthy"}
    assert services["pgbouncer"]["build"] == "./pgbouncer"


def test_several_api_containers_run_by_default() -> None:
    assert _compose()["services"]["api"]["deploy"]["replicas"] >= 2


def test_the_pooler_pools_transactions_in_front_of_the_compose_database() -> None:
    ini = _pgbouncer_ini()
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    direct = _url(_compose()["services"]["api"]["environment"]["DATABASE_DIRECT_URL"])
    (target,) = ini["databases"].values()
    fields = dict(re.findall(r"(\w+)=('[^']*'|\S+)", target))
    assert (fields["host"], int(fields["port"]), fields["dbname"]) == (
        direct.host,
        direct.port,
        direct.database,
    )
    # the STATEMENT_TIMEOUT the containers cannot send through it, on every server connection
    timeout_ms = int(Settings.model_fields["statement_timeout"].default * 1000)
    assert fields["connect_query"] == f"'SET statement_timeout = {timeout_ms}'"
    users = (PGBOUNCER / "userlist.txt").read_text()
    assert f'"{direct.username}" "{direct.password}"' in users


def test_the_connection_counts_fit() -> None:
    """API containers x workers x pool size fit the pooler's client connections, and its server
    connections with one LISTEN connection per worker fit PostgreSQL's."""
    api = _compose()["services"]["api"]
    processes = api["deploy"]["replicas"] * int(api["environment"]["WEB_CONCURRENCY"])
    ini = _pgbouncer_ini()["pgbouncer"]
    clients = processes * Settings.model_fields["database_pool_size"].default
    assert clients <= int(ini["max_client_conn"])
    assert int(ini["default_pool_size"]) + processes < POSTGRES_MAX_CONNECTIONS


def test_the_pooler_image_is_debians_pgbouncer_run_as_another_user_than_root() -> None:
    text = (PGBOUNCER / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
    assert any(re.search(r"apt-get install .*\bpgbouncer\b", line) for line in lines)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users
    assert users[-1] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK") for line in lines)
