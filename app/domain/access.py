"""Who may do what (DESIGN §7). A caller is a `Principal`: the API key it authenticated with."""

from dataclasses import dataclass
from uuid import UUID

from app.domain.enums import Role
from app.domain.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Principal:
    api_key_id: UUID
    role: Role
    project_id: UUID | None

    @property
    def is_platform(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN

    @property
    def can_write(self) -> bool:
        return self.role in (Role.PLATFORM_ADMIN, Role.ADMIN)

    def can_read_project(self, project_id: UUID | None) -> bool:
        """Managed objects (no project) are readable by everyone; project objects by their own."""
        return project_id is None or project_id == self.project_id


def require_platform_admin(actor: Principal, action: str) -> None:
    if not actor.is_platform:
        raise Forbidden(f"only a platform key may {action}")


def require_project_admin(actor: Principal, action: str) -> UUID:
    """The caller's project, when the caller is an ADMIN of one."""
    if actor.project_id is None:
        raise Forbidden(f"a platform key has no project; use a project ADMIN key to {action}")
    if actor.role != Role.ADMIN:
        raise Forbidden(f"a {actor.role} key cannot {action}; an ADMIN key is needed")
    return actor.project_id
