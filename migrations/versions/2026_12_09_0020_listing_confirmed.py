"""listing confirmed

Every group carries when its listing was last confirmed, and the organization the two
periods after which an unconfirmed group is marked for admins and its public pages say
the details may be out of date (90 days each). An existing group counts as confirmed
when one of its meetings was last saved, else when it was created.

Revision ID: 0020_listing_confirmed
Revises: 0019_headcount_version
Create Date: 2026-12-09 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020_listing_confirmed'
down_revision = '0019_headcount_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in batch mode, and with a constant default (SQLite adds no column with a
    # computed one in place): a batch copy of groups would drop the old table, and that
    # deletes every meeting of theirs with it.
    op.add_column('groups', sa.Column('confirmed_at', sa.DateTime(timezone=True),
                                      server_default='1970-01-01 00:00:00', nullable=False))
    op.execute(
        "UPDATE groups SET confirmed_at = COALESCE("
        "(SELECT MAX(meetings.updated_at) FROM meetings WHERE meetings.group_id = groups.id),"
        " groups.created_at)")
    op.add_column('organizations', sa.Column('listing_reminder_days', sa.Integer(),
                                             server_default='90', nullable=False))
    op.add_column('organizations', sa.Column('listing_out_of_date_days', sa.Integer(),
                                             server_default='90', nullable=False))


def downgrade() -> None:
    op.drop_column('organizations', 'listing_out_of_date_days')
    op.drop_column('organizations', 'listing_reminder_days')
    op.drop_column('groups', 'confirmed_at')
