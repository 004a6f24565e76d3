"""Which events a caller may read, and which a filter keeps (DESIGN §1, §7): one rule, used both
in SQL (`app.services.history`) and in memory (the live fan-out, `app.graphql.events.feeds`).

A project key reads its project's events; a platform key reads the platform's own (those with no
project: managed connectors and their versions). History outlives what it mentions, so a filter
names plain ids, not objects that must still exist.
"""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from app.domain.access import Principal
from app.domain.events import EventKind


class EventFacts(Protocol):
    """What the rule reads of an event (an `Event` row has these columns)."""

    @property
    def project_id(self) -> UUID | None: ...
    @property
    def connector_id(self) -> UUID | None: ...
    @property
    def version_id(self) -> UUID | None: ...
    @property
    def auth_config_id(self) -> UUID | None: ...
    @property
    def kind(self) -> str: ...


def readable_project(actor: Principal) -> UUID | None:
    """The one `project_id` of the events `actor` may read: its own project's, or None (the
    platform's own events) for a platform key."""
    return None if actor.is_platform else actor.project_id


def may_read(actor: Principal, event: EventFacts) -> bool:
    return event.project_id == readable_project(actor)


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Each set field narrows the events to those naming that object or kind."""

    connector_id: UUID | None = None
    version_id: UUID | None = None
    auth_config_id: UUID | None = None
    kind: EventKind | None = None

    def subject_ids(self) -> dict[str, UUID]:
        """The set object filters, by the event column they compare."""
        named = {
            "connector_id": self.connector_id,
            "version_id": self.version_id,
            "auth_config_id": self.auth_config_id,
        }
        return {column: value for column, value in named.items() if value is not None}

    def keeps(self, event: EventFacts) -> bool:
        if self.kind is not None and event.kind != EventKind(self.kind).value:
            return False
        return all(getattr(event, column) == value for column, value in self.subject_ids().items())


def visible(actor: Principal, where: EventFilter, event: EventFacts) -> bool:
    """Whether `actor` may read `event` and `where` keeps it."""
    return may_read(actor, event) and where.keeps(event)
