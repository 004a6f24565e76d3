"""Settings: a working default, and a one-line refusal of a bad DATABASE_URL."""

import os
import subprocess
import sys

import pytest

from app.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings


def test_the_default_is_a_sqlite_file_in_the_working_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.is_sqlite


def test_plain_postgresql_urls_get_the_async_driver() -> None:
    settings = load_settings(database_url="postgresql://app@db:5432/registry")
    assert settings.database_url == "postgresql+asyncpg://app@db:5432/registry"


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/db", "not a url", "sqlite+aiosqlite://", "postgresql+psycopg2://x/y"],
)
def test_unsupported_database_urls_are_refused_in_one_line(url: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(database_url=url)
    message = str(raised.value)
    assert "DATABASE_URL" in message
    assert "\n" not in message


def test_the_cli_fails_at_start_with_a_one_line_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        env={**os.environ, "DATABASE_URL": "mysql://root@localhost/db"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "DATABASE_URL" in result.stderr


def test_the_readme_lists_every_setting_with_its_default() -> None:
    from pathlib import Path

    readme = Path(__file__).parent.parent.joinpath("README.md").read_text()
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in readme.splitlines()
        if line.startswith("| `")
    }
    for name, field in Settings.model_fields.items():
        row = rows.get(name.upper())
        assert row is not None, f"README: no table row for {name.upper()}"
        default = field.default
        assert f"`{default:g}`" in row if isinstance(default, float) else f"`{default}`" in row, (
            f"README: {name.upper()}'s row does not show its default {default!r}"
        )
