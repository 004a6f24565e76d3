"""A rollout's bucket in SQL, equal to `app.domain.rollouts.rollout_bucket` on both databases.

Aggregates over many accounts (how many are in a rollout, an impact preview) count in SQL
instead of hashing every account in Python. PostgreSQL computes the hash itself: MD5 of the
two UUIDs as text (lowercase, hyphenated, as Python's `str(UUID)`), the first 8 hex digits as a
32-bit number, modulo 10000. SQLite has no MD5: each connection gets a deterministic SQL
function that calls the domain's (`register_sqlite_functions`, from the engine's connect hook),
which also turns SQLite's stored UUIDs (32 hex digits, no hyphens) back into UUIDs.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnExpressionArgument, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from app.domain.rollouts import BUCKETS, rollout_bucket

SQLITE_FUNCTION = "rollout_bucket"


class RolloutBucket(GenericFunction[int]):
    """rollout_bucket(rollout id, account id): the account's bucket, 0..9999."""

    type = Integer()
    name = SQLITE_FUNCTION
    inherit_cache = True


def rollout_bucket_sql(
    rollout_id: ColumnExpressionArgument[Any], account_id: ColumnExpressionArgument[Any]
) -> ColumnElement[int]:
    """The bucket of `account_id` in `rollout_id` (columns or bound UUIDs), as SQL."""
    return RolloutBucket(rollout_id, account_id)


@compiles(RolloutBucket, "postgresql")
def _postgresql(element: RolloutBucket, compiler: SQLCompiler, **kw: Any) -> str:
    rollout_id, account_id = (compiler.process(arg, **kw) for arg in element.clauses)
    digest = f"md5(CAST({rollout_id} AS text) || ':' || CAST({account_id} AS text))"
    return f"(('x' || substr({digest}, 1, 8))::bit(32)::bigint % {BUCKETS})"


def _sqlite_bucket(rollout_id: str | None, account_id: str | None) -> int | None:
    if rollout_id is None or account_id is None:
        return None
    return rollout_bucket(UUID(rollout_id), UUID(account_id))


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Give a new SQLite connection the bucket function (deterministic: SQLite may use it in
    indexes and fold repeated calls)."""
    dbapi_connection.create_function(SQLITE_FUNCTION, 2, _sqlite_bucket, deterministic=True)
