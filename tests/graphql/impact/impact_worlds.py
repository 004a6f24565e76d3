"""Random data sets and changes for the impact preview's agreement test (DESIGN §12): a few
connector keys with custom and managed versions (prereleases, drafts, deprecated ones), auth
configs with random pins, sources and active flags, accounts authenticated under various
versions, running rollouts (random targets and percentages), and random changes of every kind
the preview takes, rollouts' included. Everything goes through GraphQL.
"""

import random
from dataclasses import dataclass, field
from typing import Any

from tests.graphql.auth_configs.documents import (
    CREATE_AUTH_CONFIG,
    LINK_ACCOUNT,
    PIN_AUTH_CONFIG,
    READ_AUTH_CONFIG,
    SET_AUTH_CONFIG_ACTIVE,
)
from tests.graphql.auth_configs.pinning import in_line
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql.lifecycle.documents import (
    DEPRECATE_VERSION,
    MOVE_VERSION_TO_BIN,
    UNDEPRECATE_VERSION,
)
from tests.graphql.rollouts.documents import (
    ABORT_ROLLOUT,
    COMPLETE_ROLLOUT,
    SET_ROLLOUT_PERCENT,
    START_ROLLOUT,
)
from tests.graphql.versions.documents import (
    CREATE_VERSION,
    PUBLISH_VERSION,
    PUSH_VERSION,
    UPDATE_VERSION,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]

LADDER = ["1.0.0", "1.1.0", "1.2.0-beta.1", "1.2.0", "2.0.0-rc.1", "2.0.0", "2.1.0", "3.0.0"]
"""Numbers a data set's versions are drawn from, in precedence order."""
PUSHED_LATER = [
    *["1.0.0", "1.0.1", "1.3.0", "2.0.0", "2.2.0", "3.0.0", "3.1.0", "4.0.0-beta.1"],
    *["4.0.0", "4.1.0", "5.0.0"],
]
"""Numbers a proposed push may name: new, existing, and some whose definitions are too big."""
FLOATING_PINS = [None, None, "latest", "latest", "1.x.x", "2.x.x", "1.1.x", "3.x.x"]
PINS = [*FLOATING_PINS, "1.0.0", "1.2.0", "2.0.0", "2.0.0-rc.1", "3.0.0", "9.9.9"]
SOURCES = ["ANY", "MANAGED", "CUSTOM"]


PERCENTS = [0, 5, 20, 35, 50, 65, 80, 95, 100]
ROLLOUT_CHANGES = ("startRollout", "setRolloutPercent", "completeRollout", "abortRollout")


CHANGES = {
    "pushVersion": PUSH_VERSION,
    "publishVersion": PUBLISH_VERSION,
    "deprecateVersion": DEPRECATE_VERSION,
    "undeprecateVersion": UNDEPRECATE_VERSION,
    "moveVersionToBin": MOVE_VERSION_TO_BIN,
    "pinAuthConfig": PIN_AUTH_CONFIG,
    "startRollout": START_ROLLOUT,
    "setRolloutPercent": SET_ROLLOUT_PERCENT,
    "completeRollout": COMPLETE_ROLLOUT,
    "abortRollout": ABORT_ROLLOUT,
}
"""Each kind of change the preview takes, by its mutation's name: the document that makes it."""


def definition(number: str, reauth_majors: frozenset[int]) -> Json:
    """The definition of `number` in a data set: each major line its own (a MAJOR change), each
    minor one more action, and the auth of a major in `reauth_majors` asks for one more scope
    (credentials captured under another major need capturing again)."""
    core = number.split("-")[0]
    major, minor, _ = (int(part) for part in core.split("."))
    found = in_line(major, *(f"a{index}" for index in range(minor)))
    if major in reauth_majors:
        found["auth"]["scopes"] = ["contacts.read", f"s{major}"]
    return found


@dataclass
class Connector:
    key: str
    id: str
    managed: bool
    owner: str
    """The key that changes it: the platform's, or alpha's ADMIN."""
    versions: dict[str, str] = field(default_factory=dict)
    """Number -> version id (drafts included)."""


@dataclass
class World:
    keys: list[str]
    connectors: list[Connector]
    auth_configs: dict[str, str]
    """Auth config id -> the key of its project's ADMIN."""
    reauth_majors: frozenset[int]
    config_keys: dict[str, str] = field(default_factory=dict)
    """Auth config id -> its connector key."""
    rolled_out: set[str] = field(default_factory=set)
    """The auth configs a rollout was started for (some may have ended since)."""

    def numbers(self, config: str) -> list[str]:
        """The version numbers of the auth config's key (drafts included)."""
        key = self.config_keys[config]
        return sorted({n for c in self.connectors if c.key == key for n in c.versions})


