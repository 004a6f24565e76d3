"""TRACING: off by default and needs nothing more; asked for without the `otel` extra, the
server refuses to start, in one line."""

import os
import subprocess
import sys

import pytest

from app.settings import Settings

# Runs the CLI (or a snippet) as if the `otel` extra were not installed.
WITHOUT_OTEL = "import sys; sys.modules['opentelemetry'] = None; "


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_tracing_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACING", raising=False)
    assert Settings(_env_file=None).tracing == "off"


def test_tracing_without_the_extra_fails_at_start_in_one_line() -> None:
    result = _python(
        WITHOUT_OTEL
        + "from app.cli import main; sys.argv = ['connector-registry', 'serve']; main()",
        TRACING="otlp",
    )

    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "TRACING" in result.stderr
    assert "otel" in result.stderr


def test_the_app_runs_without_the_extra_when_tracing_is_off() -> None:
    result = _python(
        WITHOUT_OTEL + "from app.main import create_app; "
        "app = create_app(); assert app.state.tracing is None; print('built')",
        TRACING="off",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "built"


def test_tracing_on_builds_an_app_that_traces() -> None:
    pytest.importorskip("opentelemetry.sdk", reason="needs the otel extra")
    from app.main import create_app
    from app.tracing.otel import OpenTelemetryTracing

    app = create_app(Settings(_env_file=None, tracing="otlp"))

    assert isinstance(app.state.tracing, OpenTelemetryTracing)
    app.state.tracing.shutdown()
