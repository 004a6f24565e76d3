"""`connector-registry COMMAND --help` names each option's environment variable and default,
and nothing in the help text is taken for markup and dropped."""

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from app.cli import cli
from app.settings import Settings
from tests.process_state import process_state_kept


@pytest.fixture(autouse=True)
def _serve_leaves_no_trace() -> Iterator[None]:
    """`serve` sets up logging and exports WEB_CONCURRENCY for its workers: not for later tests."""
    with process_state_kept():
        yield


runner = CliRunner()


def _help(*command: str) -> str:
    # Wide enough that no row wraps, so each option's line holds all of its text.
    result = runner.invoke(cli, [*command, "--help"], env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def _option_line(help_text: str, option: str) -> str:
    lines = [line for line in help_text.splitlines() if f"{option} " in line]
    assert len(lines) == 1, help_text
    return lines[0]


@pytest.mark.parametrize(
    ("option", "setting"),
    [
        ("--host", "host"),
        ("--port", "port"),
        ("--workers", "web_concurrency"),
        ("--log-level", "log_level"),
        ("--worker-healthcheck-timeout", "worker_healthcheck_timeout"),
    ],
)
def test_serve_options_show_their_variable_and_the_settings_default(
    option: str, setting: str
) -> None:
    line = _option_line(_help("serve"), option)
    assert f"[env var: {setting.upper()}]" in line
    assert f"[default: ({Settings.model_fields[setting].default})]" in line


def test_log_level_says_what_it_takes() -> None:
    line = _option_line(_help("serve"), "--log-level")
    assert "critical, error, warning, info or debug" in line


@pytest.mark.parametrize(
    ("option", "variable"),
    [("--url", "CONNECTOR_REGISTRY_URL"), ("--api-key", "CONNECTOR_REGISTRY_API_KEY")],
)
def test_push_options_show_their_variable(option: str, variable: str) -> None:
    assert f"[env var: {variable}]" in _option_line(_help("push"), option)


def test_workers_default_to_the_setting_and_the_option_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[int] = []
    monkeypatch.setattr("uvicorn.run", lambda *_, workers, **__: started.append(workers))
    monkeypatch.setattr("app.cli._migrate", lambda settings: None)
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///./unused.db")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)

    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert runner.invoke(cli, ["serve"], env={"WEB_CONCURRENCY": "3"}).exit_code == 0
    given = runner.invoke(cli, ["serve", "--workers", "2"], env={"WEB_CONCURRENCY": "3"})
    assert given.exit_code == 0
    assert started == [1, 3, 2]


def test_the_worker_health_check_timeout_reaches_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[int] = []
    # Bound to uvicorn's own signature, so a parameter it does not take fails here.
    takes = inspect.signature(uvicorn.run).bind

    def run(*args: object, **options: Any) -> None:
        given.append(takes(*args, **options).arguments["timeout_worker_healthcheck"])

    monkeypatch.setattr("uvicorn.run", run)
    monkeypatch.setattr("app.cli._migrate", lambda settings: None)
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///./unused.db")
    monkeypatch.delenv("WORKER_HEALTHCHECK_TIMEOUT", raising=False)

    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert runner.invoke(cli, ["serve"], env={"WORKER_HEALTHCHECK_TIMEOUT": "45"}).exit_code == 0
    option = ["serve", "--worker-healthcheck-timeout", "60"]
    assert runner.invoke(cli, option, env={"WORKER_HEALTHCHECK_TIMEOUT": "45"}).exit_code == 0
    assert given == [30, 45, 60]


def test_a_worker_count_out_of_range_is_refused() -> None:
    result = runner.invoke(cli, ["serve"], env={"WEB_CONCURRENCY": "0"})
    assert result.exit_code == 2
