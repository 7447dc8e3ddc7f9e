"""private feed token

Revision ID: 0003_private_feed_token
Revises: 0002_meetings
Create Date: 2026-11-23 11:01:58.222922
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003_private_feed_token'
down_revision = '0002_meetings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_groups_feed_token_hash'), ['feed_token_hash'])



def downgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_groups_feed_token_hash'), type_='unique')
        batch_op.drop_column('feed_token_hash')

