"""The deployment state machine (no database): every (state, step) pair."""

import pytest

from app.domain.enums import DeploymentState as S
from app.domain.pipeline import DeploymentStep as Step
from app.domain.pipeline import expected_step, next_state
from app.domain.version_errors import InvalidTransition

ALLOWED = {
    (S.UPDATED, Step.BUILD): S.BUILT,
    (S.BUILT, Step.SYNC_DEV): S.DEV_SYNCED,
    (S.DEV_SYNCED, Step.TEST): S.TESTED,
    (S.TESTED, Step.SYNC_PROD): S.PROD_SYNCED,
    (S.PROD_SYNCED, Step.RELEASE): S.RELEASED,
    (S.RELEASED, Step.SYNC_PROD): S.RELEASED,  # the rollback
}
EVERY_PAIR = [(state, step) for state in S for step in Step]


@pytest.mark.parametrize(("state", "step"), EVERY_PAIR, ids=lambda value: str(value))
def test_each_step_runs_only_from_its_state(state: S, step: Step) -> None:
    if (state, step) in ALLOWED:
        assert next_state(state, step) == ALLOWED[(state, step)]
        return
    with pytest.raises(InvalidTransition) as refused:
        next_state(state, step)
    # the refusal names the current state, and the step expected next
    assert refused.value.current_state == state
    assert state.value in refused.value.message
    expected = expected_step(state)
    assert (expected.value if expected else "SYNC_PROD") in refused.value.message


def test_the_pairs_cover_every_state_and_step() -> None:
    assert len(EVERY_PAIR) == len(S) * len(Step) == 30
    assert {state for state, _ in ALLOWED} == set(S)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (S.UPDATED, Step.BUILD),
        (S.BUILT, Step.SYNC_DEV),
        (S.DEV_SYNCED, Step.TEST),
        (S.TESTED, Step.SYNC_PROD),
        (S.PROD_SYNCED, Step.RELEASE),
        (S.RELEASED, None),
    ],
)
def test_the_expected_step_follows_the_order(state: S, expected: Step | None) -> None:
    assert expected_step(state) == expected
