"""The effective version through GraphQL (DESIGN §5.2), StackOne's scenarios: a managed connector
and a project's custom connector of one key; the default is the latest custom version, else the
latest managed one; *Latest StackOne* is latest+MANAGED, *Latest custom* is latest+CUSTOM."""

from tests.graphql.auth_configs.pinning import (
    assert_effective,
    effective,
    in_line,
    link,
    managed_and_custom,
    pinned_auth_config,
    publish_custom,
    publish_managed,
    read_account,
    repin,
    skip,
)
from tests.graphql.versions.documents import READ_CONNECTOR_VERSIONS
from tests.graphql.versions.version_definitions import BASE, MINOR_CHANGE, edited
from tests.graphql.versions.versioning import new_connector
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

PRECEDENCE = "a custom version matches, and custom versions take precedence over managed ones"
MANAGED = "the pin source is MANAGED"
CUSTOM = "the pin source is CUSTOM"


async def test_no_pin_is_the_latest_custom_version_else_the_latest_managed_one(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a managed "crm" 1.0.0 and 1.1.0, alpha's custom "crm" with no version yet, and an
    # auth config with no pin in alpha and in beta
    await managed_and_custom(graphql, keys)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    await publish_managed(graphql, keys, "1.1.0", edited(BASE, MINOR_CHANGE))
    alpha = await pinned_auth_config(graphql, "crm", "Sales", key=keys.alpha.admin)
    beta = await pinned_auth_config(graphql, "crm", "Sales", key=keys.beta.admin)

    # then both run the latest managed version
    for auth_config, key in ((alpha, keys.alpha.viewer), (beta, keys.beta.viewer)):
        assert_effective(
            await effective(graphql, auth_config, key=key),
            ("1.1.0", "MANAGED"),
            rule="DEFAULT",
            reason="no pin: latest managed version 1.1.0 (no published custom version matches)",
        )

    # when alpha publishes its first custom version, 1.0.0 (lower than the managed 1.1.0)
    await publish_custom(graphql, keys, "1.0.0", BASE)

    # then alpha's accounts run it at once, and the managed versions it outranks are explained
    assert_effective(
        await effective(graphql, alpha, key=keys.alpha.viewer),
        ("1.0.0", "CUSTOM"),
        rule="DEFAULT",
        reason="no pin: latest custom version 1.0.0 (custom versions take precedence)",
        skipped=[
            skip("1.1.0", "MANAGED", "CUSTOM_PRECEDENCE", PRECEDENCE),
            skip("1.0.0", "MANAGED", "CUSTOM_PRECEDENCE", PRECEDENCE),
        ],
    )
    # while beta, which has no custom "crm", stays on the managed one
    assert_effective(
        await effective(graphql, beta, key=keys.beta.viewer),
        ("1.1.0", "MANAGED"),
        rule="DEFAULT",
        reason="no pin: latest managed version 1.1.0 (no published custom version matches)",
    )


async def test_latest_managed_and_latest_custom_each_keep_to_their_source(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed "crm" 1.0.0 and 1.1.0, alpha's custom "crm" 1.0.0 and 2.0.0, and auth configs
    # on latest+MANAGED ("Latest StackOne"), latest+CUSTOM ("Latest custom") and latest+ANY
    await managed_and_custom(graphql, keys)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    await publish_managed(graphql, keys, "1.1.0", edited(BASE, MINOR_CHANGE))
    await publish_custom(graphql, keys, "1.0.0", BASE)
    await publish_custom(graphql, keys, "2.0.0", in_line(2))
    stackone = await pinned_auth_config(
        graphql, "crm", "StackOne", key=keys.alpha.admin, pin="latest", pin_source="MANAGED"
    )
    custom = await pinned_auth_config(
        graphql, "crm", "Custom", key=keys.alpha.admin, pin="latest", pin_source="CUSTOM"
    )
    anywhere = await pinned_auth_config(
        graphql, "crm", "Any", key=keys.alpha.admin, pin="latest", pin_source="ANY"
    )

    # then latest+MANAGED runs managed 1.1.0, passing over the higher custom 2.0.0
    assert_effective(
        await effective(graphql, stackone, key=keys.alpha.viewer),
        ("1.1.0", "MANAGED"),
        rule="LATEST",
        reason="latest managed version 1.1.0 (pin source MANAGED)",
        skipped=[skip("2.0.0", "CUSTOM", "PIN_SOURCE", MANAGED)],
    )
    # and latest+CUSTOM and latest+ANY run custom 2.0.0 (no managed version ranks as high)
    assert_effective(
        await effective(graphql, custom, key=keys.alpha.viewer),
        ("2.0.0", "CUSTOM"),
        rule="LATEST",
        reason="latest custom version 2.0.0 (pin source CUSTOM)",
    )
    assert_effective(
        await effective(graphql, anywhere, key=keys.alpha.viewer),
        ("2.0.0", "CUSTOM"),
        rule="LATEST",
        reason="latest custom version 2.0.0 (custom versions take precedence)",
    )

    # when the platform publishes managed 3.0.0
    await publish_managed(graphql, keys, "3.0.0", in_line(3))

    # then latest+MANAGED moves to it on the next request
    assert_effective(
        await effective(graphql, stackone, key=keys.alpha.viewer),
        ("3.0.0", "MANAGED"),
        rule="LATEST",
        reason="latest managed version 3.0.0 (pin source MANAGED)",
    )
    # while latest+CUSTOM and latest+ANY stay on custom 2.0.0, each saying why
    assert_effective(
        await effective(graphql, custom, key=keys.alpha.viewer),
        ("2.0.0", "CUSTOM"),
        rule="LATEST",
        reason="latest custom version 2.0.0 (pin source CUSTOM)",
        skipped=[skip("3.0.0", "MANAGED", "PIN_SOURCE", CUSTOM)],
    )
    assert_effective(
        await effective(graphql, anywhere, key=keys.alpha.viewer),
        ("2.0.0", "CUSTOM"),
        rule="LATEST",
        reason="latest custom version 2.0.0 (custom versions take precedence)",
        skipped=[skip("3.0.0", "MANAGED", "CUSTOM_PRECEDENCE", PRECEDENCE)],
    )


async def test_custom_beats_managed_at_the_same_number(graphql: GraphQLClient, keys: Keys) -> None:
    # given managed and custom "crm", each with its own 1.0.0
    await managed_and_custom(graphql, keys)
    managed_id = await publish_managed(graphql, keys, "1.0.0", BASE)
    custom_id = await publish_custom(graphql, keys, "1.0.0", edited(BASE, MINOR_CHANGE))
    no_pin = await pinned_auth_config(graphql, "crm", "Default", key=keys.alpha.admin)
    exact = await pinned_auth_config(graphql, "crm", "Exact", key=keys.alpha.admin, pin="1.0.0")
    line = await pinned_auth_config(graphql, "crm", "Line", key=keys.alpha.admin, pin="1.0.x")

    # then every pin of source ANY runs the custom 1.0.0, the very row of the custom connector
    cases = [
        (no_pin, "DEFAULT", "no pin: latest custom version 1.0.0"),
        (exact, "EXACT", "pinned custom version 1.0.0"),
        (line, "MINOR_LINE", "newest custom version in 1.0.x: 1.0.0"),
    ]
    for auth_config, rule, what in cases:
        found = await effective(graphql, auth_config, key=keys.alpha.viewer)
        assert_effective(
            found,
            ("1.0.0", "CUSTOM"),
            rule=rule,
            reason=f"{what} (custom versions take precedence)",
            skipped=[skip("1.0.0", "MANAGED", "CUSTOM_PRECEDENCE", PRECEDENCE)],
        )
        assert found["version"]["id"] == custom_id

    # when the exact pin's source is set to MANAGED
    await repin(graphql, exact, "1.0.0", key=keys.alpha.admin, pin_source="MANAGED")

    # then it runs the managed 1.0.0 instead
    assert_effective(
        await effective(graphql, exact, key=keys.alpha.viewer),
        ("1.0.0", "MANAGED"),
        rule="EXACT",
        reason="pinned managed version 1.0.0 (pin source MANAGED)",
        skipped=[skip("1.0.0", "CUSTOM", "PIN_SOURCE", MANAGED)],
    )
    assert (await effective(graphql, exact, key=keys.alpha.viewer))["version"]["id"] == managed_id

    # and when the platform publishes managed 1.0.1, custom 1.0.0 still wins under ANY
    await publish_managed(graphql, keys, "1.0.1", BASE)
    assert_effective(
        await effective(graphql, line, key=keys.alpha.viewer),
        ("1.0.0", "CUSTOM"),
        rule="MINOR_LINE",
        reason="newest custom version in 1.0.x: 1.0.0 (custom versions take precedence)",
        skipped=[
            skip("1.0.1", "MANAGED", "CUSTOM_PRECEDENCE", PRECEDENCE),
            skip("1.0.0", "MANAGED", "CUSTOM_PRECEDENCE", PRECEDENCE),
        ],
    )


async def test_a_linked_account_runs_its_auth_configs_effective_version(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed and custom "crm", and an account on each of two differently pinned configs
    await managed_and_custom(graphql, keys)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    await publish_managed(graphql, keys, "2.0.0", in_line(2))
    await publish_custom(graphql, keys, "1.0.0", BASE)
    default = await pinned_auth_config(graphql, "crm", "Default", key=keys.alpha.admin)
    stackone = await pinned_auth_config(
        graphql, "crm", "StackOne", key=keys.alpha.admin, pin="latest", pin_source="MANAGED"
    )
    on_default = (await link(graphql, default, "cust-1", key=keys.alpha.admin))["id"]
    on_stackone = (await link(graphql, stackone, "cust-2", key=keys.alpha.admin))["id"]

    # then each account's effective version is, field for field, its auth config's
    for account, auth_config, number, source in (
        (on_default, default, "1.0.0", "CUSTOM"),
        (on_stackone, stackone, "2.0.0", "MANAGED"),
    ):
        found = (await read_account(graphql, account, key=keys.alpha.viewer))["effectiveVersion"]
        assert found == await effective(graphql, auth_config, key=keys.alpha.viewer)
        assert (found["version"]["version"], found["source"]) == (number, source)

    # and when alpha publishes custom 1.1.0, the default account moves on its next request
    await publish_custom(graphql, keys, "1.1.0", edited(BASE, MINOR_CHANGE))
    found = (await read_account(graphql, on_default, key=keys.alpha.viewer))["effectiveVersion"]
    assert (found["version"]["version"], found["source"]) == ("1.1.0", "CUSTOM")


async def test_the_connector_and_the_effective_version_agree_on_latest(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed "crm" 1.0.0 and 2.0.0, and latest+MANAGED
    await new_connector(graphql, "crm", key=keys.platform)
    await publish_managed(graphql, keys, "1.0.0", BASE)
    await publish_managed(graphql, keys, "2.0.0", in_line(2))
    stackone = await pinned_auth_config(
        graphql, "crm", "StackOne", key=keys.alpha.admin, pin="latest", pin_source="MANAGED"
    )

    # then the effective version is the connector's latestVersion
    connector = await graphql(
        READ_CONNECTOR_VERSIONS,
        {"key": "crm", "source": "MANAGED", "number": "2.0.0"},
        key=keys.alpha.viewer,
    )
    found = await effective(graphql, stackone, key=keys.alpha.viewer)
    assert connector["connector"]["latestVersion"] == {"version": "2.0.0"}
    assert found["version"]["id"] == connector["connector"]["version"]["id"]
