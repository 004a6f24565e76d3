"""The effective-version read (`app.services.effective.read`), without a database: each
account's effective version and status during a rollout, and a warm read that reads nothing.

What it answers through the API, and what that costs in statements, is tested in
`tests/graphql/` (effective version, rollouts, hot path)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast
from uuid import UUID, uuid4

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, Rollout
from app.domain.enums import VersionSource
from app.domain.resolution import Candidate, ResolutionRule
from app.domain.rollouts import in_rollout
from app.services.effective import AccountsEffectiveVersions, EffectiveVersionRead
from app.services.effective.candidate_cache import CANDIDATES, ConnectorVersions
from app.services.effective.read import auth_config_effective_version
from app.services.effective.resolution import ConnectorStamp, KeyVersions, ProjectKey
from app.services.versions.reads import ContentKey

PROJECT = uuid4()


def _candidate(version: str) -> Candidate[UUID]:
    return Candidate(
        id=uuid4(),
        version=version,
        source=VersionSource.CUSTOM,
        published=True,
        binned=False,
        deprecated=False,
    )


def _connector(stamp: int = 1) -> ConnectorVersions:
    """A custom connector with 1.0.0 (revision 1) and 2.0.0 (revision 3)."""
    one, two = _candidate("1.0.0"), _candidate("2.0.0")
    return ConnectorVersions(
        connector_id=uuid4(),
        stamp=stamp,
        candidates=[one, two],
        revisions={one.id: 1, two.id: 3},
    )


def _auth_config(*, pin: str = "1.x.x", active: bool = True) -> AuthConfig:
    return AuthConfig(
        id=uuid4(), project_id=PROJECT, connector_key="crm", name="CRM", pin=pin, active=active
    )


async def _accounts(
    percent: int | None, *, active: bool = True
) -> tuple[AccountsEffectiveVersions, ConnectorVersions]:
    """An auth config on 1.x.x, rolling 2.0.0 out to `percent` (None: no rollout)."""
    connector = _connector()
    candidates = KeyVersions(connectors=(connector,), cached=False)
    own = auth_config_effective_version(_auth_config(active=active), candidates)
    if percent is None:
        return AccountsEffectiveVersions(own, None, None, None), connector
    target = connector.candidates[1]
    rollout = Rollout(
        id=uuid4(),
        auth_config_id=own.auth_config.id,
        target_version_id=target.id,
        target_version=target.version,
        target_source=target.source,
        percent=percent,
    )
    read = EffectiveVersionRead(_no_session, cached=False)
    read.know(stamps={}, rollouts={own.auth_config.id: rollout})
    return (await read.accounts([own]))[own.auth_config.id], connector


class _Unusable:
    """A session that fails on any use: the read must send nothing."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the read used the session ({name})")


@asynccontextmanager
async def _no_session() -> AsyncIterator[AsyncSession]:
    yield cast(AsyncSession, _Unusable())


async def test_without_a_rollout_every_account_runs_its_auth_configs_version() -> None:
    # given an auth config on 1.x.x with no rollout
    accounts, connector = await _accounts(None)

    # when any account asks
    account = accounts.for_account(uuid4())

    # then it runs the auth config's own version, outside any rollout
    assert account.chosen is not None
    assert account.chosen.id == connector.candidates[0].id
    assert account.resolution is accounts.own.resolution
    assert not account.in_rollout


@pytest.mark.parametrize("percent", [0, 50, 100])
async def test_during_a_rollout_an_account_runs_the_target_exactly_when_it_is_in_it(
    percent: int,
) -> None:
    # given an auth config on 1.x.x rolling 2.0.0 out to `percent` of its accounts
    accounts, connector = await _accounts(percent)
    one, two = connector.candidates
    assert accounts.rollout is not None

    for account_id in (uuid4() for _ in range(40)):
        # when an account asks
        account = accounts.for_account(account_id)

        # then it runs the target (rule ROLLOUT) when the domain's rule puts it in, else 1.0.0
        inside = in_rollout(accounts.rollout.id, account_id, percent)
        assert account.in_rollout is inside
        assert account.chosen is not None
        assert account.chosen.id == (two.id if inside else one.id)
        assert (account.resolution.rule is ResolutionRule.ROLLOUT) is inside
        assert account.chosen.revision == (3 if inside else 1)


async def test_an_accounts_status_compares_the_content_it_runs() -> None:
    # given every account in a rollout of 2.0.0 (revision 3), and an inactive one without
    rolling, connector = await _accounts(100)
    still, still_connector = await _accounts(None, active=False)
    authenticated = ContentKey(connector.candidates[0].id, 1)

    # when their statuses' inputs are asked for
    in_rollout_key = rolling.status_of(uuid4(), authenticated)
    still_key = still.status_of(uuid4(), None)

    # then each names the content the account runs, and whether its auth config is active
    assert in_rollout_key.auth_config_active
    assert in_rollout_key.authenticated == authenticated
    assert in_rollout_key.effective == ContentKey(connector.candidates[1].id, 3)
    assert not still_key.auth_config_active
    assert still_key.effective == ContentKey(still_connector.candidates[0].id, 1)
    assert still_key.contents == (still_key.effective,)


async def test_a_warm_read_sends_nothing() -> None:
    # given candidates kept under their stamp, and an auth config read with that stamp and
    # with its running rollout (none)
    connector = _connector(stamp=7)
    CANDIDATES.put(connector)
    config = _auth_config()
    read = EffectiveVersionRead(_no_session)  # no actor: no headers to show
    stamp = ConnectorStamp(connector.connector_id, PROJECT, "crm", 7)
    read.know(stamps={ProjectKey.of(config): [stamp]}, rollouts={config.id: None})

    # when its effective versions are read, its own and its accounts'
    own = (await read.auth_configs([config]))[config.id]
    accounts = await read.accounts([own])

    # then they answer from memory
    assert own.chosen is not None
    assert own.chosen.id == connector.candidates[0].id
    assert accounts[config.id].rollout is None
