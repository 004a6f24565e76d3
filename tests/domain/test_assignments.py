"""Site ids and external references of assignments (no database)."""

from uuid import uuid4

import pytest

from app.domain import assignments
from app.domain.assignments import AssignmentKind, SiteAssignment
from app.domain.errors import InvalidInput
from app.domain.usage import VersionUsage


def test_site_ids_are_trimmed_and_must_not_be_blank_or_too_long() -> None:
    assert assignments.site_id("  site-42 ") == "site-42"
    assert assignments.site_id("s" * assignments.SITE_ID_MAX_LENGTH) == "s" * 255
    for bad in ("", "   ", "s" * (assignments.SITE_ID_MAX_LENGTH + 1)):
        with pytest.raises(InvalidInput) as raised:
            assignments.site_id(bad)
        assert raised.value.field == "siteId"


@pytest.mark.parametrize(
    ("given", "kept"), [(None, None), ("", None), ("  ", None), (" ds-7 ", "ds-7")]
)
def test_external_references_are_optional_and_blank_is_none(
    given: str | None, kept: str | None
) -> None:
    assert assignments.external_reference(given) == kept


def test_an_overlong_external_reference_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        assignments.external_reference("r" * (assignments.EXTERNAL_REFERENCE_MAX_LENGTH + 1))
    assert raised.value.field == "externalReference"


def test_an_assignment_alone_keeps_a_version_in_use() -> None:
    unused = VersionUsage(uses=[])
    assignment = SiteAssignment(uuid4(), uuid4(), "site-1", AssignmentKind.EXPORT)
    assert unused.in_use is False
    assert unused.with_assignments([assignment]).in_use is True
    assert unused.with_assignments([assignment]).blockers == []
    assert assignment.describe() == "EXPORT on site site-1"
