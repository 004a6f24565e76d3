"""Operations over a websocket are held to the limits of an HTTP request: the admission queue,
REQUEST_TIMEOUT and the key's validity, with the same typed errors; the connection stays usable
after a refusal. (In process, over raw ASGI messages, on the test's database.)"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col
from starlette.applications import Starlette

from app.db.admission import Admission
from app.db.engine import Database
from app.db.models import ApiKey
from app.db.types import utc_now
from app.domain.api_keys import KeyRefusal
from app.main import create_app
from app.services.access.auth import authenticate
from app.settings import Settings
from tests.http.in_process_socket import InProcessSocket, in_process_socket
from tests.keys import Keys

VIEWER_ROLE = "{ viewer { role } }"
OPERATIONS = 20
DEADLINE_SECONDS = 15
POLL_SECONDS = 0.01


@pytest.fixture
def limited(database: Database, settings: Settings) -> Callable[..., Starlette]:
    """An app on the test's database with some limits of its own."""

    def make(**limits: Any) -> Starlette:
        return create_app(settings.model_copy(update=limits), database=database)

    return make


@asynccontextmanager
async def admitting(database: Database, admission: Admission) -> AsyncIterator[Admission]:
    database.admission = admission
    try:
        yield admission
    finally:
        database.admission = None


async def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
    while not check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(POLL_SECONDS)


async def errors_of(socket: InProcessSocket, count: int) -> dict[str, list[dict[str, Any]]]:
    """The next `count` operation messages, by id; each must be a terminal `error`."""
    received: dict[str, list[dict[str, Any]]] = {}
    while len(received) < count:
        message = await socket.receive()
        assert message["type"] == "error", message
        received[message["id"]] = message["payload"]
    return received


async def still_answers(socket: InProcessSocket, operation_id: str) -> None:
    answered = await socket.answer(operation_id, VIEWER_ROLE)
    assert answered["type"] == "next", answered
    assert answered["payload"] == {"data": {"viewer": {"role": "VIEWER"}}}


def code_of(payload: list[dict[str, Any]]) -> str:
    (error,) = payload
    return str(error["extensions"]["code"])


async def test_operations_wait_in_the_admission_queue_and_are_cut_at_the_request_timeout(
    limited: Callable[..., Starlette], database: Database, keys: Keys
) -> None:
    # given a process serving one operation at once, that one taken, and a short time limit
    app = limited(request_timeout=0.3)
    async with (
        admitting(database, Admission(1, max_waiting=50, wait_timeout=30)) as admission,
        in_process_socket(app, keys.alpha.viewer) as socket,
    ):
        async with admission.slot():
            # when twenty operations are sent over one socket
            for number in range(OPERATIONS):
                socket.subscribe(str(number), VIEWER_ROLE)

            # then all of them wait in the queue, none runs
            await eventually(lambda: admission.waiting == OPERATIONS, "all operations queue")
            assert admission.in_use == 1

            # and each ends at the time limit with the TIMEOUT error
            received = await errors_of(socket, OPERATIONS)
        assert sorted(received) == sorted(str(number) for number in range(OPERATIONS))
        assert {code_of(payload) for payload in received.values()} == {"TIMEOUT"}
        assert "REQUEST_TIMEOUT" in received["0"][0]["message"]
        assert (admission.waiting, admission.in_use) == (0, 0)

        # and the connection stays usable
        await still_answers(socket, "after")
        assert socket.closed is None


async def test_operations_beyond_the_queue_are_refused_as_overloaded(
    limited: Callable[..., Starlette], database: Database, keys: Keys
) -> None:
    app = limited()
    async with (
        admitting(database, Admission(1, max_waiting=0, wait_timeout=30)) as admission,
        in_process_socket(app, keys.alpha.viewer) as socket,
    ):
        async with admission.slot():
            for number in range(OPERATIONS):
                socket.subscribe(str(number), VIEWER_ROLE)
            received = await errors_of(socket, OPERATIONS)
        assert {code_of(payload) for payload in received.values()} == {"OVERLOADED"}
        assert "retry" in received["0"][0]["message"]
        await still_answers(socket, "after")


async def test_an_operation_that_waits_too_long_for_a_slot_is_refused_as_overloaded(
    limited: Callable[..., Starlette], database: Database, keys: Keys
) -> None:
    app = limited()
    async with (
        admitting(database, Admission(1, max_waiting=10, wait_timeout=0.05)) as admission,
        in_process_socket(app, keys.alpha.viewer) as socket,
    ):
        async with admission.slot():
            socket.subscribe("1", VIEWER_ROLE)
            received = await errors_of(socket, 1)
        assert code_of(received["1"]) == "OVERLOADED"
        assert "within 0.05 s" in received["1"][0]["message"]
        await still_answers(socket, "after")


async def test_operations_within_the_limits_hold_and_give_back_their_slots(
    limited: Callable[..., Starlette], database: Database, keys: Keys
) -> None:
    # (one slot: the test's database is one connection, which operations cannot share at once)
    app = limited()
    async with (
        admitting(database, Admission(1, max_waiting=50, wait_timeout=30)) as admission,
        in_process_socket(app, keys.alpha.viewer) as socket,
    ):
        for number in range(OPERATIONS):
            socket.subscribe(str(number), VIEWER_ROLE)
        answered = 0
        while answered < OPERATIONS:
            message = await socket.receive()
            if message["type"] == "next":
                assert message["payload"] == {"data": {"viewer": {"role": "VIEWER"}}}
                answered += 1
            else:
                assert message["type"] == "complete", message
        await eventually(lambda: admission.in_use == 0, "every slot is given back")


