"""Version history and comparisons."""

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.db import models
from app.domain.bumps import Bump
from app.graphql.versions.changes import VersionChange
from app.services.versions.comparisons import Comparison
from app.services.versions.publishing import BumpCheck


@strawberry.type(description="Content a forced push replaced; kept so that nothing is lost.")
class VersionRevision:
    revision: int = strawberry.field(description="The revision number this content had.")
    name: str
    description: str
    readme: str
    definition: JSON | None
    config: JSON
    content_hash: str
    published_at: datetime | None
    replaced_at: datetime = strawberry.field(description="When a forced push replaced it.")

    @classmethod
    def from_row(cls, row: models.VersionRevision) -> "VersionRevision":
        return cls(
            revision=row.revision,
            name=row.name,
            description=row.description,
            readme=row.readme,
            definition=row.definition,  # type: ignore[arg-type]
            config=row.config,  # type: ignore[arg-type]
            content_hash=row.content_hash,
            published_at=row.published_at,
            replaced_at=row.replaced_at,
        )


@strawberry.type(description="How one version's definition differs from another's.")
class VersionComparison:
    required_bump: Bump | None = strawberry.field(
        description="The smallest bump the changes need; null when the definitions are the same."
    )
    declared_bump: Bump | None = strawberry.field(
        description="The bump `to` declares over `from`; null when it is not higher."
    )
    sufficient: bool = strawberry.field(
        description="Whether `to` could be pushed after `from` as numbered."
    )
    changes: list[VersionChange]

    @classmethod
    def from_domain(cls, comparison: Comparison) -> "VersionComparison":
        required, declared = comparison.required_bump, comparison.declared_bump
        return cls(
            required_bump=required,
            declared_bump=declared,
            sufficient=required is None or (declared is not None and declared >= required),
            changes=[VersionChange.from_domain(change) for change in comparison.changes],
        )


def change_list(check: BumpCheck) -> list[VersionChange]:
    return [VersionChange.from_domain(change) for change in check.changes]
