"""History answers what was read then (DESIGN §15): random histories of every kind of change
(publish, push with and without force, drafts, deprecate, undeprecate, bin, restore, delete,
pin and pin source, active flag, rollouts started, changed, completed and aborted, links and
re-authentication), with every account's and auth config's effective version read through
GraphQL after each change and its time noted. Afterwards `effectiveVersion(at:)` at each noted
time, and at instants between a reading and the next change, equals what was read, object by
object; and each timeline's intervals follow one another without gap or overlap, each holds an
answer that differs from its neighbours', each noted time falls in the interval holding what
was read then, and every interval since the first reading holds at least one reading."""

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.graphql.auth_configs.documents import (
    CREATE_AUTH_CONFIG,
    LINK_ACCOUNT,
    PIN_AUTH_CONFIG,
    REAUTHENTICATE_ACCOUNT,
    SET_AUTH_CONFIG_ACTIVE,
)
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.history.documents import (
    ACCOUNT_AT,
    ACCOUNT_TIMELINE,
    AUTH_CONFIG_AT,
    AUTH_CONFIG_TIMELINE,
    present,
)
from tests.graphql.impact.impact_worlds import definition
from tests.graphql.lifecycle.documents import (
    DELETE_VERSION_PERMANENTLY,
    DEPRECATE_VERSION,
    MOVE_VERSION_TO_BIN,
    RESTORE_VERSION_FROM_BIN,
    UNDEPRECATE_VERSION,
)
from tests.graphql.projects.documents import UPDATE_PROJECT_SETTINGS
from tests.graphql.rollouts.documents import (
    ABORT_ROLLOUT,
    COMPLETE_ROLLOUT,
    SET_ROLLOUT_PERCENT,
    START_ROLLOUT,
)
from tests.graphql.versions.documents import CREATE_VERSION, PUBLISH_VERSION, PUSH_VERSION
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]

NUMBERS = ["1.0.0", "1.1.0", "1.2.0-beta.1", "1.2.0", "2.0.0", "2.1.0", "3.0.0-rc.1", "3.0.0"]
PINS = [None, "latest", "1.x.x", "2.x.x", "1.1.x", "1.2.0", "2.0.0", "3.0.0-rc.1", "9.9.9"]
SOURCES = ["ANY", "MANAGED", "CUSTOM"]
PERCENTS = [0, 10, 35, 50, 80, 100]
KINDS = [
    *["push"] * 4,
    *["force"] * 2,
    "push_again",
    "draft",
    "publish",
    *["deprecate"] * 2,
    "undeprecate",
    *["bin"] * 2,
    "restore",
    "delete",
    *["pin"] * 3,
    "active",
    *["start_rollout"] * 2,
    "set_percent",
    "complete_rollout",
    "abort_rollout",
    *["reauthenticate"] * 2,
    "link",
]

SHOWN = {"VERSION_PUBLISHED", "VERSION_OVERWRITTEN", "PINNED", "ROLLOUT_STARTED", "DEACTIVATED"}
"""Kinds of change that at least move some answer in every run (more do, depending on the
random ids that rollout buckets hash)."""

ROUNDS = 1
STEPS = 32
SLOW_ROUNDS = 3
SLOW_STEPS = 60

READ_REVISION = "query ($id: ID!) { node(id: $id) { ... on AuthConfig { revision } } }"


@dataclass
class Connector:
    id: str
    key: str
    owner: str
    managed: bool
    versions: dict[str, str] = field(default_factory=dict)
    """Number -> version id, of the versions that exist (drafts included)."""
    published: set[str] = field(default_factory=set)


@dataclass
class Reading:
    """What one object ran at `at`; `next_change` is when the next change was asked for."""

    at: datetime
    answer: tuple[Any, ...]
    next_change: datetime | None = None


@dataclass
class World:
    key: str
    connectors: list[Connector]
    auth_configs: list[str]
    accounts: dict[str, str] = field(default_factory=dict)
    """Account id -> its auth config id."""
    readings: dict[str, list[Reading]] = field(default_factory=dict)
    """Object id -> its readings, in time order."""
    reauth_majors: frozenset[int] = frozenset({2})
    inactive: set[str] = field(default_factory=set)
    rolling: set[str] = field(default_factory=set)
    """Auth configs whose rollout may be running."""


def _present_answer(effective: Json, status: str | None) -> tuple[Any, ...]:
    version = effective["version"]
    then = (
        None
        if version is None
        else (version["id"], version["version"], version["revision"], version["contentHash"])
    )
    in_rollout = effective["rule"] == "ROLLOUT"
    return (then, *_explanation(effective), status if status is not None else None, in_rollout)


