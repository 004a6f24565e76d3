"""Rollout rules (no database): the bucket, who is in, an account's version, the target, and
the pin a completion sets. Versions are written as in test_resolution ("custom 1.2.0", flags)."""

import hashlib
import random
from uuid import UUID, uuid5

import pytest

from app.domain.enums import PinSource
from app.domain.errors import ErrorCode, InvalidInput
from app.domain.pin_targets import PinnedVersionNotFound
from app.domain.resolution import ResolutionRule
from app.domain.rollouts import (
    RunningRollout,
    bucket_limit,
    checked_percent,
    completion_pin_source,
    in_rollout,
    resolve_account,
    rollout_bucket,
    rollout_id_for,
    rollout_target,
)
from tests.domain.test_resolution import run, version

ANY, MANAGED, CUSTOM = PinSource.ANY, PinSource.MANAGED, PinSource.CUSTOM
ROLLOUT_ID = UUID("00000000-0000-4000-8000-000000000001")
IDS = random.Random(13)


def _uuid() -> UUID:
    return UUID(int=IDS.getrandbits(128), version=4)


@pytest.mark.parametrize(
    ("account", "bucket"),
    [
        ("00000000-0000-4000-8000-00000000000a", 6060),
        ("12345678-9abc-4def-8123-456789abcdef", 1186),
        ("ffffffff-ffff-4fff-bfff-ffffffffffff", 1180),
    ],
)
def test_the_bucket_is_the_fixed_hash(account: str, bucket: int) -> None:
    # the definition others compute in SQL: md5("<rollout>:<account>"), 8 hex digits, % 10000
    text = f"{ROLLOUT_ID}:{account}"
    assert int(hashlib.md5(text.encode()).hexdigest()[:8], 16) % 10000 == bucket
    assert rollout_bucket(ROLLOUT_ID, UUID(account)) == bucket
    # and the UUIDs are written lowercase and hyphenated, whatever form they came in
    assert rollout_bucket(ROLLOUT_ID, UUID(account.upper().replace("-", ""))) == bucket


def test_a_rollout_id_is_fixed_by_its_auth_config_and_revision() -> None:
    # the same start gets the same id (a preview draws the buckets the start will)
    config = UUID("00000000-0000-4000-8000-0000000000c1")
    assert rollout_id_for(config, 3) == rollout_id_for(config, 3)
    namespace = UUID("5f0c2b9e-8a47-4d1e-9c3a-6b2f7e1d4a80")
    assert rollout_id_for(config, 3) == uuid5(namespace, f"{config}:3")
    # another revision or another auth config: another rollout, other buckets
    assert rollout_id_for(config, 4) != rollout_id_for(config, 3)
    other = UUID("00000000-0000-4000-8000-0000000000c2")
    assert rollout_id_for(other, 3) != rollout_id_for(config, 3)


def test_raising_the_percentage_only_adds_accounts() -> None:
    accounts = [_uuid() for _ in range(2000)]
    previous: set[UUID] = set()
    for percent in range(101):
        inside = {account for account in accounts if in_rollout(ROLLOUT_ID, account, percent)}
        assert previous <= inside, percent
        previous = inside
    assert not any(in_rollout(ROLLOUT_ID, account, 0) for account in accounts)
    assert all(in_rollout(ROLLOUT_ID, account, 100) for account in accounts)
    assert bucket_limit(37) == 3700


@pytest.mark.parametrize("percent", [0, 1, 50, 100])
def test_a_percentage_is_a_whole_number_from_0_to_100(percent: int) -> None:
    assert checked_percent(percent) == percent


