"""GraphiQL works offline: the page loads its scripts and stylesheets from this server only."""

import base64
import hashlib
from html.parser import HTMLParser

import httpx
import pytest

from app.graphql.endpoint.ide import ASSETS, HEADERS_TEMPLATE, localize

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class Subresources(HTMLParser):
    """The page's scripts and stylesheets as (url, integrity, kind)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.found.append((str(attributes["src"]), attributes.get("integrity"), "script"))
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.found.append((str(attributes["href"]), attributes.get("integrity"), "style"))


async def subresources(http: httpx.AsyncClient) -> list[tuple[str, str | None, str]]:
    response = await http.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parser = Subresources()
    parser.feed(response.text)
    return parser.found


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


async def test_the_page_loads_nothing_from_elsewhere(http: httpx.AsyncClient) -> None:
    found = await subresources(http)

    assert len(found) == len(ASSETS)
    for url, integrity, _ in found:
        assert url.startswith("/static/graphiql/"), url
        assert integrity, f"{url} lost its integrity attribute"


async def test_every_script_and_stylesheet_is_served_as_pinned(http: httpx.AsyncClient) -> None:
    found = await subresources(http)

    for url, integrity, kind in found:
        response = await http.get(url)
        assert response.status_code == 200, url
        content_type = response.headers["content-type"]
        if kind == "script":
            assert content_type.split(";")[0] in {"text/javascript", "application/javascript"}
        else:
            assert content_type.startswith("text/css"), (url, content_type)
        assert sri(response.content) == integrity, url


def test_a_page_that_loads_an_unknown_asset_is_refused() -> None:
    page = '<script src="https://cdn.example/react@19.0.0/umd/react.js"></script>'

    with pytest.raises(RuntimeError, match="not vendored"):
        localize(page)


def test_a_page_that_no_longer_loads_a_vendored_asset_is_refused() -> None:
    page = "".join(f'<script src="https://cdn.example/{asset}"></script>' for asset in ASSETS[1:])

    with pytest.raises(RuntimeError, match="no longer loads"):
        localize(page)


async def test_other_methods_are_refused_without_touching_the_database(
    http: httpx.AsyncClient,
) -> None:
    response = await http.head("/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_the_page_opens_on_a_welcome_that_says_how_to_authenticate(
    http: httpx.AsyncClient,
) -> None:
    page = (await http.get("/graphql", headers=BROWSER)).text

    assert "# Connector Registry" in page
    assert "Paste one into the Headers tab" in page
    assert "connector-registry demo" in page
    # the headers editor starts from a template to fill in
    assert "defaultHeaders: HEADERS_TEMPLATE" in page
    template = '"{\\"Authorization\\": \\"Bearer crk_YOUR_API_KEY\\"}"'
    assert f"const HEADERS_TEMPLATE = {template};" in page
    # whose placeholder is plain ASCII, and never goes out as a header
    assert HEADERS_TEMPLATE.isascii()
    assert 'const KEY_PLACEHOLDER = "crk_YOUR_API_KEY";' in page
    # and a key typed there makes a new fetcher, which has GraphiQL fetch the schema again
    assert "React.useMemo(() => keyedFetcher(authorization), [authorization])" in page
    assert "setAuthorization(authorizationIn(newHeaders));" in page
