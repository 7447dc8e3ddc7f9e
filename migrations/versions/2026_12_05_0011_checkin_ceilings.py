"""check-in ceilings

A meeting's room capacity (default 150): members' check-ins to one occurrence stop
there. An occurrence's check-ins in the current minute, and which minute that is, so
check-ins stop at a per-minute ceiling too. Nothing about who checked in.

Revision ID: 0011_checkin_ceilings
Revises: 0010_meeting_region
Create Date: 2026-12-05 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011_checkin_ceilings'
down_revision = '0010_meeting_region'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_capacity', sa.Integer(), nullable=False,
                                      server_default='150'))
    with op.batch_alter_table('headcounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_minute', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('checkins_in_minute', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('headcounts', schema=None) as batch_op:
        batch_op.drop_column('checkins_in_minute')
        batch_op.drop_column('checkin_minute')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('room_capacity')
