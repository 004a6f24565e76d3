"""DATABASE_POOLER and DATABASE_DIRECT_URL (DESIGN §18): what they accept, what they refuse in
one line, and where the direct URL defaults to."""

import pytest

from app.settings import Settings, SettingsError, load_settings

POOLED = "postgresql://app@pgbouncer:6432/registry"
DIRECT = "postgresql://app@db:5432/registry"


def test_by_default_nothing_stands_between_the_server_and_its_database() -> None:
    settings = Settings(_env_file=None, database_url=DIRECT)
    assert settings.database_pooler == "none"
    assert settings.direct_url == settings.url


def test_the_direct_url_is_where_sessions_go_behind_a_pooler() -> None:
    settings = load_settings(
        database_url=POOLED, database_direct_url=DIRECT, database_pooler="Transaction"
    )
    assert settings.database_pooler == "transaction"
    assert settings.url.port == 6432
    assert settings.direct_url.render_as_string() == "postgresql+asyncpg://app@db:5432/registry"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"database_pooler": "session"}, "DATABASE_POOLER"),
        ({"database_url": "sqlite:///r.db", "database_pooler": "transaction"}, "DATABASE_POOLER"),
        ({"database_url": POOLED, "database_direct_url": "mysql://x/y"}, "DATABASE_DIRECT_URL"),
        ({"database_url": POOLED, "database_direct_url": "sqlite:///r.db"}, "DATABASE_DIRECT_URL"),
    ],
)
def test_unusable_pooler_settings_are_refused_in_one_line(
    overrides: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**overrides)
    message = str(raised.value)
    assert named in message
    assert "\n" not in message
