"""meeting guide round trip

What a Meeting Guide feed says that the import kept only in part: a region's finer levels
(`sub_region`, or the rest of `regions`), the feed's slug as given (longer than 64
characters, percent-encoded, or shared by the days of one listed meeting), and the
approximate place an org's online meetings are exported with.

Revision ID: 0017_meeting_guide_round_trip
Revises: 0016_moved_dates
Create Date: 2026-12-06 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017_meeting_guide_round_trip'
down_revision = '0016_moved_dates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('meetings', sa.Column('sub_region', sa.String(length=300), server_default='',
                                        nullable=False))
    op.add_column('meetings', sa.Column('feed_slug', sa.String(length=300), nullable=True))
    op.add_column('organizations', sa.Column('online_location', sa.String(length=200),
                                             server_default='', nullable=False))


def downgrade() -> None:
    # Not in batch mode: on SQLite that would copy the table and drop the old one, and
    # dropping meetings deletes every headcount and exception with it.
    op.drop_column('organizations', 'online_location')
    op.drop_column('meetings', 'feed_slug')
    op.drop_column('meetings', 'sub_region')
