"""`Query.events` (DESIGN §1, §7): the history, newest first, scoped like everything else."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.graphql.events.documents import EVENTS
from tests.graphql.operations import (
    create_auth_config,
    create_connector,
    global_id,
    link_account,
    with_type,
)
from tests.graphql.versions.versioning import created
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

Json = dict[str, Any]


async def _events(graphql: GraphQLClient, *, key: str, **variables: Any) -> Json:
    return (await graphql(EVENTS, variables, key=key))["events"]  # type: ignore[no-any-return]


def _nodes(connection: Json) -> list[Json]:
    return [edge["node"] for edge in connection["edges"]]


def _kinds(connection: Json) -> list[str]:
    return [node["kind"] for node in _nodes(connection)]


async def test_a_project_key_reads_its_projects_events_newest_first(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a connector in each project
    alpha_crm = await create_connector(graphql, "crm", key=keys.alpha.admin)
    beta_crm = await create_connector(graphql, "crm", key=keys.beta.admin)

    # when alpha's viewer reads the history
    events = await _events(graphql, key=keys.alpha.viewer)

    # then it sees alpha's events only, newest first, with their objects and actor
    nodes = _nodes(events)
    assert nodes[0]["kind"] == "CONNECTOR_CREATED"
    assert nodes[0]["connectorId"] == alpha_crm
    assert nodes[0]["payload"] == {"key": "crm", "runtime": "DEFINITION", "managed": False}
    assert nodes[0]["actor"]["role"] == "ADMIN"
    assert all(node["connectorId"] != beta_crm for node in nodes)
    ids = [int(node["id"]) for node in nodes]
    assert ids == sorted(ids, reverse=True)
    assert events["totalCount"] == len(nodes)
    # the project was made from the command line: no actor
    assert nodes[-1]["kind"] == "PROJECT_CREATED"
    assert nodes[-1]["actor"] is None
    assert nodes[-1]["payload"]["slug"] == "alpha"


async def test_the_actor_is_the_key_that_made_the_change(
    graphql: GraphQLClient, keys: Keys
) -> None:
    await create_connector(graphql, "crm", key=keys.alpha.admin)
    node = _nodes(await _events(graphql, key=keys.alpha.viewer, first=1))[0]
    viewer = await graphql("{ viewer { apiKey { id } } }", key=keys.alpha.admin)
    assert node["actor"]["id"] == viewer["viewer"]["apiKey"]["id"]


async def test_filters_by_connector_version_auth_config_and_kind(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given two connectors, a version of one, and an auth config with a linked account
    crm = await create_connector(graphql, "crm", key=keys.alpha.admin)
    await create_connector(graphql, "erp", key=keys.alpha.admin)
    version = await created(graphql, crm, key=keys.alpha.admin)
    auth_config = await create_auth_config(graphql, "crm", "main", key=keys.alpha.admin)
    account = await link_account(graphql, auth_config, "user-1", key=keys.alpha.admin)
    key = keys.alpha.viewer

    # then each filter narrows the history to the events naming that object or kind
    by_connector = await _events(graphql, key=key, connectorId=crm)
    assert _kinds(by_connector) == ["VERSION_CREATED", "CONNECTOR_CREATED"]
    assert {node["connectorId"] for node in _nodes(by_connector)} == {crm}

    by_version = await _events(graphql, key=key, versionId=version["id"])
    assert _kinds(by_version) == ["VERSION_CREATED"]
    assert _nodes(by_version)[0]["versionId"] == version["id"]

    by_auth_config = await _events(graphql, key=key, authConfigId=auth_config)
    assert _kinds(by_auth_config) == ["ACCOUNT_LINKED", "AUTH_CONFIG_CREATED"]
    assert _nodes(by_auth_config)[0]["linkedAccountId"] == account

    by_kind = await _events(graphql, key=key, kind="CONNECTOR_CREATED")
    assert [node["connectorId"] is not None for node in _nodes(by_kind)] == [True, True]
    assert by_kind["totalCount"] == 2

    both = await _events(graphql, key=key, connectorId=crm, kind="CONNECTOR_CREATED")
    assert _kinds(both) == ["CONNECTOR_CREATED"]


async def test_ids_that_cannot_match_give_an_empty_page_not_an_error(
    graphql: GraphQLClient, keys: Keys
) -> None:
    crm = await create_connector(graphql, "crm", key=keys.alpha.admin)
    beta_crm = await create_connector(graphql, "crm", key=keys.beta.admin)
    empty = {"totalCount": 0, "edges": []}
    cases: list[Json] = [
        {"connectorId": "not a global id"},
        {"connectorId": with_type(crm, "AuthConfig")},
        {"connectorId": global_id("Connector")},
        {"connectorId": beta_crm},  # another project's: indistinguishable from missing
        {"versionId": "bm9wZQ=="},
        {"authConfigId": crm},
        {"kind": "VERSION_DELETED"},  # a kind nothing has written yet
    ]
    for variables in cases:
        events = await _events(graphql, key=keys.alpha.admin, **variables)
        assert {name: events[name] for name in empty} == empty, variables


async def test_a_kind_outside_the_catalogue_is_refused_by_name(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # the stored dotted form is not a GraphQL value: the enum's names are
    for kind in ('"connector.created"', "NO_SUCH_KIND"):
        errors = await graphql.errors(
            f"{{ events(kind: {kind}) {{ totalCount }} }}", key=keys.alpha.admin
        )
        assert len(errors) == 1
        assert "EventKind" in errors[0]["message"], errors


async def test_pages_follow_cursors_newest_first(graphql: GraphQLClient, keys: Keys) -> None:
    # given five connector events
    for name in ("a1", "a2", "a3", "a4", "a5"):
        await create_connector(graphql, name, key=keys.alpha.admin)
    key = keys.alpha.viewer

    # when the history of that kind is read two at a time
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await _events(graphql, key=key, first=2, after=after, kind="CONNECTOR_CREATED")
        pages += 1
        assert page["totalCount"] == 5
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        seen += [node["payload"]["key"] for node in _nodes(page)]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then every event comes once, newest first
    assert pages == 3
    assert seen == ["a5", "a4", "a3", "a2", "a1"]


async def test_a_bad_page_request_is_a_client_error(graphql: GraphQLClient, keys: Keys) -> None:
    for variables in ({"first": 0}, {"first": 101}, {"after": "garbage"}):
        errors = await graphql.errors(EVENTS, variables, key=keys.alpha.admin)
        assert "first" in errors[0]["message"] or "after" in errors[0]["message"], errors


async def test_a_platform_key_reads_platform_events_only(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given a managed connector (a platform event) and a custom one of alpha
    managed = await create_connector(graphql, "mail", key=keys.platform)
    custom = await create_connector(graphql, "crm", key=keys.alpha.admin)

    # then the platform sees the managed connector's event, and no project's
    platform = _nodes(await _events(graphql, key=keys.platform, kind="CONNECTOR_CREATED"))
    assert [node["connectorId"] for node in platform] == [managed]
    assert platform[0]["actor"]["role"] == "PLATFORM_ADMIN"
    assert _nodes(await _events(graphql, key=keys.platform, connectorId=custom)) == []
    assert all(node["kind"] != "PROJECT_CREATED" for node in platform)

    # and a project key sees none of the platform's events, even about a managed connector
    assert _nodes(await _events(graphql, key=keys.alpha.admin, connectorId=managed)) == []


async def test_two_or_twenty_events_with_actors_take_the_same_statements(
    graphql: GraphQLClient, engine: AsyncEngine, keys: Keys
) -> None:
    # given twenty events made by two keys
    for index in range(10):
        await create_connector(graphql, f"a{index}", key=keys.alpha.admin)
        await create_connector(graphql, f"p{index}", key=keys.platform)

    async def count(key: str, first: int) -> int:
        with recorded_statements(engine) as statements:
            events = await _events(graphql, key=key, first=first, kind="CONNECTOR_CREATED")
        assert len(events["edges"]) == first
        assert all(node["actor"] is not None for node in _nodes(events))
        return len(statements)

    # then the actors are loaded in one batch, however many events there are
    assert await count(keys.alpha.viewer, 2) == await count(keys.alpha.viewer, 10)
    assert await count(keys.platform, 2) == await count(keys.platform, 10)


@pytest.mark.parametrize(
    ("declared", "value", "names"),
    [("EventKind", "version.created", "EventKind"), ("Int", "x", "Int")],
)
async def test_a_variable_of_the_wrong_type_is_a_readable_error(
    graphql: GraphQLClient, keys: Keys, declared: str, value: str, names: str
) -> None:
    # when a variable carries a value its declared type refuses
    field = "events(kind: $v)" if declared == "EventKind" else "events(first: $v)"
    errors = await graphql.errors(
        f"query ($v: {declared}) {{ {field} {{ totalCount }} }}", {"v": value}, key=keys.alpha.admin
    )
    # then the error says so, rather than a masked "Unexpected error"
    (error,) = errors
    assert error["message"].startswith("Variable '$v' has invalid value"), error
    assert names in error["message"]
