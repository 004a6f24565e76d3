"""The bin and permanent delete (DESIGN §6): a version in use cannot be binned (the blockers say
why); a binned one leaves resolution and listings, can be restored, and only from the bin can it
be deleted for good, its number retired."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import VersionRevision
from tests.graphql.auth_configs.pinning import (
    chosen,
    in_line,
    link,
    pinned_auth_config,
    read_account,
    repin,
)
from tests.graphql.lifecycle.documents import (
    DELETE_VERSION_PERMANENTLY,
    MOVE_VERSION_TO_BIN,
    RESTORE_VERSION_FROM_BIN,
)
from tests.graphql.lifecycle.lifecycle import blocker, lifecycle, listed, succeeded, usage
from tests.graphql.operations import count_rows
from tests.graphql.versions.version_rows import (
    events_since,
    last_event_id,
    stored_versions,
    uuid_of,
    written,
)
from tests.graphql.versions.versioning import (
    assert_error,
    create,
    created,
    new_connector,
    publish,
    push,
    pushed,
    update,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_a_version_in_use_is_not_binned_until_nothing_uses_it(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's "crm" 1.0.0 and 1.1.0; "Exact" pinned to 1.1.0 without accounts, "Floating"
    # on latest with an account, "Idle" on latest without accounts
    admin = keys.alpha.admin
    connector_id = await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    pushed_newest = await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=admin)
    newest = pushed_newest["version"]["id"]
    exact = await pinned_auth_config(graphql, "crm", "Exact", key=admin, pin="1.1.0")
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin, pin="latest")
    idle = await pinned_auth_config(graphql, "crm", "Idle", key=admin, pin="latest")
    account = await link(graphql, floating, "cust-1", key=admin)

    # then its usage names all three, and two of them block
    blockers = [
        blocker(exact, "Exact", 0, "EXACT_PIN"),
        blocker(floating, "Floating", 1, "RESOLVES_WITH_ACCOUNTS"),
    ]
    assert await usage(graphql, newest, key=keys.alpha.viewer) == {
        "inUse": True,
        "exactPins": [{"id": exact, "name": "Exact"}],
        "resolvingAuthConfigs": [
            {"authConfig": {"id": exact, "name": "Exact"}, "linkedAccountCount": 0},
            {"authConfig": {"id": floating, "name": "Floating"}, "linkedAccountCount": 1},
            {"authConfig": {"id": idle, "name": "Idle"}, "linkedAccountCount": 0},
        ],
        "blockers": blockers,
    }

    # when it is moved to the bin, then that is refused with the blockers, and nothing changes
    counts = await written(session)
    refused = await lifecycle(graphql, MOVE_VERSION_TO_BIN, newest, key=admin)
    assert_error(refused, "VersionInUseError", "VERSION_IN_USE")
    assert refused["blockers"] == blockers
    assert await written(session) == counts

    # when both blockers are pinned to 1.0.0, it can be binned
    await repin(graphql, exact, "1.0.0", key=admin)
    await repin(graphql, floating, "1.0.0", key=admin)
    assert (await usage(graphql, newest, key=admin))["inUse"] is False
    before = await last_event_id(session)
    binned = await succeeded(graphql, MOVE_VERSION_TO_BIN, newest, key=admin)

    # then it is in the bin, out of listings (unless asked for) and out of resolution
    assert binned["version"]["binnedAt"] is not None
    assert await listed(graphql, "crm", key=admin) == (["1.0.0"], ["1.1.0", "1.0.0"])
    assert await chosen(graphql, idle, key=admin) == ("1.0.0", "CUSTOM")
    (event,) = await events_since(session, before)
    assert (event.kind, event.version_id) == ("version.binned", uuid_of(newest))
    # and binning it again is an invalid transition
    again = await lifecycle(graphql, MOVE_VERSION_TO_BIN, newest, key=admin)
    assert_error(again, "InvalidTransitionError", "INVALID_TRANSITION")

    # when it is restored, it is back everywhere
    before = await last_event_id(session)
    restored = await succeeded(graphql, RESTORE_VERSION_FROM_BIN, newest, key=admin)
    assert restored["version"]["binnedAt"] is None
    assert await listed(graphql, "crm", key=admin) == (["1.1.0", "1.0.0"], ["1.1.0", "1.0.0"])
    assert await chosen(graphql, idle, key=admin) == ("1.1.0", "CUSTOM")
    (event,) = await events_since(session, before)
    assert event.kind == "version.restored"
    # and restoring or deleting a version outside the bin is refused
    for document in (RESTORE_VERSION_FROM_BIN, DELETE_VERSION_PERMANENTLY):
        result = await lifecycle(graphql, document, newest, key=admin)
        assert_error(result, "VersionNotInBinError", "VERSION_NOT_IN_BIN")
        assert result["versionNumber"] == "1.1.0"
    assert "1.1.0" in await stored_versions(session, connector_id)
    # the account was authenticated under 1.1.0
    assert (await read_account(graphql, account["id"], key=admin))["authenticatedVersion"] == {
        "id": newest,
        "version": "1.1.0",
    }


async def test_a_binned_version_is_deleted_for_good_and_its_number_never_returns(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's "crm" 1.0.0 and 1.1.0 with an account authenticated under it
    admin = keys.alpha.admin
    connector_id = await new_connector(graphql, "crm", key=admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin)
    config = {"vcs": {"repository": "acme/crm", "ref": "v1.1.0"}}
    newest = (await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=admin, config=config))[
        "version"
    ]["id"]
    floating = await pinned_auth_config(graphql, "crm", "Floating", key=admin, pin="latest")
    account = await link(graphql, floating, "cust-1", key=admin)
    await repin(graphql, floating, "1.0.0", key=admin)
    await succeeded(graphql, MOVE_VERSION_TO_BIN, newest, key=admin)
    before = await last_event_id(session)

    # when it is deleted permanently
    result = await succeeded(graphql, DELETE_VERSION_PERMANENTLY, newest, key=admin)

    # then it is gone, its revisions with it, and the account's reference is cleared
    assert result == {
        "__typename": "DeleteVersionPermanentlySuccess",
        "deletedVersionId": newest,
        "versionNumber": "1.1.0",
    }
    assert sorted(await stored_versions(session, connector_id)) == ["1.0.0"]
    assert await count_rows(session, VersionRevision) == 0
    assert (await graphql("query ($id: ID!) { node(id: $id) { id } }", {"id": newest}, key=admin))[
        "node"
    ] is None
    assert (await read_account(graphql, account["id"], key=admin))["authenticatedVersion"] is None
    # and an event carries what a worker needs to remove its image
    (event,) = await events_since(session, before)
    assert event.kind == "version.deleted"
    assert event.version_id == uuid_of(newest)
    assert event.connector_id == uuid_of(connector_id)
    assert event.payload["version"] == "1.1.0"
    assert event.payload["connectorKey"] == "crm"
    assert event.payload["managed"] is False
    assert event.payload["vcs"] == config["vcs"]

    # and the number never returns: not by push, not by createVersion
    retired = await push(graphql, "crm", "1.1.0", in_line(1, "a"), key=admin)
    assert_error(retired, "VersionNumberRetiredError", "VERSION_NUMBER_RETIRED")
    again = await create(graphql, connector_id, key=admin, version="1.1.0")
    assert_error(again, "VersionNumberRetiredError", "VERSION_NUMBER_RETIRED")
    # and deleting it again finds nothing
    gone = await lifecycle(graphql, DELETE_VERSION_PERMANENTLY, newest, key=admin)
    assert_error(gone, "NotFoundError", "NOT_FOUND")


async def test_a_binned_version_is_not_edited_published_or_pushed(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a binned draft and a binned published version
    admin = keys.alpha.admin
    connector_id = await new_connector(graphql, "crm", key=admin)
    published = (await pushed(graphql, "crm", "1.0.0", in_line(1), key=admin))["version"]["id"]
    draft = (await created(graphql, connector_id, key=admin))["id"]
    await succeeded(graphql, MOVE_VERSION_TO_BIN, draft, key=admin)
    await succeeded(graphql, MOVE_VERSION_TO_BIN, published, key=admin)
    counts = await written(session)

    # when each is edited, published or pushed again as it is, then each is an invalid
    # transition: restore it first
    refusals = [
        await update(graphql, draft, key=admin, name="Renamed"),
        await publish(graphql, draft, key=admin),
        await push(graphql, "crm", "1.0.0", in_line(1), key=admin),
    ]
    for result in refusals:
        assert_error(result, "InvalidTransitionError", "INVALID_TRANSITION")
        assert "bin" in result["message"]
    # and other content under the binned number is still refused as immutable
    other = await push(graphql, "crm", "1.0.0", in_line(1, "b"), key=admin)
    assert_error(other, "VersionImmutableError", "VERSION_IMMUTABLE")
    assert await written(session) == counts
