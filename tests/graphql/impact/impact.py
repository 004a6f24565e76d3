"""GraphQL documents and steps for the impact preview tests (DESIGN §12)."""

from typing import Any

from tests.graphql.auth_configs.pinning import in_line
from tests.graphql.impact.documents import IMPACT
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]


async def impact(graphql: GraphQLClient, change: Json, *, key: str) -> Json:
    """The `impact` answer for one change."""
    answer = await graphql(IMPACT, {"change": change}, key=key)
    return answer["impact"]  # type: ignore[no-any-return]


def moves(answer: Json) -> dict[str, Json]:
    """The moves by auth config id."""
    return {edge["node"]["authConfig"]["id"]: edge["node"] for edge in answer["moves"]["edges"]}


def reauth_line(major: int, *scopes: str) -> Json:
    """`in_line(major)` whose auth asks for more scopes (a MAJOR change to credentials)."""
    definition = in_line(major)
    definition["auth"]["scopes"] = ["contacts.read", *scopes]
    return definition


def push_change(connector_key: str, version: str, definition: Json) -> Json:
    """A `ChangeInput` for a push."""
    return {
        "pushVersion": {"connectorKey": connector_key, "version": version, "definition": definition}
    }
