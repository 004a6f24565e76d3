"""PERSISTED_DOCUMENTS=trusted: only documents of a registered manifest run — by their id or
whole — over HTTP and websockets; an automatic registration cannot add to them; platform keys
send anything only when TRUSTED_DOCUMENTS_EXEMPT_PLATFORM says so."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette

from app.db.engine import Database
from app.main import create_app
from app.services.persisted_documents import register_manifest
from app.settings import Settings
from tests.graphql.persisted.requests import code_of, document_hash, post
from tests.http.in_process_socket import in_process_socket
from tests.keys import Keys

TRUSTED = "query Role { viewer { role } }"
TRUSTED_ID = "7b1e0a9f2c4d6e8a0b1c2d3e4f5a6b7c"  # a Relay-style MD5 id, not the text's SHA-256
UNLISTED = "query Slug { viewer { project { slug } } }"


def _trusted_app(database: Database, settings: Settings, *, exempt: bool = False) -> Starlette:
    return create_app(
        settings.model_copy(
            update={"persisted_documents": "trusted", "trusted_documents_exempt_platform": exempt}
        ),
        database=database,
    )


@pytest.fixture
async def trusted(
    database: Database, settings: Settings, session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    await register_manifest(session, {TRUSTED_ID: TRUSTED})
    transport = httpx.ASGITransport(app=_trusted_app(database, settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://trusted.test") as http:
        yield http


async def test_a_manifest_document_runs_by_its_id_its_hash_or_whole(
    trusted: httpx.AsyncClient, keys: Keys
) -> None:
    role = {"data": {"viewer": {"role": "VIEWER"}}}
    auth = {"Authorization": f"Bearer {keys.alpha.viewer}"}

    # by the manifest's id (GraphQL over HTTP's documentId), by POST and by GET
    by_id = await trusted.post("/graphql", json={"documentId": TRUSTED_ID}, headers=auth)
    by_get = await trusted.get(
        "/graphql", params={"documentId": TRUSTED_ID}, headers={**auth, "Accept": "*/*"}
    )
    # by its text's SHA-256 (Apollo's persisted query), though the manifest's id is another
    by_hash = await post(trusted, keys.alpha.viewer, sha256_hash=document_hash(TRUSTED))
    by_prefixed_hash = await trusted.post(
        "/graphql", json={"documentId": f"sha256:{document_hash(TRUSTED)}"}, headers=auth
    )
    # and whole
    whole = await post(trusted, keys.alpha.viewer, query=TRUSTED)

    for response in (by_id, by_get, by_hash, by_prefixed_hash, whole):
        assert response.status_code == 200, response.text
        assert response.json() == role


async def test_a_document_id_with_a_query_is_a_400(trusted: httpx.AsyncClient, keys: Keys) -> None:
    response = await trusted.post(
        "/graphql",
        json={"documentId": TRUSTED_ID, "query": TRUSTED},
        headers={"Authorization": f"Bearer {keys.alpha.viewer}"},
    )

    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST"


async def test_a_manifest_id_that_is_not_a_sha256_is_still_its_document(
    trusted: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    from app.services.persisted_documents import find_document

    stored = await find_document(session, TRUSTED_ID)

    assert stored is not None
    assert stored.document == TRUSTED
    assert stored.trusted


async def test_an_unregistered_document_is_refused_whole_or_with_its_hash(
    trusted: httpx.AsyncClient, keys: Keys
) -> None:
    whole = await post(trusted, keys.alpha.admin, query=UNLISTED)
    with_hash = await post(
        trusted, keys.alpha.admin, sha256_hash=document_hash(UNLISTED), query=UNLISTED
    )
    hash_only = await post(trusted, keys.alpha.admin, sha256_hash=document_hash(UNLISTED))

    for refused in (whole, with_hash):
        assert refused.status_code == 403
        assert code_of(refused) == "PERSISTED_QUERY_NOT_IN_LIST"
        assert "register-documents" in refused.json()["errors"][0]["message"]
    # and sending it with its hash registered nothing
    assert code_of(hash_only) == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_automatically_registered_document_is_not_trusted(
    database: Database, settings: Settings, keys: Keys
) -> None:
    # given a document registered while the server ran in automatic mode
    automatic = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=automatic, base_url="http://a.test") as http:
        registered = await post(
            http, keys.alpha.viewer, sha256_hash=document_hash(UNLISTED), query=UNLISTED
        )
        assert registered.status_code == 200

    # when the server runs in trusted mode, its id alone is refused
    transport = httpx.ASGITransport(app=_trusted_app(database, settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as http:
        refused = await post(http, keys.alpha.viewer, sha256_hash=document_hash(UNLISTED))

    assert refused.status_code == 403
    assert code_of(refused) == "PERSISTED_QUERY_NOT_IN_LIST"


@pytest.mark.parametrize("exempt", [False, True], ids=["not exempt", "exempt"])
async def test_platform_keys_send_any_document_only_when_exempted(
    database: Database, settings: Settings, keys: Keys, exempt: bool
) -> None:
    transport = httpx.ASGITransport(app=_trusted_app(database, settings, exempt=exempt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as http:
        platform = await post(http, keys.platform, query="{ viewer { role } }")
        project = await post(http, keys.alpha.admin, query="{ viewer { role } }")

    if exempt:
        assert platform.json() == {"data": {"viewer": {"role": "PLATFORM_ADMIN"}}}
    else:
        assert code_of(platform) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert code_of(project) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_a_websocket_operation_runs_only_a_manifest_document(
    database: Database, settings: Settings, session: AsyncSession, keys: Keys
) -> None:
    await register_manifest(session, {TRUSTED_ID: TRUSTED})
    app = _trusted_app(database, settings)

    async with in_process_socket(app, keys.alpha.viewer) as socket:
        refused = await socket.answer("1", UNLISTED)
        ran = await socket.answer("2", TRUSTED)

    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert ran["type"] == "next"
    assert ran["payload"] == {"data": {"viewer": {"role": "VIEWER"}}}
