"""compareVersions (DESIGN §4, §8): the changes between two versions' definitions, the bump they
need, the bump the numbers declare, and whether that is enough."""

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.operations import global_id, with_type
from tests.graphql.versions.documents import COMPARE_VERSIONS
from tests.graphql.versions.version_definitions import (
    BASE,
    MAJOR_CHANGE,
    MINOR_CHANGE,
    PATCH_CHANGE,
    add_scope,
    edited,
    remove_scope,
    set_auth_type,
)
from tests.graphql.versions.version_rows import (
    written,
)
from tests.graphql.versions.versioning import created, new_connector, pushed, updated
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def _compare(
    graphql: GraphQLClient, connector_id: str, older: str, newer: str, *, key: str
) -> dict[str, Any]:
    data = await graphql(
        COMPARE_VERSIONS, {"connectorId": connector_id, "from": older, "to": newer}, key=key
    )
    return data["compareVersions"]  # type: ignore[no-any-return]


async def _draft(
    graphql: GraphQLClient, connector_id: str, number: str, definition: Any, *, key: str
) -> None:
    """A draft of any content: drafts are not bump-checked, so any pair can be compared."""
    draft = await created(graphql, connector_id, key=key, version=number)
    await updated(graphql, draft["id"], key=key, definition=definition)


@pytest.fixture
async def crm(graphql: GraphQLClient, keys: Keys) -> str:
    """alpha's "crm": 1.0.0 and 2.0.0 published, drafts 1.0.1 (breaking), 1.1.0 and 3.0.0 (auth)."""
    connector_id = await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    await pushed(graphql, "crm", "2.0.0", edited(BASE, MAJOR_CHANGE), key=keys.alpha.admin)
    await _draft(graphql, connector_id, "1.0.1", edited(BASE, MAJOR_CHANGE), key=keys.alpha.admin)
    minor = edited(BASE, PATCH_CHANGE, MINOR_CHANGE)
    await _draft(graphql, connector_id, "1.1.0", minor, key=keys.alpha.admin)
    auth = edited(BASE, set_auth_type("api_key"), add_scope("deals.read"), PATCH_CHANGE)
    auth = edited(auth, remove_scope("contacts.read"))
    await _draft(graphql, connector_id, "3.0.0", auth, key=keys.alpha.admin)
    return connector_id


COMPARISONS = [
    # from, to, required, declared, sufficient, paths
    ("1.0.0", "1.0.0", None, None, True, []),
    ("1.0.0", "2.0.0", "MAJOR", "MAJOR", True, ["actions[get_contact]"]),
    ("1.0.0", "1.0.1", "MAJOR", "PATCH", False, ["actions[get_contact]"]),
    (
        "1.0.0",
        "1.1.0",
        "MINOR",
        "MINOR",
        True,
        ["actions[export_contacts]", "actions[list_contacts].description"],
    ),
    ("2.0.0", "1.0.0", "MINOR", None, False, ["actions[get_contact]"]),
    ("1.0.1", "2.0.0", None, "MAJOR", True, []),
]


@pytest.mark.parametrize(
    ("older", "newer", "required", "declared", "sufficient", "paths"), COMPARISONS
)
async def test_a_comparison_lists_the_changes_and_the_bumps(
    graphql: GraphQLClient,
    keys: Keys,
    crm: str,
    older: str,
    newer: str,
    required: str | None,
    declared: str | None,
    sufficient: bool,
    paths: list[str],
) -> None:
    # when two versions are compared (published or not)
    result = await _compare(graphql, crm, older, newer, key=keys.alpha.viewer)

    # then the changes, the bump they need, the bump the numbers declare, and whether it suffices
    assert result["__typename"] == "VersionComparison", result
    assert (result["requiredBump"], result["declaredBump"], result["sufficient"]) == (
        required,
        declared,
        sufficient,
    )
    assert [change["path"] for change in result["changes"]] == paths
    assert all(change["description"] for change in result["changes"])


async def test_auth_changes_are_marked_as_affecting_auth(
    graphql: GraphQLClient, keys: Keys, crm: str
) -> None:
    # when 1.0.0 is compared with 3.0.0 (auth type changed, a scope added and one removed)
    result = await _compare(graphql, crm, "1.0.0", "3.0.0", key=keys.alpha.viewer)

    # then each auth change is marked, with its bump, and the action change is not
    assert result["__typename"] == "VersionComparison", result
    assert [(c["path"], c["bump"], c["affectsAuth"]) for c in result["changes"]] == [
        ("actions[list_contacts].description", "PATCH", False),
        ("auth.scopes[contacts.read]", "PATCH", True),
        ("auth.scopes[deals.read]", "MAJOR", True),
        ("auth.type", "MAJOR", True),
    ]
    assert (result["requiredBump"], result["declaredBump"], result["sufficient"]) == (
        "MAJOR",
        "MAJOR",
        True,
    )


