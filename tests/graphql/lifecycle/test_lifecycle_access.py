"""Who may deprecate, bin, restore and delete versions, and whose usage counts (DESIGN §6, §7).

A project sees only its own auth configs in a version's usage; the platform sees every project's
for a managed version, and the bin check for a managed version always counts every project."""

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.graphql.auth_configs.pinning import in_line, link, pinned_auth_config, repin
from tests.graphql.lifecycle.documents import EVERY_LIFECYCLE_MUTATION, MOVE_VERSION_TO_BIN
from tests.graphql.lifecycle.lifecycle import blocker, lifecycle, succeeded, usage
from tests.graphql.versions.version_rows import written
from tests.graphql.versions.versioning import assert_error, new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


async def test_viewers_are_forbidden_and_other_projects_find_nothing(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given alpha's custom "crm" 1.0.0, and a managed "erp" 1.0.0
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    custom = (await pushed(graphql, "crm", "1.0.0", in_line(1), key=keys.alpha.admin))["version"]
    await new_connector(graphql, "erp", key=keys.platform)
    managed = (await pushed(graphql, "erp", "1.0.0", in_line(1), key=keys.platform))["version"]
    counts = await written(session)

    for document in EVERY_LIFECYCLE_MUTATION:
        # when alpha's VIEWER tries, it is forbidden
        result = await lifecycle(graphql, document, custom["id"], key=keys.alpha.viewer)
        assert_error(result, "ForbiddenError", "FORBIDDEN")
        # when beta's ADMIN tries on alpha's version, it finds nothing
        result = await lifecycle(graphql, document, custom["id"], key=keys.beta.admin)
        assert_error(result, "NotFoundError", "NOT_FOUND")
        # when a project's ADMIN tries on a managed version, it is forbidden
        result = await lifecycle(graphql, document, managed["id"], key=keys.alpha.admin)
        assert_error(result, "ForbiddenError", "FORBIDDEN")
    # and nothing was written
    assert await written(session) == counts


async def test_a_managed_version_is_not_binned_while_any_project_uses_it(
    graphql: GraphQLClient, keys: Keys, session: AsyncSession
) -> None:
    # given a managed "crm" 1.0.0 and 1.1.0; beta pins 1.1.0 exactly, alpha follows latest with
    # an account, and alpha also has a custom "crm" 1.1.0 (which alpha's exact pins would take)
    await new_connector(graphql, "crm", key=keys.platform)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=keys.platform)
    managed = (await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=keys.platform))[
        "version"
    ]["id"]
    betas = await pinned_auth_config(graphql, "crm", "Beta exact", key=keys.beta.admin, pin="1.1.0")
    alphas = await pinned_auth_config(graphql, "crm", "Alpha", key=keys.alpha.admin, pin="latest")
    await link(graphql, alphas, "cust-1", key=keys.alpha.admin)

    # then alpha sees only its own use of it, beta only its own, the platform both
    alpha_view = await usage(graphql, managed, key=keys.alpha.viewer)
    assert alpha_view["blockers"] == [blocker(alphas, "Alpha", 1, "RESOLVES_WITH_ACCOUNTS")]
    assert alpha_view["exactPins"] == []
    beta_view = await usage(graphql, managed, key=keys.beta.viewer)
    assert beta_view["blockers"] == [blocker(betas, "Beta exact", 0, "EXACT_PIN")]
    platform_view = await usage(graphql, managed, key=keys.platform)
    assert platform_view["inUse"] is True
    assert {b["authConfigName"] for b in platform_view["blockers"]} == {"Alpha", "Beta exact"}

    # when alpha moves to an exact pin that its own custom 1.1.0 satisfies first
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.1.0", in_line(1, "a"), key=keys.alpha.admin)
    await repin(graphql, alphas, "1.1.0", key=keys.alpha.admin)
    # then alpha no longer uses the managed 1.1.0 (its exact pin names its custom one)
    assert (await usage(graphql, managed, key=keys.alpha.viewer))["inUse"] is False

    # and the platform still cannot bin it: beta's exact pin blocks, though alpha cannot see it
    counts = await written(session)
    refused = await lifecycle(graphql, MOVE_VERSION_TO_BIN, managed, key=keys.platform)
    assert_error(refused, "VersionInUseError", "VERSION_IN_USE")
    assert refused["blockers"] == [blocker(betas, "Beta exact", 0, "EXACT_PIN")]
    assert await written(session) == counts

    # when beta re-pins to 1.0.0, the platform can bin it
    await repin(graphql, betas, "1.0.0", key=keys.beta.admin)
    binned = await succeeded(graphql, MOVE_VERSION_TO_BIN, managed, key=keys.platform)
    assert binned["version"]["binnedAt"] is not None
