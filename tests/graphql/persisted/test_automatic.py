"""Automatic persisted queries (Apollo's protocol), PERSISTED_DOCUMENTS=automatic (the default):
an unknown id gets PersistedQueryNotFound, the id with its document registers it, and then the
id alone runs it — over POST and GET, in this process and in any other on the database."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.graphql.persisted.requests import code_of, document_hash, get, post
from tests.keys import Keys
from tests.statements import recorded_statements

QUERY = "query Role { viewer { role } }"
HASH = document_hash(QUERY)
ROLE = {"data": {"viewer": {"role": "VIEWER"}}}


async def test_an_id_is_registered_with_its_document_then_runs_alone(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    # given a document the server has never seen: its id alone is not found
    not_found = await post(http, keys.alpha.viewer, sha256_hash=HASH)
    assert not_found.status_code == 200  # what Apollo clients retry on (a 400 disables them)
    assert code_of(not_found) == "PERSISTED_QUERY_NOT_FOUND"
    assert not_found.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert not_found.headers["cache-control"] == "private, no-cache, must-revalidate"

    # when the client sends the id with the document
    registered = await post(http, keys.alpha.viewer, sha256_hash=HASH, query=QUERY)
    assert registered.status_code == 200
    assert registered.json() == ROLE

    # then the id alone runs it, by POST and by GET, for any key
    assert (await post(http, keys.alpha.viewer, sha256_hash=HASH)).json() == ROLE
    by_get = await get(http, keys.beta.viewer, sha256_hash=HASH)
    assert by_get.status_code == 200
    assert by_get.json() == ROLE


async def test_a_registration_over_get_works_too(http: httpx.AsyncClient, keys: Keys) -> None:
    import json

    query = "{ viewer { role project { slug } } }"
    sha256_hash = document_hash(query)
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256_hash}})
    registered = await http.get(
        "/graphql",
        params={"query": query, "extensions": extensions},
        headers={"Authorization": f"Bearer {keys.alpha.viewer}"},
    )
    assert registered.json()["data"]["viewer"]["project"]["slug"] == "alpha"

    alone = await get(http, keys.alpha.viewer, sha256_hash=sha256_hash)
    assert alone.json() == registered.json()


async def test_a_known_id_reads_nothing_once_this_process_has_seen_it(
    http: httpx.AsyncClient, keys: Keys, engine: AsyncEngine
) -> None:
    await post(http, keys.alpha.viewer, sha256_hash=HASH, query=QUERY)

    with recorded_statements(engine) as by_id:
        assert (await post(http, keys.alpha.viewer, sha256_hash=HASH)).json() == ROLE
    with recorded_statements(engine) as whole:
        assert (await post(http, keys.alpha.viewer, query=QUERY)).json() == ROLE

    # the id costs no statement more than the whole document
    assert not [s for s in by_id if "persisted_document" in s]
    assert len(by_id) == len(whole)


async def test_another_process_finds_a_registered_id_in_the_database(
    database: Database, settings: Settings, http: httpx.AsyncClient, keys: Keys
) -> None:
    # given a document registered through this app
    await post(http, keys.alpha.viewer, sha256_hash=HASH, query=QUERY)

    # when another app (another worker, with nothing in memory) gets the id alone
    other: Starlette = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://other.test") as client:
        response = await post(client, keys.alpha.viewer, sha256_hash=HASH)

    # then it runs it
    assert response.json() == ROLE


async def test_a_document_that_is_not_its_hash_is_refused_and_not_registered(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    mismatch = await post(http, keys.alpha.viewer, sha256_hash=HASH, query="{ __typename }")

    assert mismatch.status_code == 400
    assert code_of(mismatch) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "SHA-256" in mismatch.json()["errors"][0]["message"]
    assert code_of(await post(http, keys.alpha.viewer, sha256_hash=HASH)) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


UNRUNNABLE = {
    "does not parse": "{ viewer {",
    "does not validate": "{ noSuchField }",
    "over the alias limit": "{ " + " ".join(f"a{n}: __typename" for n in range(60)) + " }",
    "over the token limit": "{ " + " ".join(["__typename"] * 2100) + " }",
    "over the cost limit": "{ "
    + " ".join(
        f"c{n}: connectors(first: 100) {{ edges {{ node {{ versions(first: 100) "
        "{ edges { node { definition } } } } } } }"
        for n in range(3)
    )
    + " }",
}


@pytest.mark.parametrize("query", UNRUNNABLE.values(), ids=UNRUNNABLE.keys())
async def test_a_document_refused_by_the_limits_is_not_registered(
    http: httpx.AsyncClient, keys: Keys, query: str
) -> None:
    sha256_hash = document_hash(query)

    refused = await post(http, keys.alpha.viewer, sha256_hash=sha256_hash, query=query)

    assert refused.json()["data"] is None
    assert refused.json()["errors"]
    again = await post(http, keys.alpha.viewer, sha256_hash=sha256_hash)
    assert code_of(again) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "persisted_query",
    [
        {"version": 2, "sha256Hash": HASH},
        {"version": 1, "sha256Hash": HASH.upper()},
        {"version": 1, "sha256Hash": "abc"},
        {"version": 1},
        "not an object",
    ],
    ids=["version 2", "upper-case hex", "too short", "no hash", "not an object"],
)
async def test_a_malformed_persisted_query_is_a_400(
    http: httpx.AsyncClient, keys: Keys, persisted_query: object
) -> None:
    response = await http.post(
        "/graphql",
        json={"extensions": {"persistedQuery": persisted_query}},
        headers={"Authorization": f"Bearer {keys.alpha.viewer}"},
    )

    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST"
    assert "persistedQuery" in response.json()["errors"][0]["message"]


async def test_with_persisted_documents_off_apollo_clients_are_told_to_send_documents(
    database: Database, settings: Settings, keys: Keys
) -> None:
    app = create_app(settings.model_copy(update={"persisted_documents": "off"}), database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://off.test") as http:
        with_id = await post(http, keys.alpha.viewer, sha256_hash=HASH, query=QUERY)
        whole = await post(http, keys.alpha.viewer, query=QUERY)

    assert with_id.status_code == 200
    assert code_of(with_id) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert whole.json() == ROLE
