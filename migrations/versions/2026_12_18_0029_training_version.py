"""training version

`organizations.training_version` grows with every change to what the org's compliance
matrix is made of: its training records, its training types, its memberships (who
leads, in which roles) and its members' names. Triggers grow it, in the same
transaction as each change, whatever makes the change. A worker keeps each org's
standings per version (services.training.StandingsCache) and reads them again only
after a change, so the dashboard of an admin of 2,000 leaders and the auditor's matrix
no longer work out every leader's standing on every request.

Added and dropped in place, without copying the table: dropping organizations on
SQLite would delete everything of theirs with it.

Revision ID: 0029_training_version
Revises: 0028_audit_messages
Create Date: 2026-12-18 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0029_training_version'
down_revision = '0028_audit_messages'
branch_labels = None
depends_on = None

#: The tables whose rows name their org, each changing what the matrix shows.
_TABLES = ("training_records", "training_types", "memberships")
_BUMP = "UPDATE organizations SET training_version = training_version + 1 WHERE id = {id};"
#: A member's new name is in the matrix of each org they belong to.
_RENAMED = ("UPDATE organizations SET training_version = training_version + 1 WHERE id IN "
            "(SELECT organization_id FROM memberships WHERE user_id = NEW.id);")


def upgrade() -> None:
    op.add_column('organizations', sa.Column('training_version', sa.Integer(),
                                             server_default='0', nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        for table in _TABLES:
            for event, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
                op.execute(f"CREATE TRIGGER {table}_training_version_{event} "
                           f"AFTER {event.upper()} ON {table} FOR EACH ROW BEGIN "
                           f"{_BUMP.format(id=row + '.organization_id')} END")
        op.execute("CREATE TRIGGER users_training_version AFTER UPDATE OF display_name "
                   "ON users FOR EACH ROW WHEN OLD.display_name IS NOT NEW.display_name "
                   f"BEGIN {_RENAMED} END")
        return
    op.execute(
        "CREATE FUNCTION training_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF TG_OP = 'DELETE' THEN {_BUMP.format(id='OLD.organization_id')} "
        f"ELSE {_BUMP.format(id='NEW.organization_id')} END IF; RETURN NULL; END $$")
    for table in _TABLES:
        op.execute(f"CREATE TRIGGER {table}_training_version AFTER INSERT OR UPDATE OR "
                   f"DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION training_version_bump()")
    op.execute("CREATE FUNCTION training_version_renamed() RETURNS trigger "
               f"LANGUAGE plpgsql AS $$ BEGIN {_RENAMED} RETURN NULL; END $$")
    op.execute("CREATE TRIGGER users_training_version AFTER UPDATE OF display_name ON users "
               "FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name) "
               "EXECUTE FUNCTION training_version_renamed()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in _TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_training_version_{event}")
        op.execute("DROP TRIGGER IF EXISTS users_training_version")
    else:
        for table in (*_TABLES, "users"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_training_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS training_version_bump()")
        op.execute("DROP FUNCTION IF EXISTS training_version_renamed()")
    op.drop_column('organizations', 'training_version')
