"""password reset

A person who forgot their password gets back in through a one-time link that an admin
of one of their organizations (or the command line) makes: `users` gains the SHA-256
of that link's token and when it expires. Nothing is copied from existing rows.

Plain ALTERs, not batch mode: on SQLite a batch operation copies `users` and drops the
old table, and the drop deletes every membership, group assignment and training record through
their `ON DELETE CASCADE`. A unique index, which SQLite adds and drops in place, keeps
the hashes apart.

Revision ID: 0014_password_reset
Revises: 0013_checkin_tally
Create Date: 2026-12-05 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014_password_reset'
down_revision = '0013_checkin_tally'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('reset_token_hash', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('reset_expires_at', sa.DateTime(timezone=True),
                                     nullable=True))
    op.create_index(op.f('ix_users_reset_token_hash'), 'users', ['reset_token_hash'],
                    unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_users_reset_token_hash'), table_name='users')
    op.drop_column('users', 'reset_expires_at')
    op.drop_column('users', 'reset_token_hash')
