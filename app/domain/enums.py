"""The closed vocabularies of the registry."""

from enum import StrEnum


class Role(StrEnum):
    PLATFORM_ADMIN = "PLATFORM_ADMIN"
    ADMIN = "ADMIN"
    VIEWER = "VIEWER"


class Runtime(StrEnum):
    DEFINITION = "DEFINITION"
    IMAGE = "IMAGE"


class VersionSource(StrEnum):
    MANAGED = "MANAGED"
    CUSTOM = "CUSTOM"


class PinSource(StrEnum):
    ANY = "ANY"
    MANAGED = "MANAGED"
    CUSTOM = "CUSTOM"


class DeploymentState(StrEnum):
    UPDATED = "UPDATED"
    BUILT = "BUILT"
    DEV_SYNCED = "DEV_SYNCED"
    TESTED = "TESTED"
    PROD_SYNCED = "PROD_SYNCED"
    RELEASED = "RELEASED"


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    NEEDS_REAUTHENTICATION = "NEEDS_REAUTHENTICATION"