def _past_answer(effective: Json, *, account: bool) -> tuple[Any, ...]:
    history = effective["history"]
    then = history["versionThen"]
    version = (
        None
        if then is None
        else (then["id"], then["version"], then["revision"], then["contentHash"])
    )
    status = history["status"] if account else None
    return (version, *_explanation(effective), status, history["inRollout"])


def _explanation(effective: Json) -> tuple[Any, ...]:
    return (
        effective["rule"],
        effective["source"],
        effective["reason"],
        tuple(effective["warnings"]),
        tuple(tuple(sorted(skipped.items())) for skipped in effective["skipped"]),
    )


async def _ok(graphql: GraphQLClient, document: str, input: Json, *, key: str) -> Json:
    answer = await graphql(document, {"input": input}, key=key)
    result: Json = next(iter(answer.values()))
    return result


async def _build(graphql: GraphQLClient, keys: Keys, rng: random.Random, name: str) -> World:
    await _ok(
        graphql, UPDATE_PROJECT_SETTINGS, {"immutableVersioning": False}, key=keys.alpha.admin
    )
    connectors = []
    for owner, managed in ((keys.alpha.admin, False), (keys.platform, True)):
        created = await _ok(
            graphql,
            CREATE_CONNECTOR,
            {"key": name, "name": name, "runtime": "DEFINITION"},
            key=owner,
        )
        connectors.append(Connector(created["connector"]["id"], name, owner, managed))
    world = World(key=name, connectors=connectors, auth_configs=[])
    for index in range(3):
        input: Json = {
            "connectorKey": name,
            "name": f"{name}c{index}",
            # floating: an exact pin to a number the new key has not published is refused
            "pin": rng.choice(PINS[:5]),
            "pinSource": rng.choice(SOURCES),
        }
        created = await _ok(graphql, CREATE_AUTH_CONFIG, input, key=keys.alpha.admin)
        world.auth_configs.append(created["authConfig"]["id"])
    for connector, number in [*((c, "1.0.0") for c in connectors), (connectors[0], "2.0.0")]:
        content = definition(number, world.reauth_majors)
        input = {"connectorKey": name, "version": number, "definition": content}
        pushed = await _ok(graphql, PUSH_VERSION, input, key=connector.owner)
        connector.versions[number] = pushed["version"]["id"]
        connector.published.add(number)
    for config in world.auth_configs:
        for _ in range(2):
            input = {"authConfigId": config, "externalId": f"x{rng.getrandbits(40)}"}
            linked = await _ok(graphql, LINK_ACCOUNT, input, key=keys.alpha.admin)
            world.accounts[linked["linkedAccount"]["id"]] = config
    return world


async def _revision(graphql: GraphQLClient, config: str, key: str) -> int:
    return int((await graphql(READ_REVISION, {"id": config}, key=key))["node"]["revision"])