async def _ok(graphql: GraphQLClient, document: str, input: Json, *, key: str) -> Json:
    answer = await graphql(document, {"input": input}, key=key)
    result: Json = next(iter(answer.values()))
    return result


async def build_world(graphql: GraphQLClient, keys: Keys, rng: random.Random, name: str) -> World:
    """A data set under connector keys named after `name`."""
    world = World(keys=[], connectors=[], auth_configs={}, reauth_majors=frozenset())
    world.reauth_majors = frozenset(major for major in (2, 3, 4) if rng.random() < 0.5)
    for suffix in "ab"[: rng.randint(1, 2)]:
        connector_key = f"{name}{suffix}"
        world.keys.append(connector_key)
        custom, managed = rng.random() < 0.8, rng.random() < 0.6
        if not (custom or managed):
            custom = True
        owners = ([keys.alpha.admin] if custom else []) + ([keys.platform] if managed else [])
        for owner in owners:
            created = await _ok(
                graphql,
                CREATE_CONNECTOR,
                {"key": connector_key, "name": connector_key, "runtime": "DEFINITION"},
                key=owner,
            )
            world.connectors.append(
                Connector(
                    key=connector_key,
                    id=created["connector"]["id"],
                    managed=owner == keys.platform,
                    owner=owner,
                )
            )
        admins = [keys.alpha.admin] + ([keys.beta.admin] if managed else [])
        configs = []
        for _ in range(rng.randint(2, 5)):
            admin = rng.choice(admins)
            input = {
                "connectorKey": connector_key,
                "name": f"c{len(world.auth_configs)}",
                "pin": rng.choice(FLOATING_PINS),
                "pinSource": rng.choice(SOURCES),
            }
            created = await _ok(graphql, CREATE_AUTH_CONFIG, input, key=admin)
            world.auth_configs[created["authConfig"]["id"]] = admin
            world.config_keys[created["authConfig"]["id"]] = connector_key
            configs.append(created["authConfig"]["id"])
        for connector in [c for c in world.connectors if c.key == connector_key]:
            await _versions(graphql, world, connector, rng, configs)
    for config, admin in world.auth_configs.items():
        if rng.random() < 0.2:
            await _ok(
                graphql,
                SET_AUTH_CONFIG_ACTIVE,
                {"authConfigId": config, "active": False},
                key=admin,
            )
    for config in world.auth_configs:
        if rng.random() < 0.5:
            await _rollout(graphql, world, config, rng)
    return world


async def _rollout(graphql: GraphQLClient, world: World, config: str, rng: random.Random) -> None:
    """A few more accounts, then a rollout of a random number of the key to a random share (a
    start the mutation refuses, say to what the auth config runs, leaves none)."""
    admin = world.auth_configs[config]
    for _ in range(3):
        input = {"authConfigId": config, "externalId": f"x{rng.getrandbits(40)}"}
        await _ok(graphql, LINK_ACCOUNT, input, key=admin)
    revision = (await graphql(READ_AUTH_CONFIG, {"id": config}, key=admin))["node"]["revision"]
    start: Json = {
        "authConfigId": config,
        "targetVersion": rng.choice(world.numbers(config)),
        "percent": rng.choice(PERCENTS),
        "revision": revision,
    }
    started = await _ok(graphql, CHANGES["startRollout"], start, key=admin)
    if started["__typename"] == "StartRolloutSuccess":
        world.rolled_out.add(config)


