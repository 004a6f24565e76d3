"""Every request: an `X-Request-ID` on its answer and one log line with its id, operation,
duration, outcome and key id — never the key's secret."""

import asyncio
import json
import logging
import re
from typing import Any, NoReturn

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.types import Message

from app.graphql.endpoint.view import RegistryGraphQL
from app.services import connectors
from app.services.access.auth import authenticate
from tests.graphql.events.websocket import websocket_scope
from tests.graphql.operations import CREATE_CONNECTOR
from tests.keys import Keys
from tests.observability.log_lines import json_log_lines

WHO_AM_I = "query WhoAmI { viewer { role } }"
SECRET_DETAIL = "password=hunter2 at db.internal:5432"


async def _post(
    http: httpx.AsyncClient,
    document: str,
    *,
    key: str | None,
    variables: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if request_id is not None:
        headers["X-Request-ID"] = request_id
    return await http.post(
        "/graphql", json={"query": document, "variables": variables or {}}, headers=headers
    )


async def _key_id(session: AsyncSession, secret: str) -> str:
    authenticated = await authenticate(session, secret)
    assert not isinstance(authenticated, str), authenticated
    return str(authenticated.principal.api_key_id)


async def test_a_request_is_logged_once_with_its_id_operation_duration_and_key(
    http: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    # given a client that sends its own request id
    with json_log_lines() as log:
        # when it runs a named query
        response = await _post(http, WHO_AM_I, key=keys.alpha.admin, request_id="trace-42.a:b")
    # then the answer echoes the id and one JSON line describes the request
    assert response.status_code == 200, response.text
    assert response.headers["X-Request-ID"] == "trace-42.a:b"
    (line,) = log.events("request")
    assert line["request_id"] == "trace-42.a:b"
    assert line["operation"] == "WhoAmI"
    assert line["operation_type"] == "query"
    assert line["status"] == 200
    assert line["outcome"] == "ok"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["api_key_id"] == await _key_id(session, keys.alpha.admin)
    assert line["error_id"] is None
    assert "timestamp" in line


@pytest.mark.parametrize(
    "given",
    ["has spaces", "line\nbreak", "x" * 129, 'quote"d', ""],
    ids=["spaces", "newline", "too-long", "quote", "empty"],
)
async def test_an_unsafe_request_id_is_replaced_by_a_new_one(
    http: httpx.AsyncClient, keys: Keys, given: str
) -> None:
    with json_log_lines() as log:
        response = await http.post(
            "/graphql",
            json={"query": WHO_AM_I},
            headers={"Authorization": f"Bearer {keys.alpha.admin}", "X-Request-ID": given},
        )
    assert response.status_code == 200, response.text
    issued = response.headers["X-Request-ID"]
    assert issued != given
    assert re.fullmatch(r"[0-9a-f]{32}", issued)
    (line,) = log.events("request")
    assert line["request_id"] == issued
    if given:  # and a warning says the one sent was replaced
        (warning,) = [line for line in log.parsed() if "failed validation" in line["event"]]
        assert issued in warning["event"]


async def test_refusals_carry_a_request_id_and_are_logged(http: httpx.AsyncClient) -> None:
    with json_log_lines() as log:
        missing = await _post(http, WHO_AM_I, key=None)
        unknown = await _post(http, WHO_AM_I, key="cr_not-a-key")
    assert (missing.status_code, unknown.status_code) == (401, 401)
    assert missing.headers["X-Request-ID"] != unknown.headers["X-Request-ID"]
    lines = log.events("request")
    assert [line["request_id"] for line in lines] == [
        missing.headers["X-Request-ID"],
        unknown.headers["X-Request-ID"],
    ]
    assert {(line["status"], line["outcome"], line["api_key_id"]) for line in lines} == {
        (401, "client_error", None)
    }


async def _explode(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET_DETAIL)


async def test_a_masked_error_has_one_id_in_the_answer_and_in_the_log(
    http: httpx.AsyncClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a service that fails in a way nobody planned for
    monkeypatch.setattr(connectors, "list_connectors", _explode)
    with json_log_lines() as log:
        # when a client calls it
        response = await _post(
            http, "query Listing { connectors { totalCount } }", key=keys.alpha.admin
        )
    # then its message names an error id ...
    (error,) = response.json()["errors"]
    found = re.fullmatch(r"Unexpected error \(id ([0-9a-f]{16})\)\.", error["message"])
    assert found is not None, error
    error_id = found.group(1)
    request_id = response.headers["X-Request-ID"]
    # ... that the traceback's line and the request's line carry, with the request id
    (traceback,) = log.events("unexpected error")
    assert traceback["error_id"] == error_id
    assert traceback["request_id"] == request_id
    assert SECRET_DETAIL in traceback["exception"]
    assert "Traceback" in traceback["exception"]
    (line,) = log.events("request")
    assert (line["error_id"], line["request_id"]) == (error_id, request_id)
    assert line["outcome"] == "server_error"
    assert line["operation"] == "Listing"


async def test_an_error_outside_graphql_is_a_500_with_ids(
    http: httpx.AsyncClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an endpoint that fails before any GraphQL error handling
    monkeypatch.setattr(RegistryGraphQL, "_answer", _explode)
    with json_log_lines() as log:
        response = await _post(http, WHO_AM_I, key=keys.alpha.admin)
    # then the client gets a 500 in JSON with an error id and the request id
    assert response.status_code == 500
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    message = error["message"]
    error_id = re.fullmatch(r"Unexpected error \(id ([0-9a-f]{16})\)\.", message)
    assert error_id is not None, message
    assert SECRET_DETAIL not in response.text
    (traceback,) = log.events("unexpected error")
    assert traceback["error_id"] == error_id.group(1)
    assert traceback["request_id"] == response.headers["X-Request-ID"]
    (line,) = log.events("request")
    assert (line["status"], line["error_id"]) == (500, error_id.group(1))


async def test_a_typed_mutation_error_is_logged_with_its_code(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    create = {"input": {"key": "crm", "name": "CRM"}}
    await _post(http, CREATE_CONNECTOR, key=keys.alpha.admin, variables=create)
    with json_log_lines() as log:
        response = await _post(http, CREATE_CONNECTOR, key=keys.alpha.admin, variables=create)
    result = response.json()["data"]["createConnector"]
    assert result["code"] == "ALREADY_EXISTS", result
    (line,) = log.events("request")
    assert line["outcome"] == "typed_error"
    assert line["error_codes"] == ["ALREADY_EXISTS"]
    assert line["operation_type"] == "mutation"


async def test_no_log_line_ever_holds_a_key_secret(
    http: httpx.AsyncClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given every kind of request a key's secret travels with, logged at the most verbose level
    unknown_secret = keys.beta.admin[:-4] + "zzzz"
    with json_log_lines() as log:
        logging.getLogger().setLevel(logging.DEBUG)
        await _post(http, WHO_AM_I, key=keys.alpha.admin)
        await _post(http, WHO_AM_I, key=unknown_secret)
        await _post(http, "{ nope }", key=keys.alpha.viewer)
        monkeypatch.setattr(connectors, "list_connectors", _explode)
        await _post(http, "{ connectors { totalCount } }", key=keys.alpha.admin)
        # and code that logs a request's headers
        logging.getLogger("app.test").info(
            "headers", extra={"authorization": f"Bearer {keys.alpha.admin}"}
        )
        import structlog

        structlog.get_logger("app.test").info("headers", authorization=f"Bearer {keys.alpha.admin}")
    # then the log names the requests, and never a secret
    assert len(log.events("request")) == 4
    for secret in (keys.alpha.admin, unknown_secret, keys.alpha.viewer):
        assert secret not in log.text
        assert secret.split("_", 1)[-1] not in log.text
    assert "[hidden]" in log.text


async def test_a_refused_websocket_is_logged_with_its_close_code(app: Starlette) -> None:
    # given a websocket client whose key is not valid
    incoming: asyncio.Queue[Message] = asyncio.Queue()
    incoming.put_nowait({"type": "websocket.connect"})
    init = {"type": "connection_init", "payload": {"apiKey": "not-a-key"}}
    incoming.put_nowait({"type": "websocket.receive", "text": json.dumps(init)})
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "websocket.close":
            incoming.put_nowait({"type": "websocket.disconnect", "code": message["code"]})

    with json_log_lines() as log:
        await asyncio.wait_for(app(websocket_scope(), incoming.get, send), 15)
    # then the server closes it with 4403, and says so in its log
    (close,) = [message for message in sent if message["type"] == "websocket.close"]
    assert close["code"] == 4403
    (line,) = log.events("websocket refused")
    assert (line["code"], line["path"], line["accepted"]) == (4403, "/graphql", True)
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])  # the websocket has its id
    assert "not-a-key" not in log.text
