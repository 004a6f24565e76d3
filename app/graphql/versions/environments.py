"""Where a version is deployed: the environments of its body and of its pipeline's sync steps."""

from datetime import datetime
from typing import Any

import strawberry


@strawberry.type(description="Where a version is deployed in one environment.")
class Environment:
    account_id: str | None = None
    project_id: str | None = None
    site_id: str | None = None
    synced_at: datetime | None = None

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> "Environment | None":
        if not value:
            return None
        synced_at = value.get("syncedAt")
        return cls(
            account_id=value.get("accountId"),
            project_id=value.get("projectId"),
            site_id=value.get("siteId"),
            synced_at=datetime.fromisoformat(synced_at) if synced_at else None,
        )
