"""The image and docker-compose.yml: the schema is migrated once, by a one-shot service the API
waits for, so `--scale api=N` never races on it; the server runs as a non-root user, with a
pinned uv, a health check, and the worker count from WEB_CONCURRENCY."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

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


def test_the_image_has_a_health_check_on_healthz() -> None:
    (check,) = _instruction("HEALTHCHECK")
    assert "/healthz" in check
    assert "urllib" in check  # python's own client: the slim image has no curl


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
