"""unverified training

An org's choice whether training records nobody has verified yet count towards its
leaders' compliance. Every existing org keeps counting them, as before this revision.

Revision ID: 0015_unverified_training
Revises: 0014_password_reset
Create Date: 2026-12-05 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015_unverified_training'
down_revision = '0014_password_reset'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in batch mode: on SQLite a batch copies `organizations` and drops the old
    # table, and every ON DELETE CASCADE below it would follow.
    op.add_column('organizations', sa.Column('unverified_training_counts', sa.Boolean(),
                                             nullable=False, server_default=sa.true()))


def downgrade() -> None:
    op.drop_column('organizations', 'unverified_training_counts')
