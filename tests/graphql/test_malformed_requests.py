"""A request body the server cannot take as GraphQL gets a 4xx JSON error, never a 500 or a
plain-text page, and the server carries on."""

import httpx
import pytest

from tests.keys import Keys

DEEP = ("[" * 10_000 + "]" * 10_000).encode()

MALFORMED = {
    "a number": b"42",
    "a string": b'"{ viewer { role } }"',
    "null": b"null",
    "not JSON": b"{ viewer { role } }",
    "not UTF-8": b'\xff\xfe{"query": "{ viewer { role } }"}',
    "nested 10,000 deep": DEEP,
    "nested 10,000 deep inside an object": b'{"query": ' + DEEP + b"}",
    "a query that is not a string": b'{"query": 5}',
    "variables that are not an object": b'{"query": "{ viewer { role } }", "variables": 3}',
    "a batch": b'[{"query": "{ viewer { role } }"}]',
    "empty": b"",
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_body_gets_a_json_client_error(
    http: httpx.AsyncClient, keys: Keys, body: bytes
) -> None:
    # when a body that is not a GraphQL request is posted
    response = await http.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {keys.alpha.viewer}",
            "Content-Type": "application/json",
        },
    )

    # then the answer is a 400 in JSON that says what is wrong
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"]

    # and the server answers the next request as usual
    ok = await http.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {keys.alpha.viewer}"},
    )
    assert ok.json() == {"data": {"viewer": {"role": "VIEWER"}}}
