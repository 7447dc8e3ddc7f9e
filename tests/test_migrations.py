"""Migrations: from empty to newest and back on both databases, one step at a time; the
models match the newest."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from facilitator import migrate
from facilitator.db import Base
from facilitator.db import make_engine

TABLES = {"organizations", "users", "memberships", "groups", "group_facilitators",
          "audit_entries", "documents", "document_versions", "signatures",
          "statement_readings", "training_types", "training_records", "pending_invitations"}


def schema(engine) -> dict[str, object]:
    """Every table's columns, indexes, unique and foreign keys, as the database has them."""
    inspector = inspect(engine)
    found: dict[str, object] = {}
    for name in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        found[name] = (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)),
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name)),
            sorted((u["name"], tuple(u["column_names"])) for u in
                   inspector.get_unique_constraints(name)),
            sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"]) for f in
                   inspector.get_foreign_keys(name)),
        )
    return found


def test_every_migration_goes_up_and_down_one_step_at_a_time(fresh_database_url):
    """Empty → each revision in turn → newest, each step undone and redone on the way;
    then back to empty one step at a time. Each downgrade leaves exactly the schema
    its upgrade started from."""
    revisions = [script.revision for script in reversed(list(migrate.scripts().walk_revisions()))]
    assert revisions[-1] == migrate.head_revision()
    engine = make_engine(fresh_database_url())
    try:
        before: list[dict[str, object]] = []
        for previous, revision in zip(["base", *revisions], revisions, strict=False):
            start = schema(engine)
            migrate.upgrade(engine, revision)
            after = schema(engine)
            assert after != start, f"{revision} changed nothing"
            migrate.downgrade(engine, previous)
            assert schema(engine) == start, f"downgrading {revision} left a different schema"
            migrate.upgrade(engine, revision)
            assert schema(engine) == after, f"{revision} upgraded differently the second time"
            before.append(start)
        assert set(schema(engine)) >= TABLES
        for previous, start in zip(["base", *revisions][-2::-1], reversed(before), strict=True):
            migrate.downgrade(engine, previous)
            assert schema(engine) == start
        assert schema(engine) == {}
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
