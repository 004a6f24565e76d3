"""Unexpected failures reach the client as "Unexpected error (id …)." and the server's log in
full, under the same error id.

Nothing in the app fails on purpose, so the tests make a service fail with `monkeypatch`.
"""

import re
from typing import Any, NoReturn

import pytest

from app.services import connectors
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

SECRET_DETAIL = "password=hunter2 at db.internal:5432"


async def _explode(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET_DETAIL)


@pytest.mark.parametrize(
    ("service", "document", "variables"),
    [
        ("list_connectors", "{ connectors { totalCount } }", {}),
        ("create_connector", CREATE_CONNECTOR, {"input": {"key": "crm", "name": "CRM"}}),
    ],
    ids=["query", "mutation"],
)
async def test_an_unexpected_error_is_masked_for_the_client_and_logged(
    graphql: GraphQLClient,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    service: str,
    document: str,
    variables: dict[str, Any],
) -> None:
    # given a service that fails in a way nobody planned for
    monkeypatch.setattr(connectors, service, _explode)
    # when a client calls it
    response = await graphql.raw(document, variables, key=keys.alpha.admin)
    # then it gets a generic top-level error that gives nothing away
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert re.fullmatch(r"Unexpected error \(id [0-9a-f]{16}\)\.", error["message"])
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert SECRET_DETAIL not in response.text
    assert "RuntimeError" not in response.text
    # while the server's log keeps the cause, under the id the client was shown
    (logged,) = [
        record.msg
        for record in caplog.records
        if isinstance(record.msg, dict) and record.msg["event"] == "unexpected error"
    ]
    assert f"(id {logged['error_id']})" in error["message"]
    assert SECRET_DETAIL in caplog.text