async def _change(
    graphql: GraphQLClient, world: World, keys: Keys, rng: random.Random, kind: str
) -> None:
    """One change of `kind` (a refused one changes nothing, and is a step all the same)."""
    admin = keys.alpha.admin
    connector = rng.choice(world.connectors)
    existing = list(connector.versions.items())
    if kind in ("push", "force", "push_again") or (kind == "publish" and not existing):
        if kind == "force":
            connector = world.connectors[0]  # the custom one: managed versions are immutable
        number = rng.choice(NUMBERS)
        if kind != "push" and connector.published:
            number = rng.choice(sorted(connector.published))
        content = definition(number, world.reauth_majors)
        if kind == "force":
            content["auth"]["scopes"] = ["contacts.read", f"f{rng.randrange(3)}"]
        input: Json = {"connectorKey": world.key, "version": number, "definition": content}
        if kind == "force":
            input["force"] = True
        pushed = await _ok(graphql, PUSH_VERSION, input, key=connector.owner)
        if pushed["__typename"] == "PushVersionSuccess":
            connector.versions[number] = pushed["version"]["id"]
            connector.published.add(number)
        return
    if kind == "draft":
        created = await _ok(
            graphql,
            CREATE_VERSION,
            {"connectorId": connector.id, "version": rng.choice(NUMBERS)},
            key=connector.owner,
        )
        if created["__typename"] == "CreateVersionSuccess":
            connector.versions[created["version"]["version"]] = created["version"]["id"]
        return
    if kind in ("publish", "deprecate", "undeprecate", "bin", "restore", "delete"):
        number, version_id = rng.choice(existing) if existing else ("", "")
        document = {
            "publish": PUBLISH_VERSION,
            "deprecate": DEPRECATE_VERSION,
            "undeprecate": UNDEPRECATE_VERSION,
            "bin": MOVE_VERSION_TO_BIN,
            "restore": RESTORE_VERSION_FROM_BIN,
            "delete": DELETE_VERSION_PERMANENTLY,
        }[kind]
        if not version_id:
            return
        result = await _ok(graphql, document, {"versionId": version_id}, key=connector.owner)
        if kind == "delete" and result["__typename"].endswith("Success"):
            del connector.versions[number]
            connector.published.discard(number)
        if kind == "publish" and result["__typename"].endswith("Success"):
            connector.published.add(number)
        return
    config = rng.choice(world.auth_configs)
    if kind in ("set_percent", "complete_rollout", "abort_rollout") and world.rolling:
        config = rng.choice(sorted(world.rolling))
    if kind == "pin":
        input = {
            "authConfigId": config,
            "pin": rng.choice(PINS),
            "pinSource": rng.choice(SOURCES),
            "revision": await _revision(graphql, config, admin),
        }
        await _ok(graphql, PIN_AUTH_CONFIG, input, key=admin)
    elif kind == "active":
        active = config in world.inactive
        input = {"authConfigId": config, "active": active}
        await _ok(graphql, SET_AUTH_CONFIG_ACTIVE, input, key=admin)
        world.inactive ^= {config}
    elif kind in ("start_rollout", "set_percent", "complete_rollout", "abort_rollout"):
        input = {"authConfigId": config, "revision": await _revision(graphql, config, admin)}
        if kind == "start_rollout":
            published = [
                (number, "MANAGED" if c.managed else "CUSTOM")
                for c in world.connectors
                for number in sorted(c.published)
            ]
            number, source = rng.choice(published or [("1.0.0", "ANY")])
            input["targetVersion"] = number
            input["targetSource"] = rng.choice([source, "ANY"])
        if kind in ("start_rollout", "set_percent"):
            input["percent"] = rng.choice(PERCENTS)
        document = {
            "start_rollout": START_ROLLOUT,
            "set_percent": SET_ROLLOUT_PERCENT,
            "complete_rollout": COMPLETE_ROLLOUT,
            "abort_rollout": ABORT_ROLLOUT,
        }[kind]
        result = await _ok(graphql, document, input, key=admin)
        if kind == "start_rollout" and result["__typename"].endswith("Success"):
            world.rolling.add(config)
        elif kind != "set_percent" and result["__typename"].endswith("Success"):
            world.rolling.discard(config)
    elif kind == "reauthenticate" and world.accounts:
        account = rng.choice(sorted(world.accounts))
        await _ok(graphql, REAUTHENTICATE_ACCOUNT, {"linkedAccountId": account}, key=admin)
    else:
        input = {"authConfigId": config, "externalId": f"x{rng.getrandbits(40)}"}
        linked = await _ok(graphql, LINK_ACCOUNT, input, key=admin)
        world.accounts[linked["linkedAccount"]["id"]] = config


async def _read(graphql: GraphQLClient, world: World, keys: Keys) -> None:
    """Every auth config's and account's effective version now, noted with the time after."""
    answer = await graphql(present(world.auth_configs), key=keys.alpha.viewer)
    at = datetime.now(UTC)
    for node in answer.values():
        world.readings.setdefault(node["id"], []).append(
            Reading(at, _present_answer(node["effectiveVersion"], None))
        )
        for edge in node["linkedAccounts"]["edges"]:
            account = edge["node"]
            world.accounts.setdefault(account["id"], node["id"])
            world.readings.setdefault(account["id"], []).append(
                Reading(at, _present_answer(account["effectiveVersion"], account["status"]))
            )


def _changing(world: World) -> None:
    """A change is about to be asked for: it happens after now."""
    now = datetime.now(UTC)
    for readings in world.readings.values():
        if readings[-1].next_change is None:
            readings[-1].next_change = now


async def _answer_at(
    graphql: GraphQLClient, world: World, keys: Keys, object_id: str, at: datetime
) -> tuple[Any, ...]:
    account = object_id in world.accounts
    document = ACCOUNT_AT if account else AUTH_CONFIG_AT
    found = await graphql(document, {"id": object_id, "at": at.isoformat()}, key=keys.alpha.viewer)
    effective = found["node"]["effectiveVersion"]
    assert effective["history"]["at"] == at.isoformat()
    return _past_answer(effective, account=account)


