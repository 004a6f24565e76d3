"""GraphiQL served from this server, so the page works without internet access.

Strawberry's GraphiQL page loads React and GraphiQL from a public CDN; offline it stays on
"Loading...". The same files, byte for byte, are vendored under `app/static/graphiql/` (laid out
as `<package>@<version>/<path>`, as in the CDN URLs) and the page is rewritten to point at them.
The `integrity` attributes are kept, so the browser still checks every file.

The rewrite happens once, at import: if a Strawberry upgrade changes the page (a new version of
an asset, another script), the import fails instead of the page silently going back to the CDN.
"""

import json
import re
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

STATIC_DIR = Path(__file__).parents[2] / "static" / "graphiql"
STATIC_URL = "/static/graphiql"

# Every script and stylesheet the page loads, as its path on the CDN (after the host).
ASSETS = (
    "react@18.2.0/umd/react.production.min.js",
    "react-dom@18.2.0/umd/react-dom.production.min.js",
    "js-cookie@3.0.5/dist/js.cookie.min.js",
    "graphiql@3.8.3/graphiql.min.css",
    "graphiql@3.8.3/graphiql.min.js",
    "@graphiql/plugin-explorer@1.0.2/dist/style.css",
    "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
)

_REMOTE = re.compile(r'(?P<attr>\bsrc|\bhref)="https?://[^/"]+/(?P<asset>[^"]*)"')


def localize(html: str) -> str:
    """Point the page's remote scripts and stylesheets at the vendored copies.

    Raises `RuntimeError` if the page loads something that is not vendored, or no longer loads
    something that is (the vendored files would then be the wrong ones).
    """
    found: list[str] = []

    def local(match: re.Match[str]) -> str:
        asset = match["asset"]
        if asset not in ASSETS:
            raise RuntimeError(f"the GraphiQL page loads {match[0]!r}, which is not vendored")
        found.append(asset)
        return f'{match["attr"]}="{STATIC_URL}/{asset}"'

    rewritten = _REMOTE.sub(local, html)
    if missing := sorted(set(ASSETS) - set(found)):
        raise RuntimeError(f"the GraphiQL page no longer loads {missing}; update {__name__}")
    return rewritten


def _check_vendored() -> None:
    if absent := [asset for asset in ASSETS if not (STATIC_DIR / asset).is_file()]:
        raise RuntimeError(f"GraphiQL assets missing from {STATIC_DIR}: {absent}")


WELCOME = """# Connector Registry
#
# Every request needs an API key. Paste one into the Headers tab below:
#
#     {"Authorization": "Bearer crk_…"}
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
HEADERS_TEMPLATE = '{"Authorization": "Bearer crk_…"}'

# Each rewrite: what Strawberry's page says, and what this server's says instead.
_FETCHER = """      const fetcher = GraphiQL.createFetcher({
        url: fetchURL,
        headers: defaultHeaders,
        subscriptionUrl,
      });
"""
# A new fetcher when the Authorization header changes: GraphiQL fetches the schema again for a
# new fetcher, and the websocket's connection_init carries the key (as subscriptions expect).
_KEYED_FETCHER = """      function keyedFetcher(authorization) {
        const withKey = authorization ? { Authorization: authorization } : {};
        return GraphiQL.createFetcher({
          url: fetchURL,
          headers: { ...defaultHeaders, ...withKey },
          subscriptionUrl,
          wsConnectionParams: withKey,
        });
      }

      function authorizationIn(headersText) {
        try {
          const value = JSON.parse(headersText || "{}").Authorization;
          return typeof value === "string" && !value.includes("…") ? value : "";
        } catch (error) {
          return "";
        }
      }
"""
_REWRITES = (
    (_FETCHER, _KEYED_FETCHER),
    (
        """        const [headers, setHeaders] = React.useState(parameters.headers);
""",
        """        const [headers, setHeaders] = React.useState(parameters.headers);
        const [authorization, setAuthorization] = React.useState(
          authorizationIn(parameters.headers),
        );
        const fetcher = React.useMemo(() => keyedFetcher(authorization), [authorization]);
""",
    ),
    (
        """          setHeaders(newHeaders);
""",
        """          setHeaders(newHeaders);
          setAuthorization(authorizationIn(newHeaders));
""",
    ),
    (
        """          headers: headers,
""",
        """          headers: headers,
          defaultHeaders: HEADERS_TEMPLATE,
""",
    ),
)


def welcome(html: str) -> str:
    """Open the page on a welcome that says how to authenticate, with a headers template, and
    fetch the schema again once a key is entered.

    Raises `RuntimeError` if Strawberry's page no longer has what is rewritten.
    """
    start = html.index("const EXAMPLE_QUERY = `")
    end = html.index("`;", start)
    html = (
        html[:start]
        + f"const EXAMPLE_QUERY = {json.dumps(WELCOME, ensure_ascii=False)};\n"
        + (f"      const HEADERS_TEMPLATE = {json.dumps(HEADERS_TEMPLATE, ensure_ascii=False)};")
        + html[end + 2 :]
    )
    for before, after in _REWRITES:
        if html.count(before) != 1:
            raise RuntimeError(f"the GraphiQL page changed; update {__name__}: {before!r}")
        html = html.replace(before, after)
    return html


_check_vendored()
GRAPHIQL_HTML = welcome(localize(get_graphql_ide_html("graphiql")))
