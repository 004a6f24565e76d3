"""GraphQL documents and steps for the rollout tests (DESIGN §13)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4, uuid5

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import LinkedAccount, Rollout
from app.db.types import utc_now
from tests.graphql.auth_configs.pinning import in_line, pinned_auth_config, read_auth_config
from tests.graphql.operations import mutate
from tests.graphql.rollouts.documents import (
    ACCOUNTS_PAGE,
    READ_ROLLOUT,
    SET_ROLLOUT_PERCENT,
    START_ROLLOUT,
)
from tests.graphql.versions.version_definitions import add_scope, edited
from tests.graphql.versions.version_rows import uuid_of
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

Json = dict[str, Any]


async def start(
    graphql: GraphQLClient,
    auth_config_id: str,
    target: str,
    percent: int,
    *,
    key: str,
    revision: int | None = None,
    source: str | None = None,
) -> Json:
    """The `startRollout` result, at the auth config's current revision unless one is given."""
    input: Json = {
        "authConfigId": auth_config_id,
        "targetVersion": target,
        "percent": percent,
        "revision": await _revision(graphql, auth_config_id, revision, key),
    }
    if source is not None:
        input["targetSource"] = source
    return await mutate(graphql, START_ROLLOUT, input, key=key)


async def set_percent(
    graphql: GraphQLClient,
    auth_config_id: str,
    percent: int,
    *,
    key: str,
    revision: int | None = None,
) -> Json:
    input = {
        "authConfigId": auth_config_id,
        "percent": percent,
        "revision": await _revision(graphql, auth_config_id, revision, key),
    }
    return await mutate(graphql, SET_ROLLOUT_PERCENT, input, key=key)


async def end(
    graphql: GraphQLClient,
    document: str,
    auth_config_id: str,
    *,
    key: str,
    revision: int | None = None,
) -> Json:
    """`completeRollout` or `abortRollout` (by `document`)."""
    input = {
        "authConfigId": auth_config_id,
        "revision": await _revision(graphql, auth_config_id, revision, key),
    }
    return await mutate(graphql, document, input, key=key)


async def _revision(
    graphql: GraphQLClient, auth_config_id: str, given: int | None, key: str
) -> int:
    if given is not None:
        return given
    return int((await read_auth_config(graphql, auth_config_id, key=key))["revision"])


async def read_rollout(graphql: GraphQLClient, auth_config_id: str, *, key: str) -> Json:
    node = (await graphql(READ_ROLLOUT, {"id": auth_config_id}, key=key))["node"]
    assert node is not None, auth_config_id
    return node  # type: ignore[no-any-return]


async def every_account(graphql: GraphQLClient, auth_config_id: str, *, key: str) -> list[Json]:
    """Every linked account of the auth config with its status and effective version, a page
    of 100 at a time."""
    accounts: list[Json] = []
    after = None
    while True:
        data = await graphql(ACCOUNTS_PAGE, {"id": auth_config_id, "after": after}, key=key)
        page = data["node"]["linkedAccounts"]
        accounts += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return accounts
        after = page["pageInfo"]["endCursor"]


def on_target(accounts: list[Json], target: str) -> set[str]:
    """The ids of the accounts whose effective version is `target` by rule ROLLOUT."""
    found = set()
    for account in accounts:
        effective = account["effectiveVersion"]
        if effective["rule"] == "ROLLOUT":
            assert effective["version"]["version"] == target, account
            found.add(account["id"])
    return found


@dataclass(frozen=True)
class Crm:
    auth_config: str  # pinned to 1.x.x
    v1: str  # custom 1.0.0
    v2: str  # custom 2.0.0: a scope more, so credentials captured for 1.0.0 need capturing again


async def crm_with_two_majors(graphql: GraphQLClient, keys: Keys) -> Crm:
    """Alpha's custom `crm` with 1.0.0 and 2.0.0, and an auth config pinned to 1.x.x."""
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    v1 = await pushed(graphql, "crm", "1.0.0", in_line(1), key=keys.alpha.admin)
    v2_definition = edited(in_line(2), add_scope("contacts.write"))
    v2 = await pushed(graphql, "crm", "2.0.0", v2_definition, key=keys.alpha.admin)
    auth_config = await pinned_auth_config(
        graphql, "crm", "Sales", key=keys.alpha.admin, pin="1.x.x"
    )
    return Crm(auth_config=auth_config, v1=v1["version"]["id"], v2=v2["version"]["id"])


# Fixed ids for the tests that count shares: a rollout's buckets are a hash of its id and the
# accounts', so with fresh random ids a sample of 1,000 accounts at 50% strays beyond two
# percentage points in about one run of five. Fixed ids make the share the same in every run.
FIXED_IDS = UUID("6f0c2b52-6c1e-4b8e-9d1a-3c2f6a1e7b40")


def fixed_id(name: str) -> UUID:
    return uuid5(FIXED_IDS, name)


async def fix_rollout_id(session: AsyncSession, auth_config_id: str, rollout_id: UUID) -> None:
    """Give the auth config's running rollout `rollout_id` (nothing refers to a rollout's id;
    its accounts' buckets derive from it)."""
    await session.exec(
        update(Rollout)
        .where(
            col(Rollout.auth_config_id) == uuid_of(auth_config_id), col(Rollout.ended_at).is_(None)
        )
        .values(id=rollout_id)
    )
    await session.commit()


async def link_in_bulk(
    session: AsyncSession,
    auth_config_id: str,
    count: int,
    *,
    authenticated: UUID | None = None,
    fixed: bool = False,
) -> list[UUID]:
    """`count` accounts inserted straight into the database (not through `linkAccount`: a
    thousand mutations would test nothing more and take long); their row ids, fixed ones
    (`fixed_id`) when asked."""
    start_at = utc_now()
    rows = [
        LinkedAccount(
            id=fixed_id(f"account-{index}") if fixed else uuid4(),
            auth_config_id=uuid_of(auth_config_id),
            external_id=f"account-{index:05}",
            authenticated_version_id=authenticated,
            authenticated_revision=None if authenticated is None else 1,
            authenticated_at=None if authenticated is None else start_at,
            created_at=start_at + timedelta(milliseconds=index),
        )
        for index in range(count)
    ]
    session.add_all(rows)
    await session.commit()
    return [row.id for row in rows]