async def test_a_push_lists_auth_changes_as_affecting_auth(
    graphql: GraphQLClient, keys: Keys, crm: str
) -> None:
    # when 4.0.0 changes the auth type over 2.0.0, and 1.0.2 only removes a scope over 1.0.0
    major = await pushed(
        graphql,
        "crm",
        "4.0.0",
        edited(BASE, MAJOR_CHANGE, set_auth_type("basic")),
        key=keys.alpha.admin,
    )
    patch = await pushed(
        graphql, "crm", "1.0.2", edited(BASE, remove_scope("contacts.read")), key=keys.alpha.admin
    )

    # then the listed changes mark the auth ones
    assert [(c["path"], c["affectsAuth"]) for c in major["changes"]] == [("auth.type", True)]
    assert (major["previousVersion"], major["requiredBump"]) == ("2.0.0", "MAJOR")
    assert [(c["path"], c["bump"], c["affectsAuth"]) for c in patch["changes"]] == [
        ("auth.scopes[contacts.read]", "PATCH", True)
    ]


async def test_an_unknown_version_is_not_found(
    graphql: GraphQLClient, keys: Keys, crm: str
) -> None:
    for older, newer in [("1.0.0", "9.9.9"), ("0.1.0", "1.0.0"), ("1.0.0", "2.0.0-rc.1")]:
        result = await _compare(graphql, crm, older, newer, key=keys.alpha.viewer)
        assert result["__typename"] == "NotFoundError", result
        assert result["code"] == "NOT_FOUND"


@pytest.mark.parametrize("runtime", ["DEFINITION", "IMAGE"])
async def test_a_version_without_a_definition_cannot_be_compared(
    graphql: GraphQLClient, keys: Keys, runtime: str
) -> None:
    # given a first draft 1.0.0 without a definition, and 2.0.0 with one
    connector_id = await new_connector(graphql, "erp", key=keys.alpha.admin, runtime=runtime)
    await created(graphql, connector_id, key=keys.alpha.admin)
    with_definition = await created(graphql, connector_id, key=keys.alpha.admin)
    await updated(graphql, with_definition["id"], key=keys.alpha.admin, definition=BASE)

    # when 1.0.0 is compared, on either side
    for older, newer, field in [("1.0.0", "2.0.0", "from"), ("2.0.0", "1.0.0", "to")]:
        result = await _compare(graphql, connector_id, older, newer, key=keys.alpha.viewer)
        # then the side without a definition is named
        assert result["__typename"] == "InvalidInputError", result
        assert (result["code"], result["field"]) == ("INVALID_INPUT", field)


@pytest.mark.parametrize(("older", "newer"), [("v1.0.0", "2.0.0"), ("1.0.0", "2.0"), ("1", "2")])
async def test_invalid_numbers_are_refused(
    graphql: GraphQLClient, keys: Keys, crm: str, older: str, newer: str
) -> None:
    result = await _compare(graphql, crm, older, newer, key=keys.alpha.viewer)
    assert result["__typename"] == "InvalidVersionError", result
    assert result["code"] == "INVALID_VERSION"


async def test_another_projects_connector_is_not_found(
    graphql: GraphQLClient, keys: Keys, crm: str
) -> None:
    # when beta, or the platform, compares alpha's versions, or anyone a missing connector
    for connector_id, key in [
        (crm, keys.beta.viewer),
        (crm, keys.beta.admin),
        (crm, keys.platform),
        (global_id("Connector"), keys.alpha.viewer),
        (with_type(crm, "Project"), keys.alpha.viewer),
    ]:
        result = await _compare(graphql, connector_id, "1.0.0", "2.0.0", key=key)
        # then it is not found
        assert result["__typename"] == "NotFoundError", result
        assert result["code"] == "NOT_FOUND"


async def test_a_managed_connector_is_compared_by_any_project(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed connector with 1.0.0 and 1.1.0
    managed = await new_connector(graphql, "erp", key=keys.platform)
    await pushed(graphql, "erp", "1.0.0", BASE, key=keys.platform)
    await pushed(graphql, "erp", "1.1.0", edited(BASE, MINOR_CHANGE), key=keys.platform)
    before = await written(session)

    # when a project's viewer compares them, then it sees the changes
    result = await _compare(graphql, managed, "1.0.0", "1.1.0", key=keys.beta.viewer)
    assert result["__typename"] == "VersionComparison", result
    assert (result["requiredBump"], result["sufficient"]) == ("MINOR", True)
    # and a comparison writes nothing
    assert await written(session) == before
