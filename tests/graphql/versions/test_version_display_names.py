"""`ConnectorVersion.displayName` (DESIGN §10) as the API shows it, and what it costs: one read
for a page of versions, however many versions the page holds."""

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.graphql.assignments.assignments import move_to_bin
from tests.graphql.auth_configs.pinning import in_line
from tests.graphql.versions.versioning import created, new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

NAMES = """
query {
  connector(key: "crm") {
    versions(first: 100, includeBinned: true) { edges { node { version displayName } } }
  }
}
"""


async def _names(graphql: GraphQLClient, key: str) -> dict[str, str]:
    data = await graphql(NAMES, key=key)
    edges = data["connector"]["versions"]["edges"]
    return {edge["node"]["version"]: edge["node"]["displayName"] for edge in edges}


async def test_display_names_show_the_major_unless_it_has_other_published_versions(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given alpha's connector "CRM" with 1.0.0 and 2.0.0 published
    admin = keys.alpha.admin
    connector_id = await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    await pushed(graphql, "crm", "2.0.0", in_line(2), key=admin)
    # then each is its major
    assert await _names(graphql, admin) == {"1.0.0": "CRM v1", "2.0.0": "CRM v2"}

    # when 2.1.0 and a prerelease of 3.0.0 are published, and a draft (3.0.0) is added
    newer = await pushed(graphql, "crm", "2.1.0", in_line(2, "a"), key=admin)
    await pushed(graphql, "crm", "3.0.0-beta.1", in_line(3), key=admin)
    await created(graphql, connector_id, key=admin)
    # then major 2 shows full numbers, the prerelease is in full, the draft is v3
    assert await _names(graphql, admin) == {
        "3.0.0": "CRM v3",
        "3.0.0-beta.1": "CRM v3.0.0-beta.1",
        "2.1.0": "CRM v2.1.0",
        "2.0.0": "CRM v2.0.0",
        "1.0.0": "CRM v1",
    }

    # when 2.1.0 goes to the bin, then 2.0.0 is v2 again (the binned one keeps its full number)
    binned = await move_to_bin(graphql, newer["version"]["id"], key=admin)
    assert binned["__typename"] == "MoveVersionToBinSuccess", binned
    names = await _names(graphql, admin)
    assert (names["2.0.0"], names["2.1.0"]) == ("CRM v2", "CRM v2.1.0")


async def test_a_page_of_display_names_costs_the_same_whatever_its_size(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given alpha's connector with two versions, read once with their display names
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    for number in ("1.0.0", "1.1.0"):
        await pushed(
            graphql, "crm", number, in_line(1, *(["a"] if number == "1.1.0" else [])), key=admin
        )
    with recorded_statements(engine) as few:
        await _names(graphql, admin)

    # when it has six versions and the page is read again
    actions: list[str] = ["a"]
    for minor in range(2, 6):
        actions.append(f"a{minor}")
        await pushed(graphql, "crm", f"1.{minor}.0", in_line(1, *actions), key=admin)
    with recorded_statements(engine) as many:
        names = await _names(graphql, admin)

    # then every display name is there, read with the same statements as for two versions
    assert len(names) == 6
    assert set(names.values()) == {f"CRM v1.{minor}.0" for minor in range(6)}
    assert len(beyond_authentication(many)) == len(beyond_authentication(few))
    # and the names of them all are one statement
    naming = [s for s in many if "LEFT OUTER JOIN connector_version" in s]
    assert len(naming) == 1, naming