async def _timeline(
    graphql: GraphQLClient, world: World, keys: Keys, object_id: str, rng: random.Random
) -> list[Json]:
    document = ACCOUNT_TIMELINE if object_id in world.accounts else AUTH_CONFIG_TIMELINE
    first = rng.randint(1, 9)
    intervals: list[Json] = []
    after = None
    while True:
        variables = {"id": object_id, "first": first, "after": after}
        page = (await graphql(document, variables, key=keys.alpha.viewer))["node"]["timeline"]
        intervals += [edge["node"] for edge in page["edges"]]
        assert page["totalCount"] >= len(intervals)
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(intervals)
            return intervals
        after = page["pageInfo"]["endCursor"]


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


async def _check(graphql: GraphQLClient, world: World, keys: Keys, rng: random.Random) -> set[str]:
    """Checks every object's history; returns the kinds of change its timelines show."""
    shown_changes: set[str] = set()
    for object_id, readings in world.readings.items():
        account = object_id in world.accounts
        # effectiveVersion(at:) at each noted time, and between it and the next change
        for reading in readings:
            instants = [reading.at]
            if reading.next_change is not None:
                instants.append(reading.at + (reading.next_change - reading.at) / 2)
            for at in instants:
                found = await _answer_at(graphql, world, keys, object_id, at)
                assert found == reading.answer, (object_id, at, found, reading.answer)
        # the timeline: contiguous intervals of distinct answers covering exactly the readings
        intervals = await _timeline(graphql, world, keys, object_id, rng)
        assert intervals, object_id
        for before, after in itertools.pairwise(intervals):
            assert before["end"] == after["start"], (before, after)
            assert _past_answer(before["effectiveVersion"], account=account) != _past_answer(
                after["effectiveVersion"], account=account
            )
        assert intervals[-1]["end"] is None
        spans = [(_parse(i["start"]), _parse(i["end"])) for i in intervals]
        for interval in intervals:
            assert interval["effectiveVersion"]["history"]["since"] == interval["start"]
            assert interval["changes"], interval
            shown_changes |= {change["kind"] for change in interval["changes"]}
        for reading in readings:
            holding = [
                index
                for index, (start, end) in enumerate(spans)
                if start is not None and start <= reading.at and (end is None or reading.at < end)
            ]
            assert len(holding) == 1, (object_id, reading.at, spans)
            shown = _past_answer(intervals[holding[0]]["effectiveVersion"], account=account)
            assert shown == reading.answer
        first_reading = readings[0].at
        for start, end in spans:
            if end is not None and end <= first_reading:
                continue
            assert start is not None
            assert any(
                start <= reading.at and (end is None or reading.at < end) for reading in readings
            ), (object_id, start, end)
    return shown_changes


async def _round(
    graphql: GraphQLClient, keys: Keys, rng: random.Random, name: str, steps: int
) -> tuple[set[str], set[str]]:
    """A random history; the kinds of change asked for, and those its timelines show."""
    world = await _build(graphql, keys, rng, name)
    await _read(graphql, world, keys)
    kinds = set()
    # every kind of change once, in a random order, then random ones
    order = sorted(set(KINDS))
    rng.shuffle(order)
    order = ["start_rollout", *order]
    for step in range(steps):
        kind = order[step] if step < len(order) else rng.choice(KINDS)
        kinds.add(kind)
        _changing(world)
        await _change(graphql, world, keys, rng, kind)
        await _read(graphql, world, keys)
    return kinds, await _check(graphql, world, keys, rng)


async def test_history_answers_what_was_read(graphql: GraphQLClient, keys: Keys) -> None:
    rng = random.Random(20261203)
    kinds: set[str] = set()
    shown: set[str] = set()
    for index in range(ROUNDS):
        asked, changes = await _round(graphql, keys, rng, f"h{index}", STEPS)
        kinds, shown = kinds | asked, shown | changes
    assert kinds == set(KINDS)
    # the histories moved answers in every way the timelines can tell
    assert shown >= SHOWN, SHOWN - shown


@pytest.mark.slow
async def test_history_answers_what_was_read_over_many_histories(
    graphql: GraphQLClient, keys: Keys
) -> None:
    rng = random.Random(1203)
    kinds: set[str] = set()
    shown: set[str] = set()
    for index in range(SLOW_ROUNDS):
        asked, changes = await _round(graphql, keys, rng, f"s{index}", SLOW_STEPS)
        kinds, shown = kinds | asked, shown | changes
    assert kinds == set(KINDS)
    assert shown >= SHOWN, SHOWN - shown
