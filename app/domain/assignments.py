"""Site assignments (DESIGN §10): a published version referenced by a datasource, an export or a
data service on a site of the platform. An assignment keeps its version in use until it is
removed: the dev portal's "no delete while actively assigned to sites".
"""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from app.domain.errors import InvalidInput

SITE_ID_MAX_LENGTH = 255
EXTERNAL_REFERENCE_MAX_LENGTH = 255


class AssignmentKind(StrEnum):
    DATASOURCE = "DATASOURCE"
    EXPORT = "EXPORT"
    DATA_SERVICE = "DATA_SERVICE"


@dataclass(frozen=True, slots=True)
class SiteAssignment:
    """What usage needs of an assignment: which project made it, and where it points."""

    id: UUID
    project_id: UUID
    site_id: str
    kind: AssignmentKind

    def describe(self) -> str:
        return f"{self.kind.value} on site {self.site_id}"


def site_id(value: str, field: str = "siteId") -> str:
    """A site id as the platform names its sites: not blank, bounded; kept as given (trimmed)."""
    value = value.strip()
    if not value:
        raise InvalidInput(field, "must not be blank")
    if len(value) > SITE_ID_MAX_LENGTH:
        raise InvalidInput(field, f"must be at most {SITE_ID_MAX_LENGTH} characters")
    return value


def external_reference(value: str | None, field: str = "externalReference") -> str | None:
    """An optional reference to the datasource, export or data service; blank means none."""
    value = (value or "").strip()
    if len(value) > EXTERNAL_REFERENCE_MAX_LENGTH:
        raise InvalidInput(field, f"must be at most {EXTERNAL_REFERENCE_MAX_LENGTH} characters")
    return value or None
