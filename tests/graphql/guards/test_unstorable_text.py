"""Text the databases cannot store (NUL, lone surrogates) is refused before the operation runs.

PostgreSQL refused a NUL with a masked "Unexpected error." while SQLite stored it; now both give
the same top-level `INVALID_INPUT` error naming the argument, for every field, whether the
value comes as a literal in the document or through a variable (inside JSON arguments too), and
nothing but the API key's lookup reaches the database.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.database_contents import database_contents
from tests.graphql.events.websocket import websocket_operation
from tests.graphql.operations import create_auth_config
from tests.graphql.pipeline.deployments import recorded
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import created, new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

NUL = "\x00"
SURROGATE = "\ud800"
VALUE = "<VALUE>"


def graphql_literal(value: object) -> str:
    """`value` written as a GraphQL literal (strings with JSON's escapes, which GraphQL shares)."""
    if isinstance(value, dict):
        fields = ", ".join(f"{key}: {graphql_literal(item)}" for key, item in value.items())
        return "{" + fields + "}"
    if isinstance(value, list):
        return "[" + ", ".join(graphql_literal(item) for item in value) + "]"
    return json.dumps(value)


def with_definition(description: str) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(json.dumps(BASE))
    definition["actions"][0]["description"] = description
    return definition


@dataclass(frozen=True)
class Case:
    """One argument: the operation with `<VALUE>` where the value goes, the value (its
    unstorable text written as NUL), and the argument the error must name."""

    field: str
    operation: str
    value: object
    value_type: str = "String!"
    key: str = "admin"
    in_key: bool = False
    """The unstorable text is an object's key, which a GraphQL literal cannot write."""

    def document(self, ids: dict[str, str], *, literal: bool, unstorable: str) -> str:
        text = self.operation
        for name, value in ids.items():
            text = text.replace(f"<{name}>", value)
        if literal:
            return text.replace(VALUE, graphql_literal(self.value_with(unstorable)))
        kind, rest = text.split(" ", 1)
        return f"{kind} ($value: {self.value_type}) {rest.replace(VALUE, '$value')}"

    def value_with(self, unstorable: str) -> object:
        return json.loads(json.dumps(self.value).replace("\\u0000", json.dumps(unstorable)[1:-1]))


CASES = [
    Case(
        "createProject.input.name",
        'mutation { createProject(input: {slug: "gamma", name: <VALUE>}) { __typename } }',
        f"Gamma{NUL}",
        key="platform",
    ),
    Case(
        "createApiKey.input.name",
        "mutation { createApiKey(input: {name: <VALUE>, role: VIEWER}) { __typename } }",
        f"ci{NUL}",
    ),
    Case(
        "createConnector.input.key",
        'mutation { createConnector(input: {key: <VALUE>, name: "CRM 2"}) { __typename } }',
        f"crm2{NUL}",
    ),
    Case(
        "createConnector.input.description",
        'mutation { createConnector(input: {key: "crm2", name: "CRM", description: <VALUE>}) '
        "{ __typename } }",
        f"About{NUL}",
    ),
    Case(
        "createConnector.input.name",
        "mutation { createConnector(input: <VALUE>) { __typename } }",
        {"key": "crm2", "name": f"CRM{NUL}"},
        value_type="CreateConnectorInput!",
    ),
    Case(
        "createAuthConfig.input.name",
        'mutation { createAuthConfig(input: {connectorKey: "crm", name: <VALUE>}) { __typename } }',
        f"Sales{NUL}",
    ),
    Case(
        "pinAuthConfig.input.pin",
        'mutation { pinAuthConfig(input: {authConfigId: "<auth_config>", pin: <VALUE>, '
        "revision: 1}) { __typename } }",
        f"1.0.0{NUL}",
        value_type="String",
    ),
    Case(
        "linkAccount.input.externalId",
        'mutation { linkAccount(input: {authConfigId: "<auth_config>", externalId: <VALUE>}) '
        "{ __typename } }",
        f"customer-42{NUL}",
    ),
    Case(
        "linkAccount.input.label",
        'mutation { linkAccount(input: {authConfigId: "<auth_config>", externalId: "c-1", '
        "label: <VALUE>}) { __typename } }",
        f"Customer{NUL}",
        value_type="String",
    ),
    Case(
        "updateVersion.input.readme",
        'mutation { updateVersion(input: {versionId: "<draft>", readme: <VALUE>}) { __typename } }',
        f"# CRM{NUL}",
    ),
    Case(
        "updateVersion.input.definition.actions[0].description",
        'mutation { updateVersion(input: {versionId: "<draft>", definition: <VALUE>}) '
        "{ __typename } }",
        with_definition(f"List{NUL}"),
        value_type="JSON!",
    ),
    Case(
        "updateVersion.input.config.vcs.branch",
        'mutation { updateVersion(input: {versionId: "<draft>", config: <VALUE>}) { __typename } }',
        {"vcs": {"branch": f"main{NUL}"}},
        value_type="JSON!",
    ),
    Case(
        "updateVersion.input.config.vcs",
        'mutation { updateVersion(input: {versionId: "<draft>", config: <VALUE>}) { __typename } }',
        {"vcs": {f"bran{NUL}ch": "main"}},
        value_type="JSON!",
        in_key=True,
    ),
    Case(
        "pushVersion.input.definition.actions[0].description",
        'mutation { pushVersion(input: {connectorKey: "crm", version: "1.1.0", '
        "definition: <VALUE>}) { __typename } }",
        with_definition(f"List{NUL}"),
        value_type="JSON!",
    ),
    Case(
        "pushVersion.input.name",
        'mutation { pushVersion(input: {connectorKey: "crm", version: "1.1.0", '
        f"definition: {graphql_literal(BASE)}, name: <VALUE>}}) {{ __typename }} }}",
        f"CRM{NUL}",
    ),
    Case(
        "deprecateVersion.input.message",
        'mutation { deprecateVersion(input: {versionId: "<published>", message: <VALUE>}) '
        "{ __typename } }",
        f"Broken{NUL}",
    ),
    Case(
        "recordDeploymentStep.input.environment.siteId",
        'mutation { recordDeploymentStep(input: {versionId: "<image>", step: SYNC_DEV, '
        'outcome: SUCCEEDED, environment: {accountId: "a", projectId: "p", siteId: <VALUE>}}) '
        "{ __typename } }",
        f"site{NUL}",
    ),
    Case("connector.key", "query { connector(key: <VALUE>) { id } }", f"crm{NUL}"),
    Case("node.id", "query { node(id: <VALUE>) { id } }", f"id{NUL}", value_type="ID!"),
    Case(
        "version.number",
        'query { connector(key: "crm") { version(number: <VALUE>) { id } } }',
        f"1.0.0{NUL}",
    ),
    Case(
        "compareVersions.to",
        'query { compareVersions(connectorId: "<connector>", from: "1.0.0", to: <VALUE>) '
        "{ __typename } }",
        f"2.0.0{NUL}",
    ),
    Case(
        "_entities.representations[0].id",
        "query { _entities(representations: <VALUE>) { __typename } }",
        [{"__typename": "Connector", "id": f"id{NUL}"}],
        value_type="[_Any!]!",
    ),
]

# Lone surrogates only arrive through variables: a GraphQL string literal cannot hold one.
SURROGATE_CASES = [case for case in CASES if "definition" in case.field or "config" in case.field]


@pytest.fixture
async def objects(graphql: GraphQLClient, keys: Keys) -> dict[str, str]:
    """Global ids of what the cases name: a DEFINITION connector `crm` with a published 1.0.0
    and a draft, an IMAGE connector's built draft, and an auth config of `crm`."""
    admin = keys.alpha.admin
    connector = await new_connector(graphql, "crm", key=admin)
    published = (await pushed(graphql, "crm", "1.0.0", BASE, key=admin))["version"]["id"]
    draft = (await created(graphql, connector, key=admin))["id"]
    image_connector = await new_connector(graphql, "img", key=admin, runtime="IMAGE")
    image = (await created(graphql, image_connector, key=admin))["id"]
    await recorded(graphql, image, "BUILD", key=admin)
    auth_config = await create_auth_config(graphql, "crm", "Sales", key=admin)
    return {
        "connector": connector,
        "published": published,
        "draft": draft,
        "image": image,
        "auth_config": auth_config,
    }


def _secret(keys: Keys, name: str) -> str:
    return keys.platform if name == "platform" else keys.alpha.admin


async def _post(
    graphql: GraphQLClient, document: str, variables: dict[str, Any], key: str
) -> dict[str, Any]:
    # Escaped as ASCII, so that a lone surrogate travels as a JSON escape, as clients send it.
    response = await graphql.http.post(
        graphql.path,
        content=json.dumps({"query": document, "variables": variables}),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _assert_refused(body: dict[str, Any], case: Case, character: str) -> None:
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": case.field}, error
    where = "has a key that contains" if case.in_key else "contains"
    assert error["message"] == f"{case.field}: {where} {character}, which cannot be stored"


async def _refused_without_sql(
    graphql: GraphQLClient,
    engine: AsyncEngine,
    session: AsyncSession,
    document: str,
    variables: dict[str, Any],
    key: str,
) -> dict[str, Any]:
    before = await database_contents(session)
    with recorded_statements(engine) as statements:
        body = await _post(graphql, document, variables, key)
    assert beyond_authentication(statements) == [], statements
    assert await database_contents(session) == before
    return body


# Every case through a variable, and those a GraphQL literal can write (not object keys) in the
# document too.
DELIVERIES = [
    pytest.param(case, literal, id=f"{case.field}-{'literal' if literal else 'variable'}")
    for case in CASES
    for literal in (True, False)
    if not (literal and case.in_key)
]


@pytest.mark.parametrize(("case", "literal"), DELIVERIES)
async def test_a_nul_character_is_refused_before_anything_runs(
    graphql: GraphQLClient,
    engine: AsyncEngine,
    session: AsyncSession,
    keys: Keys,
    objects: dict[str, str],
    case: Case,
    literal: bool,
) -> None:
    # given an operation whose argument holds a NUL, written in the document or sent apart
    document = case.document(objects, literal=literal, unstorable=NUL)
    variables = {} if literal else {"value": case.value_with(NUL)}
    # when it is sent, then it is refused by name, and nothing but the key's lookup ran
    body = await _refused_without_sql(
        graphql, engine, session, document, variables, _secret(keys, case.key)
    )
    _assert_refused(body, case, "a NUL character (U+0000)")


@pytest.mark.parametrize("case", SURROGATE_CASES, ids=[case.field for case in SURROGATE_CASES])
async def test_a_lone_surrogate_is_refused_before_anything_runs(
    graphql: GraphQLClient,
    engine: AsyncEngine,
    session: AsyncSession,
    keys: Keys,
    objects: dict[str, str],
    case: Case,
) -> None:
    # given a variable holding "\ud800", which decodes to a lone surrogate
    document = case.document(objects, literal=False, unstorable=SURROGATE)
    variables = {"value": case.value_with(SURROGATE)}
    # when it is sent, then it is refused by name, and nothing but the key's lookup ran
    body = await _refused_without_sql(
        graphql, engine, session, document, variables, _secret(keys, case.key)
    )
    _assert_refused(body, case, "a lone surrogate (U+D800)")


async def test_a_cached_document_still_has_its_variables_checked(
    graphql: GraphQLClient, engine: AsyncEngine, session: AsyncSession, keys: Keys
) -> None:
    # given a document that ran once with a storable value, so the caches hold it
    document = "query ($key: String!) { connector(key: $key) { id } }"
    assert (await _post(graphql, document, {"key": "crm"}, keys.alpha.admin))["data"] == {
        "connector": None
    }
    # when it is sent again with a NUL, then it is refused, and nothing but the key's lookup ran
    body = await _refused_without_sql(
        graphql, engine, session, document, {"key": f"crm{NUL}"}, keys.alpha.admin
    )
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "connector.key"}


async def test_a_mutation_document_runs_none_of_its_fields(
    graphql: GraphQLClient, engine: AsyncEngine, session: AsyncSession, keys: Keys
) -> None:
    # given two mutations in one document, the second with a NUL in a variable
    document = (
        'mutation ($name: String!) { first: createConnector(input: {key: "one", name: "One"}) '
        '{ __typename } second: createConnector(input: {key: "two", name: $name}) '
        "{ __typename } }"
    )
    # when it is sent, then neither runs
    body = await _refused_without_sql(
        graphql, engine, session, document, {"name": f"Two{NUL}"}, keys.alpha.admin
    )
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "createConnector.input.name"}


