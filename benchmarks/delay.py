"""The delay figure: how long a change committed through one server process takes to show in a
lookup on another.

Two `serve` processes (one worker each) share the database. An auth config of the "pages"
connector is created through the first (the writer) pinned to 1.0.0; then, again and again, a
lookup on the second (the reader) confirms the current pin (so whatever the reader keeps in memory
is warm), the pin is switched between 1.0.0 and 1.1.0 through the writer, and once the writer
has answered (the change is committed) the reader is asked the same lookup over and over until
its answer shows the new version. The moment the reader could first see the change lies between
two times, both counted from the writer's answer: when the last lookup that still answered the
old pin was sent (it read after that; 0 when the first lookup already showed the change), and
when the answer of the first lookup that showed it arrived (it read before that, so this bound
includes one lookup's own time). With per-request checks the first is 0 and the second one
lookup's time; with caches kept current by notifications they bracket the notification delay.
"""

import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from benchmarks.queries import LOOKUP
from benchmarks.servers import Server

CHANGE_TIMEOUT_SECONDS = 30.0
"""A change not seen by the reader within this is a failure of the figure, not a slow sample."""
PINS = ("1.0.0", "1.1.0")
CONNECTOR = "pages"
_CREATE = (
    "mutation ($input: CreateAuthConfigInput!) { createAuthConfig(input: $input) { __typename "
    "... on CreateAuthConfigSuccess { authConfig { id revision } } ... on Error { message } } }"
)
_PIN = (
    "mutation ($input: PinAuthConfigInput!) { pinAuthConfig(input: $input) { __typename "
    "... on PinAuthConfigSuccess { authConfig { revision } } ... on Error { message } } }"
)


@dataclass(frozen=True)
class Sighting:
    """One change, in seconds from the writer's answer: the reader could see it after
    `stale_until` (the last lookup answering the old pin was sent then) and by `seen_after` (the
    first lookup showing it had answered); `stale_answers` lookups answered the old pin."""

    stale_until: float
    seen_after: float
    stale_answers: int


class DelayProbe:
    """The writer and the reader, and the auth config whose pin goes back and forth."""

    def __init__(self, writer: Server, reader: Server, *, admin_key: str, viewer_key: str) -> None:
        self._writer = httpx.Client(
            base_url=writer.base_url, headers=_bearer(admin_key), timeout=60
        )
        self._reader = httpx.Client(
            base_url=reader.base_url, headers=_bearer(viewer_key), timeout=60
        )
        self._config_id = ""
        self._revision = 0
        self._pin = PINS[0]

    def close(self) -> None:
        self._writer.close()
        self._reader.close()

    def prepare(self, name: str) -> None:
        """Create the auth config (pinned to the first of PINS) through the writer."""
        payload = {"connectorKey": CONNECTOR, "name": name, "pin": PINS[0], "pinSource": "CUSTOM"}
        created = _result(self._writer, _CREATE, {"input": payload}, "createAuthConfig")
        self._config_id = created["authConfig"]["id"]
        self._revision = created["authConfig"]["revision"]
        self._pin = PINS[0]
        if self._read() != self._pin:
            raise RuntimeError("the reader does not see the delay figure's new auth config")

    def measure(self, changes: int) -> list[Sighting]:
        return [self._change() for _ in range(changes)]

    def _change(self) -> Sighting:
        if self._read() != self._pin:
            raise RuntimeError(f"the reader lost the current pin {self._pin}")
        target = PINS[1] if self._pin == PINS[0] else PINS[0]
        variables = {
            "input": {"authConfigId": self._config_id, "pin": target, "revision": self._revision}
        }
        pinned = _result(self._writer, _PIN, variables, "pinAuthConfig")
        committed = time.perf_counter()
        self._revision, self._pin = pinned["authConfig"]["revision"], target
        stale, stale_until = 0, 0.0
        while True:
            sent = time.perf_counter()
            seen = self._read()
            answered = time.perf_counter()
            if seen == target:
                return Sighting(stale_until, answered - committed, stale)
            stale, stale_until = stale + 1, sent - committed
            if answered - committed > CHANGE_TIMEOUT_SECONDS:
                raise RuntimeError(
                    f"the reader still answers {seen} {CHANGE_TIMEOUT_SECONDS:.0f} s after the "
                    f"writer pinned {target}"
                )

    def _read(self) -> str | None:
        answer = _post(self._reader, LOOKUP, {"id": self._config_id})
        version = answer["data"]["node"]["effectiveVersion"]["version"]
        return None if version is None else str(version["version"])


def sightings_json(sightings: list[Sighting]) -> list[dict[str, Any]]:
    return [asdict(sighting) for sighting in sightings]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _post(client: httpx.Client, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": document, "variables": variables})
    answer: dict[str, Any] = response.json()
    if response.status_code != 200 or answer.get("errors"):
        raise RuntimeError(f"delay figure: HTTP {response.status_code}: {response.text[:500]}")
    return answer


def _result(
    client: httpx.Client, document: str, variables: dict[str, Any], field: str
) -> dict[str, Any]:
    result: dict[str, Any] = _post(client, document, variables)["data"][field]
    if not result["__typename"].endswith("Success"):
        raise RuntimeError(f"delay figure: {field} answered {result}")
    return result
