"""Which browser origins may call the API (`CORS_ORIGINS`), for HTTP (CORS) and websockets.

An origin is a scheme, a host and an optional port (`https://app.example.com`,
`http://localhost:3000`): what a browser sends in its `Origin` header, and nothing more. Each is
kept in the form browsers send (lower case, no default port), since both CORS and the websocket
check compare the header with the list as text.
"""

import re
from urllib.parse import urlsplit

ANY_ORIGIN = "*"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")  # a name, an IPv4 or an IPv6 address


def parse_origins(value: str) -> tuple[str, ...]:
    """The origins of a comma-separated list (empty: none); `*` alone means any origin.

    Raises `ValueError` naming the first entry that is not an origin.
    """
    entries = [entry.strip() for entry in value.split(",")]
    origins = [entry for entry in entries if entry]
    if ANY_ORIGIN in origins:
        if len(origins) > 1:
            raise ValueError("'*' (any origin) cannot be combined with other origins")
        return (ANY_ORIGIN,)
    return tuple(dict.fromkeys(normalize_origin(origin) for origin in origins))


def normalize_origin(origin: str) -> str:
    """`origin` as a browser sends it; `ValueError` unless it is http(s), a host, maybe a port."""
    problem = (
        f"{origin!r} is not an origin: write scheme://host[:port], "
        "e.g. https://app.example.com, without a path"
    )
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        raise ValueError(problem) from None
    scheme = parts.scheme.lower()
    hostname = parts.hostname or ""
    has_more = parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc
    if scheme not in _DEFAULT_PORTS or not _HOST.fullmatch(hostname) or has_more:
        raise ValueError(problem)
    host = f"[{hostname}]" if ":" in hostname else hostname
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"
