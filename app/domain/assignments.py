"""Site assignments (DESIGN §10): a published version referenced by a datasource, an export or a
data service on a site of the platform. An assignment keeps its version in use until it is
removed: the dev portal's "no delete while actively assigned to sites".
"""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from app.domain import validation

SITE_ID_MAX_LENGTH = validation.EXTERNAL_ID_MAX_LENGTH
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
    """A site id is the platform's id of a site: kept as given (trimmed) like an account's
    external id, not blank and bounded the same way."""
    return validation.external_id(value, field)


def external_reference(value: str | None, field: str = "externalReference") -> str | None:
    """An optional reference to the datasource, export or data service; blank means none."""
    return validation.optional_text(value, field, EXTERNAL_REFERENCE_MAX_LENGTH) or None