async def test_a_subscription_holds_no_slot_and_no_time_limit_once_set_up(
    limited: Callable[..., Starlette], database: Database, keys: Keys
) -> None:
    app = limited(request_timeout=0.3)
    created = await _new_connector(app, keys)
    async with (
        admitting(database, Admission(1, max_waiting=10, wait_timeout=30)) as admission,
        in_process_socket(app, keys.alpha.viewer) as socket,
    ):
        socket.subscribe(
            "live",
            "subscription ($id: ID!) { events(connectorId: $id) { kind } }",
            {"id": created},
        )
        # once it is set up, it gives its one slot back: a query is served meanwhile
        await eventually(lambda: admission.in_use == 0, "the subscription gives its slot back")
        await still_answers(socket, "query")
        # and it outlives the request timeout
        await asyncio.sleep(0.6)
        await still_answers(socket, "later")
        assert socket.from_app.empty()


async def _new_connector(app: Starlette, keys: Keys) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        response = await http.post(
            "/graphql",
            json={
                "query": "mutation ($input: CreateConnectorInput!) { createConnector(input: "
                "$input) { ... on CreateConnectorSuccess { connector { id } } } }",
                "variables": {"input": {"key": "live-limits", "name": "Live"}},
            },
            headers={"Authorization": f"Bearer {keys.alpha.admin}"},
        )
    return str(response.json()["data"]["createConnector"]["connector"]["id"])


async def _revoke_without_announcing(database: Database, key: str) -> None:
    """Revoke `key` as another process would whose announcement this one never hears: straight
    in the database, past the session hooks that announce revocations."""
    async with database.session() as session:
        authenticated = await authenticate(session, key)
        assert not isinstance(authenticated, KeyRefusal)
        await session.exec(
            update(ApiKey)
            .where(col(ApiKey.id) == authenticated.principal.api_key_id)
            .values(revoked_at=utc_now())
        )
        await session.commit()


async def test_a_socket_without_subscriptions_stops_serving_a_key_revoked_unannounced(
    app: Starlette, database: Database, keys: Keys
) -> None:
    async with in_process_socket(app, keys.alpha.admin) as socket:
        await socket.answer("before", "{ viewer { role } }")
        # when the key is revoked and no announcement reaches this process
        await _revoke_without_announcing(database, keys.alpha.admin)

        # then the next operation is refused, and the connection is closed with 4403
        refused = await socket.answer("after", VIEWER_ROLE)
        assert refused["type"] == "error", refused
        assert code_of(refused["payload"]) == "UNAUTHENTICATED"
        assert "revoked" in refused["payload"][0]["message"]
        closed = await socket.receive()
        assert closed["type"] == "websocket.close"
        assert closed["code"] == 4403


async def test_a_client_that_leaves_while_operations_run_is_one_log_line(
    limited: Callable[..., Starlette],
    database: Database,
    keys: Keys,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="app")
    app = limited()
    async with (
        admitting(database, Admission(1, max_waiting=50, wait_timeout=30)) as admission,
        in_process_socket(app, keys.alpha.viewer) as socket,
    ):
        async with admission.slot():
            for number in range(5):
                socket.subscribe(str(number), VIEWER_ROLE)
            await eventually(lambda: admission.waiting == 5, "the operations queue")
            # when the client's connection goes before the server has read its close
            socket.drop()
        # then the operations, finishing, cannot send their answers
        await eventually(lambda: admission.in_use + admission.waiting == 0, "all ran")
    # and that is one line in the log, without a traceback
    assert not [record for record in caplog.records if record.exc_info], caplog.text
    left = [record for record in caplog.records if "client left" in record.getMessage()]
    assert len(left) == 1, caplog.text


# --- the document's checks --------------------------------------------------------------------


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{number}: viewer {{ role }}" for number in range(count)) + " }"


async def test_a_document_over_the_token_limit_is_refused_and_the_socket_stays_open(
    limited: Callable[..., Starlette], keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    app = limited(max_query_tokens=100)
    async with in_process_socket(app, keys.alpha.viewer) as socket:
        refused = await socket.answer("long", _aliases(40))
        assert refused["type"] == "error", refused
        (error,) = refused["payload"]
        assert "more than 100 tokens" in error["message"]
        await still_answers(socket, "after")
    assert not [record for record in caplog.records if record.exc_info], caplog.text


async def test_an_operation_over_the_cost_limit_is_refused_before_it_runs(
    limited: Callable[..., Starlette], keys: Keys
) -> None:
    app = limited(max_query_cost=100)
    async with in_process_socket(app, keys.alpha.viewer) as socket:
        refused = await socket.answer(
            "costly", "{ projects(first: 100) { edges { node { id } } } }"
        )
        assert refused["type"] == "error", refused
        assert code_of(refused["payload"]) == "QUERY_TOO_COSTLY"
        await still_answers(socket, "after")


async def test_a_result_over_the_response_limit_is_refused(
    limited: Callable[..., Starlette], keys: Keys
) -> None:
    app = limited(max_response_bytes=1024)
    async with in_process_socket(app, keys.alpha.viewer) as socket:
        # ten aliases fit in 1 KB; forty-five (about 1.1 KB of JSON) do not
        small = await socket.answer("small", _aliases(10))
        assert small["type"] == "next"
        assert "errors" not in small["payload"], small
        large = await socket.answer("large", _aliases(45))
        assert large["type"] == "next", large
        assert large["payload"]["data"] is None
        assert code_of(large["payload"]["errors"]) == "RESPONSE_TOO_LARGE"
        await still_answers(socket, "after")
