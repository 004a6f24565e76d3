"""The impact preview (DESIGN §12): what a change would do, without doing it."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector, LinkedAccount
from tests.graphql.auth_configs.pinning import (
    chosen,
    in_line,
    link,
    pinned_auth_config,
    read_auth_config,
    set_active,
)
from tests.graphql.impact.documents import IMPACT, MOVING_ACCOUNTS
from tests.graphql.impact.impact import impact, moves, push_change, reauth_line
from tests.graphql.lifecycle.documents import DEPRECATE_VERSION
from tests.graphql.lifecycle.lifecycle import lifecycle
from tests.graphql.operations import count_rows
from tests.graphql.versions.version_rows import written
from tests.graphql.versions.versioning import create, new_connector, publish, pushed, update
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def _stamps(session: AsyncSession) -> list[int]:
    query = select(col(Connector.versions_stamp)).order_by(col(Connector.id))
    rows = (await session.exec(query)).all()
    return list(rows)


async def test_a_push_previews_moves_and_reauthentication_and_writes_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's "crm" 1.0.0, "Floating" on latest with two accounts, "Exact" on 1.0.0
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin, pin="latest")
    exact = await pinned_auth_config(graphql, "crm", "Exact", key=admin, pin="1.0.0")
    await link(graphql, floating, "a", key=admin)
    await link(graphql, floating, "b", key=admin)
    await link(graphql, exact, "c", key=admin)
    counts = await written(session)
    accounts = await count_rows(session, LinkedAccount)
    stamps = await _stamps(session)

    # when a push of 2.0.0 whose auth needs another scope is previewed
    change = {
        "pushVersion": {
            "connectorKey": "crm",
            "version": "2.0.0",
            "definition": reauth_line(2, "x"),
        }
    }
    answer = await impact(graphql, change, key=admin)

    # then only Floating moves, 1.0.0 -> 2.0.0, both its accounts needing re-authentication
    assert answer["refusal"] is None
    assert (answer["authConfigsChanged"], answer["accountsMoving"]) == (1, 2)
    assert answer["accountsNewlyNeedingReauthentication"] == 2
    move = moves(answer)[floating]
    assert (move["from"]["number"], move["from"]["rule"]) == ("1.0.0", "LATEST")
    # 2.0.0 exists only inside the preview: a number, no node
    assert (move["to"]["number"], move["to"]["version"]) == ("2.0.0", None)
    assert (move["accountsMoving"], move["accountsNeedingReauthentication"]) == (2, 2)
    assert move["active"] is True
    assert answer["leftWithoutVersion"]["edges"] == []

    # and nothing was written: rows, events, stamps
    assert await written(session) == counts
    assert await count_rows(session, LinkedAccount) == accounts
    assert await _stamps(session) == stamps
    assert await chosen(graphql, floating, key=admin) == ("1.0.0", "CUSTOM")


async def test_a_refused_push_answers_the_mutations_error(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given "crm" 1.0.0
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    # when 1.1.0 with a MAJOR change is previewed, then the refusal is the push's own
    change = push_change("crm", "1.1.0", in_line(2))
    answer = await impact(graphql, change, key=admin)
    assert answer["refusal"]["__typename"] == "InsufficientVersionBumpError"
    assert answer["refusal"]["requiredBump"] == "MAJOR"
    assert answer["authConfigsChanged"] == 0


async def test_a_binned_version_in_use_is_refused_with_blockers(
    graphql: GraphQLClient, keys: Keys
) -> None:
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    version = (await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin))["version"]["id"]
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin)
    await link(graphql, floating, "a", key=admin)
    answer = await impact(graphql, {"moveVersionToBin": {"versionId": version}}, key=admin)
    assert answer["refusal"]["__typename"] == "VersionInUseError"
    assert answer["refusal"]["blockers"][0]["authConfigId"] == floating


async def test_a_viewer_is_forbidden_without_the_change_being_made(
    graphql: GraphQLClient, keys: Keys
) -> None:
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin)
    change = {
        "pushVersion": {"connectorKey": "crm", "version": "1.1.0", "definition": in_line(1, "a")}
    }
    answer = await impact(graphql, change, key=keys.alpha.viewer)
    assert answer["refusal"]["code"] == "FORBIDDEN"
    # no moves: they can only be found by making the change, which a VIEWER may not
    assert (answer["authConfigsChanged"], list(moves(answer))) == (0, [])
    # while the ADMIN sees them
    assert list(moves(await impact(graphql, change, key=admin))) == [floating]
    # another project's version is NOT_FOUND, with nothing to show
    version = (await pushed(graphql, "crm", "1.2.0", in_line(1, "b"), key=admin))["version"]["id"]
    answer = await impact(
        graphql, {"deprecateVersion": {"versionId": version}}, key=keys.beta.admin
    )
    assert answer["refusal"]["code"] == "NOT_FOUND"
    assert answer["authConfigsChanged"] == 0


async def test_a_managed_change_is_previewed_by_a_platform_key_only(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given managed "mail" 1.0.0 and a draft 1.1.0, an auth config in alpha and one in beta
    platform = keys.platform
    connector = await new_connector(graphql, "mail", key=platform)
    await pushed(graphql, "mail", "1.0.0", in_line(1), key=platform)
    alpha = await pinned_auth_config(graphql, "mail", "A", key=keys.alpha.admin)
    beta = await pinned_auth_config(graphql, "mail", "B", key=keys.beta.admin)
    draft = (await create(graphql, connector, key=platform, bump="MINOR"))["version"]["id"]
    await update(graphql, draft, key=platform, definition=in_line(1, "a"))
    change = {"publishVersion": {"versionId": draft}}
    # then the platform sees both move; a project key may not publish it: FORBIDDEN, as the
    # mutation answers, and no moves (the change is not made to find them)
    assert set(moves(await impact(graphql, change, key=platform))) == {alpha, beta}
    for key in (keys.alpha.admin, keys.beta.viewer):
        answer = await impact(graphql, change, key=key)
        assert answer["refusal"]["code"] == "FORBIDDEN"
        assert list(moves(answer)) == []


async def test_a_preview_leaves_the_process_caches_as_they_were(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given "crm" 1.0.0 and a draft 1.1.0, "Floating" read once (its candidates kept)
    admin = keys.alpha.admin
    connector = await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin)
    draft = (await create(graphql, connector, key=admin, bump="MINOR"))["version"]["id"]
    await update(graphql, draft, key=admin, definition=in_line(1, "a"))
    assert await chosen(graphql, floating, key=admin) == ("1.0.0", "CUSTOM")
    # when its publish is previewed, then the lookup still answers 1.0.0
    answer = await impact(graphql, {"publishVersion": {"versionId": draft}}, key=admin)
    assert moves(answer)[floating]["to"]["number"] == "1.1.0"
    assert await chosen(graphql, floating, key=admin) == ("1.0.0", "CUSTOM")
    # and once it is published for real, 1.1.0
    assert (await publish(graphql, draft, key=admin))["__typename"] == "PublishVersionSuccess"
    assert await chosen(graphql, floating, key=admin) == ("1.1.0", "CUSTOM")


async def test_moving_accounts_come_in_pages(graphql: GraphQLClient, keys: Keys) -> None:
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    first = await pinned_auth_config(graphql, "crm", "First", key=admin)
    second = await pinned_auth_config(graphql, "crm", "Second", key=admin)
    linked = [
        await link(graphql, config, f"{n}", key=admin)
        for n, config in enumerate([first, second, first])
    ]
    change = {
        "pushVersion": {"connectorKey": "crm", "version": "1.1.0", "definition": in_line(1, "a")}
    }
    seen: list[str] = []
    after = None
    while True:
        page = (
            await graphql(
                MOVING_ACCOUNTS, {"change": change, "first": 2, "after": after}, key=admin
            )
        )["impact"]["movingAccounts"]
        assert page["totalCount"] == 3
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(account["id"] for account in linked)


async def test_a_pin_previews_its_auth_config_and_a_stale_revision_conflicts(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given "crm" 1.0.0 and 2.0.0 whose auth needs another scope; "Pinned" on 1.x.x with an
    # account, and an inactive "Idle" on 1.x.x with one too
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    await pushed(graphql, "crm", "2.0.0", reauth_line(2, "x"), key=admin)
    pinned = await pinned_auth_config(graphql, "crm", "Pinned", key=admin, pin="1.x.x")
    idle = await pinned_auth_config(graphql, "crm", "Idle", key=admin, pin="1.x.x")
    await link(graphql, pinned, "a", key=admin)
    await link(graphql, idle, "b", key=admin)
    assert (await set_active(graphql, idle, False, key=admin))["__typename"].endswith("Success")
    revision = (await read_auth_config(graphql, pinned, key=admin))["revision"]

    # when moving "Pinned" to latest is previewed, then only it moves, its account needing
    # re-authentication
    change = {"pinAuthConfig": {"authConfigId": pinned, "pin": "latest", "revision": revision}}
    answer = await impact(graphql, change, key=admin)
    move = moves(answer)[pinned]
    assert (move["from"]["number"], move["to"]["number"]) == ("1.0.0", "2.0.0")
    assert (move["to"]["rule"], move["to"]["version"]["version"]) == ("LATEST", "2.0.0")
    assert (answer["authConfigsChanged"], answer["accountsNewlyNeedingReauthentication"]) == (1, 1)

    # when the inactive one is, then it moves with its account, which needs nothing while it
    # is inactive
    idle_revision = (await read_auth_config(graphql, idle, key=admin))["revision"]
    change = {"pinAuthConfig": {"authConfigId": idle, "pin": "latest", "revision": idle_revision}}
    move = moves(await impact(graphql, change, key=admin))[idle]
    assert (move["active"], move["accountsMoving"]) == (False, 1)
    assert move["accountsNeedingReauthentication"] == 0

    # when a stale revision is previewed, then CONFLICT, as the mutation answers
    stale = {"pinAuthConfig": {"authConfigId": pinned, "pin": "latest", "revision": revision - 1}}
    answer = await impact(graphql, stale, key=admin)
    assert answer["refusal"]["code"] == "CONFLICT"
    assert answer["authConfigsChanged"] == 0
    # and a platform key, which pins nothing, is FORBIDDEN
    answer = await impact(graphql, change, key=keys.platform)
    assert answer["refusal"]["code"] == "FORBIDDEN"


async def test_a_bin_shows_who_would_be_left_without_a_version(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given "crm" 1.0.0 and 1.1.0; "Line" on 1.1.x, "Floating" on latest, neither with accounts
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    newest = (await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=admin))["version"]["id"]
    line = await pinned_auth_config(graphql, "crm", "Line", key=admin, pin="1.1.x")
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin)
    # when binning 1.1.0 is previewed, then "Line" is left without a version and "Floating"
    # falls back to 1.0.0
    answer = await impact(graphql, {"moveVersionToBin": {"versionId": newest}}, key=admin)
    assert answer["refusal"] is None
    found = moves(answer)
    assert (found[line]["from"]["number"], found[line]["to"]["number"]) == ("1.1.0", None)
    assert found[line]["to"]["version"] is None
    assert found[floating]["to"]["number"] == "1.0.0"
    left = [edge["node"]["authConfig"]["id"] for edge in answer["leftWithoutVersion"]["edges"]]
    assert left == [line]
    # when its deprecation is previewed, then only "Floating" moves off it
    answer = await impact(graphql, {"deprecateVersion": {"versionId": newest}}, key=admin)
    assert {config: move["to"]["number"] for config, move in moves(answer).items()} == {
        floating: "1.0.0"
    }
    # and once deprecated, undeprecating it would bring "Floating" back
    await lifecycle(graphql, DEPRECATE_VERSION, newest, key=admin)
    answer = await impact(graphql, {"undeprecateVersion": {"versionId": newest}}, key=admin)
    assert {config: move["to"]["number"] for config, move in moves(answer).items()} == {
        floating: "1.1.0"
    }


async def test_a_change_input_names_exactly_one_change(graphql: GraphQLClient, keys: Keys) -> None:
    # when no change, or two, are given, then the request is refused as a whole
    for change in (
        {},
        {"publishVersion": {"versionId": "x"}, "moveVersionToBin": {"versionId": "x"}},
    ):
        response = await graphql.raw(IMPACT, {"change": change}, key=keys.alpha.admin)
        errors = response.json()["errors"]
        assert errors[0]["extensions"]["code"] == "INVALID_INPUT", errors
    # and a malformed id is NOT_FOUND, as its mutation answers
    answer = await impact(graphql, {"publishVersion": {"versionId": "x"}}, key=keys.alpha.admin)
    assert answer["refusal"]["code"] == "NOT_FOUND"


MOVES_PAGE = """
query ($change: ChangeInput!, $after: String) {
  impact(change: $change) {
    moves(first: 1, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { authConfig { id } } }
    }
  }
}
"""


async def test_moves_come_in_pages_oldest_auth_config_first(
    graphql: GraphQLClient, keys: Keys
) -> None:
    # given three auth configs on latest
    admin = keys.alpha.admin
    await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    configs = [await pinned_auth_config(graphql, "crm", f"C{n}", key=admin) for n in range(3)]
    change = push_change("crm", "1.1.0", in_line(1, "a"))
    # when the moves of a push are read a page of one at a time
    seen, after = [], None
    while True:
        answer = await graphql(MOVES_PAGE, {"change": change, "after": after}, key=admin)
        page = answer["impact"]["moves"]
        assert page["totalCount"] == 3
        seen += [edge["node"]["authConfig"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then each comes once, oldest first
    assert seen == configs
