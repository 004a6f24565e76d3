"""Project alpha cannot see or touch project beta's objects by any path (DESIGN §7).

Each test also reads something alpha *may* see through the same path, so a path that returns
nothing at all cannot pass for one that isolates.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.graphql.access.documents import CREATE_API_KEY
from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, LINK_ACCOUNT
from tests.graphql.operations import (
    create_auth_config,
    create_connector,
    global_id,
    link_account,
    mutate,
    with_type,
)
from tests.graphql.rollouts.documents import (
    ABORT_ROLLOUT,
    COMPLETE_ROLLOUT,
    SET_ROLLOUT_PERCENT,
    START_ROLLOUT,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


@dataclass(frozen=True)
class World:
    managed_crm: str
    alpha_only: str
    alpha_auth_config: str
    alpha_account: str
    beta_crm: str
    beta_only: str
    beta_auth_config: str
    beta_account: str
    beta_project: str
    beta_api_key: str


@pytest.fixture
async def world(graphql: GraphQLClient, keys: Keys) -> World:
    """A managed `crm`; beta has a custom `crm` and `beta-only`, alpha a custom `alpha-only`;
    each project has an auth config on `crm` with one linked account."""
    managed_crm = await create_connector(graphql, "crm", key=keys.platform)
    alpha_only = await create_connector(graphql, "alpha-only", key=keys.alpha.admin)
    beta_crm = await create_connector(graphql, "crm", key=keys.beta.admin)
    beta_only = await create_connector(graphql, "beta-only", key=keys.beta.admin)
    alpha_auth_config = await create_auth_config(graphql, "crm", "Alpha", key=keys.alpha.admin)
    beta_auth_config = await create_auth_config(graphql, "crm", "Beta", key=keys.beta.admin)
    beta_viewer = await graphql("{ viewer { apiKey { id } } }", key=keys.beta.viewer)
    return World(
        managed_crm=managed_crm,
        alpha_only=alpha_only,
        alpha_auth_config=alpha_auth_config,
        alpha_account=await link_account(
            graphql, alpha_auth_config, "alpha-cust", key=keys.alpha.admin
        ),
        beta_crm=beta_crm,
        beta_only=beta_only,
        beta_auth_config=beta_auth_config,
        beta_account=await link_account(
            graphql, beta_auth_config, "beta-cust", key=keys.beta.admin
        ),
        beta_project=global_id("Project", keys.beta.project_id),
        beta_api_key=beta_viewer["viewer"]["apiKey"]["id"],
    )


def _beta_ids(world: World) -> list[str]:
    return [
        world.beta_crm,
        world.beta_only,
        world.beta_auth_config,
        world.beta_account,
        world.beta_project,
        world.beta_api_key,
    ]


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


async def test_connector_lists_show_managed_and_own_custom_connectors_only(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    # when alpha lists connectors, all of them and the custom ones only
    data = await graphql(
        "{ all: connectors { totalCount edges { node { id key source } } } "
        "  custom: connectors(source: CUSTOM) { totalCount edges { node { id } } } "
        "  managed: connectors(source: MANAGED) { totalCount edges { node { id } } } }",
        key=keys.alpha.viewer,
    )
    # then it sees the managed one and its own, never beta's
    assert _nodes(data["all"]) == [
        {"id": world.alpha_only, "key": "alpha-only", "source": "CUSTOM"},
        {"id": world.managed_crm, "key": "crm", "source": "MANAGED"},
    ]
    assert data["all"]["totalCount"] == 2
    assert (data["custom"]["totalCount"], _nodes(data["custom"])) == (1, [{"id": world.alpha_only}])
    assert (data["managed"]["totalCount"], _nodes(data["managed"])) == (
        1,
        [{"id": world.managed_crm}],
    )


async def test_connector_by_key_never_returns_another_projects_custom_connector(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    # when alpha asks for beta's keys: one only beta has, one that is also managed
    data = await graphql(
        """{
          betaOnly: connector(key: "beta-only") { id }
          betaOnlyCustom: connector(key: "beta-only", source: CUSTOM) { id }
          crm: connector(key: "crm") { id source }
          crmCustom: connector(key: "crm", source: CUSTOM) { id }
          crmManaged: connector(key: "crm", source: MANAGED) { id }
          own: connector(key: "alpha-only") { id }
        }""",
        key=keys.alpha.viewer,
    )
    # then beta's custom connectors are invisible, and `crm` is the managed one
    assert data["betaOnly"] is None
    assert data["betaOnlyCustom"] is None
    assert data["crm"] == {"id": world.managed_crm, "source": "MANAGED"}
    assert data["crmCustom"] is None
    assert data["crmManaged"] == {"id": world.managed_crm}
    assert data["own"] == {"id": world.alpha_only}

    # while beta itself gets its custom `crm` first
    beta = await graphql('{ connector(key: "crm") { id source } }', key=keys.beta.viewer)
    assert beta["connector"] == {"id": world.beta_crm, "source": "CUSTOM"}


NODE = "query ($id: ID!) { node(id: $id) { __typename id } }"


async def test_node_returns_null_for_every_object_of_another_project(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    for key in (keys.alpha.admin, keys.alpha.viewer):
        # when alpha asks for each of beta's objects by id
        for beta_id in _beta_ids(world):
            data = await graphql(NODE, {"id": beta_id}, key=key)
            # then it is as if it did not exist
            assert data["node"] is None, beta_id

    # while its own objects and managed connectors are found through the same field
    for own_id, type_name in [
        (world.alpha_only, "Connector"),
        (world.managed_crm, "Connector"),
        (world.alpha_auth_config, "AuthConfig"),
        (world.alpha_account, "LinkedAccount"),
        (global_id("Project", keys.alpha.project_id), "Project"),
    ]:
        data = await graphql(NODE, {"id": own_id}, key=keys.alpha.viewer)
        assert data["node"] == {"__typename": type_name, "id": own_id}


async def test_managed_connectors_are_readable_by_every_project_and_the_platform(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    for key in (keys.alpha.viewer, keys.beta.viewer, keys.platform):
        data = await graphql(NODE, {"id": world.managed_crm}, key=key)
        assert data["node"] == {"__typename": "Connector", "id": world.managed_crm}
    # and the platform key does not see the projects' custom connectors
    for custom in (world.alpha_only, world.beta_only):
        assert (await graphql(NODE, {"id": custom}, key=keys.platform))["node"] is None


ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Connector { id key }
    ... on AuthConfig { id name }
    ... on LinkedAccount { id externalId }
    ... on Project { id slug }
  }
}
"""


