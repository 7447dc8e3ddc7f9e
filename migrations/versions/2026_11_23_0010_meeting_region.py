"""meeting region

A meeting's region (a neighbourhood, town or "Online"), which the directory and its
printed handout filter by, and which Meeting Guide feeds carry as `region`.

Revision ID: 0010_meeting_region
Revises: 0009_login_throttle
Create Date: 2026-11-23 21:50:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010_meeting_region'
down_revision = '0009_login_throttle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('region')
