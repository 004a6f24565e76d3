"""The history fields of LinkedAccount and AuthConfig: `effectiveVersion(at:)` and `timeline`.

The answers come from `app.services.effective.history` (the same rules as the present's, fed
with the state as it was); this module shows them. The subject is an object the caller has
already been given (its node, through the access rules of every read), so another project's
history cannot be reached: it is as absent as the object.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry import relay

from app.db.types import utc_now
from app.graphql.auth_configs.effective import EffectiveVersion, SkippedVersion
from app.graphql.context import Info
from app.graphql.errors import PublicError
from app.graphql.history.types import EffectiveVersionHistory, RecordedChangeView, VersionAsItWas
from app.graphql.relay.cursor_values import TIMESTAMP
from app.graphql.relay.pagination import Counted, CursorShape, page_request, selects_total_count
from app.graphql.relay.pagination import to_connection as page_to_connection
from app.graphql.versions.types import ConnectorVersion
from app.services.effective.history import (
    HistorySubject,
    PastInterval,
    effective_version_at,
    read_history,
)
from app.services.pages import Page

TIMELINE_ORDER = CursorShape("timeline", (TIMESTAMP,))
"""Intervals oldest first, by when each began."""

At = Annotated[
    datetime | None,
    strawberry.argument(
        description="A past instant: the answer as it was then (a time without zone is UTC). "
        "Without it, the answer now."
    ),
]
From = Annotated[
    datetime | None,
    strawberry.argument(
        name="from",
        description="The intervals that still held at or after this instant (default: all).",
    ),
]
To = Annotated[
    datetime | None,
    strawberry.argument(description="The intervals that began before this instant (default: now)."),
]


@strawberry.type(description="A span of time during which one effective version held.")
class EffectiveVersionInterval:
    start: datetime = strawberry.field(description="When it began to hold (inclusive).")
    end: datetime | None = strawberry.field(
        description="When it stopped holding (exclusive); null while it holds."
    )
    effective_version: EffectiveVersion = strawberry.field(
        description="The answer that held, with its explanation and the version as it was."
    )
    changes: list[RecordedChangeView] = strawberry.field(
        description="The changes made at `start`, which started it."
    )


@strawberry.type(description="A page of a timeline, oldest first.")
class EffectiveVersionIntervalConnection(
    relay.Connection[EffectiveVersionInterval],  # type: ignore[type-var]
    Counted,
):
    pass


def _instant(value: datetime, name: str) -> datetime:
    """`value` in UTC (naive: UTC), refused when it lies in the future."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value > utc_now():
        raise PublicError(f"{name}: {value.isoformat()} is in the future; history ends now")
    return value


async def _current_versions(
    info: Info, intervals: Sequence[PastInterval]
) -> dict[UUID, ConnectorVersion]:
    """The versions the answers chose, as they are now and as the caller may see them."""
    ids = list(
        dict.fromkeys(
            interval.answer.version.id
            for interval in intervals
            if interval.answer.version is not None
        )
    )
    headers = await info.context.loaders.version_by_id.load_many(ids)
    return {
        header.id: ConnectorVersion.from_header(header) for header in headers if header is not None
    }


def _shown(
    interval: PastInterval, at: datetime | None, versions: dict[UUID, ConnectorVersion]
) -> EffectiveVersion:
    answer = interval.answer
    resolution = answer.resolution
    then = answer.version
    return EffectiveVersion(
        version=None if then is None else versions.get(then.id),
        rule=resolution.rule,
        source=resolution.source,
        reason=resolution.reason,
        warnings=list(resolution.warnings),
        skipped=[SkippedVersion.from_domain(skipped) for skipped in resolution.skipped],
        history=EffectiveVersionHistory(
            at=interval.start if at is None else at,
            since=interval.start,
            until=interval.end,
            changes=[RecordedChangeView.of(change) for change in interval.changes],
            version_then=None if then is None else VersionAsItWas.of(then),
            in_rollout=answer.in_rollout,
            status=answer.status,
        ),
    )


async def effective_version_then(
    info: Info, subject: HistorySubject, at: datetime
) -> EffectiveVersion:
    """The subject's effective version at `at`; INVALID_INPUT when history has nothing on it
    then."""
    at = _instant(at, "at")
    async with info.context.session() as session:
        interval = await effective_version_at(session, subject, at)
    if interval is None:
        what = "linked account" if subject.account_id is not None else "auth config"
        raise PublicError(
            f"at: history has nothing on this {what} at {at.isoformat()} "
            "(it did not exist yet, or history had not begun)"
        )
    return _shown(interval, at, await _current_versions(info, [interval]))


async def timeline_page(
    info: Info,
    subject: HistorySubject,
    *,
    from_: datetime | None,
    to: datetime | None,
    first: int,
    after: str | None,
) -> EffectiveVersionIntervalConnection:
    """The intervals of the subject's history that overlap [from, to), oldest first: the
    first may have begun before `from` (its start says when)."""
    page = page_request(first, after, TIMELINE_ORDER, count=selects_total_count(info))
    start = None if from_ is None else _instant(from_, "from")
    end = None if to is None else _instant(to, "to")
    after_start = None if page.after is None else page.after[0]
    assert after_start is None or isinstance(after_start, datetime)
    async with info.context.session() as session:
        replay = await read_history(session, subject)
    found = replay.intervals(start=start, end=end, after=after_start, limit=page.limit + 1)
    total = len(replay.intervals(start=start, end=end)) if page.count else None
    items = found[: page.limit]
    sliced = Page(
        items=items,
        keys=[(interval.start,) for interval in items],
        has_next=len(found) > page.limit,
        has_previous=page.after is not None,
        total=total,
    )
    versions = await _current_versions(info, items)
    return page_to_connection(
        EffectiveVersionIntervalConnection,
        sliced,
        lambda interval: EffectiveVersionInterval(
            start=interval.start,
            end=interval.end,
            effective_version=_shown(interval, None, versions),
            changes=[RecordedChangeView.of(change) for change in interval.changes],
        ),
        TIMELINE_ORDER,
    )
