"""Alembic environment: runs on the engine facilitator.migrate hands over."""

from __future__ import annotations

from typing import Any
from typing import Literal

from alembic import context

from facilitator import models  # noqa: F401  (registers the tables)
from facilitator.db import Base
from facilitator.db import UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write our UTC column type as the plain type it stores, so migrations import nothing
    of the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                render_item=render_item,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Any, *, on: bool) -> None:
    """Turn SQLite's foreign keys off while migrating, as its own guide to changing a
    table says: a batch migration copies a table and drops the old one, and with them on
    the drop would delete every row that refers to it through ON DELETE CASCADE (a
    document's versions). The pragma does nothing inside a transaction, so it goes to the
    driver's connection before SQLAlchemy begins one; the migration checks the keys
    before it commits."""
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations_online()
