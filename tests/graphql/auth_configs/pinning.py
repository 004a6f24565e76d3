"""GraphQL documents and steps for the pin, effective-version and re-authentication tests: auth
configs with pins, linked accounts, and what each resolves to."""

from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Event, LinkedAccount
from tests.graphql.auth_configs.documents import (
    CREATE_AUTH_CONFIG,
    LINK_ACCOUNT,
    PIN_AUTH_CONFIG,
    READ_ACCOUNT,
    READ_AUTH_CONFIG,
    REAUTHENTICATE_ACCOUNT,
    SET_AUTH_CONFIG_ACTIVE,
)
from tests.graphql.operations import count_rows, mutate
from tests.graphql.versions.version_definitions import BASE, add_action, edited
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]

ACCEPTED_FORMS = ["latest", "1.x.x", "1.2.x", "1.2.0", "2.0.0-beta.1"]

# --- GraphQL documents ------------------------------------------------------------------------


# --- GraphQL steps ----------------------------------------------------------------------------


async def create_pinned(
    graphql: GraphQLClient,
    connector_key: str,
    name: str,
    *,
    key: str,
    pin: str | None = None,
    pin_source: str | None = None,
) -> Json:
    """The `createAuthConfig` result, success or error."""
    input: Json = {"connectorKey": connector_key, "name": name, "pin": pin}
    if pin_source is not None:
        input["pinSource"] = pin_source
    return await mutate(graphql, CREATE_AUTH_CONFIG, input, key=key)


async def pinned_auth_config(
    graphql: GraphQLClient,
    connector_key: str,
    name: str,
    *,
    key: str,
    pin: str | None = None,
    pin_source: str | None = None,
) -> str:
    """A new auth config that must be created; its id."""
    result = await create_pinned(
        graphql, connector_key, name, key=key, pin=pin, pin_source=pin_source
    )
    assert result["__typename"] == "CreateAuthConfigSuccess", result
    return str(result["authConfig"]["id"])


async def pin(
    graphql: GraphQLClient,
    auth_config_id: str,
    pin: str | None,
    *,
    revision: int,
    key: str,
    pin_source: str | None = None,
) -> Json:
    """The `pinAuthConfig` result, success or error."""
    input: Json = {"authConfigId": auth_config_id, "pin": pin, "revision": revision}
    if pin_source is not None:
        input["pinSource"] = pin_source
    return await mutate(graphql, PIN_AUTH_CONFIG, input, key=key)


async def repin(
    graphql: GraphQLClient,
    auth_config_id: str,
    new_pin: str | None,
    *,
    key: str,
    pin_source: str | None = None,
) -> None:
    """Change the pin at the auth config's current revision; it must succeed."""
    revision = (await read_auth_config(graphql, auth_config_id, key=key))["revision"]
    result = await pin(
        graphql, auth_config_id, new_pin, revision=revision, key=key, pin_source=pin_source
    )
    assert result["__typename"] == "PinAuthConfigSuccess", result


async def set_active(
    graphql: GraphQLClient,
    auth_config_id: str,
    active: bool,
    *,
    key: str,
    revision: int | None = None,
) -> Json:
    """The `setAuthConfigActive` result, success or error."""
    input: Json = {"authConfigId": auth_config_id, "active": active}
    if revision is not None:
        input["revision"] = revision
    return await mutate(graphql, SET_AUTH_CONFIG_ACTIVE, input, key=key)


async def read_auth_config(graphql: GraphQLClient, auth_config_id: str, *, key: str) -> Json:
    """The auth config as GraphQL shows it now, its effective version included."""
    node = (await graphql(READ_AUTH_CONFIG, {"id": auth_config_id}, key=key))["node"]
    assert node is not None, auth_config_id
    assert node.pop("__typename") == "AuthConfig", node
    return node  # type: ignore[no-any-return]


async def effective(graphql: GraphQLClient, auth_config_id: str, *, key: str) -> Json:
    """The auth config's `effectiveVersion`, read in a new request."""
    auth_config = await read_auth_config(graphql, auth_config_id, key=key)
    return auth_config["effectiveVersion"]  # type: ignore[no-any-return]


