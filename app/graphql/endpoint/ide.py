"""GraphiQL served from this server, so the page works without internet access.

Strawberry's GraphiQL page loads React and GraphiQL from a public CDN; offline it stays on
"Loading...". This server renders its own page instead, through Strawberry's hook for it
(`graphql_ide_html`, in `app.graphql.endpoint.view`): the template `graphiql.html` beside this
module, which loads the same files, byte for byte, from `app/static/graphiql/` (laid out as
`<package>@<version>/<path>`, as in the CDN URLs) and opens on a welcome that says how to
authenticate.

Each file keeps the `integrity` that Strawberry's page pins it with, so the browser still checks
it against the published package. Those pins are read from Strawberry's page once, at import: if
a Strawberry upgrade loads other files (a new version of an asset, another script), the import
fails, and the vendored files are refreshed (`app/static/graphiql/README.md`).
"""

import json
import re
from pathlib import Path
from string import Template

from strawberry.http.ides import get_graphql_ide_html

STATIC_DIR = Path(__file__).parents[2] / "static" / "graphiql"
STATIC_URL = "/static/graphiql"
PAGE_TEMPLATE = Path(__file__).with_name("graphiql.html")

# Every script and stylesheet the page loads, as its path on the CDN (after the host), in order.
ASSETS = (
    "react@18.2.0/umd/react.production.min.js",
    "react-dom@18.2.0/umd/react-dom.production.min.js",
    "js-cookie@3.0.5/dist/js.cookie.min.js",
    "graphiql@3.8.3/graphiql.min.css",
    "graphiql@3.8.3/graphiql.min.js",
    "@graphiql/plugin-explorer@1.0.2/dist/style.css",
    "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
)
# Loaded at the end of the body, once the page's container exists; the others in the head.
IN_BODY = frozenset(
    {"graphiql@3.8.3/graphiql.min.js", "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js"}
)

_TAG = re.compile(r"<(?:script|link)\b[^>]*>")
_REMOTE = re.compile(r'(?:\bsrc|\bhref)="https?://[^/"]+/(?P<asset>[^"]*)"')
_INTEGRITY = re.compile(r'\bintegrity="(?P<integrity>[^"]*)"')


def localize(html: str) -> dict[str, str]:
    """The integrity that a page (Strawberry's) pins each vendored file with.

    Raises `RuntimeError` if the page loads something that is not vendored, or no longer loads
    something that is (the vendored files would then be the wrong ones), or loads one without
    an integrity to check it by.
    """
    pinned: dict[str, str | None] = {}
    for tag in _TAG.finditer(html):
        if (remote := _REMOTE.search(tag[0])) is None:
            continue
        if remote["asset"] not in ASSETS:
            raise RuntimeError(f"the GraphiQL page loads {remote[0]!r}, which is not vendored")
        integrity = _INTEGRITY.search(tag[0])
        pinned[remote["asset"]] = None if integrity is None else integrity["integrity"]
    if missing := sorted(set(ASSETS) - set(pinned)):
        raise RuntimeError(f"the GraphiQL page no longer loads {missing}; update {__name__}")
    if unpinned := sorted(asset for asset, integrity in pinned.items() if integrity is None):
        raise RuntimeError(f"the GraphiQL page loads {unpinned} without an integrity")
    return {asset: integrity for asset, integrity in pinned.items() if integrity is not None}


def _check_vendored() -> None:
    if absent := [asset for asset in ASSETS if not (STATIC_DIR / asset).is_file()]:
        raise RuntimeError(f"GraphiQL assets missing from {STATIC_DIR}: {absent}")


WELCOME = """# Connector Registry
#
# Every request needs an API key. Paste one into the Headers tab below:
#
#     {"Authorization": "Bearer crk_YOUR_API_KEY"}
#
# `connector-registry demo` prints an ADMIN, a VIEWER and a PLATFORM_ADMIN key;
# `connector-registry create-platform-key` issues a platform key. Once a key is
# in the headers the schema is fetched again, so the docs and autocompletion work.
#
# Then try (Ctrl-Enter runs it):

{
  viewer { role project { slug name } }
  connectors(first: 5) { edges { node { key latestVersion { version } } } }
}
"""
KEY_PLACEHOLDER = "crk_YOUR_API_KEY"
"""Where a key goes in the headers template; a header holding it is never sent (nor a header with
characters beyond ISO-8859-1, which a browser refuses to send at all)."""
HEADERS_TEMPLATE = f'{{"Authorization": "Bearer {KEY_PLACEHOLDER}"}}'


def _tag(asset: str, integrity: str) -> str:
    url = f"{STATIC_URL}/{asset}"
    if asset.endswith(".css"):
        return (
            f'    <link\n      crossorigin\n      rel="stylesheet"\n      href="{url}"\n'
            f'      integrity="{integrity}"\n    />'
        )
    return (
        f'    <script\n      crossorigin\n      src="{url}"\n      integrity="{integrity}"\n'
        "    ></script>"
    )


def render_page(pinned: dict[str, str]) -> str:
    """The page, its files served from `STATIC_URL` with the integrity `pinned` gives them."""

    def tags(in_body: bool) -> str:
        return "\n".join(
            _tag(asset, pinned[asset]) for asset in ASSETS if (asset in IN_BODY) is in_body
        )

    return Template(PAGE_TEMPLATE.read_text(encoding="utf-8")).substitute(
        head_assets=tags(in_body=False),
        body_assets=tags(in_body=True),
        welcome=json.dumps(WELCOME, ensure_ascii=False),
        headers_template=json.dumps(HEADERS_TEMPLATE, ensure_ascii=False),
        key_placeholder=json.dumps(KEY_PLACEHOLDER),
    )


_check_vendored()
GRAPHIQL_HTML = render_page(localize(get_graphql_ide_html("graphiql")))
