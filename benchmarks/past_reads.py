"""The past figure's reads: what a support engineer asks of a year of history.

`effectiveVersion(at:)` of a linked account and of its auth config at random instants of the
year, and a first and a deep page (20 intervals) of each one's timeline over the year, sent one
after the other on one connection; each read is timed on its own and the figure is the median.
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from app.graphql.relay.ids import encode_id
from benchmarks.past import PastData

PAGE = 20
DEEP = 0.9
"""Where the deep page starts: after 90% of the timeline's intervals."""

_ANSWER = (
    "version { version } rule source reason "
    "history { since until changes { kind at description } "
    "versionThen { version revision contentHash } inRollout status }"
)
_AT = (
    "query PastAt($id: ID!, $at: DateTime!) { node(id: $id) { "
    f"... on LinkedAccount {{ effectiveVersion(at: $at) {{ {_ANSWER} }} }} "
    f"... on AuthConfig {{ effectiveVersion(at: $at) {{ {_ANSWER} }} }} }} }}"
)
_INTERVALS = (
    "pageInfo { hasNextPage endCursor } edges { cursor node { start end "
    f"changes {{ kind at description }} effectiveVersion {{ {_ANSWER} }} }} }}"
)
_PAGE_ARGUMENTS = "first: $first, after: $after, from: $from, to: $to"
_TIMELINE = (
    "query PastTimeline($id: ID!, $first: Int!, $after: String, $from: DateTime, $to: DateTime)"
    " { node(id: $id) { "
    f"... on LinkedAccount {{ timeline({_PAGE_ARGUMENTS}) {{ {_INTERVALS} }} }} "
    f"... on AuthConfig {{ timeline({_PAGE_ARGUMENTS}) {{ {_INTERVALS} }} }} }} }}"
)

SUBJECTS = ("account", "config")
READS = ("at", "first", "deep")
MEASUREMENTS = tuple(f"{subject}-{read}" for read in READS for subject in SUBJECTS)
"""`account-at`, `config-at`, `account-first`, ...: the figure's measurements."""


@dataclass(frozen=True)
class PastTargets:
    """Whom the reads ask about, and where the deep pages start."""

    ids: dict[str, str]
    deep_cursors: dict[str, str]
    intervals: dict[str, int]


def _post(client: httpx.Client, document: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": document, "variables": variables})
    if response.status_code != 200:
        raise RuntimeError(f"past: HTTP {response.status_code}: {response.text[:500]}")
    answer: dict[str, Any] = response.json()
    if answer.get("errors"):
        raise RuntimeError(f"past: {answer['errors']}")
    return answer


def _client(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def prepare(base_url: str, key: str, past: PastData) -> PastTargets:
    """Page through both timelines once (checking that the pages follow one another and that
    `at:` answers inside the year), and keep the cursor the deep pages start after."""
    ids = {
        "account": encode_id("LinkedAccount", past.accounts[0]),
        "config": encode_id("AuthConfig", past.auth_config),
    }
    cursors: dict[str, str] = {}
    counts: dict[str, int] = {}
    with _client(base_url, key) as client:
        for subject, id_ in ids.items():
            seen: list[str] = []
            starts: list[str] = []
            after = None
            while True:
                page = _post(
                    client,
                    _TIMELINE,
                    id=id_,
                    first=100,
                    after=after,
                    **{"from": past.start.isoformat()},
                    to=past.end.isoformat(),
                )["data"]["node"]["timeline"]
                seen += [edge["cursor"] for edge in page["edges"]]
                starts += [edge["node"]["start"] for edge in page["edges"]]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            if starts != sorted(starts) or len(seen) < 2:
                raise RuntimeError(f"past: the {subject}'s timeline has {len(seen)} intervals")
            cursors[subject] = seen[max(0, int(len(seen) * DEEP) - 1)]
            counts[subject] = len(seen)
            middle = past.start + (past.end - past.start) / 2
            _post(client, _AT, id=id_, at=middle.isoformat())
    return PastTargets(ids, cursors, counts)


def measure_round(
    base_url: str, key: str, past: PastData, targets: PastTargets, *, number: int, reads: int
) -> dict[str, list[float]]:
    """`reads` of each measurement, one at a time on one connection: seconds each."""
    rng = random.Random(number)
    found: dict[str, list[float]] = {name: [] for name in MEASUREMENTS}
    names = list(MEASUREMENTS) if number % 2 else list(reversed(MEASUREMENTS))
    with _client(base_url, key) as client:
        for name in names:
            subject, read = name.split("-")
            for _ in range(reads):
                variables = _variables(read, targets, subject, past, rng)
                document = _AT if read == "at" else _TIMELINE
                started = time.perf_counter()
                _post(client, document, **variables)
                found[name].append(time.perf_counter() - started)
    return found


def _variables(
    read: str,
    targets: PastTargets,
    subject: str,
    past: PastData,
    rng: random.Random,
) -> dict[str, Any]:
    id_ = targets.ids[subject]
    if read == "at":
        at: datetime = past.start + (past.end - past.start) * rng.random()
        return {"id": id_, "at": at.isoformat()}
    return {
        "id": id_,
        "first": PAGE,
        "after": targets.deep_cursors[subject] if read == "deep" else None,
        "from": past.start.isoformat(),
        "to": past.end.isoformat(),
    }
