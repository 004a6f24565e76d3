"""A process's copies of what lookups read (app.db.invalidation): kept only when no change
could have slipped in, dropped by the changes they depend on, never served past their age or
while they cannot be trusted, and bounded in number."""

from app.db.invalidation import (
    API_KEY,
    AUTH_CONFIG,
    CONNECTOR_KEY,
    EVERY,
    LookupMemory,
)


def _trusted(*, max_age_seconds: float = 5.0, size: int = 100) -> LookupMemory:
    memory = LookupMemory(max_age_seconds=max_age_seconds, size=size)
    memory.trust()
    return memory


def test_a_read_overtaken_by_a_change_keeps_nothing() -> None:
    # given a read that began, then a change notification that arrived before it ended
    memory = _trusted()
    start = memory.start_read()
    memory.drop([(API_KEY, "k1")])

    # when the read tries to keep what it read (possibly the row before the change)
    kept = memory.keep(start, "key", "as read", [(API_KEY, "k1")])

    # then nothing is kept: the next lookup reads again
    assert kept is False
    assert memory.get("key") is None


def test_a_read_overtaken_by_a_reconnection_keeps_nothing() -> None:
    memory = _trusted()
    start = memory.start_read()
    memory.distrust()
    memory.trust()
    assert memory.keep(start, "key", "as read", []) is False
    assert memory.get("key") is None


def test_a_change_drops_the_copies_that_depend_on_it_only() -> None:
    memory = _trusted()
    start = memory.start_read()
    memory.keep(start, "a", 1, [(AUTH_CONFIG, "a"), (CONNECTOR_KEY, "crm")])
    memory.keep(start, "b", 2, [(AUTH_CONFIG, "b"), (CONNECTOR_KEY, "erp")])
    memory.keep(start, "k", 3, [(API_KEY, "k")])

    memory.on_notification(None, 0, "registry_changes", "connector_key crm")

    assert (memory.get("a"), memory.get("b"), memory.get("k")) == (None, 2, 3)
    memory.drop([(AUTH_CONFIG, EVERY)])
    assert (memory.get("b"), memory.get("k")) == (None, 3)


def test_a_malformed_notification_drops_everything() -> None:
    memory = _trusted()
    memory.keep(memory.start_read(), "k", 3, [(API_KEY, "k")])
    memory.on_notification(None, 0, "registry_changes", "no-such-kind 1")
    assert memory.get("k") is None


def test_nothing_is_served_while_not_trusted_and_trust_starts_empty() -> None:
    memory = _trusted()
    memory.keep(memory.start_read(), "k", 3, [(API_KEY, "k")])

    memory.distrust()
    assert memory.get("k") is None
    assert memory.start_read() is None

    memory.trust()
    assert memory.get("k") is None
    assert len(memory) == 0


def test_a_copy_is_not_served_past_its_age() -> None:
    now = [1000.0]
    memory = LookupMemory(max_age_seconds=5.0, clock=lambda: now[0])
    memory.trust()
    memory.keep(memory.start_read(), "k", 3, [(API_KEY, "k")])

    now[0] += 4.9
    assert memory.get("k") == 3
    now[0] += 0.2
    assert memory.get("k") is None


def test_a_zero_age_serves_nothing() -> None:
    memory = _trusted(max_age_seconds=0)
    assert not memory.serves
    assert memory.keep(memory.start_read(), "k", 3, []) is False


def test_the_least_recently_used_copy_goes_first() -> None:
    memory = _trusted(size=2)
    start = memory.start_read()
    memory.keep(start, "a", 1, [(API_KEY, "a")])
    memory.keep(start, "b", 2, [(API_KEY, "b")])
    assert memory.get("a") == 1  # b is now the least recently used
    memory.keep(start, "c", 3, [(API_KEY, "c")])
    assert (memory.get("a"), memory.get("b"), memory.get("c")) == (1, None, 3)
    # and the tags of what was forgotten are forgotten with it
    memory.drop([(API_KEY, "b")])
    assert len(memory) == 2
