"""GraphQL over HTTP: the response's media type follows `Accept`; in
`application/graphql-response+json` a request error is a 400 without `data`, while clients that
accept `application/json` keep reading a 200 with `"data": null`."""

import httpx
import pytest

from app.graphql.endpoint.over_http import GRAPHQL_RESPONSE_JSON, JSON, response_media_type
from tests.keys import Keys

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        ("text/plain", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json;q=0.5", JSON),
        ("application/graphql-response+json;q=0", JSON),
        ("application/graphql-response+json;q=nonsense, */*", JSON),
        ("*/*, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE_JSON),
    ],
)
def test_the_media_type_is_the_one_the_client_prefers(accept: str | None, media_type: str) -> None:
    assert response_media_type(accept) == media_type


async def _post(http: httpx.AsyncClient, key: str, accept: str, body: object) -> httpx.Response:
    return await http.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {key}", "Accept": accept}
    )


REQUEST_ERRORS = {
    "a document that does not parse": {"query": "{"},
    "a document that does not validate": {"query": "{ noSuchField }"},
    "variables that do not coerce": {
        "query": "query ($first: Int!) { connectors(first: $first) { totalCount } }",
        "variables": {"first": "many"},
    },
    "a missing variable": {
        "query": "query ($first: Int!) { connectors(first: $first) { totalCount } }",
    },
    "an operation over the alias limit": {
        "query": "{ " + " ".join(f"a{n}: __typename" for n in range(60)) + " }"
    },
}


@pytest.mark.parametrize("body", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
async def test_a_request_error_is_a_400_without_data_in_graphql_response_json(
    http: httpx.AsyncClient, keys: Keys, body: dict[str, object]
) -> None:
    # when a request that cannot run asks for application/graphql-response+json
    response = await _post(http, keys.alpha.viewer, GRAPHQL_RESPONSE, body)

    # then it is a 400 in that media type, with errors and no data entry
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    answer = response.json()
    assert "data" not in answer
    assert answer["errors"][0]["message"]


@pytest.mark.parametrize("body", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
async def test_a_request_error_stays_a_200_with_null_data_in_json(
    http: httpx.AsyncClient, keys: Keys, body: dict[str, object]
) -> None:
    for accept in ("application/json", "*/*"):
        response = await _post(http, keys.alpha.viewer, accept, body)

        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        answer = response.json()
        assert answer["data"] is None
        assert answer["errors"][0]["message"]


async def test_a_result_is_a_200_in_the_media_type_asked_for(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    for accept, content_type in [
        (GRAPHQL_RESPONSE, f"{GRAPHQL_RESPONSE}; charset=utf-8"),
        ("application/json", "application/json"),
    ]:
        response = await _post(http, keys.alpha.viewer, accept, {"query": "{ viewer { role } }"})

        assert response.status_code == 200
        assert response.headers["content-type"] == content_type
        assert response.json() == {"data": {"viewer": {"role": "VIEWER"}}}


async def test_a_refusal_keeps_its_status_in_graphql_response_json(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    # a key that does not work, and a body that is not JSON
    unauthenticated = await http.post(
        "/graphql", json={"query": "{ viewer { role } }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    malformed = await http.post(
        "/graphql",
        content=b"{ not json",
        headers={
            "Authorization": f"Bearer {keys.alpha.viewer}",
            "Accept": GRAPHQL_RESPONSE,
            "Content-Type": "application/json",
        },
    )

    for response, status, code in [
        (unauthenticated, 401, "UNAUTHENTICATED"),
        (malformed, 400, "BAD_REQUEST"),
    ]:
        assert response.status_code == status
        assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
        assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_a_mutation_sent_by_get_is_a_405_and_does_not_run(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    response = await http.get(
        "/graphql",
        params={
            "query": 'mutation { createProject(input: {slug: "by-get", name: "x"}) { __typename } }'
        },
        headers={"Authorization": f"Bearer {keys.platform}", "Accept": GRAPHQL_RESPONSE},
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    projects = await _post(
        http,
        keys.platform,
        "application/json",
        {"query": "{ projects(first: 100) { edges { node { slug } } } }"},
    )
    slugs = [edge["node"]["slug"] for edge in projects.json()["data"]["projects"]["edges"]]
    assert slugs  # the projects of the test's keys
    assert "by-get" not in slugs
