"""moved dates

One date of a series may be held on another day (`moved_to`): the exception keeps the
series' date, by which it and the date's headcount are found.

Revision ID: 0016_moved_dates
Revises: 0015_unverified_training
Create Date: 2026-12-05 19:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016_moved_dates'
down_revision = '0015_unverified_training'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('meeting_exceptions', sa.Column('moved_to', sa.Date(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that would copy the table and drop the old one.
    op.drop_column('meeting_exceptions', 'moved_to')
