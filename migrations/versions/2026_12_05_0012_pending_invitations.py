"""pending invitations

An admin who adds an account that already exists invites it: the roles and groups
they chose wait here, with the name the admin typed and the hash of the link's token,
until the person accepts or declines. Nothing is copied from existing rows.

Revision ID: 0012_pending_invitations
Revises: 0011_room_capacity
Create Date: 2026-12-05 12:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012_pending_invitations'
down_revision = '0011_room_capacity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('group_ids', sa.JSON(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_pending_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_pending_invitations_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_invitations')),
    sa.UniqueConstraint('organization_id', 'user_id', name=op.f('uq_pending_invitations_organization_id_user_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_invitations_token_hash'))
    )
    with op.batch_alter_table('pending_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_invitations_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_invitations_user_id'))

    op.drop_table('pending_invitations')
