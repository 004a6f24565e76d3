"""The GraphiQL page is this server's own template, filled in once: every placeholder is filled,
every vendored file is loaded once with the integrity Strawberry's page pins it with."""

import re

import pytest
from strawberry.http.ides import get_graphql_ide_html

from app.graphql.endpoint.ide import ASSETS, GRAPHIQL_HTML, STATIC_URL, localize, render_page


def test_every_placeholder_is_filled() -> None:
    assert not re.search(r"\$\{?[a-z_]+", GRAPHIQL_HTML)


def test_each_vendored_file_is_loaded_once_with_strawberrys_pin() -> None:
    pinned = localize(get_graphql_ide_html("graphiql"))

    for asset in ASSETS:
        assert GRAPHIQL_HTML.count(f'"{STATIC_URL}/{asset}"') == 1, asset
        assert f'integrity="{pinned[asset]}"' in GRAPHIQL_HTML, asset
    assert "https://" not in GRAPHIQL_HTML.split("<script>")[0]


def test_the_page_is_rendered_with_the_pins_it_is_given() -> None:
    pins = {asset: f"sha384-pin-{index}" for index, asset in enumerate(ASSETS)}

    page = render_page(pins)

    for pin in pins.values():
        assert f'integrity="{pin}"' in page


def test_a_page_that_loads_a_vendored_asset_without_an_integrity_is_refused() -> None:
    page = (
        "".join(
            f'<script src="https://cdn.example/{asset}" integrity="sha384-x"></script>'
            for asset in ASSETS[1:]
        )
        + f'<script src="https://cdn.example/{ASSETS[0]}"></script>'
    )

    with pytest.raises(RuntimeError, match="without an integrity"):
        localize(page)