@pytest.mark.parametrize("percent", [-1, 101, 1000])
def test_anything_else_is_invalid_input(percent: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_percent(percent)
    assert refused.value.field == "percent"


def _rollout(percent: int, target: str = "custom 2.0.0") -> RunningRollout[str]:
    return RunningRollout(id=ROLLOUT_ID, percent=percent, target=version(target))


def test_an_account_in_the_rollout_runs_the_target_and_says_why() -> None:
    own = run("1.x.x", ANY, ["custom 1.0.0", "custom 2.0.0"])
    account = UUID("12345678-9abc-4def-8123-456789abcdef")  # bucket 1186
    found = resolve_account(own, _rollout(12), account)
    assert found.version == version("custom 2.0.0")
    assert (found.rule, found.source, found.skipped) == (ResolutionRule.ROLLOUT, own.source, [])
    assert found.reason == (
        "rolling out custom 2.0.0 to 12% of accounts; this account's bucket 1186 is below 1200"
    )


def test_an_account_outside_runs_the_auth_configs_answer_and_says_why_not_the_target() -> None:
    own = run("1.x.x", ANY, ["custom 1.0.0", "custom 2.0.0"])
    account = UUID("12345678-9abc-4def-8123-456789abcdef")  # bucket 1186
    found = resolve_account(own, _rollout(11), account)
    assert (found.version, found.rule, found.skipped) == (own.version, own.rule, own.skipped)
    assert found.reason == (
        f"{own.reason}; not in the rollout: rolling out custom 2.0.0 to 11% of accounts, and "
        "this account's bucket 1186 is not below 1100"
    )
    # and without a rollout the answer is the auth config's, as it is
    assert resolve_account(own, None, account) is own


def test_a_deprecated_target_warns_the_accounts_in_the_rollout() -> None:
    own = run("1.x.x", ANY, ["custom 1.0.0"])
    found = resolve_account(own, _rollout(100, "managed 2.0.0 deprecated"), _uuid())
    warning = (
        "rollout target managed version 2.0.0 is deprecated (broken pagination); "
        "the rollout keeps it until it ends"
    )
    assert found.warnings == [warning]


KEY = [
    "custom 2.0.0",
    "managed 2.0.0",
    "managed 3.0.0",
    "custom 4.0.0 binned",
    "managed 5.0.0 draft",
]


@pytest.mark.parametrize(
    ("number", "source", "target"),
    [
        ("2.0.0", ANY, "custom 2.0.0"),  # custom first, like an exact pin
        ("2.0.0", MANAGED, "managed 2.0.0"),
        ("3.0.0", ANY, "managed 3.0.0"),
    ],
)
def test_a_target_is_taken_like_an_exact_pin(number: str, source: PinSource, target: str) -> None:
    assert rollout_target(number, source, [version(spec) for spec in KEY]) == version(target)


@pytest.mark.parametrize(
    ("number", "source", "available"),
    [
        ("4.0.0", ANY, ["3.0.0", "2.0.0"]),  # in the bin
        ("5.0.0", ANY, ["3.0.0", "2.0.0"]),  # a draft
        ("3.0.0", CUSTOM, ["2.0.0"]),  # not within the source
    ],
)
def test_a_target_nothing_can_run_is_refused(
    number: str, source: PinSource, available: list[str]
) -> None:
    with pytest.raises(PinnedVersionNotFound) as refused:
        rollout_target(number, source, [version(spec) for spec in KEY])
    assert refused.value.code is ErrorCode.PINNED_VERSION_NOT_FOUND
    assert refused.value.available_versions == available


@pytest.mark.parametrize(
    ("current", "target", "pin_source"),
    [
        (ANY, "custom 2.0.0", ANY),  # custom first: the pin names it already
        (ANY, "managed 3.0.0", ANY),  # no custom 3.0.0
        (ANY, "managed 2.0.0", MANAGED),  # custom 2.0.0 would win under ANY
        (CUSTOM, "managed 3.0.0", MANAGED),  # the pin's own source has no such version
        (MANAGED, "custom 2.0.0", CUSTOM),
        (MANAGED, "managed 2.0.0", MANAGED),
    ],
)
def test_completion_keeps_the_pin_source_unless_the_exact_pin_would_miss_the_target(
    current: PinSource, target: str, pin_source: PinSource
) -> None:
    candidates = [version(spec) for spec in KEY]
    assert completion_pin_source(current, version(target), candidates) is pin_source
    # and an exact pin under that source resolves to the target itself
    assert run(target.split()[1], pin_source, KEY).version == version(target)
