"""training: training types, leaders' training records, their reminder feed

Organizations get the "expiring within N days" setting (60 for existing ones); users
get the hash of their training-reminder feed token.

Revision ID: 0008_training
Revises: 0005_headcounts
Create Date: 2026-11-23 16:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008_training'
down_revision = '0005_headcounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_warning_days', sa.Integer(), nullable=False,
                                      server_default='60'))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_feed_token_hash', sa.String(length=64),
                                      nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_training_feed_token_hash'),
                                          ['training_feed_token_hash'])

    op.create_table('training_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=True),
    sa.Column('required_roles', sa.JSON(), nullable=False),
    sa.Column('required_hours', sa.Integer(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_training_types_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_types'))
    )
    with op.batch_alter_table('training_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_types_organization_id'), ['organization_id'], unique=False)

    op.create_table('training_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('training_type_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('expires_on_override', sa.Date(), nullable=True),
    sa.Column('certificate_number', sa.String(length=100), nullable=False),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('evidence_file', sa.String(length=80), nullable=True),
    sa.Column('evidence_type', sa.String(length=40), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_training_records_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['training_type_id'], ['training_types.id'], name=op.f('fk_training_records_training_type_id_training_types')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_records_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_training_records_verified_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records')),
    sa.UniqueConstraint('evidence_file', name=op.f('uq_training_records_evidence_file'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_org_user', ['organization_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_records_training_type_id'), ['training_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_records_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_records_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_records_training_type_id'))
        batch_op.drop_index('ix_training_records_org_user')

    op.drop_table('training_records')
    with op.batch_alter_table('training_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_types_organization_id'))

    op.drop_table('training_types')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_training_feed_token_hash'), type_='unique')
        batch_op.drop_column('training_feed_token_hash')

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('expiry_warning_days')
