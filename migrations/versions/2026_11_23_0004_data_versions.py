"""data versions: what feeds and pages show changed, for ETag and Last-Modified

Existing rows start at version 0, changed now.

Revision ID: 0004_data_versions
Revises: 0003_private_feed_token
Create Date: 2026-11-23 11:02:56.098789
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004_data_versions'
down_revision = '0003_private_feed_token'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('data_changed_at', sa.DateTime(timezone=True),
                                      nullable=False, server_default=sa.func.now()))

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('data_changed_at', sa.DateTime(timezone=True),
                                      nullable=False, server_default=sa.func.now()))



def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('data_changed_at')
        batch_op.drop_column('data_version')

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('data_changed_at')
        batch_op.drop_column('data_version')

