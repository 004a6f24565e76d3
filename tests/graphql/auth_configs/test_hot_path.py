"""The hot path: "which version does this auth config run?" costs the same whatever the history.

Counts, not times: the statements one lookup sends are the same for a key with 1 version and with
1,000, none of them reads a version's body (definition, config, readme, environments) unless the
query selects those fields, and a request uses one database session.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ConnectorVersion, LinkedAccount
from app.db.types import utc_now
from app.domain.enums import DeploymentState
from app.domain.versions import VersionContent
from app.graphql.auth_configs.effective import EffectiveVersion
from app.services.versions.reads import new_version_row
from tests.graphql.auth_configs.pinning import link, pinned_auth_config
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.version_rows import uuid_of
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

LOOKUP = """
query ($id: ID!) {
  node(id: $id) { ... on AuthConfig { effectiveVersion { version { version } rule source } } }
}
"""

WITH_BODY = """
query ($id: ID!) {
  node(id: $id) {
    ... on AuthConfig {
      effectiveVersion { version { version readme definition config prodEnvironment { siteId } } }
    }
  }
}
"""

# A parenthesised list of bound parameters: its length is the number of keys, not of rows.
_PARAMETER_LIST = r"\(\s*(?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))*\s*\)"

# A version's body: the columns that hold its documents.
BODY_COLUMNS = ("definition", "config", "readme", "dev_environment", "prod_environment")


def _body_columns_read(statements: list[str]) -> set[str]:
    """The body columns that any of `statements` reads."""
    return {
        column
        for statement in statements
        for column in BODY_COLUMNS
        if re.search(rf"\bconnector_version\.{column}\b", statement)
    }


async def _key_with_versions(
    graphql: GraphQLClient, session: AsyncSession, keys: Keys, connector_key: str, count: int
) -> str:
    """A custom connector with `count` published versions (1.0.0 pushed, the rest stored
    directly with the same definition) and an auth config with no pin; its global id."""
    connector_id = uuid_of(await new_connector(graphql, connector_key, key=keys.alpha.admin))
    await pushed(graphql, connector_key, "1.0.0", BASE, key=keys.alpha.admin)
    content = VersionContent(
        name="v", description="", readme="# readme", definition=BASE, config={}
    )
    start = utc_now()
    session.add_all(
        new_version_row(
            connector_id=connector_id,
            number=f"1.{minor}.0",
            content=content,
            published_at=start + timedelta(microseconds=minor),
            state=DeploymentState.RELEASED,
        )
        for minor in range(1, count)
    )
    await session.commit()
    return await pinned_auth_config(graphql, connector_key, "Sales", key=keys.alpha.admin)


async def test_a_lookup_sends_the_same_statements_for_1_and_1000_versions(
    graphql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, keys: Keys
) -> None:
    # given one key with a single version and another with 1,000
    one = await _key_with_versions(graphql, session, keys, "one", 1)
    many = await _key_with_versions(graphql, session, keys, "many", 1000)

    # when each is looked up
    runs: dict[str, list[str]] = {}
    answers: dict[str, Any] = {}
    for name, auth_config in (("one", one), ("many", many)):
        with recorded_statements(engine) as statements:
            answers[name] = await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)
        runs[name] = statements

    # then both answer right, with the same statements, none of which reads a version's body
    assert answers["one"]["node"]["effectiveVersion"]["version"] == {"version": "1.0.0"}
    assert answers["many"]["node"]["effectiveVersion"]["version"] == {"version": "1.999.0"}
    assert len(runs["one"]) == len(runs["many"]), runs
    assert [_shape(s) for s in runs["one"]] == [_shape(s) for s in runs["many"]]
    assert _body_columns_read(runs["one"] + runs["many"]) == set()


async def test_a_version_body_is_read_only_when_asked_for(
    graphql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, keys: Keys
) -> None:
    # given a key with 20 versions
    auth_config = await _key_with_versions(graphql, session, keys, "crm", 20)

    # when the lookup asks for the chosen version's documents
    with recorded_statements(engine) as statements:
        data = await graphql(WITH_BODY, {"id": auth_config}, key=keys.alpha.viewer)

    # then they are there, read by one statement for that one version only
    version = data["node"]["effectiveVersion"]["version"]
    assert version["version"] == "1.19.0"
    assert version["readme"] == "# readme"
    assert version["definition"] == BASE
    assert version["config"] == {}
    assert version["prodEnvironment"] is None
    reading_bodies = [s for s in statements if _body_columns_read([s])]
    assert len(reading_bodies) == 1, reading_bodies
    assert _body_columns_read(reading_bodies) == set(BODY_COLUMNS)


@contextmanager
def _sessions_used() -> Iterator[set[int]]:
    """The ORM sessions that began a transaction inside the block."""
    used: set[int] = set()

    def began(session: Session, _transaction: Any, _connection: Any) -> None:
        used.add(id(session))

    event.listen(Session, "after_begin", began)
    try:
        yield used
    finally:
        event.remove(Session, "after_begin", began)


async def test_a_request_uses_one_database_session(
    graphql: GraphQLClient, session: AsyncSession, keys: Keys
) -> None:
    # given a key with versions and an auth config
    auth_config = await _key_with_versions(graphql, session, keys, "crm", 3)

    # when a request authenticates and reads the effective version, its body and its connector
    with _sessions_used() as used:
        data = await graphql(
            """query ($id: ID!) { node(id: $id) { ... on AuthConfig { name
                effectiveVersion { version { version definition connector { key } } } } } }""",
            {"id": auth_config},
            key=keys.alpha.viewer,
        )

    # then it did all of that in one session
    assert data["node"]["effectiveVersion"]["version"]["connector"] == {"key": "crm"}
    assert len(used) == 1


def _shape(statement: str) -> str:
    """A statement with its bound-parameter lists and savepoint names collapsed, to compare what
    two runs sent."""
    collapsed = re.sub(_PARAMETER_LIST, "(…)", statement)
    return re.sub(r"sa_savepoint_\d+", "sa_savepoint", collapsed)


async def test_a_push_reads_one_previous_definition_whatever_the_history(
    graphql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, keys: Keys
) -> None:
    # given one key with 2 published versions and another with 40
    await _key_with_versions(graphql, session, keys, "few", 2)
    await _key_with_versions(graphql, session, keys, "many", 40)

    # when the next minor version is pushed to each
    runs: dict[str, list[str]] = {}
    for name, number in (("few", "1.2.0"), ("many", "1.40.0")):
        with recorded_statements(engine) as statements:
            await pushed(graphql, name, number, BASE, key=keys.alpha.admin)
        runs[name] = statements

    # then both sent the same statements, and the only reads of stored definitions are the
    # previous release (one row: LIMIT) and the pushed number itself (which does not exist yet)
    assert [_shape(s) for s in runs["few"]] == [_shape(s) for s in runs["many"]]
    reads = [
        s
        for s in runs["many"]
        if s.lstrip().upper().startswith("SELECT") and _body_columns_read([s]) & {"definition"}
    ]
    assert len(reads) == 2, reads
    assert sum("LIMIT" in s for s in reads) == 1
    assert sum(re.search(r"connector_version\.version = ", s) is not None for s in reads) == 1


async def test_account_status_reads_only_the_auth_of_definitions(
    graphql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, keys: Keys
) -> None:
    # given an auth config with linked accounts, authenticated under its effective version
    auth_config = await _key_with_versions(graphql, session, keys, "crm", 5)
    for external_id in ("a", "b", "c"):
        await link(graphql, auth_config, external_id, key=keys.alpha.admin)

    # when their statuses are read
    with recorded_statements(engine) as statements:
        data = await graphql(
            """query ($id: ID!) { node(id: $id) { ... on AuthConfig {
                linkedAccounts { edges { node { status } } } } } }""",
            {"id": auth_config},
            key=keys.alpha.viewer,
        )

    # then they are right, and no statement read a whole definition: only its `auth`
    edges = data["node"]["linkedAccounts"]["edges"]
    assert [edge["node"]["status"] for edge in edges] == ["ACTIVE"] * 3
    whole_column = r"(?<!\()\b(connector_version|version_revision)\.definition\s*(,|FROM\b)"
    whole = [s for s in statements if re.search(whole_column, s)]
    assert whole == []
    assert any(
        re.search(r"definition\s*->|JSON_EXTRACT\(connector_version\.definition", s)
        for s in statements
    )


async def test_a_warm_lookup_reads_no_versions_and_sees_any_change_at_once(
    graphql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, keys: Keys
) -> None:
    # given a key with 50 versions, looked up once (this process now keeps its candidates)
    auth_config = await _key_with_versions(graphql, session, keys, "crm", 50)
    await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)

    # when it is looked up again
    with recorded_statements(engine, cold=False) as statements:
        data = await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)

    # then the key, and the auth config with its connectors' stamps, are all it reads: on
    # PostgreSQL without a listener (this app runs none), as every lookup did before lookups
    # were kept in memory; on SQLite, with one process that drops its copies as it commits,
    # nothing at all (DESIGN §17)
    assert data["node"]["effectiveVersion"]["version"] == {"version": "1.49.0"}
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == (0 if engine.dialect.name == "sqlite" else 2), reads
    assert not any(re.search(r"\bFROM connector_version\b", s) for s in reads), reads

    # and when anyone changes a version, even outside the API (here: deprecating 1.49.0
    # straight in the database), the next lookup answers from the new state
    await session.exec(
        update(ConnectorVersion)
        .where(col(ConnectorVersion.version) == "1.49.0")
        .values(deprecated_at=utc_now())
    )
    await session.commit()
    data = await graphql(LOOKUP, {"id": auth_config}, key=keys.alpha.viewer)
    assert data["node"]["effectiveVersion"]["version"] == {"version": "1.48.0"}


async def test_a_page_of_accounts_builds_its_auth_configs_answer_once(
    graphql: GraphQLClient, session: AsyncSession, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two auth configs with 30 accounts each
    configs = [await _key_with_versions(graphql, session, keys, key, 3) for key in ("a", "b")]
    for auth_config in configs:
        session.add_all(
            LinkedAccount(auth_config_id=uuid_of(auth_config), external_id=f"account-{index}")
            for index in range(30)
        )
    await session.commit()
    built: list[object] = []
    original = EffectiveVersion.from_effective.__func__  # type: ignore[attr-defined]

    def counted(cls: type[EffectiveVersion], effective: Any) -> EffectiveVersion:
        built.append(effective)
        return original(cls, effective)  # type: ignore[no-any-return]

    monkeypatch.setattr(EffectiveVersion, "from_effective", classmethod(counted))

    # when a page of both, with every account's effective version, is read
    data = await graphql(
        """{ authConfigs { edges { node { linkedAccounts(first: 30) {
            edges { node { effectiveVersion { version { version } rule } } } } } } } }""",
        key=keys.alpha.viewer,
    )

    # then all 60 accounts show their auth config's answer, built once per auth config
    pages = [edge["node"]["linkedAccounts"]["edges"] for edge in data["authConfigs"]["edges"]]
    versions = {
        account["node"]["effectiveVersion"]["version"]["version"]
        for page in pages
        for account in page
    }
    assert sum(len(page) for page in pages) == 60
    assert versions == {"1.2.0"}
    assert len(built) == 2
