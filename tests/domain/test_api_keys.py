"""Whether a key works, when its use is recorded, and which expiries are accepted (no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.api_keys import KeyRefusal, expiry, refusal, use_is_due
from app.domain.errors import InvalidInput

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("revoked_at", "expires_at", "expected"),
    [
        pytest.param(None, None, None, id="neither: works"),
        pytest.param(None, NOW + SECOND, None, id="expiring later: works"),
        pytest.param(None, NOW, KeyRefusal.EXPIRED, id="expiring now: expired"),
        pytest.param(None, NOW - SECOND, KeyRefusal.EXPIRED, id="expired"),
        pytest.param(NOW - SECOND, None, KeyRefusal.REVOKED, id="revoked"),
        pytest.param(NOW - SECOND, NOW - SECOND, KeyRefusal.REVOKED, id="revoked wins"),
    ],
)
def test_refusal(
    revoked_at: datetime | None, expires_at: datetime | None, expected: KeyRefusal | None
) -> None:
    assert refusal(revoked_at=revoked_at, expires_at=expires_at, now=NOW) == expected


@pytest.mark.parametrize(
    ("last_used_at", "due"),
    [
        pytest.param(None, True, id="never used"),
        pytest.param(NOW, False, id="just now"),
        pytest.param(NOW - timedelta(seconds=59), False, id="59 s ago"),
        pytest.param(NOW - timedelta(minutes=1), True, id="a minute ago"),
        pytest.param(NOW - timedelta(days=3), True, id="days ago"),
    ],
)
def test_use_is_due_at_most_once_a_minute(last_used_at: datetime | None, due: bool) -> None:
    assert use_is_due(last_used_at, NOW) is due


def test_an_expiry_may_be_absent_or_in_the_future() -> None:
    assert expiry(None, NOW) is None
    assert expiry(NOW + SECOND, NOW) == NOW + SECOND


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        pytest.param(NOW, "expiresAt: must be in the future", id="now"),
        pytest.param(NOW - SECOND, "expiresAt: must be in the future", id="past"),
        pytest.param(
            datetime(2031, 1, 1),  # no time zone
            "expiresAt: needs a time zone (2030-01-01T00:00:00Z)",
            id="naive",
        ),
    ],
)
def test_other_expiries_are_refused(expires_at: datetime, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        expiry(expires_at, NOW)
    assert (raised.value.field, raised.value.message) == ("expiresAt", message)
