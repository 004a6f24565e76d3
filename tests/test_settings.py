"""Settings: a working default, a one-line refusal of a bad DATABASE_URL, and limits whose
defaults take every definition in use and refuse what no engine would run."""

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from app import demo as demo_data
from app.domain.content_limits import ContentLimits, definition_limit_problems
from app.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings
from benchmarks.definitions import definition as benchmark_definition

OPERATIONS = Path(__file__).resolve().parent.parent / "docs" / "operations"
# Every setting has a row in one of their tables: the limits on their page, the others on the
# settings page.
SETTINGS_PAGES = (OPERATIONS / "settings.md", OPERATIONS / "limits.md")


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


def test_the_docs_list_every_setting_with_its_default() -> None:
    rows = {
        line.split("|")[1].strip().strip("`"): (page.name, line)
        for page in SETTINGS_PAGES
        for line in page.read_text().splitlines()
        if line.startswith("| `")
    }
    for name, field in Settings.model_fields.items():
        found = rows.get(name.upper())
        assert found is not None, f"no table row for {name.upper()} in {SETTINGS_PAGES}"
        page, row = found
        default = field.default
        assert f"`{default:g}`" in row if isinstance(default, float) else f"`{default}`" in row, (
            f"{page}: {name.upper()}'s row does not show its default {default!r}"
        )


def _default_limits() -> ContentLimits:
    return Settings(_env_file=None).content_limits()


def _definitions_in_use() -> list[object]:
    """The demo's definitions and the benchmark's (30 to 47 KB each)."""
    demo = [definition for _, _, versions in demo_data.MANAGED for _, definition in versions] + [
        definition for _, definition in demo_data.CUSTOM_HUBSPOT
    ]
    return [*demo, *(benchmark_definition(seed) for seed in range(16))]


def test_the_default_limits_take_every_definition_the_demo_and_benchmark_use() -> None:
    limits = _default_limits()
    for definition in _definitions_in_use():
        assert definition_limit_problems(definition, limits) == []


def test_the_default_limits_refuse_a_ten_megabyte_description() -> None:
    definition = {"auth": {"type": "oauth2"}, "actions": [{"id": "a", "description": "x" * 10**7}]}
    (problem,) = definition_limit_problems(definition, _default_limits())
    assert problem.message.startswith("the definition is at most 1,000,000 bytes of JSON, got 10,0")


def test_the_default_limits_refuse_five_thousand_actions_of_twenty_params() -> None:
    params = [{"name": f"p{index}", "type": "string"} for index in range(20)]
    actions = [{"id": f"a{index}", "params": params} for index in range(5_000)]
    problems = definition_limit_problems(
        {"auth": {"type": "oauth2"}, "actions": actions}, _default_limits()
    )
    first, second = problems
    assert str(first) == "actions: at most 500, got 5,000"
    assert second.message.startswith("the definition is at most 1,000,000 bytes of JSON")


@pytest.mark.parametrize(
    ("name", "value"),
    [("definition_max_actions", 0), ("json_max_depth", 1), ("json_max_depth", 101)],
)
def test_limits_out_of_range_are_refused(name: str, value: int) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**{name: value})
    assert name.upper() in str(raised.value)


def test_each_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for index, limit in enumerate(fields(ContentLimits)):
        monkeypatch.setenv(limit.name.upper(), str(50 + index))
    limits = Settings(_env_file=None).content_limits()
    assert [getattr(limits, limit.name) for limit in fields(ContentLimits)] == [
        50 + index for index in range(len(fields(ContentLimits)))
    ]
