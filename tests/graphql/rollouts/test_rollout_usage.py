"""A running rollout's target is in use (DESIGN §6, §13): the bin refuses it, naming the auth
config; once the rollout ends, nothing of the rollout keeps it."""

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.lifecycle.documents import MOVE_VERSION_TO_BIN
from tests.graphql.lifecycle.lifecycle import blocker, lifecycle
from tests.graphql.rollouts.documents import ABORT_ROLLOUT
from tests.graphql.rollouts.rollouts import crm_with_two_majors, end, link_in_bulk, start
from tests.graphql.versions.versioning import assert_error
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

USAGE = """
query ($id: ID!) {
  node(id: $id) {
    ... on ConnectorVersion {
      usage {
        inUse rollouts { id name } resolvingAuthConfigs { authConfig { id } }
        blockers { authConfigId authConfigName linkedAccountCount reason }
      }
    }
  }
}
"""


async def test_binning_a_rollouts_target_is_refused_with_its_auth_config_as_the_blocker(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an auth config on 1.x.x with 20 accounts, rolling 2.0.0 out to 0% of them (so no
    # account runs the target, and only the rollout can keep it in use)
    crm = await crm_with_two_majors(graphql, keys)
    await link_in_bulk(session, crm.auth_config, 20)
    assert (await start(graphql, crm.auth_config, "2.0.0", 0, key=keys.alpha.admin))[
        "__typename"
    ] == "StartRolloutSuccess"

    # when the target is moved to the bin
    refused = await lifecycle(graphql, MOVE_VERSION_TO_BIN, crm.v2, key=keys.alpha.admin)

    # then it is in use, and the rollout's auth config is what blocks it
    assert_error(refused, "VersionInUseError", "VERSION_IN_USE")
    expected = [blocker(crm.auth_config, "Sales", 20, "ROLLOUT_TARGET")]
    assert refused["blockers"] == expected
    usage = (await graphql(USAGE, {"id": crm.v2}, key=keys.alpha.viewer))["node"]["usage"]
    assert usage == {
        "inUse": True,
        "rollouts": [{"id": crm.auth_config, "name": "Sales"}],
        "resolvingAuthConfigs": [],
        "blockers": expected,
    }

    # and once the rollout is aborted, the target can go to the bin
    assert (await end(graphql, ABORT_ROLLOUT, crm.auth_config, key=keys.alpha.admin))[
        "__typename"
    ] == "AbortRolloutSuccess"
    binned = await lifecycle(graphql, MOVE_VERSION_TO_BIN, crm.v2, key=keys.alpha.admin)
    assert binned["__typename"] == "MoveVersionToBinSuccess", binned

    # and a rollout to a number in the bin is refused like an exact pin to it
    restarted = await start(graphql, crm.auth_config, "2.0.0", 10, key=keys.alpha.admin)
    assert_error(restarted, "PinnedVersionNotFoundError", "PINNED_VERSION_NOT_FOUND")
    assert restarted["availableVersions"] == ["1.0.0"]