async def test_federation_entities_resolve_another_projects_objects_to_null(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    # when a gateway, with alpha's key, resolves beta's objects and alpha's
    representations = [
        {"__typename": "Connector", "id": world.beta_crm},
        {"__typename": "Connector", "id": world.beta_only},
        {"__typename": "AuthConfig", "id": world.beta_auth_config},
        {"__typename": "LinkedAccount", "id": world.beta_account},
        {"__typename": "Project", "id": world.beta_project},
        {"__typename": "Connector", "id": world.managed_crm},
        {"__typename": "Connector", "id": world.alpha_only},
        {"__typename": "AuthConfig", "id": world.alpha_auth_config},
    ]
    data = await graphql(ENTITIES, {"representations": representations}, key=keys.alpha.admin)
    # then beta's are null entries, alpha's and the managed one resolve
    assert data["_entities"] == [
        None,
        None,
        None,
        None,
        None,
        {"__typename": "Connector", "id": world.managed_crm, "key": "crm"},
        {"__typename": "Connector", "id": world.alpha_only, "key": "alpha-only"},
        {"__typename": "AuthConfig", "id": world.alpha_auth_config, "name": "Alpha"},
    ]


async def test_auth_configs_and_their_accounts_are_the_callers_own(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    accounts = "linkedAccounts { totalCount edges { node { id externalId } } }"
    # when alpha lists auth configs, also those of the shared managed connector's key
    data = await graphql(
        "{ authConfigs { totalCount edges { node { id " + accounts + " } } } "
        '  byKey: authConfigs(connectorKey: "crm") { totalCount edges { node { id } } } '
        '  crm: connector(key: "crm") { authConfigs { totalCount edges { node { id '
        + accounts
        + " } } } } }",
        key=keys.alpha.viewer,
    )
    # then only alpha's auth config and account appear, by every path
    own = {
        "id": world.alpha_auth_config,
        "linkedAccounts": {
            "totalCount": 1,
            "edges": [{"node": {"id": world.alpha_account, "externalId": "alpha-cust"}}],
        },
    }
    assert data["authConfigs"] == {"totalCount": 1, "edges": [{"node": own}]}
    assert data["byKey"] == {"totalCount": 1, "edges": [{"node": {"id": world.alpha_auth_config}}]}
    assert data["crm"]["authConfigs"] == {"totalCount": 1, "edges": [{"node": own}]}

    # and beta, through the same managed connector, sees only its own
    beta = await graphql(
        '{ connector(key: "crm", source: MANAGED) { authConfigs { edges { node { id '
        + accounts
        + " } } } } }",
        key=keys.beta.viewer,
    )
    (beta_config,) = _nodes(beta["connector"]["authConfigs"])
    assert beta_config["id"] == world.beta_auth_config
    assert _nodes(beta_config["linkedAccounts"]) == [
        {"id": world.beta_account, "externalId": "beta-cust"}
    ]


async def test_the_platform_key_sees_no_projects_auth_configs(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    data = await graphql(
        '{ authConfigs { totalCount } connector(key: "crm") { authConfigs { totalCount } } }',
        key=keys.platform,
    )
    assert data == {
        "authConfigs": {"totalCount": 0},
        "connector": {"authConfigs": {"totalCount": 0}},
    }


async def test_mutations_treat_another_projects_ids_and_keys_as_not_found(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    # when alpha's ADMIN links an account through beta's auth config
    linked = await mutate(
        graphql,
        LINK_ACCOUNT,
        {"authConfigId": world.beta_auth_config, "externalId": "intruder"},
        key=keys.alpha.admin,
    )
    # or creates an auth config for a key that only beta has
    configured = await mutate(
        graphql,
        CREATE_AUTH_CONFIG,
        {"connectorKey": "beta-only", "name": "Stolen"},
        key=keys.alpha.admin,
    )
    # or issues a key for beta's project
    issued = await mutate(
        graphql,
        CREATE_API_KEY,
        {"name": "intruder", "role": "ADMIN", "projectId": world.beta_project},
        key=keys.alpha.admin,
    )
    # or starts, changes, completes or aborts a rollout on beta's auth config
    on_beta = {"authConfigId": world.beta_auth_config, "revision": 1}
    rollouts = [
        await mutate(graphql, document, {**on_beta, **extra}, key=keys.alpha.admin)
        for document, extra in (
            (START_ROLLOUT, {"targetVersion": "1.0.0", "percent": 10}),
            (SET_ROLLOUT_PERCENT, {"percent": 20}),
            (COMPLETE_ROLLOUT, {}),
            (ABORT_ROLLOUT, {}),
        )
    ]
    # then each is NOT_FOUND, as for an object that does not exist
    for result in (linked, configured, issued, *rollouts):
        assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND"), result

    # and beta is untouched
    beta = await graphql(
        "{ viewer { project { apiKeys { totalCount } } } "
        "authConfigs { edges { node { linkedAccounts { totalCount } } } } }",
        key=keys.beta.admin,
    )
    assert beta["viewer"]["project"]["apiKeys"]["totalCount"] == 2
    beta_config = await graphql(
        "query ($id: ID!) { node(id: $id) { ... on AuthConfig { revision rollout { percent } } } }",
        {"id": world.beta_auth_config},
        key=keys.beta.admin,
    )
    assert beta_config["node"] == {"revision": 1, "rollout": None}
    assert [n["linkedAccounts"]["totalCount"] for n in _nodes(beta["authConfigs"])] == [1]
    alpha = await graphql("{ authConfigs { totalCount } }", key=keys.alpha.admin)
    assert alpha["authConfigs"]["totalCount"] == 1

    # while alpha may use a managed key that beta also has as a custom one
    assert await create_auth_config(graphql, "crm", "Alpha 2", key=keys.alpha.admin)


MALFORMED_IDS = {
    "garbage": "garbage",
    "empty": "",
    "base64 of nothing useful": "Q29ubmVjdG9yOg==",
    "not a uuid": global_id("Connector", "not-a-uuid"),
    "unknown type": global_id("Nonsense"),
    "a non-entity type": global_id("Query"),
    "an enum": global_id("ErrorCode"),
    "a built-in scalar": global_id("String"),
    "a custom scalar": global_id("JSON"),
    "the Error interface": global_id("Error"),
    "a missing connector": global_id("Connector"),
    "a missing assignment": global_id("Assignment"),
}


@pytest.mark.parametrize("bad_id", MALFORMED_IDS.values(), ids=MALFORMED_IDS.keys())
async def test_malformed_ids_find_nothing_and_never_fail(
    graphql: GraphQLClient, keys: Keys, bad_id: str
) -> None:
    # when an id is malformed, names no entity, or names a missing one
    node = await graphql(NODE, {"id": bad_id}, key=keys.alpha.admin)
    entities = await graphql(
        ENTITIES,
        {"representations": [{"__typename": "Connector", "id": bad_id}]},
        key=keys.alpha.admin,
    )
    linked = await mutate(
        graphql, LINK_ACCOUNT, {"authConfigId": bad_id, "externalId": "x"}, key=keys.alpha.admin
    )
    issued = await mutate(
        graphql,
        CREATE_API_KEY,
        {"name": "k", "role": "VIEWER", "projectId": bad_id},
        key=keys.platform,
    )
    # then lookups give null and mutations NOT_FOUND, never a server error
    assert node["node"] is None
    assert entities["_entities"] == [None]
    assert linked["code"] == "NOT_FOUND"
    assert issued["code"] == "NOT_FOUND"


async def test_ids_of_another_type_find_nothing(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    # given alpha's own auth config's row id, presented as another type
    as_connector = with_type(world.alpha_auth_config, "Connector")
    as_project = with_type(world.alpha_auth_config, "Project")
    # when it is looked up or used as a mutation input
    node = await graphql(NODE, {"id": as_connector}, key=keys.alpha.admin)
    entities = await graphql(
        ENTITIES,
        {
            "representations": [
                {"__typename": "Connector", "id": as_connector},
                {"__typename": "Connector", "id": world.alpha_auth_config},
                {"__typename": "AuthConfig", "id": world.alpha_only},
            ]
        },
        key=keys.alpha.admin,
    )
    linked = await mutate(
        graphql,
        LINK_ACCOUNT,
        {"authConfigId": world.alpha_only, "externalId": "x"},
        key=keys.alpha.admin,
    )
    issued = await mutate(
        graphql,
        CREATE_API_KEY,
        {"name": "k", "role": "VIEWER", "projectId": as_project},
        key=keys.platform,
    )
    # then it is not found
    assert node["node"] is None
    assert entities["_entities"] == [None, None, None]
    assert linked["code"] == "NOT_FOUND"
    assert issued["code"] == "NOT_FOUND"


async def test_the_federation_service_sdl_is_served(graphql: GraphQLClient, keys: Keys) -> None:
    data = await graphql("{ _service { sdl } }", key=keys.alpha.viewer)
    sdl = data["_service"]["sdl"]
    assert 'type Connector implements Node @key(fields: "id")' in sdl
    assert "interface Error" in sdl


async def test_malformed_federation_representations_are_client_errors_not_server_errors(
    graphql: GraphQLClient, keys: Keys, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # when a client sends representations no gateway would
    representations = [
        {"__typename": "Connector", "id": world.alpha_only},
        {"__typename": "ApiKey", "id": world.alpha_only},
        {"__typename": "Nonsense", "id": "x"},
        {"__typename": "Connector"},
        "not an object",
    ]
    response = await graphql.raw(
        ENTITIES, {"representations": representations}, key=keys.alpha.admin
    )

    # then the good one resolves and each bad one gets its own readable error, none logged
    body = response.json()
    assert body["data"]["_entities"][0] == {
        "__typename": "Connector",
        "id": world.alpha_only,
        "key": "alpha-only",
    }
    assert body["data"]["_entities"][1:] == [None, None, None, None]
    messages = sorted(error["message"] for error in body["errors"])
    assert len(messages) == 4
    assert all(message.startswith("representations[") for message in messages)
    assert not [message for message in messages if message.startswith("Unexpected error")]
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


IMPACT_OF_PIN = """
query ($id: ID!, $revision: Int!) {
  impact(change: { pinAuthConfig: { authConfigId: $id, pin: "latest", revision: $revision } }) {
    refusal { __typename ... on Error { code } }
    moves(first: 10) { totalCount }
  }
}
"""


async def test_an_impact_preview_of_another_projects_auth_config_is_not_found(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    # when alpha previews pinning beta's auth config, then it is not found
    revision = "query ($id: ID!) { node(id: $id) { ... on AuthConfig { revision } } }"
    beta_revision = await graphql(revision, {"id": world.beta_auth_config}, key=keys.beta.admin)
    variables = {"id": world.beta_auth_config, "revision": beta_revision["node"]["revision"]}
    data = await graphql(IMPACT_OF_PIN, variables, key=keys.alpha.admin)
    assert data["impact"]["refusal"] == {"__typename": "NotFoundError", "code": "NOT_FOUND"}
    # while its own goes through
    own = await graphql(revision, {"id": world.alpha_auth_config}, key=keys.alpha.admin)
    variables = {"id": world.alpha_auth_config, "revision": own["node"]["revision"]}
    data = await graphql(IMPACT_OF_PIN, variables, key=keys.alpha.admin)
    assert data["impact"]["refusal"] is None
