"""schema.graphql at the root is generated from the code; this fails when it is stale."""

from pathlib import Path

from app.graphql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"
REGENERATE = "uv run strawberry export-schema app.graphql.schema:schema --output schema.graphql"


def test_schema_graphql_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == schema.as_str() + "\n", (
        f"schema.graphql is stale: {REGENERATE}"
    )


def test_every_entity_is_a_federation_key_and_a_node() -> None:
    sdl = schema.as_str()
    for entity in ("Project", "Connector", "ConnectorVersion", "AuthConfig", "LinkedAccount"):
        assert f'type {entity} implements Node @key(fields: "id")' in sdl
    assert "interface Error {" in sdl
