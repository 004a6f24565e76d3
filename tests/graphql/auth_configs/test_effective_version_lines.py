"""Floating and exact pins over time (DESIGN §5.2): lines follow new publishes within themselves and
never across; exact pins stay put; `latest` never goes backwards; dev-portal majors coexist."""

import pytest

from tests.graphql.auth_configs.pinning import (
    assert_effective,
    chosen,
    effective,
    in_line,
    link,
    managed_and_custom,
    pinned_auth_config,
    read_account,
)
from tests.graphql.versions.versioning import created, new_connector, publish, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

WHY = {
    "MANAGED": "no published custom version matches",
    "CUSTOM": "custom versions take precedence",
}


def _publisher(keys: Keys, source: str) -> str:
    """The key that pushes to the managed (platform) or to alpha's custom "crm"."""
    return keys.platform if source == "MANAGED" else keys.alpha.admin


@pytest.mark.parametrize("source", ["MANAGED", "CUSTOM"])
async def test_lines_follow_new_publishes_within_themselves_and_exact_pins_stay(
    graphql: GraphQLClient, keys: Keys, source: str
) -> None:
    # given managed and custom "crm", with 1.0.0 and 1.2.0 published to one of them
    await managed_and_custom(graphql, keys)
    publisher = _publisher(keys, source)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=publisher)
    await pushed(graphql, "crm", "1.2.0", in_line(1, "a"), key=publisher)
    # and alpha's auth configs pinned to 1.x.x, 1.2.x, exactly 1.2.0, and not at all
    pins = {
        pin: await pinned_auth_config(
            graphql, "crm", pin or "Default", key=keys.alpha.admin, pin=pin
        )
        for pin in ("1.x.x", "1.2.x", "1.2.0", None)
    }
    account = (await link(graphql, pins["1.x.x"], "cust-1", key=keys.alpha.admin))["id"]

    async def running() -> dict[str | None, str | None]:
        """What each auth config runs, each read in a request of its own."""
        found = {}
        for pin, auth_config in pins.items():
            version = await chosen(graphql, auth_config, key=keys.alpha.viewer)
            assert version is None or version[1] == source, version
            found[pin] = None if version is None else version[0]
        return found

    # then every one runs 1.2.0
    assert await running() == {"1.x.x": "1.2.0", "1.2.x": "1.2.0", "1.2.0": "1.2.0", None: "1.2.0"}

    # when 1.2.1 is published, the lines and the default pick it up on the next request
    await pushed(graphql, "crm", "1.2.1", in_line(1, "a"), key=publisher)
    assert await running() == {"1.x.x": "1.2.1", "1.2.x": "1.2.1", "1.2.0": "1.2.0", None: "1.2.1"}
    # and so does the account on 1.x.x
    found = (await read_account(graphql, account, key=keys.alpha.viewer))["effectiveVersion"]
    assert found["version"]["version"] == "1.2.1"

    # when 1.3.0 is published, 1.x.x follows, and 1.2.x stays within 1.2
    await pushed(graphql, "crm", "1.3.0", in_line(1, "a", "b"), key=publisher)
    assert await running() == {"1.x.x": "1.3.0", "1.2.x": "1.2.1", "1.2.0": "1.2.0", None: "1.3.0"}

    # when 2.0.0 is published, only the default moves to it: 1.x.x stays within 1
    await pushed(graphql, "crm", "2.0.0", in_line(2), key=publisher)
    assert await running() == {"1.x.x": "1.3.0", "1.2.x": "1.2.1", "1.2.0": "1.2.0", None: "2.0.0"}

    # and each says which rule chose and why
    why = WHY[source]
    lower = source.lower()
    for pin, number, rule, what in (
        ("1.x.x", "1.3.0", "MAJOR_LINE", f"newest {lower} version in 1.x.x: 1.3.0"),
        ("1.2.x", "1.2.1", "MINOR_LINE", f"newest {lower} version in 1.2.x: 1.2.1"),
        ("1.2.0", "1.2.0", "EXACT", f"pinned {lower} version 1.2.0"),
        (None, "2.0.0", "DEFAULT", f"no pin: latest {lower} version 2.0.0"),
    ):
        assert_effective(
            await effective(graphql, pins[pin], key=keys.alpha.viewer),
            (number, source),
            rule=rule,
            reason=f"{what} ({why})",
        )


