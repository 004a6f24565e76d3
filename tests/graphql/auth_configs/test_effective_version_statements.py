"""No N+1 (CONVENTIONS §11): one request for auth configs, their accounts, and each account's
effective version and status sends the same number of statements for 1 account per auth config as
for 100. Loaders batch; listings prime `auth_config_by_id`; resolution runs once per auth config."""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import LinkedAccount
from app.db.types import utc_now
from tests.graphql.auth_configs.pinning import (
    in_line,
    pinned_auth_config,
    publish_managed,
    set_active,
)
from tests.graphql.versions.version_definitions import BASE, add_scope, edited
from tests.graphql.versions.version_rows import uuid_of
from tests.graphql.versions.versioning import new_connector, pushed, turn_immutable_versioning
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

ACCOUNTS_PER_AUTH_CONFIG = 101  # more than the largest page: every page is full

EFFECTIVE_ONLY = "effectiveVersion { version { version } }"
WITH_STATUS = "effectiveVersion { version { version } } status"
EVERYTHING = (
    "effectiveVersion { version { version source } rule reason skipped { version } } "
    "status authenticatedVersion { version } authConfig { name effectiveVersion { rule } }"
)
SELECTIONS = {"effective version": EFFECTIVE_ONLY, "with status": WITH_STATUS, "all": EVERYTHING}


def _query(account_fields: str, *, through_connector: bool = False) -> str:
    auth_configs = f"""
      authConfigs(first: $configs) {{
        edges {{ node {{
          name
          linkedAccounts(first: $accounts) {{ edges {{ node {{ externalId {account_fields} }} }} }}
        }} }}
      }}
    """
    if through_connector:
        auth_configs = f'connector(key: "crm") {{ {auth_configs} }}'
    return f"query ($configs: Int!, $accounts: Int!) {{ {auth_configs} }}"


@dataclass(frozen=True)
class Versions:
    """Row ids of the versions the accounts are authenticated under."""

    custom_1: UUID  # custom crm 1.0.0, overwritten once by force (revision 2 adds a scope)
    custom_2: UUID  # custom crm 2.0.0
    managed_1: UUID  # managed crm 1.0.0
    erp_1: UUID  # managed erp 1.0.0


async def _world(graphql: GraphQLClient, keys: Keys) -> tuple[dict[str, str], Versions]:
    """Managed and custom "crm" and a managed "erp", and five of alpha's auth configs."""
    await new_connector(graphql, "crm", key=keys.platform)
    await new_connector(graphql, "erp", key=keys.platform)
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await turn_immutable_versioning(graphql, False, key=keys.alpha.admin)
    managed_1 = await publish_managed(graphql, keys, "1.0.0", BASE)
    await publish_managed(graphql, keys, "2.0.0", in_line(2))
    erp_1 = await publish_managed(graphql, keys, "1.0.0", BASE, connector_key="erp")
    await pushed(graphql, "crm", "1.0.0", BASE, key=keys.alpha.admin)
    overwritten = edited(BASE, add_scope("contacts.write"))
    custom_1 = await pushed(graphql, "crm", "1.0.0", overwritten, key=keys.alpha.admin, force=True)
    custom_2 = await pushed(graphql, "crm", "2.0.0", in_line(2), key=keys.alpha.admin)
    configs = {
        name: await pinned_auth_config(
            graphql, key_name, name, key=keys.alpha.admin, pin=pin, pin_source=source
        )
        for name, key_name, pin, source in (
            ("Exact", "crm", "1.0.0", None),  # custom 1.0.0 (revision 2)
            ("Default", "crm", None, None),  # custom 2.0.0
            ("StackOne", "crm", "1.x.x", "MANAGED"),  # managed 1.0.0
            ("ERP", "erp", "latest", None),  # managed erp 1.0.0
            ("Off", "crm", None, None),  # inactive
        )
    }
    assert (await set_active(graphql, configs["Off"], False, key=keys.alpha.admin))[
        "__typename"
    ] == "SetAuthConfigActiveSuccess"
    versions = Versions(
        custom_1=uuid_of(custom_1["version"]["id"]),
        custom_2=uuid_of(custom_2["version"]["id"]),
        managed_1=uuid_of(managed_1),
        erp_1=uuid_of(erp_1),
    )
    return configs, versions


async def _link_in_bulk(session: AsyncSession, configs: dict[str, str], versions: Versions) -> None:
    """ACCOUNTS_PER_AUTH_CONFIG accounts for each auth config, inserted directly, authenticated
    under a mix of versions, revisions and none.

    A page of 1 must take the same paths as a page of 100, or the counts could differ for another
    reason than N+1: the first account of "Exact" (listed first) was captured for an overwritten
    revision, so every page reads the revision history, once.
    """
    crm: list[tuple[UUID | None, int | None]] = [
        (versions.custom_1, 1),  # the overwritten content
        (versions.custom_1, 2),
        (versions.custom_2, 1),
        (versions.managed_1, 1),
        (None, None),
    ]
    erp: list[tuple[UUID | None, int | None]] = [(versions.erp_1, 1), (None, None)]
    start = utc_now()
    rows = []
    for name, auth_config in configs.items():
        mix = erp if name == "ERP" else crm
        for index in range(ACCOUNTS_PER_AUTH_CONFIG):
            version_id, revision = mix[index % len(mix)]
            rows.append(
                LinkedAccount(
                    auth_config_id=uuid_of(auth_config),
                    external_id=f"{name.lower()}-{index:03}",
                    authenticated_version_id=version_id,
                    authenticated_revision=revision,
                    authenticated_at=None if version_id is None else start,
                    created_at=start + timedelta(milliseconds=index),
                )
            )
    session.add_all(rows)
    await session.commit()


