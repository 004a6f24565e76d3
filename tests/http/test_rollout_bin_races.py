"""A rollout's target never goes to the bin (DESIGN §6, §13), whatever arrives at the same
moment: `startRollout` and `moveVersionToBin` of its target, sent together through a real server
with two worker processes, many times over. Exactly one of them wins, in either order."""

import pytest

from tests.graphql.rollouts.documents import START_ROLLOUT
from tests.http.server import Project, create_project
from tests.http.test_bin_races import (
    DEFINITION,
    PUSHED,
    RUNS,
    each_of,
    prepared_runs,
    raced,
    sending,
    states_of,
    succeeded,
)

pytestmark = pytest.mark.slow


async def test_starting_a_rollout_racing_the_bin_never_targets_a_binned_version(
    running_server: str, platform_key: str
) -> None:
    # given, RUNS times, an auth config with no pin that runs 2.0.0 (no accounts), so that
    # nothing uses 1.0.0
    project = Project(running_server, create_project(running_server, platform_key))
    runs = await prepared_runs(project, None, auth_config=True)
    pushes = [
        {"connectorKey": run.connector_key, "version": "2.0.0", "definition": DEFINITION}
        for run in runs
    ]
    succeeded(
        await each_of(project, "pushVersion", "PushVersionInput", PUSHED, pushes),
        "PushVersionSuccess",
    )

    # when a rollout of 1.0.0 is started while 1.0.0 is moved to the bin, at the same moment
    outcomes = await raced(
        project,
        runs,
        lambda run: sending(
            project,
            START_ROLLOUT,
            {
                "authConfigId": run.auth_config_id,
                "targetVersion": "1.0.0",
                "percent": 50,
                "revision": 1,
            },
        ),
    )

    # then exactly one of them wins: the rollout (the bin is refused: its target is in use) or
    # the bin (the rollout is refused: 1.0.0 is no longer a version it can name)
    bad: list[object] = []
    for (started, bin_won), (version, _) in zip(
        outcomes, await states_of(project, runs), strict=True
    ):
        rollout_won = started["__typename"] == "StartRolloutSuccess"
        if not rollout_won:
            assert started["code"] == "PINNED_VERSION_NOT_FOUND", started
        in_bin = version["binnedAt"] is not None
        if rollout_won == bin_won or bin_won != in_bin:
            bad.append((started, bin_won, version))
    assert bad == [], f"{len(bad)} bad outcomes in {RUNS} runs: {bad[:3]}"
