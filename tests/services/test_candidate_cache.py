"""The process's caches: bounded, and a connector's candidates only for the stamp they were read
with."""

from uuid import uuid4

from app.services.effective.candidate_cache import (
    CandidateCache,
    ConnectorVersions,
    LeastRecentlyUsed,
)


def _entry(stamp: int) -> ConnectorVersions:
    return ConnectorVersions(connector_id=uuid4(), stamp=stamp, candidates=[], revisions={})


def test_candidates_are_kept_for_their_stamp_only() -> None:
    cache = CandidateCache(size=4)
    entry = _entry(7)
    cache.put(entry)
    assert cache.get(entry.connector_id, 7) is entry
    assert cache.get(entry.connector_id, 8) is None
    assert cache.get(uuid4(), 7) is None


def test_the_least_recently_used_are_forgotten_first() -> None:
    cache: LeastRecentlyUsed[int, str] = LeastRecentlyUsed(3)
    for key in range(3):
        cache.put(key, str(key))
    assert cache.get(0) == "0"  # 0 is now the most recently used
    cache.put(3, "3")
    assert len(cache) == 3
    assert cache.get(1) is None
    assert [cache.get(key) for key in (0, 2, 3)] == ["0", "2", "3"]


def test_the_candidate_cache_is_bounded() -> None:
    cache = CandidateCache(size=10)
    for stamp in range(25):
        cache.put(_entry(stamp))
    assert len(cache) == 10
