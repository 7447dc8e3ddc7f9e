"""headcount version

An organization's headcount version grows with every change to one of its headcounts,
so a report made from them can be kept and shared (the attendance page and its chart)
until a count changes.

Revision ID: 0019_headcount_version
Revises: 0018_passcode_by_request
Create Date: 2026-12-08 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019_headcount_version'
down_revision = '0018_passcode_by_request'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('organizations', sa.Column('headcount_version', sa.Integer(),
                                             server_default='0', nullable=False))


def downgrade() -> None:
    # Not in batch mode: on SQLite that would copy the table and drop the old one, and
    # dropping organizations deletes everything of theirs with it.
    op.drop_column('organizations', 'headcount_version')
