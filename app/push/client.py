"""Sending a push: the `pushVersion` mutation over HTTP, and its result as typed values."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from app.push.files import PushFile

DEFAULT_URL = "http://127.0.0.1:8000/graphql"
TIMEOUT_SECONDS = 60.0

PUSH_ERRORS = """
    ... on Error { code message }
    ... on InvalidDefinitionError { problems { path message } }
    ... on InsufficientVersionBumpError {
      requiredBump declaredBump previousVersion changes { bump path description }
    }
"""
"""The fields of a push's refusals, in `pushVersion` and in `impact`."""

PUSH_VERSION = f"""
mutation PushVersion($input: PushVersionInput!) {{
  pushVersion(input: $input) {{
    __typename
    ... on PushVersionSuccess {{
      changed previousVersion requiredBump
      version {{ id version revision contentHash }}
      changes {{ bump path description }}
    }}
    {PUSH_ERRORS}
  }}
}}
"""


class PushError(Exception):
    """The push did not get an answer from the registry: unreachable, refused over HTTP, or an
    answer that is not a `pushVersion` result."""


@dataclass(frozen=True)
class Change:
    bump: str
    path: str
    description: str


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


@dataclass(frozen=True)
class Pushed:
    """`PushVersionSuccess`: published, overwritten (a forced push), or already there."""

    version: str
    changed: bool
    revision: int
    content_hash: str
    previous_version: str | None
    required_bump: str | None
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class Refused:
    """One of the result union's error types: its code, message, and details when it has them."""

    typename: str
    code: str
    message: str
    previous_version: str | None = None
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


PushResult = Pushed | Refused


def graphql_endpoint(url: str) -> str:
    """The `/graphql` endpoint of `url`; a bare server address gets `/graphql` added."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise PushError(f"not a valid URL: {url} ({error})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise PushError(f"the URL must be http:// or https://, e.g. {DEFAULT_URL} (got {url})")
    if parsed.path in ("", "/"):
        parsed = parsed.copy_with(path="/graphql")
    return str(parsed)


def push(
    push_file: PushFile,
    *,
    url: str,
    api_key: str,
    force: bool = False,
    timeout: float = TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
) -> PushResult:
    """Send the `pushVersion` mutation and return its result; `PushError` when there is none."""
    payload = {"query": PUSH_VERSION, "variables": push_file.variables(force=force)}
    return result_of(send(payload, url=url, api_key=api_key, timeout=timeout, transport=transport))


def send(
    payload: dict[str, Any],
    *,
    url: str,
    api_key: str,
    timeout: float = TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Response:
    """POST a GraphQL request to the registry; `PushError` when there is no answer."""
    endpoint = graphql_endpoint(url)
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            return client.post(endpoint, json=payload, headers=headers)
    except httpx.TimeoutException:
        raise PushError(f"the registry at {endpoint} did not answer within {timeout:g}s") from None
    except httpx.TransportError as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise PushError(f"cannot reach the registry at {endpoint}: {reason}") from None


def result_of(response: httpx.Response) -> PushResult:
    """The `pushVersion` result in an HTTP response, or `PushError` saying why there is none."""
    result = data_of(response, "pushVersion")
    try:
        return _pushed(result) if result["__typename"] == "PushVersionSuccess" else refused(result)
    except (KeyError, TypeError, ValueError):
        raise _not_a_result(response, "pushVersion") from None


def data_of(response: httpx.Response, field: str) -> Any:
    """`data.<field>` of a GraphQL answer, or `PushError` saying why there is none."""
    body = _json_body(response)
    messages = _error_messages(body)
    if response.status_code != httpx.codes.OK:
        reason = "; ".join(messages) or _short_text(response)
        status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        raise PushError(f"the registry answered {status}: {reason}")
    if messages:
        raise PushError("the registry refused the request: " + "; ".join(messages))
    try:
        return body["data"][field]
    except (KeyError, TypeError):
        raise _not_a_result(response, field) from None


def _not_a_result(response: httpx.Response, field: str) -> PushError:
    return PushError(
        f"the answer from {response.request.url} is not a {field} result; "
        "is it the registry's /graphql endpoint?"
    )


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_messages(body: object) -> list[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]


def _short_text(response: httpx.Response, limit: int = 200) -> str:
    lines = response.text.strip().splitlines()
    text = lines[0] if lines else "(no body)"
    return text if len(text) <= limit else f"{text[:limit]}…"


def _changes(items: list[dict[str, Any]] | None) -> list[Change]:
    return [Change(str(c["bump"]), str(c["path"]), str(c["description"])) for c in items or []]


def _pushed(result: dict[str, Any]) -> Pushed:
    version = result["version"]
    return Pushed(
        version=str(version["version"]),
        changed=bool(result["changed"]),
        revision=int(version["revision"]),
        content_hash=str(version["contentHash"]),
        previous_version=result.get("previousVersion"),
        required_bump=result.get("requiredBump"),
        changes=_changes(result.get("changes")),
    )


def refused(result: dict[str, Any]) -> Refused:
    """An error type of the result union (`PUSH_ERRORS` selects its fields)."""
    return Refused(
        typename=str(result["__typename"]),
        code=str(result["code"]),
        message=str(result["message"]),
        previous_version=result.get("previousVersion"),
        changes=_changes(result.get("changes")),
        problems=[Problem(str(p["path"]), str(p["message"])) for p in result.get("problems") or []],
    )
