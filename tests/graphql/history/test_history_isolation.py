"""History is read with the access rules of every read (DESIGN §7, §15): another project's
history is indistinguishable from none, through `node` and federation `_entities`, and a
project's history never shows another project's custom versions of the same key.

Each test reads alpha's own history through the same path, so a path that answers nothing at
all cannot pass for one that isolates.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests.graphql.history.documents import ANSWER_THEN, TIMELINE_FIELDS
from tests.graphql.impact.impact_worlds import definition
from tests.graphql.operations import create_auth_config, create_connector, link_account
from tests.graphql.versions.versioning import pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

ACCOUNT_HISTORY = f"""
  ... on LinkedAccount {{
    id
    effectiveVersion(at: $at) {{ {ANSWER_THEN} }}
    timeline(first: 10) {{ {TIMELINE_FIELDS} }}
  }}
"""
AUTH_CONFIG_HISTORY = f"""
  ... on AuthConfig {{
    id
    effectiveVersion(at: $at) {{ {ANSWER_THEN} }}
    timeline(first: 10) {{ {TIMELINE_FIELDS} }}
  }}
"""
NODE_HISTORY = f"""
query ($id: ID!, $at: DateTime!) {{
  node(id: $id) {{ {ACCOUNT_HISTORY} {AUTH_CONFIG_HISTORY} }}
}}
"""
ACCOUNT_AT = f"""
query ($id: ID!, $at: DateTime!) {{
  node(id: $id) {{ ... on LinkedAccount {{ effectiveVersion(at: $at) {{ {ANSWER_THEN} }} }} }}
}}
"""
ENTITIES_HISTORY = f"""
query ($representations: [_Any!]!, $at: DateTime!) {{
  _entities(representations: $representations) {{ {ACCOUNT_HISTORY} {AUTH_CONFIG_HISTORY} }}
}}
"""


@dataclass(frozen=True)
class World:
    alpha_auth_config: str
    alpha_account: str
    beta_auth_config: str
    beta_account: str


@pytest.fixture
async def world(graphql: GraphQLClient, keys: Keys) -> World:
    """A managed `crm` at 1.0.0; beta's custom `crm` at 5.0.0; an auth config on `crm` with one
    linked account in each project."""
    await create_connector(graphql, "crm", key=keys.platform)
    await pushed(graphql, "crm", "1.0.0", definition("1.0.0", frozenset()), key=keys.platform)
    await create_connector(graphql, "crm", key=keys.beta.admin)
    await pushed(graphql, "crm", "5.0.0", definition("5.0.0", frozenset()), key=keys.beta.admin)
    alpha_config = await create_auth_config(graphql, "crm", "Alpha", key=keys.alpha.admin)
    beta_config = await create_auth_config(graphql, "crm", "Beta", key=keys.beta.admin)
    return World(
        alpha_auth_config=alpha_config,
        alpha_account=await link_account(graphql, alpha_config, "a", key=keys.alpha.admin),
        beta_auth_config=beta_config,
        beta_account=await link_account(graphql, beta_config, "b", key=keys.beta.admin),
    )


def _numbers(node: dict[str, object]) -> set[str]:
    """Every version number the node's history mentions."""
    text = repr(node)
    return {number for number in ("1.0.0", "5.0.0") if number in text}


async def test_another_projects_history_is_no_node(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    at = datetime.now(UTC).isoformat()
    for own, other in (
        (world.alpha_account, world.beta_account),
        (world.alpha_auth_config, world.beta_auth_config),
    ):
        # when alpha asks for the history of beta's object, and of its own
        theirs = await graphql(NODE_HISTORY, {"id": other, "at": at}, key=keys.alpha.viewer)
        mine = await graphql(NODE_HISTORY, {"id": own, "at": at}, key=keys.alpha.viewer)
        # then beta's is no node at all; alpha's answers, from the managed version only
        assert theirs == {"node": None}
        node = mine["node"]
        assert node["effectiveVersion"]["history"]["versionThen"]["version"] == "1.0.0"
        assert node["effectiveVersion"]["history"]["versionThen"]["source"] == "MANAGED"
        assert node["timeline"]["totalCount"] == 1
        assert _numbers(node) == {"1.0.0"}
        # and beta reads its own, from its custom version
        beta = await graphql(NODE_HISTORY, {"id": other, "at": at}, key=keys.beta.viewer)
        assert beta["node"]["effectiveVersion"]["history"]["versionThen"]["version"] == "5.0.0"


async def test_federation_entities_give_no_history_of_another_project(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    at = datetime.now(UTC).isoformat()
    representations = [
        {"__typename": "LinkedAccount", "id": world.beta_account},
        {"__typename": "AuthConfig", "id": world.beta_auth_config},
        {"__typename": "LinkedAccount", "id": world.alpha_account},
        {"__typename": "AuthConfig", "id": world.alpha_auth_config},
    ]
    data = await graphql(
        ENTITIES_HISTORY, {"representations": representations, "at": at}, key=keys.alpha.admin
    )
    beta_account, beta_config, alpha_account, alpha_config = data["_entities"]
    assert beta_account is None
    assert beta_config is None
    for node in (alpha_account, alpha_config):
        assert node["timeline"]["edges"][0]["node"]["effectiveVersion"]["rule"] == "DEFAULT"
        assert _numbers(node) == {"1.0.0"}


async def test_a_time_before_history_is_refused_alike_for_own_and_unreadable(
    graphql: GraphQLClient, keys: Keys, world: World
) -> None:
    # given an instant before anything existed
    long_ago = "2020-01-01T00:00:00+00:00"
    # when alpha asks its own account about it, then it is told history has nothing then
    errors = await graphql.errors(
        ACCOUNT_AT, {"id": world.alpha_account, "at": long_ago}, key=keys.alpha.viewer
    )
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    assert "history has nothing" in errors[0]["message"]
    # and beta's account is simply absent, whatever the instant
    theirs = await graphql(
        ACCOUNT_AT, {"id": world.beta_account, "at": long_ago}, key=keys.alpha.viewer
    )
    assert theirs == {"node": None}
