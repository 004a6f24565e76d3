"""The previous release a push is judged against: the query in the publishing service gives the
domain's answer (`app.domain.pushes.previous_release`), on both databases."""

from datetime import UTC, datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Connector, Project
from app.domain.enums import Runtime
from app.domain.pushes import KnownVersion, previous_release
from app.domain.versions import VersionContent, parse_version
from app.services.versions.publishing import read_previous_release
from app.services.versions.reads import new_version_row

STORED = [
    KnownVersion("0.9.0", published=True, binned=False),
    KnownVersion("1.0.0", published=True, binned=False),
    KnownVersion("1.2.4", published=True, binned=False),
    KnownVersion("1.2.9", published=False, binned=False),
    KnownVersion("1.3.0", published=True, binned=True),
    KnownVersion("1.10.0", published=True, binned=False),
    KnownVersion("2.0.0-beta.1", published=True, binned=False),
    KnownVersion("2.0.0-rc.1", published=False, binned=False),
    KnownVersion("2.1.0", published=True, binned=False),
]
PUSHED = [
    "0.1.0",
    "0.9.0",
    "1.0.0",
    "1.1.0",
    "1.2.0",
    "1.2.5",
    "1.3.0",
    "1.4.0",
    "1.9.9",
    "1.10.0",
    "1.11.0",
    "2.0.0-beta.2",
    "2.0.0",
    "2.0.1",
    "2.1.0",
    "3.0.0-alpha",
    "3.0.0",
]
CONTENT = VersionContent(name="CRM", description="", readme="", definition=None, config={})


async def _connector_with_versions(session: AsyncSession) -> Connector:
    project = Project(slug="alpha", name="Alpha")
    connector = Connector(
        project_id=project.id, key="crm", name="CRM", description="", runtime=Runtime.DEFINITION
    )
    session.add(project)
    await session.flush()
    session.add(connector)
    await session.flush()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for known in STORED:
        row = new_version_row(
            connector_id=connector.id,
            number=known.number,
            content=CONTENT,
            published_at=moment if known.published else None,
        )
        row.binned_at = moment if known.binned else None
        session.add(row)
    await session.commit()
    return connector


@pytest.mark.parametrize("pushed", PUSHED)
async def test_the_query_gives_the_domains_previous_release(
    session: AsyncSession, pushed: str
) -> None:
    # given a connector with releases, prereleases, drafts and a binned release
    connector = await _connector_with_versions(session)
    number = parse_version(pushed)

    # when the service reads the previous release of a push
    found = await read_previous_release(session, connector_id=connector.id, number=number)

    # then it is the one the domain's rule names
    assert (None if found is None else found.version) == previous_release(number, STORED)
