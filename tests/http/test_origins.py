"""`CORS_ORIGINS`: origins kept as browsers send them, anything else refused in one line."""

import pytest

from app.http.origins import parse_origins
from app.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("", ()),
        (" , ", ()),
        ("https://app.example.com", ("https://app.example.com",)),
        ("https://App.Example.COM:443/", ("https://app.example.com",)),
        (
            "http://localhost:3000, http://127.0.0.1:5173",
            ("http://localhost:3000", "http://127.0.0.1:5173"),
        ),
        ("HTTP://[::1]:8080", ("http://[::1]:8080",)),
        ("https://a.example, https://a.example:443", ("https://a.example",)),
        ("*", ("*",)),
    ],
)
def test_origins_are_kept_as_browsers_send_them(value: str, origins: tuple[str, ...]) -> None:
    assert parse_origins(value) == origins


@pytest.mark.parametrize(
    "value",
    [
        "app.example.com",
        "https://app.example.com/path",
        "https://app.example.com?x=1",
        "https://app.example.com#top",
        "https://user@app.example.com",
        "ftp://app.example.com",
        "https://",
        "https://app example.com",
        "https://app.example.com:99999",
        "null",
        "*, https://app.example.com",
    ],
)
def test_junk_is_refused_in_one_line_naming_the_setting(value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(cors_origins=value)
    message = str(raised.value)
    assert "CORS_ORIGINS" in message
    assert "\n" not in message


def test_the_default_allows_no_other_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.cors_origins == ""
    assert settings.allowed_origins == ()
