"""`Query.projects` (DESIGN §10): every project for a platform key, by slug, in keyset pages; a
project key sees its own project only, as it does everywhere else."""

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.graphql.operations import global_id, mutate, raw_cursor
from tests.graphql.projects.documents import CREATE_PROJECT
from tests.graphql_client import GraphQLClient, GraphQLError
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

PROJECTS = """
query ($first: Int!, $after: String) {
  projects(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { cursor node { id slug name } }
  }
}
"""

COUNTED = "query ($first: Int!) { projects(first: $first) { totalCount edges { node { slug } } } }"


async def _slugs(graphql: GraphQLClient, key: str, first: int) -> list[list[str]]:
    """Every page of `projects`, `first` at a time, following the cursors."""
    pages, after = [], None
    while True:
        data = await graphql(PROJECTS, {"first": first, "after": after}, key=key)
        connection = data["projects"]
        pages.append([edge["node"]["slug"] for edge in connection["edges"]])
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        after = connection["pageInfo"]["endCursor"]


async def test_a_platform_key_pages_through_every_project_by_slug(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given alpha, beta and three more projects
    for slug in ("delta", "gamma", "epsilon"):
        created = await mutate(
            graphql, CREATE_PROJECT, {"slug": slug, "name": slug.title()}, key=keys.platform
        )
        assert created["__typename"] == "CreateProjectSuccess", created

    # when the platform key reads them two at a time
    pages = await _slugs(graphql, keys.platform, 2)

    # then it sees each once, in slug order
    assert pages == [["alpha", "beta"], ["delta", "epsilon"], ["gamma"]]
    counted = await graphql(COUNTED, {"first": 1}, key=keys.platform)
    assert counted["projects"] == {"totalCount": 5, "edges": [{"node": {"slug": "alpha"}}]}
    first = await graphql(PROJECTS, {"first": 1}, key=keys.platform)
    assert first["projects"]["edges"][0]["node"] == {
        "id": global_id("Project", keys.alpha.project_id),
        "slug": "alpha",
        "name": "Alpha",
    }


async def test_a_project_key_sees_its_own_project_only(graphql: GraphQLClient, keys: Keys) -> None:
    for project, key in ((keys.alpha, keys.alpha.viewer), (keys.beta, keys.beta.admin)):
        # when a project's key lists projects
        counted = await graphql(COUNTED, {"first": 100}, key=key)
        # then it sees its own, and nothing of the other
        assert counted["projects"] == {"totalCount": 1, "edges": [{"node": {"slug": project.slug}}]}
    # even after a cursor that a platform key got
    platform = await graphql(PROJECTS, {"first": 1}, key=keys.platform)
    after_alpha = platform["projects"]["pageInfo"]["endCursor"]
    beta_after = await graphql(PROJECTS, {"first": 5, "after": after_alpha}, key=keys.alpha.viewer)
    assert beta_after["projects"]["edges"] == []


async def test_a_page_costs_the_same_statements_and_counts_only_when_asked(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    for slug in ("delta", "gamma", "epsilon"):
        await mutate(graphql, CREATE_PROJECT, {"slug": slug, "name": slug}, key=keys.platform)
    recorded = {}
    for first in (1, 5):
        with recorded_statements(engine) as statements:
            await graphql(PROJECTS, {"first": first}, key=keys.platform)
        recorded[first] = beyond_authentication(statements)
    # then a page is one statement, whatever its size, with no count and no OFFSET
    assert len(recorded[1]) == len(recorded[5]) == 1, recorded
    assert "count(" not in recorded[5][0].lower()
    assert "offset" not in recorded[5][0].lower()
    # and totalCount adds exactly one count
    with recorded_statements(engine) as statements:
        await graphql(COUNTED, {"first": 5}, key=keys.platform)
    assert len([s for s in beyond_authentication(statements) if "count(" in s.lower()]) == 1


async def test_a_cursor_that_is_not_this_lists_is_refused(
    graphql: GraphQLClient, keys: Keys
) -> None:
    connectors = raw_cursor('{"v":1,"s":"connector","k":["crm",false,"x"]}')
    bad_slug = raw_cursor('{"v":1,"s":"project","k":["Not A Slug"]}')
    for after in (connectors, bad_slug, "garbage"):
        with pytest.raises(GraphQLError, match="not a cursor of this list"):
            await graphql(PROJECTS, {"first": 1, "after": after}, key=keys.platform)
