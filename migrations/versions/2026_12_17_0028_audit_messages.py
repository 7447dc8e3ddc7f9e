"""audit messages

Each audit entry also keeps its summary as a message (its English, marked for
translation, and its values: `domain.languages.Message.stored`), so the log reads in its
reader's language. `summary` keeps the English, which older entries hold alone and which
the log shows for them as it is.

The column is added and dropped in place, without copying the table, so the triggers
that keep the log append-only stay as they are.

Revision ID: 0028_audit_messages
Revises: 0027_import_run_messages
Create Date: 2026-12-17 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028_audit_messages'
down_revision = '0027_import_run_messages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_entries', sa.Column('message', sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; Alembic's batch mode would copy the table
    # and lose its triggers.
    op.execute('ALTER TABLE audit_entries DROP COLUMN message')
