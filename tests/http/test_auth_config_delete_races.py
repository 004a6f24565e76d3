"""An auth config is deleted only while it has no accounts (DESIGN §10), whatever arrives at the
same moment: `linkAccount` and `deleteAuthConfig` of the same auth config are sent at once,
through a real server with two worker processes, many times over. Either order is fine (the
link wins and the delete is refused with the account, or the delete wins and the link finds no
auth config); an account under a deleted auth config, or both succeeding, is not.
"""

from typing import Any

import httpx
import pytest

from tests.graphql.auth_configs.documents import DELETE_AUTH_CONFIG, LINK_ACCOUNT, READ_ACCOUNT
from tests.graphql.connectors.documents import CREATE_CONNECTOR
from tests.graphql_client import GraphQLClient
from tests.http.server import Project, create_project, unique
from tests.http.test_bin_races import BATCH, RUNS, at_once, each_of, sending, succeeded

pytestmark = pytest.mark.slow

Json = dict[str, Any]

CREATED = "__typename ... on CreateAuthConfigSuccess { authConfig { id } } ... on Error { code }"

STATE = "... on AuthConfig { linkedAccounts { totalCount edges { node { id } } } }"

# How far ahead of the link the delete starts, run after run: from the delete well behind to
# well ahead, through a true tie, so the two reach the auth config's row in every order.
DELETE_HEAD_STARTS = [step * 0.002 for step in range(-6, 7)]


async def _auth_configs(project: Project) -> list[str]:
    """`RUNS` auth configs, none with an account, of one new custom connector."""
    key = unique("race")
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90) as client:
        created = await GraphQLClient(client)(
            CREATE_CONNECTOR,
            {"input": {"key": key, "name": key.upper()}},
            key=project.key,
        )
    assert created["createConnector"]["__typename"] == "CreateConnectorSuccess", created
    inputs = [{"connectorKey": key, "name": f"Config {n}"} for n in range(RUNS)]
    results = succeeded(
        await each_of(project, "createAuthConfig", "CreateAuthConfigInput", CREATED, inputs),
        "CreateAuthConfigSuccess",
    )
    return [result["authConfig"]["id"] for result in results]


async def _states(project: Project, auth_config_ids: list[str]) -> list[Json | None]:
    """Each auth config as stored now (None: it is gone), with its accounts."""
    states: list[Json | None] = []
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90) as client:
        for start in range(0, len(auth_config_ids), BATCH):
            chunk = auth_config_ids[start : start + BATCH]
            parameters = ", ".join(f"$a{n}: ID!" for n in range(len(chunk)))
            fields = " ".join(f"a{n}: node(id: $a{n}) {{ {STATE} }}" for n in range(len(chunk)))
            data = await GraphQLClient(client)(
                f"query ({parameters}) {{ {fields} }}",
                {f"a{n}": value for n, value in enumerate(chunk)},
                key=project.key,
            )
            states += [data[f"a{n}"] for n in range(len(chunk))]
    return states


async def _accounts_exist(project: Project, account_ids: list[str]) -> list[bool]:
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90) as client:
        found = []
        for account_id in account_ids:
            data = await GraphQLClient(client)(READ_ACCOUNT, {"id": account_id}, key=project.key)
            found.append(data["node"] is not None)
    return found


async def test_link_account_racing_delete_auth_config_never_strands_or_loses_an_account(
    running_server: str, platform_key: str
) -> None:
    # given, RUNS times, an auth config with no accounts
    project = Project(running_server, create_project(running_server, platform_key))
    auth_config_ids = await _auth_configs(project)

    # when an account is linked to it while it is deleted, at the same moment
    outcomes = []
    for index, auth_config_id in enumerate(auth_config_ids):
        linked, deleted = await at_once(
            project,
            sending(project, LINK_ACCOUNT, {"authConfigId": auth_config_id, "externalId": "a-1"}),
            sending(project, DELETE_AUTH_CONFIG, {"authConfigId": auth_config_id}),
            second_ahead_by=DELETE_HEAD_STARTS[index % len(DELETE_HEAD_STARTS)],
        )
        outcomes.append((linked, deleted))

    # then exactly one of them won each time: the link (the delete is refused, counting its
    # account) or the delete (the link finds no auth config)
    states = await _states(project, auth_config_ids)
    bad: list[object] = []
    account_ids = []
    for (linked, deleted), state in zip(outcomes, states, strict=True):
        link_won = linked["__typename"] == "LinkAccountSuccess"
        delete_won = deleted["__typename"] == "DeleteAuthConfigSuccess"
        if link_won:
            account_ids.append(linked["linkedAccount"]["id"])
            expected_delete = ("AuthConfigHasAccountsError", 1)
            got_delete = (deleted["__typename"], deleted.get("linkedAccountCount"))
            kept = state is not None and state["linkedAccounts"]["edges"] == [
                {"node": {"id": linked["linkedAccount"]["id"]}}
            ]
            if got_delete != expected_delete or not kept:
                bad.append((linked, deleted, state))
        elif not (delete_won and linked.get("code") == "NOT_FOUND" and state is None):
            bad.append((linked, deleted, state))
    assert bad == [], f"{len(bad)} of {RUNS} runs ended in no order of the two: {bad[:3]}"

    # and every account a link reported is there, under its auth config
    assert all(await _accounts_exist(project, account_ids))
    # and the race went both ways at least once over the runs (else it tested one order only)
    winners = {linked["__typename"] for linked, _ in outcomes}
    assert winners == {"LinkAccountSuccess", "NotFoundError"}, winners
