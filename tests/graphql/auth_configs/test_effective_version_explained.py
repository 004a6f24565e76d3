"""What the effective version says when it is not simply the highest (DESIGN §5.2): prereleases
that only an exact pin chooses, pins that match nothing, and deprecated and binned versions."""

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import (
    assert_effective,
    chosen,
    effective,
    in_line,
    link,
    managed_and_custom,
    pinned_auth_config,
    publish_custom,
    publish_managed,
    read_account,
    skip,
)
from tests.graphql.versions.version_rows import set_auth_config, set_version
from tests.graphql.versions.versioning import created, new_connector
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

MANAGED_ONLY = "no published custom version matches"


def _prerelease(pin: str) -> str:
    return f"a prerelease; {pin} skips prereleases (pin it exactly to use it)"


async def test_floating_pins_skip_prereleases_and_an_exact_pin_chooses_one(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed "crm" 1.0.0 and 2.0.0-beta.1, and auth configs on each kind of pin
    await new_connector(graphql, "crm", key=keys.platform)
    await publish_managed(graphql, keys, "1.0.0", in_line(1))
    await publish_managed(graphql, keys, "2.0.0-beta.1", in_line(2))
    pins = {
        pin: await pinned_auth_config(
            graphql, "crm", pin or "Default", key=keys.alpha.admin, pin=pin
        )
        for pin in (None, "latest", "2.x.x", "2.0.x", "2.0.0-beta.1")
    }
    beta = skip("2.0.0-beta.1", "MANAGED", "PRERELEASE", _prerelease("the default (no pin)"))

    # then no pin and latest run 1.0.0, saying they passed over the beta
    assert_effective(
        await effective(graphql, pins[None], key=keys.alpha.viewer),
        ("1.0.0", "MANAGED"),
        rule="DEFAULT",
        reason=f"no pin: latest managed version 1.0.0 ({MANAGED_ONLY})",
        skipped=[beta],
    )
    assert_effective(
        await effective(graphql, pins["latest"], key=keys.alpha.viewer),
        ("1.0.0", "MANAGED"),
        rule="LATEST",
        reason=f"latest managed version 1.0.0 ({MANAGED_ONLY})",
        skipped=[{**beta, "reason": _prerelease("the pin latest")}],
    )
    # and the lines of 2 find nothing but the beta, which they skip
    for pin, rule in (("2.x.x", "MAJOR_LINE"), ("2.0.x", "MINOR_LINE")):
        assert_effective(
            await effective(graphql, pins[pin], key=keys.alpha.viewer),
            None,
            rule=rule,
            reason=f"no published custom or managed version matches {pin}; only prereleases "
            f"match (managed 2.0.0-beta.1), and the pin {pin} skips them",
            skipped=[{**beta, "reason": _prerelease(f"the pin {pin}")}],
        )
    # while the exact pin runs the beta
    assert_effective(
        await effective(graphql, pins["2.0.0-beta.1"], key=keys.alpha.viewer),
        ("2.0.0-beta.1", "MANAGED"),
        rule="EXACT",
        reason=f"pinned managed version 2.0.0-beta.1 ({MANAGED_ONLY})",
    )

    # when 2.0.0-beta.2 and then 2.0.0 are published
    await publish_managed(graphql, keys, "2.0.0-beta.2", in_line(2))
    assert await chosen(graphql, pins["2.x.x"], key=keys.alpha.viewer) is None
    await publish_managed(graphql, keys, "2.0.0", in_line(2))

    # then the floating pins run 2.0.0 (the betas rank below it, so none is listed)
    for floating in (None, "latest", "2.x.x", "2.0.x"):
        found = await effective(graphql, pins[floating], key=keys.alpha.viewer)
        assert (found["version"]["version"], found["skipped"]) == ("2.0.0", []), (floating, found)
    # and the exact pin keeps its beta
    assert await chosen(graphql, pins["2.0.0-beta.1"], key=keys.alpha.viewer) == (
        "2.0.0-beta.1",
        "MANAGED",
    )


async def test_a_pin_that_matches_nothing_has_no_version_and_says_why(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given managed "crm" 1.0.0 and 2.0.0, alpha's custom "crm" with only a draft 1.0.0, and
    # auth configs whose pins match nothing (an exact pin to a number without a version can no
    # longer be set, so 9.9.9 is one stored before that rule)
    await managed_and_custom(graphql, keys)
    await publish_managed(graphql, keys, "1.0.0", in_line(1))
    await publish_managed(graphql, keys, "2.0.0", in_line(2))
    custom = (await _custom_connector(graphql, keys))["id"]
    assert (await created(graphql, custom, key=keys.alpha.admin))["version"] == "1.0.0"
    configs = {
        name: await pinned_auth_config(
            graphql, "crm", name, key=keys.alpha.admin, pin=pin, pin_source=source
        )
        for name, pin, source in (
            ("3.x.x", "3.x.x", None),
            ("2.1.x", "2.1.x", None),
            ("9.9.9", None, None),
            ("latest custom", "latest", "CUSTOM"),
        )
    }
    await set_auth_config(session, configs["9.9.9"], pin="9.9.9")
    account = (await link(graphql, configs["3.x.x"], "cust-1", key=keys.alpha.admin))["id"]

    # then each has no version, and a reason naming what it looked for, and what was there
    for name, rule, reason, skipped in (
        ("3.x.x", "MAJOR_LINE", "no published custom or managed version matches 3.x.x", []),
        ("2.1.x", "MINOR_LINE", "no published custom or managed version matches 2.1.x", []),
        ("9.9.9", "EXACT", "no published custom or managed version is 9.9.9", []),
        (
            "latest custom",
            "LATEST",
            (
                "no published custom version matches latest; managed 2.0.0, managed 1.0.0 match, "
                "but the pin source is CUSTOM; not published: custom 1.0.0"
            ),
            [
                skip("2.0.0", "MANAGED", "PIN_SOURCE", "the pin source is CUSTOM"),
                skip("1.0.0", "MANAGED", "PIN_SOURCE", "the pin source is CUSTOM"),
            ],
        ),
    ):
        found = await effective(graphql, configs[name], key=keys.alpha.viewer)
        assert_effective(found, None, rule=rule, reason=reason, skipped=skipped)
    # and an account there runs nothing, and was authenticated under nothing
    linked = await read_account(graphql, account, key=keys.alpha.viewer)
    assert linked["effectiveVersion"]["version"] is None
    assert linked["authenticatedVersion"] is None

    # when 3.0.0 is published, 3.x.x runs it on the next request
    await publish_managed(graphql, keys, "3.0.0", in_line(3))
    assert await chosen(graphql, configs["3.x.x"], key=keys.alpha.viewer) == ("3.0.0", "MANAGED")


async def _custom_connector(graphql: GraphQLClient, keys: Keys) -> dict[str, str]:
    data = await graphql('{ connector(key: "crm", source: CUSTOM) { id } }', key=keys.alpha.viewer)
    return data["connector"]  # type: ignore[no-any-return]


async def test_floating_pins_move_off_a_deprecated_version_and_exact_pins_warn(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given managed "crm" 1.0.0 and 1.1.0, and auth configs on no pin, 1.1.x and exactly 1.1.0
    await new_connector(graphql, "crm", key=keys.platform)
    first = await publish_managed(graphql, keys, "1.0.0", in_line(1))
    second = await publish_managed(graphql, keys, "1.1.0", in_line(1, "a"))
    pins = {
        pin: await pinned_auth_config(
            graphql, "crm", pin or "Default", key=keys.alpha.admin, pin=pin
        )
        for pin in (None, "1.1.x", "1.1.0", "1.0.0")
    }

    # when 1.1.0 is deprecated (deprecateVersion is DESIGN §6; set directly here)
    await set_version(
        session, second, deprecated_at=datetime.now(UTC), deprecation_message="drops contacts"
    )

    # then no pin moves back to 1.0.0 at once, saying why
    assert_effective(
        await effective(graphql, pins[None], key=keys.alpha.viewer),
        ("1.0.0", "MANAGED"),
        rule="DEFAULT",
        reason=f"no pin: latest managed version 1.0.0 ({MANAGED_ONLY})",
        skipped=[
            skip(
                "1.1.0",
                "MANAGED",
                "DEPRECATED",
                "deprecated (drops contacts); a version that is not deprecated matches",
            )
        ],
    )
    # and 1.1.x, with nothing else in its line, keeps 1.1.0 with a warning
    assert_effective(
        await effective(graphql, pins["1.1.x"], key=keys.alpha.viewer),
        ("1.1.0", "MANAGED"),
        rule="MINOR_LINE",
        reason=f"newest managed version in 1.1.x: 1.1.0 ({MANAGED_ONLY})",
        warnings=[
            (
                "managed version 1.1.0 is deprecated (drops contacts); it is used because every "
                "matching managed version is deprecated"
            )
        ],
    )
    # and the exact pin keeps it, warning
    assert_effective(
        await effective(graphql, pins["1.1.0"], key=keys.alpha.viewer),
        ("1.1.0", "MANAGED"),
        rule="EXACT",
        reason=f"pinned managed version 1.1.0 ({MANAGED_ONLY})",
        warnings=[
            (
                "pinned managed version 1.1.0 is deprecated (drops contacts); the pin keeps it "
                "until the pin changes"
            )
        ],
    )

    # when 1.0.0 goes to the bin (moveVersionToBin is DESIGN §6; set directly here)
    await set_version(session, first, binned_at=datetime.now(UTC))

    # then it is no candidate: its exact pin finds nothing and says where it is
    assert_effective(
        await effective(graphql, pins["1.0.0"], key=keys.alpha.viewer),
        None,
        rule="EXACT",
        reason="no published custom or managed version is 1.0.0; in the bin: managed 1.0.0",
    )
    # and no pin falls back to the deprecated 1.1.0, the only one left, with a warning
    found = await effective(graphql, pins[None], key=keys.alpha.viewer)
    assert (found["version"]["version"], len(found["warnings"])) == ("1.1.0", 1), found


async def test_a_deprecated_custom_line_does_not_fall_through_to_managed(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given managed and custom "crm" 1.0.0, and alpha's auth config with no pin
    await managed_and_custom(graphql, keys)
    await publish_managed(graphql, keys, "1.0.0", in_line(1))
    custom = await publish_custom(graphql, keys, "1.0.0", in_line(1))
    auth_config = await pinned_auth_config(graphql, "crm", "Default", key=keys.alpha.admin)

    # when the custom 1.0.0 is deprecated
    await set_version(session, custom, deprecated_at=datetime.now(UTC))

    # then the auth config stays on the custom connector, with a warning (the managed one may
    # need other credentials; pin the source to MANAGED to move there)
    found = await effective(graphql, auth_config, key=keys.alpha.viewer)
    assert_effective(
        found,
        ("1.0.0", "CUSTOM"),
        rule="DEFAULT",
        reason="no pin: latest custom version 1.0.0 (custom versions take precedence)",
        skipped=[
            skip(
                "1.0.0",
                "MANAGED",
                "CUSTOM_PRECEDENCE",
                "a custom version matches, and custom versions take precedence over managed ones",
            )
        ],
        warnings=[
            (
                "custom version 1.0.0 is deprecated; it is used because every matching custom "
                "version is deprecated"
            )
        ],
    )
