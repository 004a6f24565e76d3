"""The demo data set seeds what the README promises, and its keys work."""

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo import seed_demo
from tests.graphql_client import GraphQLClient


async def test_the_demo_seeds_connectors_versions_and_accounts_with_working_keys(
    session: AsyncSession, graphql: GraphQLClient
) -> None:
    lines = await seed_demo(session)
    keys = dict(
        re.findall(r"^\s+(ADMIN|VIEWER|PLATFORM_ADMIN)\s+(crk_\S+)$", "\n".join(lines), re.M)
    )
    assert set(keys) == {"ADMIN", "VIEWER", "PLATFORM_ADMIN"}

    data = await graphql(
        """{ viewer { role }
             connectors(first: 10) {
               totalCount edges { node { key source versions { totalCount } } }
             }
             authConfigs { edges { node { connectorKey
               effectiveVersion { version { version } source }
               linkedAccounts { totalCount edges { node { status } } } } } } }""",
        key=keys["VIEWER"],
    )
    assert data["viewer"]["role"] == "VIEWER"
    connectors = {
        (edge["node"]["key"], edge["node"]["source"]): edge["node"]["versions"]["totalCount"]
        for edge in data["connectors"]["edges"]
    }
    assert connectors[("hubspot", "MANAGED")] == 3
    assert connectors[("hubspot", "CUSTOM")] == 1
    assert connectors[("acme-erp", "CUSTOM")] == 2
    accounts = sum(
        edge["node"]["linkedAccounts"]["totalCount"] for edge in data["authConfigs"]["edges"]
    )
    assert accounts == 5
    effective = {
        edge["node"]["connectorKey"] + ":" + edge["node"]["effectiveVersion"]["source"]: edge[
            "node"
        ]["effectiveVersion"]["version"]["version"]
        for edge in data["authConfigs"]["edges"]
    }
    assert effective == {
        "hubspot:CUSTOM": "1.1.1",
        "hubspot:MANAGED": "1.1.0",
        "slack:MANAGED": "1.1.0",
    }
    statuses = {
        account["node"]["status"]
        for edge in data["authConfigs"]["edges"]
        for account in edge["node"]["linkedAccounts"]["edges"]
    }
    assert statuses == {"ACTIVE"}

    # and the released ERP version is assigned to a site, which keeps it in use
    erp = await graphql(
        '{ connector(key: "acme-erp") { versions { edges { node { version displayName '
        "assignments { edges { node { siteId kind externalReference } } } usage { inUse } "
        "} } } } }",
        key=keys["VIEWER"],
    )
    versions = {
        edge["node"]["version"]: edge["node"] for edge in erp["connector"]["versions"]["edges"]
    }
    assert versions["1.0.0"]["displayName"] == "Acme ERP v1"
    assert versions["1.0.0"]["usage"] == {"inUse": True}
    assert [edge["node"] for edge in versions["1.0.0"]["assignments"]["edges"]] == [
        {"siteId": "prod-1", "kind": "DATASOURCE", "externalReference": "orders-daily"}
    ]
    assert versions["2.0.0"]["assignments"]["edges"] == []
    assert any("assignments" in line for line in lines)

    platform = await graphql("{ viewer { role project { slug } } }", key=keys["PLATFORM_ADMIN"])
    assert platform["viewer"] == {"role": "PLATFORM_ADMIN", "project": None}
