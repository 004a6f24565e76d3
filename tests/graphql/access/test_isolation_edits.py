"""The everyday edits keep projects apart like every other path (DESIGN §7): another project's
connector, auth config or account is NOT_FOUND to them, and beta's objects stay as they were.
Alpha's own objects go through the same documents, so a path that finds nothing cannot pass."""

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.documents import (
    DELETE_AUTH_CONFIG,
    UNLINK_ACCOUNT,
    UPDATE_AUTH_CONFIG,
)
from tests.graphql.auth_configs.edits import account_by_external_id
from tests.graphql.auth_configs.pinning import written
from tests.graphql.connectors.documents import UPDATE_CONNECTOR
from tests.graphql.operations import (
    create_auth_config,
    create_connector,
    link_account,
    mutate,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, ProjectKeys

Objects = dict[str, str]


async def _objects(graphql: GraphQLClient, project: ProjectKeys, name: str) -> Objects:
    """A custom connector, an auth config of it with one account, and one with none."""
    connector = await create_connector(graphql, f"{name}-crm", key=project.admin)
    with_account = await create_auth_config(graphql, f"{name}-crm", "Sales", key=project.admin)
    empty = await create_auth_config(graphql, f"{name}-crm", "Empty", key=project.admin)
    account = await link_account(graphql, with_account, "cust-1", key=project.admin)
    return {"connector": connector, "auth_config": with_account, "empty": empty, "account": account}


def _edits(objects: Objects) -> list[tuple[str, dict[str, object]]]:
    return [
        (UPDATE_CONNECTOR, {"connectorId": objects["connector"], "name": "Renamed"}),
        (
            UPDATE_AUTH_CONFIG,
            {"authConfigId": objects["auth_config"], "name": "Renamed", "revision": 1},
        ),
        (UNLINK_ACCOUNT, {"linkedAccountId": objects["account"]}),
        (DELETE_AUTH_CONFIG, {"authConfigId": objects["empty"]}),
    ]


SUCCESSES = [
    "UpdateConnectorSuccess",
    "UpdateAuthConfigSuccess",
    "UnlinkAccountSuccess",
    "DeleteAuthConfigSuccess",
]


async def test_the_edits_treat_another_projects_objects_as_not_found(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given beta's connector, auth configs and account, and alpha's own of the same shape
    beta = await _objects(graphql, keys.beta, "beta")
    alpha = await _objects(graphql, keys.alpha, "alpha")
    before = await written(session)

    # when alpha's ADMIN makes each edit on beta's objects (a platform key is FORBIDDEN all
    # but the first: tests/graphql/access/test_access.py; and beta's connector is NOT_FOUND to it:
    # tests/graphql/connectors/test_connector_updates.py)
    for document, input in _edits(beta):
        result = await mutate(graphql, document, input, key=keys.alpha.admin)
        # then each is NOT_FOUND
        assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND"), result
    # and nothing is written: beta's objects are as they were
    assert await written(session) == before
    data = await graphql(
        "{ connectors(source: CUSTOM) { edges { node { name } } } "
        "authConfigs { edges { node { name linkedAccounts { totalCount } } } } }",
        key=keys.beta.viewer,
    )
    assert [edge["node"]["name"] for edge in data["connectors"]["edges"]] == ["Beta-Crm"]
    assert [edge["node"] for edge in data["authConfigs"]["edges"]] == [
        {"name": "Sales", "linkedAccounts": {"totalCount": 1}},
        {"name": "Empty", "linkedAccounts": {"totalCount": 0}},
    ]
    assert await account_by_external_id(
        graphql, beta["auth_config"], "cust-1", key=keys.beta.viewer
    )

    # while alpha's ADMIN makes the same edits on its own objects
    for (document, input), success in zip(_edits(alpha), SUCCESSES, strict=True):
        result = await mutate(graphql, document, input, key=keys.alpha.admin)
        assert result["__typename"] == success, result
