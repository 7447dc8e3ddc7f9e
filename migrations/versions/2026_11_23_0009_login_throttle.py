"""login throttle: failure counters per keyed hash of an account or address

Revision ID: 0009_login_throttle
Revises: 0007_documents
Create Date: 2026-11-23 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009_login_throttle'
down_revision = '0007_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'throttle_counters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_counters')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_throttle_counters_key_hash')),
    )
    op.create_index(op.f('ix_throttle_counters_window_started_at'), 'throttle_counters',
                    ['window_started_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_throttle_counters_window_started_at'),
                  table_name='throttle_counters')
    op.drop_table('throttle_counters')
