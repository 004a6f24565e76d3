"""The metadata every table hangs on, with names for constraints that both databases share."""

from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Must be set before any table model is defined.
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata
