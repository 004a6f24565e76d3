"""Who may do what (DESIGN §7), without a database."""

from uuid import uuid4

import pytest

from app.domain.access import Principal, require_platform_admin, require_project_admin
from app.domain.api_keys import KEY_PREFIX, hash_secret, new_secret
from app.domain.enums import Role
from app.domain.errors import Forbidden

PROJECT = uuid4()
ADMIN = Principal(api_key_id=uuid4(), role=Role.ADMIN, project_id=PROJECT)
VIEWER = Principal(api_key_id=uuid4(), role=Role.VIEWER, project_id=PROJECT)
PLATFORM = Principal(api_key_id=uuid4(), role=Role.PLATFORM_ADMIN, project_id=None)


def test_project_admins_act_on_their_own_project_only() -> None:
    assert require_project_admin(ADMIN, "do it") == PROJECT
    with pytest.raises(Forbidden):
        require_project_admin(VIEWER, "do it")
    with pytest.raises(Forbidden):
        require_project_admin(PLATFORM, "do it")


def test_only_platform_keys_do_platform_work() -> None:
    require_platform_admin(PLATFORM, "create projects")
    for actor in (ADMIN, VIEWER):
        with pytest.raises(Forbidden):
            require_platform_admin(actor, "create projects")


def test_managed_objects_are_readable_by_all_and_project_objects_by_their_own() -> None:
    other = uuid4()
    assert ADMIN.can_read_project(None)
    assert VIEWER.can_read_project(None)
    assert ADMIN.can_read_project(PROJECT)
    assert not ADMIN.can_read_project(other)
    assert not PLATFORM.can_read_project(PROJECT)


def test_secrets_are_random_and_only_their_hash_is_kept() -> None:
    first, second = new_secret(), new_secret()
    assert first.secret != second.secret
    assert first.secret.startswith(KEY_PREFIX)
    assert first.secret.startswith(first.prefix)
    assert first.secret_hash == hash_secret(first.secret)
    assert first.secret not in first.secret_hash
