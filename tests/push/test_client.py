"""The push client's side of HTTP: the request it sends and how it reads every kind of answer
(a mock transport stands in for the server)."""

import json
from typing import Any

import httpx
import pytest

from app.push import (
    Change,
    Problem,
    Pushed,
    PushError,
    PushFile,
    Refused,
    graphql_endpoint,
    push,
    result_of,
)

DEFINITION = {"auth": {"type": "oauth2"}, "actions": [{"id": "list_contacts"}]}


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/graphql"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/graphql"),
        ("https://registry.example/graphql", "https://registry.example/graphql"),
        ("https://gateway.example/registry/graphql", "https://gateway.example/registry/graphql"),
    ],
)
def test_a_bare_address_gets_the_graphql_path(url: str, endpoint: str) -> None:
    assert graphql_endpoint(url) == endpoint


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://registry.example/graphql", "http://"])
def test_a_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(PushError, match="the URL must be http:// or https://"):
        graphql_endpoint(url)


PUSH_FILE = PushFile(key="crm", version="1.2.0", definition=DEFINITION)


def answering(
    status: int, body: Any, seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


def test_the_request_is_the_push_mutation_with_the_key_as_bearer() -> None:
    seen: list[httpx.Request] = []
    not_found = {"__typename": "NotFoundError", "code": "NOT_FOUND", "message": "no 'crm'"}
    transport = answering(200, {"data": {"pushVersion": not_found}}, seen)

    push(PUSH_FILE, url="http://registry.test", api_key="crk_x", force=True, transport=transport)

    (request,) = seen
    assert str(request.url) == "http://registry.test/graphql"
    assert request.headers["authorization"] == "Bearer crk_x"
    sent = json.loads(request.content)
    assert "pushVersion(input: $input)" in sent["query"]
    assert sent["variables"] == PUSH_FILE.variables(force=True)


def test_a_success_is_read_with_its_changes() -> None:
    body = {
        "data": {
            "pushVersion": {
                "__typename": "PushVersionSuccess",
                "changed": True,
                "previousVersion": "1.1.0",
                "requiredBump": "MINOR",
                "version": {"id": "x", "version": "1.2.0", "revision": 1, "contentHash": "h"},
                "changes": [{"bump": "MINOR", "path": "actions[a]", "description": "added"}],
            }
        }
    }

    result = result_of(httpx.Response(200, json=body))

    assert result == Pushed(
        version="1.2.0",
        changed=True,
        revision=1,
        content_hash="h",
        previous_version="1.1.0",
        required_bump="MINOR",
        changes=[Change("MINOR", "actions[a]", "added")],
    )


def test_an_error_type_is_read_with_its_details() -> None:
    body = {
        "data": {
            "pushVersion": {
                "__typename": "InvalidDefinitionError",
                "code": "INVALID_DEFINITION",
                "message": "the definition is invalid: auth: is required",
                "problems": [{"path": "auth", "message": "is required"}],
            }
        }
    }

    result = result_of(httpx.Response(200, json=body))

    assert result == Refused(
        typename="InvalidDefinitionError",
        code="INVALID_DEFINITION",
        message="the definition is invalid: auth: is required",
        problems=[Problem("auth", "is required")],
    )


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            401,
            {"errors": [{"message": "the API key is not valid"}]},
            "the registry answered HTTP 401 Unauthorized: the API key is not valid",
        ),
        (
            502,
            "<html><body>Bad Gateway</body></html>\n",
            "the registry answered HTTP 502 Bad Gateway: <html><body>Bad Gateway</body></html>",
        ),
        (404, "", "the registry answered HTTP 404 Not Found: (no body)"),
        (
            200,
            {"data": None, "errors": [{"message": "Unexpected error."}]},
            "the registry refused the request: Unexpected error.",
        ),
        (200, "<html>a web page</html>", "is not a pushVersion result; is it the registry's"),
        (200, {"data": {"somethingElse": {}}}, "is not a pushVersion result"),
    ],
)
def test_an_answer_without_a_push_result_says_what_came_back(
    status: int, body: Any, message: str
) -> None:
    with pytest.raises(PushError) as raised:
        push(PUSH_FILE, url="http://registry.test", api_key="k", transport=answering(status, body))

    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "cannot reach the registry at"),
        (httpx.ReadTimeout("timed out"), "did not answer within 5s"),
    ],
)
def test_no_answer_at_all_is_one_line(failure: Exception, message: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(PushError) as raised:
        push(
            PUSH_FILE,
            url="http://registry.test",
            api_key="k",
            timeout=5,
            transport=httpx.MockTransport(fail),
        )

    assert message in str(raised.value)
    assert len(str(raised.value).splitlines()) == 1
