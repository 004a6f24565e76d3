"""The tour's first GraphQL session: a project, a connector, an auth config, an account."""

from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, LINK_ACCOUNT
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.projects.documents import CREATE_PROJECT
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_a_platform_key_creates_a_project_whose_admin_key_builds_it_up(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a new project created with the platform key
    created = (
        await graphql(
            CREATE_PROJECT, {"input": {"slug": "gamma", "name": "Gamma"}}, key=keys.platform
        )
    )["createProject"]
    assert created["__typename"] == "CreateProjectSuccess"
    assert created["project"]["immutableVersioning"] is True
    assert created["apiKey"]["role"] == "ADMIN"
    admin = created["secret"]
    assert created["secret"].startswith(created["apiKey"]["prefix"])

    # when its ADMIN key creates a connector, an auth config and links an account
    connector = (
        await graphql(CREATE_CONNECTOR, {"input": {"key": "crm", "name": "CRM"}}, key=admin)
    )["createConnector"]
    assert connector["__typename"] == "CreateConnectorSuccess"
    assert connector["connector"]["source"] == "CUSTOM"
    assert connector["connector"]["runtime"] == "DEFINITION"

    auth_config = (
        await graphql(
            CREATE_AUTH_CONFIG, {"input": {"connectorKey": "crm", "name": "Sales"}}, key=admin
        )
    )["createAuthConfig"]
    assert auth_config["__typename"] == "CreateAuthConfigSuccess"
    assert auth_config["authConfig"]["pinSource"] == "ANY"
    auth_config_id = auth_config["authConfig"]["id"]

    account = (
        await graphql(
            LINK_ACCOUNT,
            {
                "input": {
                    "authConfigId": auth_config_id,
                    "externalId": "cust-1",
                    "label": "Customer 1",
                }
            },
            key=admin,
        )
    )["linkAccount"]
    assert account["__typename"] == "LinkAccountSuccess"
    assert account["linkedAccount"]["status"] == "ACTIVE"

    # then the project reads it all back through nested fields
    data = await graphql(
        """
        { viewer { role project { slug } }
          connector(key: "crm") { key authConfigs { totalCount edges { node { name
            linkedAccounts { totalCount edges { node { externalId authConfig { id } } } } } } } } }
        """,
        key=admin,
    )
    assert data["viewer"] == {"role": "ADMIN", "project": {"slug": "gamma"}}
    configs = data["connector"]["authConfigs"]
    assert configs["totalCount"] == 1
    accounts = configs["edges"][0]["node"]["linkedAccounts"]
    assert accounts["totalCount"] == 1
    assert accounts["edges"][0]["node"] == {
        "externalId": "cust-1",
        "authConfig": {"id": auth_config_id},
    }
