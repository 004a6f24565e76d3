"""GraphiQL in a real headless browser: opened with no saved state, it loads, asks this server for
the schema, and shows no error — neither in its result pane nor on the browser's console.

It drives the machine's Chromium (Debian's `chromium`, or `CHROMIUM` naming another build)
through Playwright; where there is none it is skipped, except under CI=true, where it fails."""

import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.slow

IN_CI = os.environ.get("CI", "").lower() == "true"
PAGE_TIMEOUT_MS = 60_000
"""How long the page may take to load and ask for the schema on a busy machine."""


def chromium_path() -> Path | None:
    named = os.environ.get("CHROMIUM")
    if named:
        return Path(named)
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


@pytest.fixture(scope="module")
def browser_path() -> Path:
    path = chromium_path()
    if path is None or not path.exists():
        reason = "no Chromium on this machine (apt-get install chromium, or set CHROMIUM)"
        if IN_CI:
            pytest.fail(f"CI=true needs a browser for the GraphiQL test: {reason}")
        pytest.skip(reason)
    return path


class Opened:
    """What a fresh browser saw on the page: its console errors, its uncaught errors, the
    requests it sent to /graphql (headers, status) and the text of the result pane."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.graphql_requests: list[dict[str, str]] = []
        self.graphql_statuses: list[int] = []
        self.result_text = ""


def open_graphiql(
    browser_path: Path, url: str, graphql_url: str, saved_headers: str | None = None
) -> Opened:
    """Open `url` in a fresh profile (no saved GraphiQL state, or only `saved_headers` as an
    earlier visit would have left them) and wait until the page is up and the network quiet: the
    schema request, when the page sends one, has its answer."""
    from playwright.sync_api import sync_playwright

    seen = Opened()

    def on_console(message: Any) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    def on_request(request: Any) -> None:
        if request.url.startswith(graphql_url) and request.method == "POST":
            seen.graphql_requests.append(request.headers)

    def on_response(response: Any) -> None:
        if response.url.startswith(graphql_url) and response.request.method == "POST":
            seen.graphql_statuses.append(response.status)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(browser_path), headless=True, args=["--no-sandbox"]
        )
        try:
            context = browser.new_context()
            if saved_headers is not None:
                context.add_init_script(
                    f"window.localStorage.setItem('graphiql:headers', {json.dumps(saved_headers)})"
                )
            page = context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
            page.on("request", on_request)
            page.on("response", on_response)
            page.goto(url, timeout=PAGE_TIMEOUT_MS)
            page.wait_for_selector(".graphiql-editors", timeout=PAGE_TIMEOUT_MS)
            page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
            seen.result_text = page.locator(".graphiql-response").inner_text()
        finally:
            browser.close()
    return seen


def assert_no_error(opened: Opened) -> None:
    assert "ISO-8859-1" not in opened.result_text, opened.result_text
    assert "error" not in opened.result_text.lower(), opened.result_text
    assert opened.page_errors == []
    assert opened.console_errors == []


def test_graphiql_opens_with_no_error_and_sends_no_placeholder(
    browser_path: Path, running_server: str
) -> None:
    graphql_url = f"{running_server}/graphql"

    opened = open_graphiql(browser_path, graphql_url, graphql_url)

    assert_no_error(opened)
    # No key yet: nothing to ask the server that it would not refuse with a 401.
    assert opened.graphql_requests == []


def test_with_a_key_in_the_headers_graphiql_loads_the_schema(
    browser_path: Path, running_server: str, platform_key: str
) -> None:
    graphql_url = f"{running_server}/graphql"
    headers = json.dumps({"Authorization": f"Bearer {platform_key}"})

    opened = open_graphiql(browser_path, f"{graphql_url}?headers={quote(headers)}", graphql_url)

    assert_no_error(opened)
    assert len(opened.graphql_requests) >= 1
    assert all(
        request.get("authorization") == f"Bearer {platform_key}"
        for request in opened.graphql_requests
    )
    assert opened.graphql_statuses
    assert set(opened.graphql_statuses) == {200}


def test_a_key_kept_from_an_earlier_visit_loads_the_schema(
    browser_path: Path, running_server: str, platform_key: str
) -> None:
    graphql_url = f"{running_server}/graphql"
    saved = json.dumps({"Authorization": f"Bearer {platform_key}"})

    opened = open_graphiql(browser_path, graphql_url, graphql_url, saved_headers=saved)

    assert_no_error(opened)
    assert len(opened.graphql_requests) >= 1
    assert all(
        request.get("authorization") == f"Bearer {platform_key}"
        for request in opened.graphql_requests
    )
    assert opened.graphql_statuses
    assert set(opened.graphql_statuses) == {200}