async def chosen(
    graphql: GraphQLClient, auth_config_id: str, *, key: str
) -> tuple[str, str] | None:
    """(number, source) of the effective version, None when nothing matches."""
    found = await effective(graphql, auth_config_id, key=key)
    version = found["version"]
    if version is None:
        assert found["source"] is None, found
        return None
    assert found["source"] == version["source"], found
    return version["version"], version["source"]


async def link(graphql: GraphQLClient, auth_config_id: str, external_id: str, *, key: str) -> Json:
    """A linked account that must be created, as `linkAccount` returns it."""
    result = await mutate(
        graphql, LINK_ACCOUNT, {"authConfigId": auth_config_id, "externalId": external_id}, key=key
    )
    assert result["__typename"] == "LinkAccountSuccess", result
    return result["linkedAccount"]  # type: ignore[no-any-return]


async def read_account(graphql: GraphQLClient, account_id: str, *, key: str) -> Json:
    """The linked account as GraphQL shows it now: status, versions, effective version."""
    node = (await graphql(READ_ACCOUNT, {"id": account_id}, key=key))["node"]
    assert node is not None, account_id
    assert node.pop("__typename") == "LinkedAccount", node
    return node  # type: ignore[no-any-return]


async def reauthenticate(graphql: GraphQLClient, account_id: str, *, key: str) -> Json:
    """The `reauthenticateAccount` result, success or error."""
    return await mutate(graphql, REAUTHENTICATE_ACCOUNT, {"linkedAccountId": account_id}, key=key)


# --- Connectors of one key: the platform's managed one and a project's custom one ---------------


async def managed_and_custom(
    graphql: GraphQLClient, keys: Keys, connector_key: str = "crm"
) -> None:
    """A managed connector of `connector_key`, and alpha's custom connector of the same key."""
    await new_connector(graphql, connector_key, key=keys.platform)
    await new_connector(graphql, connector_key, key=keys.alpha.admin)


async def publish_managed(
    graphql: GraphQLClient, keys: Keys, version: str, definition: Json, connector_key: str = "crm"
) -> str:
    """Push a managed version (platform key); its id."""
    result = await pushed(graphql, connector_key, version, definition, key=keys.platform)
    return str(result["version"]["id"])


async def publish_custom(
    graphql: GraphQLClient, keys: Keys, version: str, definition: Json, connector_key: str = "crm"
) -> str:
    """Push one of alpha's custom versions (its ADMIN key); its id."""
    result = await pushed(graphql, connector_key, version, definition, key=keys.alpha.admin)
    return str(result["version"]["id"])


# --- Stored rows ------------------------------------------------------------------------------

WRITTEN: tuple[type[SQLModel], ...] = (AuthConfig, LinkedAccount, Event)


async def written(session: AsyncSession) -> dict[str, int]:
    """Row counts of what auth config and account mutations write."""
    return {model.__name__: await count_rows(session, model) for model in WRITTEN}


# --- Definitions, and what an effective version should say --------------------------------------


def in_line(major: int, *actions: str) -> Json:
    """A definition for major line `major`: each line changes a param's default (a MAJOR change),
    and every extra action is a MINOR one within the line."""
    definition = edited(BASE, *(add_action(action) for action in actions))
    definition["actions"][0]["params"][0]["default"] = 50 * major
    return definition


def skip(version: str, source: str, cause: str, reason: str) -> Json:
    """A `skipped` entry as GraphQL shows it."""
    return {"version": version, "source": source, "cause": cause, "reason": reason}


def assert_effective(
    found: Json,
    chosen: tuple[str, str] | None,
    *,
    rule: str,
    reason: str,
    skipped: list[Json] | None = None,
    warnings: list[str] | None = None,
) -> None:
    """`found` (an `effectiveVersion`) chose `chosen` (number, source) by `rule`, and says why."""
    version = found["version"]
    assert (None if version is None else (version["version"], version["source"])) == chosen, found
    assert found["source"] == (None if chosen is None else chosen[1]), found
    assert found["rule"] == rule, found
    assert found["reason"] == reason, found
    assert found["skipped"] == (skipped or []), found
    assert found["warnings"] == (warnings or []), found
