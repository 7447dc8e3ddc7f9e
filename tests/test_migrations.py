"""Migrations: from empty to newest and back on both databases; the models match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from facilitator import migrate
from facilitator.db import Base
from facilitator.db import make_engine

TABLES = {"organizations", "users", "memberships", "groups", "group_facilitators",
          "audit_entries", "training_types", "training_records"}


def test_upgrade_downgrade_upgrade(fresh_database_url):
    engine = make_engine(fresh_database_url())
    try:
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        migrate.downgrade(engine, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_models_match_the_newest_migration(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