async def test_storable_text_is_stored_as_sent(graphql: GraphQLClient, keys: Keys) -> None:
    # given names with characters beyond the basic plane and a surrogate pair in JSON
    body = await _post(
        graphql,
        'mutation ($name: String!) { createConnector(input: {key: "emoji", name: $name}) '
        "{ ... on CreateConnectorSuccess { connector { name } } } }",
        {"name": "CRM \U0001f600 \ud83d\ude00 \u00e9"},
        keys.alpha.admin,
    )
    # then they are kept as they were
    assert body["data"]["createConnector"]["connector"]["name"] == "CRM \U0001f600 \U0001f600 é"


SUBSCRIPTION_CASES = [
    Case(
        "events.connectorId",
        "subscription { events(connectorId: <VALUE>) { id } }",
        f"id{NUL}",
        value_type="ID!",
    ),
    Case(
        "createConnector.input.name",
        'mutation { createConnector(input: {key: "crm2", name: <VALUE>}) { __typename } }',
        f"CRM{NUL}",
    ),
]


@pytest.mark.parametrize("literal", [True, False], ids=["literal", "variable"])
@pytest.mark.parametrize(
    "case", SUBSCRIPTION_CASES, ids=[case.operation.split()[0] for case in SUBSCRIPTION_CASES]
)
async def test_over_a_websocket_the_operation_is_refused_too(
    database: Database,
    settings: Settings,
    engine: AsyncEngine,
    session: AsyncSession,
    keys: Keys,
    case: Case,
    literal: bool,
) -> None:
    # given a websocket connection (graphql-transport-ws) authenticated with a project key
    app = create_app(settings, database=database)
    document = case.document({}, literal=literal, unstorable=NUL)
    variables = {} if literal else {"value": case.value_with(NUL)}
    before = await database_contents(session)
    # when an operation with a NUL in its argument is sent over it
    with recorded_statements(engine) as statements:
        message = await websocket_operation(app, document, variables, key=keys.alpha.admin)
    # then it is refused by name, and nothing but the key's lookup ran
    assert message["type"] == "error", message
    (error,) = message["payload"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": case.field}, error
    assert beyond_authentication(statements) == [], statements
    assert await database_contents(session) == before
