"""The bucket in SQL equals the domain's bucket, on both databases, for stored ids and bound ones,
and the SQL count of accounts in a rollout equals counting them one by one in Python."""

from uuid import UUID, uuid4

import sqlalchemy
from sqlalchemy import Uuid, literal
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import AuthConfig, LinkedAccount, Project, Rollout
from app.db.rollout_buckets import rollout_bucket_sql
from app.domain.enums import VersionSource
from app.domain.rollouts import in_rollout, rollout_bucket
from app.services.accounts.rollouts import count_accounts_in_rollout

ACCOUNTS = 300
PERCENT = 37


async def _rollout_with_accounts(session: AsyncSession) -> tuple[Rollout, list[UUID]]:
    project = Project(slug="alpha", name="Alpha")
    auth_config = AuthConfig(project_id=project.id, connector_key="crm", name="Sales")
    accounts = [
        LinkedAccount(auth_config_id=auth_config.id, external_id=f"a-{index}")
        for index in range(ACCOUNTS)
    ]
    rollout = Rollout(
        auth_config_id=auth_config.id,
        target_version="2.0.0",
        target_source=VersionSource.CUSTOM,
        percent=PERCENT,
    )
    session.add(project)
    await session.flush()
    session.add(auth_config)
    await session.flush()
    session.add_all([*accounts, rollout])
    await session.commit()
    return rollout, [account.id for account in accounts]


async def test_sql_buckets_of_stored_ids_equal_the_domains(session: AsyncSession) -> None:
    # given a rollout and 300 accounts, stored as each database stores UUIDs
    rollout, account_ids = await _rollout_with_accounts(session)

    # when SQL computes every account's bucket from the stored columns
    query = (
        sqlalchemy.select(
            col(LinkedAccount.id), rollout_bucket_sql(col(Rollout.id), col(LinkedAccount.id))
        )
        .select_from(LinkedAccount)
        .join(Rollout, col(Rollout.auth_config_id) == col(LinkedAccount.auth_config_id))
    )
    found = dict((await session.exec(query)).all())  # type: ignore[call-overload]

    # then each equals the domain's, and they are spread over the buckets
    assert found == {account: rollout_bucket(rollout.id, account) for account in account_ids}
    assert len(set(found.values())) > ACCOUNTS * 0.9


async def test_sql_buckets_of_bound_ids_equal_the_domains(session: AsyncSession) -> None:
    for _ in range(50):
        rollout_id, account_id = uuid4(), uuid4()
        bucket = rollout_bucket_sql(literal(rollout_id, Uuid()), literal(account_id, Uuid()))
        found = (await session.exec(sqlalchemy.select(bucket))).one()  # type: ignore[call-overload]
        assert found[0] == rollout_bucket(rollout_id, account_id)


async def test_the_sql_count_of_accounts_in_a_rollout_agrees_with_python(
    session: AsyncSession,
) -> None:
    # given a rollout at 37% and 300 accounts
    rollout, account_ids = await _rollout_with_accounts(session)

    # when the accounts in it are counted in SQL
    counts = await count_accounts_in_rollout(session, auth_config_ids=[rollout.auth_config_id])

    # then the count is that of the accounts the domain puts in it, and the rest are outside
    inside = sum(in_rollout(rollout.id, account, PERCENT) for account in account_ids)
    assert counts == {rollout.auth_config_id: (inside, ACCOUNTS - inside)}
    assert 0 < inside < ACCOUNTS
