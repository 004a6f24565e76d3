"""The image and docker-compose.yml: the schema is migrated once, by a one-shot service the API
waits for, so `--scale api=N` never races on it; the server runs as a non-root user, with a
pinned uv, base images pinned by digest, a health check on readiness, the worker count from
WEB_CONCURRENCY, one build of the image, and time to drain when it is stopped."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

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
    bases = [line.split()[1] for line in _instruction("FROM")]
    assert bases
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
    building = [name for name, service in services.items() if "build" in service]
    assert building == ["api"]
    image = services["api"]["image"]
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
