"""An exact pin names a version that can run (DESIGN §5.1, §6): createAuthConfig and
pinAuthConfig refuse a number with no published, not binned version in the pin source
(PINNED_VERSION_NOT_FOUND, listing the numbers that could be pinned) and change nothing; a
deprecated version is accepted with the warning its effective version shows."""

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, PIN_AUTH_CONFIG_WITH_WARNINGS
from tests.graphql.auth_configs.pinning import (
    in_line,
    managed_and_custom,
    publish_custom,
    publish_managed,
    read_auth_config,
    written,
)
from tests.graphql.lifecycle.documents import (
    DELETE_VERSION_PERMANENTLY,
    DEPRECATE_VERSION,
    MOVE_VERSION_TO_BIN,
)
from tests.graphql.lifecycle.lifecycle import succeeded
from tests.graphql.operations import mutate
from tests.graphql.versions.versioning import assert_error
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]


async def create(graphql: GraphQLClient, keys: Keys, pin: str | None, source: str = "ANY") -> Json:
    input = {"connectorKey": "crm", "name": f"Sales {pin}", "pin": pin, "pinSource": source}
    return await mutate(graphql, CREATE_AUTH_CONFIG, input, key=keys.alpha.admin)


async def repin(graphql: GraphQLClient, keys: Keys, auth_config_id: str, **input: Any) -> Json:
    revision = (await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin))["revision"]
    return await mutate(
        graphql,
        PIN_AUTH_CONFIG_WITH_WARNINGS,
        {"authConfigId": auth_config_id, "revision": revision, **input},
        key=keys.alpha.admin,
    )


def assert_not_found(result: Json, number: str, source: str, available: list[str]) -> None:
    assert_error(result, "PinnedVersionNotFoundError", "PINNED_VERSION_NOT_FOUND")
    assert result["versionNumber"] == number, result
    assert result["pinSource"] == source, result
    assert result["availableVersions"] == available, result
    assert result["message"].startswith(f"pin {number}: "), result


async def given_versions(graphql: GraphQLClient, keys: Keys) -> dict[str, str]:
    """Managed "crm" 1.0.0 and 2.0.0, alpha's custom "crm" 1.0.0 and 1.0.1; ids by label."""
    await managed_and_custom(graphql, keys)
    return {
        "managed 1.0.0": await publish_managed(graphql, keys, "1.0.0", in_line(1)),
        "managed 2.0.0": await publish_managed(graphql, keys, "2.0.0", in_line(2)),
        "custom 1.0.0": await publish_custom(graphql, keys, "1.0.0", in_line(1)),
        "custom 1.0.1": await publish_custom(graphql, keys, "1.0.1", in_line(1)),
    }


@pytest.mark.parametrize(
    ("pin", "source", "available"),
    [
        pytest.param("9.9.9", "ANY", ["2.0.0", "1.0.1", "1.0.0"], id="no such number"),
        pytest.param("2.0.0", "CUSTOM", ["1.0.1", "1.0.0"], id="only the other source has it"),
        pytest.param("1.0.1", "MANAGED", ["2.0.0", "1.0.0"], id="MANAGED: only custom has it"),
    ],
)
async def test_an_exact_pin_without_a_version_is_refused_and_nothing_is_written(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    pin: str,
    source: str,
    available: list[str],
) -> None:
    # given managed and custom versions of "crm", and alpha's auth config with no pin
    await given_versions(graphql, keys)
    existing = (await create(graphql, keys, None))["authConfig"]["id"]
    before = await read_auth_config(graphql, existing, key=keys.alpha.admin)
    counts = await written(session)

    # when an auth config is created with the pin, or the existing one is pinned to it
    created = await create(graphql, keys, pin, source)
    pinned = await repin(graphql, keys, existing, pin=pin, pinSource=source)

    # then both are PINNED_VERSION_NOT_FOUND, listing what the pin source can pin
    assert_not_found(created, pin, source, available)
    assert_not_found(pinned, pin, source, available)
    # and nothing is written
    assert await written(session) == counts
    assert await read_auth_config(graphql, existing, key=keys.alpha.admin) == before