async def test_a_backport_never_moves_latest_backwards(graphql: GraphQLClient, keys: Keys) -> None:
    # given managed "crm" 1.2.4 then 2.0.0, and auth configs on latest, default, 1.x.x and 1.2.x
    await new_connector(graphql, "crm", key=keys.platform)
    await pushed(graphql, "crm", "1.2.4", in_line(1), key=keys.platform)
    await pushed(graphql, "crm", "2.0.0", in_line(2), key=keys.platform)
    pins = {
        pin: await pinned_auth_config(
            graphql, "crm", pin or "Default", key=keys.alpha.admin, pin=pin
        )
        for pin in ("latest", None, "1.x.x", "1.2.x")
    }

    # when the backport 1.2.5 is published after 2.0.0 (it is compared with 1.2.4, not 2.0.0)
    backport = await pushed(graphql, "crm", "1.2.5", in_line(1), key=keys.platform)
    assert (backport["previousVersion"], backport["requiredBump"]) == ("1.2.4", None)

    # then latest and the default stay on 2.0.0, the highest, though 1.2.5 is the newest publish
    assert_effective(
        await effective(graphql, pins["latest"], key=keys.alpha.viewer),
        ("2.0.0", "MANAGED"),
        rule="LATEST",
        reason="latest managed version 2.0.0 (no published custom version matches)",
    )
    assert await chosen(graphql, pins[None], key=keys.alpha.viewer) == ("2.0.0", "MANAGED")
    # while the lines of 1 and 1.2 take the backport
    assert await chosen(graphql, pins["1.x.x"], key=keys.alpha.viewer) == ("1.2.5", "MANAGED")
    assert await chosen(graphql, pins["1.2.x"], key=keys.alpha.viewer) == ("1.2.5", "MANAGED")


async def test_dev_portal_majors_coexist_each_in_its_own_line(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given alpha's custom "portal" with majors 1, 2 and 3, and an auth config on each line and
    # one with no pin
    connector_id = await new_connector(graphql, "portal", key=keys.alpha.admin)
    for number, major in (("1.0.0", 1), ("2.0.0", 2), ("3.0.0", 3)):
        await pushed(graphql, "portal", number, in_line(major), key=keys.alpha.admin)
    pins = {
        pin: await pinned_auth_config(
            graphql, "portal", pin or "Default", key=keys.alpha.admin, pin=pin
        )
        for pin in ("1.x.x", "2.x.x", "3.x.x", None)
    }

    async def running() -> dict[str | None, str | None]:
        found = {}
        for pin, auth_config in pins.items():
            version = await chosen(graphql, auth_config, key=keys.alpha.viewer)
            found[pin] = None if version is None else version[0]
        return found

    # then each line runs its own major, and the default the highest
    assert await running() == {"1.x.x": "1.0.0", "2.x.x": "2.0.0", "3.x.x": "3.0.0", None: "3.0.0"}

    # when each older major gets a release of its own, in any order
    await pushed(graphql, "portal", "2.1.0", in_line(2, "a"), key=keys.alpha.admin)
    await pushed(graphql, "portal", "1.1.0", in_line(1, "a"), key=keys.alpha.admin)
    await pushed(graphql, "portal", "1.1.1", in_line(1, "a"), key=keys.alpha.admin)

    # then each line moves within itself, and the default stays on the highest
    assert await running() == {"1.x.x": "1.1.1", "2.x.x": "2.1.0", "3.x.x": "3.0.0", None: "3.0.0"}

    # when *Add version* makes 4.0.0 as a draft, nothing runs it, and a 4.x.x pin says why
    draft = await created(graphql, connector_id, key=keys.alpha.admin)
    assert draft["version"] == "4.0.0"
    pins["4.x.x"] = await pinned_auth_config(
        graphql, "portal", "Four", key=keys.alpha.admin, pin="4.x.x"
    )
    assert await running() == {
        "1.x.x": "1.1.1",
        "2.x.x": "2.1.0",
        "3.x.x": "3.0.0",
        None: "3.0.0",
        "4.x.x": None,
    }
    assert_effective(
        await effective(graphql, pins["4.x.x"], key=keys.alpha.viewer),
        None,
        rule="MAJOR_LINE",
        reason="no published custom or managed version matches 4.x.x; not published: custom 4.0.0",
    )

    # when it is published, 4.x.x and the default run it, and the other lines stay
    published = await publish(graphql, draft["id"], key=keys.alpha.admin)
    assert published["__typename"] == "PublishVersionSuccess", published
    assert await running() == {
        "1.x.x": "1.1.1",
        "2.x.x": "2.1.0",
        "3.x.x": "3.0.0",
        None: "4.0.0",
        "4.x.x": "4.0.0",
    }
