"""An assigned version never goes to the bin (DESIGN §10): `assignVersion` is sent at the same
moment as `moveVersionToBin` of the same version, through a real server with two worker
processes, many times over, staggered so that either may reach its lock first. Exactly one of
them wins each time, and what is stored agrees: no binned version has an assignment.
"""

import httpx
import pytest

from tests.graphql.assignments.documents import ASSIGN_VERSION
from tests.graphql_client import GraphQLClient
from tests.http.server import Project, create_project
from tests.http.test_bin_races import BATCH, RUNS, Json, Run, prepared_runs, raced, sending

pytestmark = pytest.mark.slow

STATE = "... on ConnectorVersion { binnedAt assignments { totalCount } }"


async def stored_states(project: Project, runs: list[Run]) -> list[Json]:
    """Each run's 1.0.0 as stored now: whether it is in the bin, and how many assignments."""
    states: list[Json] = []
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90) as client:
        for start in range(0, len(runs), BATCH):
            chunk = runs[start : start + BATCH]
            parameters = ", ".join(f"$v{n}: ID!" for n in range(len(chunk)))
            fields = " ".join(f"v{n}: node(id: $v{n}) {{ {STATE} }}" for n in range(len(chunk)))
            data = await GraphQLClient(client)(
                f"query ({parameters}) {{ {fields} }}",
                {f"v{n}": run.version_id for n, run in enumerate(chunk)},
                key=project.key,
            )
            states += [data[f"v{n}"] for n in range(len(chunk))]
    return states


async def test_assigning_racing_the_bin_never_leaves_a_binned_version_assigned(
    running_server: str, platform_key: str
) -> None:
    # given, RUNS times, a connector whose published 1.0.0 nothing uses
    project = Project(running_server, create_project(running_server, platform_key))
    runs = await prepared_runs(project, None, auth_config=False)

    # when 1.0.0 is assigned to a site while it is moved to the bin, at the same moment
    outcomes = await raced(
        project,
        runs,
        lambda run: sending(
            project,
            ASSIGN_VERSION,
            {"versionId": run.version_id, "siteId": "site-1", "kind": "DATASOURCE"},
        ),
    )

    # then exactly one of them wins: the assignment (the bin is refused: it is in use) or the
    # bin (the assignment is refused: a binned version is not assigned)
    bad: list[object] = []
    assignments_won = 0
    for (assigned, bin_won), version in zip(
        outcomes, await stored_states(project, runs), strict=True
    ):
        assign_won = assigned["__typename"] == "AssignVersionSuccess"
        if not assign_won:
            assert assigned["code"] == "INVALID_TRANSITION", assigned
        assignments_won += assign_won
        in_bin = version["binnedAt"] is not None
        stored = version["assignments"]["totalCount"]
        if assign_won == bin_won or bin_won != in_bin or stored != (0 if in_bin else 1):
            bad.append((assigned, bin_won, version))
    # and what is stored agrees: no version in the bin has an assignment
    assert bad == [], f"{len(bad)} bad outcomes in {RUNS} runs: {bad[:3]}"
    assert 0 < assignments_won < RUNS, "the head starts should let each side win some runs"
