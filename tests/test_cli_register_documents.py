"""`connector-registry register-documents MANIFEST`: GraphQL Codegen's and Relay's persisted
documents registered as trusted, all or none."""

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.db.engine import Database
from app.domain.persisted_documents import document_hash
from app.services.persisted_documents import find_document

ROLE = "query Role { viewer { role } }"
SLUG = "query Slug {\n  viewer {\n    project {\n      slug\n    }\n  }\n}"

# GraphQL Codegen's client preset (`persistedDocuments: {hashAlgorithm: "sha256"}`) writes
# persisted-documents.json as {"<hash>": "<document>"}.
CODEGEN = {document_hash(ROLE): ROLE}
# Relay's `persistConfig: {file: ...}` writes {"<md5 id>": "<document>"}.
RELAY = {"3f1c2b9a8e7d6c5b4a3f2e1d0c9b8a7f": SLUG}


async def _register(database: Database, tmp_path: Path, manifest: object) -> Result:
    path = tmp_path / "manifest.json"
    path.write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    url = database.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, cli, ["register-documents", str(path)], env={"DATABASE_URL": url}
    )


async def _stored(database: Database, document_id: str) -> tuple[str, bool] | None:
    async with database.session() as session:
        stored = await find_document(session, document_id)
    return None if stored is None else (stored.document, stored.trusted)


@pytest.mark.parametrize("manifest", [CODEGEN, RELAY], ids=["graphql codegen", "relay"])
async def test_a_manifest_is_registered_as_trusted(
    committed_database: Database, tmp_path: Path, manifest: dict[str, str]
) -> None:
    # when a client build's manifest is registered
    result = await _register(committed_database, tmp_path, manifest)

    # then each of its documents is trusted under its id
    assert result.exit_code == 0, result.output
    assert "Registered 1 trusted documents: 1 new" in result.output
    for document_id, document in manifest.items():
        assert await _stored(committed_database, document_id) == (document, True)

    # and registering it again changes nothing
    again = await _register(committed_database, tmp_path, manifest)
    assert again.exit_code == 0, again.output
    assert "0 new, 0 known and now trusted, 1 unchanged" in again.output


REFUSED = {
    "not JSON": ("{ nope", "Expecting property name"),
    "not an object": (json.dumps([ROLE]), "non-empty JSON object"),
    "empty": ("{}", "non-empty JSON object"),
    "a document that is not a string": ({**CODEGEN, "abc": 5}, "abc: the document must be"),
    "an id with spaces": ({**CODEGEN, "an id": ROLE}, "'an id': an id is"),
    "a document that does not validate": (
        {**RELAY, "bad": "{ noSuchField }"},
        "bad: Cannot query field 'noSuchField'",
    ),
    "a document that does not parse": ({**RELAY, "bad": "{ viewer {"}, "bad: Syntax Error"),
    "a document over the alias limit": (
        {**RELAY, "wide": "{ " + " ".join(f"a{n}: __typename" for n in range(60)) + " }"},
        "wide: ",
    ),
}


@pytest.mark.parametrize(("manifest", "message"), REFUSED.values(), ids=REFUSED.keys())
async def test_a_manifest_with_a_problem_registers_nothing(
    committed_database: Database, tmp_path: Path, manifest: object, message: str
) -> None:
    result = await _register(committed_database, tmp_path, manifest)

    assert result.exit_code == 1
    assert message in result.output
    for document_id in [*CODEGEN, *RELAY]:
        assert await _stored(committed_database, document_id) is None


async def test_an_id_registered_with_another_document_is_refused(
    committed_database: Database, tmp_path: Path
) -> None:
    # given a registered manifest
    assert (await _register(committed_database, tmp_path, RELAY)).exit_code == 0

    # when another one gives one of its ids another text
    (relay_id,) = RELAY
    result = await _register(committed_database, tmp_path, {**CODEGEN, relay_id: ROLE})

    # then nothing of it is registered: clients may hold the id
    assert result.exit_code == 1
    assert f"registered with another document, and ids never change: {relay_id}" in result.output
    assert await _stored(committed_database, relay_id) == (SLUG, True)
    assert await _stored(committed_database, document_hash(ROLE)) is None


async def test_a_document_known_from_automatic_persisted_queries_becomes_trusted(
    committed_database: Database, tmp_path: Path
) -> None:
    from app.services.persisted_documents import register_automatic

    async with committed_database.session() as session:
        await register_automatic(session, sha256_hash=document_hash(ROLE), document=ROLE)

    result = await _register(committed_database, tmp_path, CODEGEN)

    assert result.exit_code == 0, result.output
    assert "0 new, 1 known and now trusted, 0 unchanged" in result.output
    assert await _stored(committed_database, document_hash(ROLE)) == (ROLE, True)
