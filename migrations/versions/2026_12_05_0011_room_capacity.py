"""room capacity

A meeting's room capacity (default 150): members' check-ins to one occurrence stop
there. Nothing about who checked in.

Revision ID: 0011_room_capacity
Revises: 0010_meeting_region
Create Date: 2026-12-05 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011_room_capacity'
down_revision = '0010_meeting_region'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_capacity', sa.Integer(), nullable=False,
                                      server_default='150'))


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('room_capacity')