async def _versions(
    graphql: GraphQLClient,
    world: World,
    connector: Connector,
    rng: random.Random,
    configs: list[str],
) -> None:
    """Versions drawn from LADDER in order, some left as drafts or deprecated; after each, maybe
    an account linked (authenticated under what its auth config runs then)."""
    numbers = [number for number in LADDER if number == "1.0.0" or rng.random() < 0.5]
    for number in numbers:
        content = definition(number, world.reauth_majors)
        if rng.random() < 0.15:
            created = await _ok(
                graphql,
                CREATE_VERSION,
                {"connectorId": connector.id, "version": number},
                key=connector.owner,
            )
            if created["__typename"] != "CreateVersionSuccess":
                continue
            version_id = created["version"]["id"]
            await _ok(
                graphql,
                UPDATE_VERSION,
                {"versionId": version_id, "definition": content},
                key=connector.owner,
            )
        else:
            input = {"connectorKey": connector.key, "version": number, "definition": content}
            pushed = await _ok(graphql, PUSH_VERSION, input, key=connector.owner)
            if pushed["__typename"] != "PushVersionSuccess":
                continue
            version_id = pushed["version"]["id"]
            if rng.random() < 0.15:
                await _ok(
                    graphql,
                    CHANGES["deprecateVersion"],
                    {"versionId": version_id},
                    key=connector.owner,
                )
        connector.versions[number] = version_id
        for config in configs:
            if rng.random() < 0.4:
                input = {"authConfigId": config, "externalId": f"x{rng.getrandbits(40)}"}
                await _ok(graphql, LINK_ACCOUNT, input, key=world.auth_configs[config])


@dataclass(frozen=True)
class ProposedChange:
    """A change: its mutation's name and input, the key that previews and makes it, and the key
    that may make it in its place (the same one when it may)."""

    mutation: str
    input: Json
    key: str
    owner: str

    @property
    def as_change_input(self) -> Json:
        return {self.mutation: self.input}


def random_change(
    world: World, rng: random.Random, keys: Keys, revisions: dict[str, int]
) -> ProposedChange:
    """One change of a random kind; `revisions` are the auth configs' current revisions."""
    connector = rng.choice(world.connectors)
    version_ids = list(connector.versions.values())[-3:]  # the newest move the most
    kind = rng.choice(list(CHANGES))
    if kind in ROLLOUT_CHANGES:
        return _rollout_change(kind, world, rng, keys, revisions)
    if kind == "pinAuthConfig":
        config = rng.choice(list(world.auth_configs))
        owner = world.auth_configs[config]
        stale = rng.random() < 0.15
        input: Json = {
            "authConfigId": config,
            "pin": rng.choice(PINS),
            "pinSource": rng.choice(SOURCES),
            "revision": revisions[config] - (1 if stale else 0),
        }
        viewer = keys.alpha.viewer if owner == keys.alpha.admin else keys.beta.viewer
        return _by(kind, input, owner, viewer, rng)
    if kind == "pushVersion" or not version_ids:
        number = rng.choice(PUSHED_LATER)
        major = int(number.split(".")[0])
        # now and then a definition one major too far: a bump the number does not declare
        shown = f"{major + 1}.0.0" if rng.random() < 0.15 else number
        input = {
            "connectorKey": connector.key,
            "version": number,
            "definition": definition(shown, world.reauth_majors),
        }
        return _by("pushVersion", input, connector.owner, keys.alpha.viewer, rng, connector)
    input = {"versionId": rng.choice(version_ids)}
    stand_in = keys.alpha.admin if connector.managed else keys.alpha.viewer
    return _by(kind, input, connector.owner, stand_in, rng)


def _rollout_change(
    kind: str, world: World, rng: random.Random, keys: Keys, revisions: dict[str, int]
) -> ProposedChange:
    """A rollout change, mostly to an auth config that has run one (others refuse but a
    start); now and then at a stale revision."""
    running = sorted(world.rolled_out)
    if kind != "startRollout" and running and rng.random() < 0.85:
        config = rng.choice(running)
    else:
        config = rng.choice(list(world.auth_configs))
    owner = world.auth_configs[config]
    stale = rng.random() < 0.1
    input: Json = {"authConfigId": config, "revision": revisions[config] - (1 if stale else 0)}
    if kind == "startRollout":
        input["targetVersion"] = rng.choice(world.numbers(config))
        input["targetSource"] = rng.choice(SOURCES)
    if kind in ("startRollout", "setRolloutPercent"):
        input["percent"] = rng.choice(PERCENTS)
    viewer = keys.alpha.viewer if owner == keys.alpha.admin else keys.beta.viewer
    return _by(kind, input, owner, viewer, rng)


def _by(
    kind: str,
    input: Json,
    owner: str,
    stand_in: str,
    rng: random.Random,
    connector: Connector | None = None,
) -> ProposedChange:
    """Mostly made by its owner; now and then asked by a key that may not make it. A push
    always names the pusher's own connector, so only a custom one has a stand-in."""
    may_stand_in = connector is None or not connector.managed
    key = stand_in if may_stand_in and rng.random() < 0.15 else owner
    return ProposedChange(mutation=kind, input=input, key=key, owner=owner)