async def _count(
    graphql: GraphQLClient, engine: AsyncEngine, keys: Keys, query: str, **variables: int
) -> tuple[int, dict[str, Any]]:
    """The statements one request sends, and its data."""
    with recorded_statements(engine) as statements:
        data = await graphql(query, variables, key=keys.alpha.viewer)
    return len(statements), data


def _pages(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each auth config's page of accounts, by name."""
    if "connector" in data:
        data = data["connector"]
    return {
        edge["node"]["name"]: [
            account["node"] for account in edge["node"]["linkedAccounts"]["edges"]
        ]
        for edge in data["authConfigs"]["edges"]
    }


@pytest.mark.parametrize("account_fields", SELECTIONS.values(), ids=SELECTIONS.keys())
async def test_one_or_a_hundred_accounts_per_auth_config_take_the_same_statements(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    engine: AsyncEngine,
    backend: str,
    account_fields: str,
) -> None:
    # given five auth configs of alpha's over two keys, with 101 accounts each
    configs, versions = await _world(graphql, keys)
    await _link_in_bulk(session, configs, versions)
    query = _query(account_fields)

    # when one request reads their accounts' effective versions, 1 and then 100 per auth config
    one, small = await _count(graphql, engine, keys, query, configs=10, accounts=1)
    hundred, large = await _count(graphql, engine, keys, query, configs=10, accounts=100)
    print(f"\n[{backend}] {account_fields!r}: {one} statements for 1 account, {hundred} for 100")

    # then the number of statements is the same
    assert one == hundred, (one, hundred)
    # and the answers are complete and right
    assert {name: len(page) for name, page in _pages(small).items()} == dict.fromkeys(configs, 1)
    assert {name: len(page) for name, page in _pages(large).items()} == dict.fromkeys(configs, 100)
    runs = {
        name: {account["effectiveVersion"]["version"]["version"] for account in page}
        for name, page in _pages(large).items()
    }
    assert runs == {
        "Exact": {"1.0.0"},
        "Default": {"2.0.0"},
        "StackOne": {"1.0.0"},
        "ERP": {"1.0.0"},
        "Off": {"2.0.0"},
    }
    if "status" in account_fields:
        assert _statuses(_pages(large)) == {
            # custom 1.0.0 revision 2 added a scope: only accounts captured for it have it
            "Exact": {"NEEDS_REAUTHENTICATION": 80, "ACTIVE": 20},
            # custom 2.0.0 dropped that scope again; only no version needs re-auth
            "Default": {"NEEDS_REAUTHENTICATION": 20, "ACTIVE": 80},
            # managed 1.0.0 does not have the scope custom 1.0.0 revision 2 was captured with,
            # but needs none the others lack
            "StackOne": {"NEEDS_REAUTHENTICATION": 20, "ACTIVE": 80},
            "ERP": {"NEEDS_REAUTHENTICATION": 50, "ACTIVE": 50},
            "Off": {"INACTIVE": 100},
        }
        assert _statuses(_pages(small)) == {
            "Exact": {"NEEDS_REAUTHENTICATION": 1},
            "Default": {"ACTIVE": 1},
            "StackOne": {"ACTIVE": 1},
            "ERP": {"ACTIVE": 1},
            "Off": {"INACTIVE": 1},
        }


def _statuses(pages: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    return {
        name: dict(Counter(account["status"] for account in page)) for name, page in pages.items()
    }


async def test_two_or_five_auth_configs_take_the_same_statements(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    engine: AsyncEngine,
    backend: str,
) -> None:
    # given five auth configs of alpha's over two keys, with 101 accounts each
    configs, versions = await _world(graphql, keys)
    await _link_in_bulk(session, configs, versions)
    query = _query(EVERYTHING)

    # when one request reads 2 auth configs, and one all 5, with 100 accounts each
    two, small = await _count(graphql, engine, keys, query, configs=2, accounts=100)
    five, large = await _count(graphql, engine, keys, query, configs=5, accounts=100)
    print(f"\n[{backend}] {two} statements for 2 auth configs, {five} for 5")

    # then the number of statements is the same
    assert two == five, (two, five)
    assert list(_pages(small)) == ["Exact", "Default"]
    assert list(_pages(large)) == list(configs)


async def test_through_a_connector_one_or_a_hundred_accounts_take_the_same_statements(
    graphql: GraphQLClient,
    keys: Keys,
    session: AsyncSession,
    engine: AsyncEngine,
    backend: str,
) -> None:
    # given five auth configs of alpha's, four of them on "crm", with 101 accounts each
    configs, versions = await _world(graphql, keys)
    await _link_in_bulk(session, configs, versions)
    query = _query(EVERYTHING, through_connector=True)

    # when one request reads them through the connector, 1 and then 100 accounts each
    one, small = await _count(graphql, engine, keys, query, configs=10, accounts=1)
    hundred, large = await _count(graphql, engine, keys, query, configs=10, accounts=100)
    print(f"\n[{backend}] through Connector.authConfigs: {one} for 1 account, {hundred} for 100")

    # then the number of statements is the same
    assert one == hundred, (one, hundred)
    crm = ["Exact", "Default", "StackOne", "Off"]
    assert {name: len(page) for name, page in _pages(small).items()} == dict.fromkeys(crm, 1)
    assert {name: len(page) for name, page in _pages(large).items()} == dict.fromkeys(crm, 100)