async def test_a_version_in_the_bin_cannot_be_pinned_nor_after_its_permanent_delete(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given custom 1.0.1 in the bin, and an auth config with no pin
    versions = await given_versions(graphql, keys)
    await succeeded(graphql, MOVE_VERSION_TO_BIN, versions["custom 1.0.1"], key=keys.alpha.admin)
    existing = (await create(graphql, keys, None))["authConfig"]["id"]
    counts = await written(session)

    # when it is pinned exactly to 1.0.1 under CUSTOM, by either mutation
    created = await create(graphql, keys, "1.0.1", "CUSTOM")
    pinned = await repin(graphql, keys, existing, pin="1.0.1", pinSource="CUSTOM")

    # then both are refused: 1.0.0 is the one custom number that can be pinned
    assert_not_found(created, "1.0.1", "CUSTOM", ["1.0.0"])
    assert_not_found(pinned, "1.0.1", "CUSTOM", ["1.0.0"])
    assert "in the bin: custom 1.0.1" in created["message"], created

    # and once 1.0.1 is deleted for good, it still cannot be pinned, and nothing was written
    await succeeded(
        graphql, DELETE_VERSION_PERMANENTLY, versions["custom 1.0.1"], key=keys.alpha.admin
    )
    assert_not_found(await create(graphql, keys, "1.0.1", "CUSTOM"), "1.0.1", "CUSTOM", ["1.0.0"])
    assert (await written(session))["AuthConfig"] == counts["AuthConfig"]
    assert (await read_auth_config(graphql, existing, key=keys.alpha.admin))["pin"] is None


async def test_under_any_a_number_in_the_custom_bin_pins_the_managed_version(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given custom 1.0.0 in the bin, and managed 1.0.0 published
    versions = await given_versions(graphql, keys)
    await succeeded(graphql, MOVE_VERSION_TO_BIN, versions["custom 1.0.0"], key=keys.alpha.admin)

    # when an auth config is pinned to exactly 1.0.0 under ANY
    created = await create(graphql, keys, "1.0.0", "ANY")

    # then it is created and runs the managed 1.0.0, as resolution takes it
    assert created["__typename"] == "CreateAuthConfigSuccess", created
    found = await read_auth_config(graphql, created["authConfig"]["id"], key=keys.alpha.admin)
    assert found["effectiveVersion"]["version"]["id"] == versions["managed 1.0.0"]


async def test_changing_only_the_source_of_an_exact_pin_is_checked_too(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given an auth config pinned to exactly 1.0.1 under CUSTOM (managed has no 1.0.1)
    await given_versions(graphql, keys)
    created = await create(graphql, keys, "1.0.1", "CUSTOM")
    auth_config_id = created["authConfig"]["id"]
    before = await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin)
    counts = await written(session)

    # when only its source changes, to MANAGED (the pin left out)
    result = await repin(graphql, keys, auth_config_id, pinSource="MANAGED")

    # then the kept pin names no managed version: refused, and nothing changes
    assert_not_found(result, "1.0.1", "MANAGED", ["2.0.0", "1.0.0"])
    assert await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin) == before
    assert await written(session) == counts

    # while ANY finds the custom 1.0.1
    moved = await repin(graphql, keys, auth_config_id, pinSource="ANY")
    assert moved["__typename"] == "PinAuthConfigSuccess", moved
    assert moved["authConfig"]["pinSource"] == "ANY"


async def test_an_exact_pin_to_a_deprecated_version_is_set_with_its_warning(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given custom 1.0.0 deprecated, and an auth config with no pin
    versions = await given_versions(graphql, keys)
    await succeeded(
        graphql,
        DEPRECATE_VERSION,
        versions["custom 1.0.0"],
        key=keys.alpha.admin,
        message="drops contacts",
    )
    existing = (await create(graphql, keys, None))["authConfig"]["id"]

    # when an auth config is created pinned to exactly 1.0.0, and the other is pinned to it
    created = await create(graphql, keys, "1.0.0")
    pinned = await repin(graphql, keys, existing, pin="1.0.0")

    # then both succeed with the warning their effective version shows
    warning = (
        "pinned custom version 1.0.0 is deprecated (drops contacts); "
        "the pin keeps it until the pin changes"
    )
    successes = ((created, "CreateAuthConfigSuccess"), (pinned, "PinAuthConfigSuccess"))
    for result, typename in successes:
        assert result["__typename"] == typename, result
        assert result["warnings"] == [warning], result
        auth_config_id = result["authConfig"]["id"]
        found = await read_auth_config(graphql, auth_config_id, key=keys.alpha.admin)
        assert found["effectiveVersion"]["warnings"] == [warning]
        assert found["effectiveVersion"]["version"]["id"] == versions["custom 1.0.0"]


async def test_floating_pins_are_not_checked_and_carry_no_warnings(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed and custom versions, custom 1.0.0 deprecated
    versions = await given_versions(graphql, keys)
    await succeeded(graphql, DEPRECATE_VERSION, versions["custom 1.0.0"], key=keys.alpha.admin)

    # when auth configs are created on lines with no version yet, or only a deprecated one
    for pin, source in (("9.x.x", "ANY"), ("3.0.x", "CUSTOM"), ("latest", "CUSTOM"), (None, "ANY")):
        created = await create(graphql, keys, pin, source)
        # then each is created, with no warnings
        assert created["__typename"] == "CreateAuthConfigSuccess", created
        assert created["warnings"] == [], created
        assert (created["authConfig"]["pin"], created["authConfig"]["pinSource"]) == (pin, source)
