"""The deployment pipeline of an IMAGE version (DESIGN §3): which step may run in which state.

A pure state machine. The pipeline runs elsewhere (CI, a build service); the registry records each
step and refuses one out of order.
"""

from enum import StrEnum

from app.domain.enums import DeploymentState
from app.domain.version_errors import InvalidTransition


class DeploymentStep(StrEnum):
    BUILD = "BUILD"
    SYNC_DEV = "SYNC_DEV"
    TEST = "TEST"
    SYNC_PROD = "SYNC_PROD"
    RELEASE = "RELEASE"


class StepOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


# Each step in order, with the state it starts from and the state it leads to.
_ORDER: tuple[tuple[DeploymentStep, DeploymentState, DeploymentState], ...] = (
    (DeploymentStep.BUILD, DeploymentState.UPDATED, DeploymentState.BUILT),
    (DeploymentStep.SYNC_DEV, DeploymentState.BUILT, DeploymentState.DEV_SYNCED),
    (DeploymentStep.TEST, DeploymentState.DEV_SYNCED, DeploymentState.TESTED),
    (DeploymentStep.SYNC_PROD, DeploymentState.TESTED, DeploymentState.PROD_SYNCED),
    (DeploymentStep.RELEASE, DeploymentState.PROD_SYNCED, DeploymentState.RELEASED),
)
TRANSITIONS: dict[tuple[DeploymentState, DeploymentStep], DeploymentState] = {
    (before, step): after for step, before, after in _ORDER
}
# The rollback: a released version's prod deployment is synced again; it stays released.
TRANSITIONS[(DeploymentState.RELEASED, DeploymentStep.SYNC_PROD)] = DeploymentState.RELEASED

SYNC_STEPS = frozenset({DeploymentStep.SYNC_DEV, DeploymentStep.SYNC_PROD})


def expected_step(current: DeploymentState) -> DeploymentStep | None:
    """The step that comes next from `current` (None once released: only a rollback remains)."""
    for step, before, _ in _ORDER:
        if before == current:
            return step
    return None


def next_state(current: DeploymentState, step: DeploymentStep) -> DeploymentState:
    """The state a successful `step` leads to from `current`, or InvalidTransition."""
    after = TRANSITIONS.get((current, step))
    if after is not None:
        return after
    expected = expected_step(current)
    if expected is None:
        hint = "a released version only takes SYNC_PROD again (a rollback)"
    else:
        hint = f"the next step is {expected.value}"
    raise InvalidTransition(current, f"{step.value} cannot run now: {hint}")
