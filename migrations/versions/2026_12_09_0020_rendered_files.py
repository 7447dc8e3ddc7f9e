"""rendered files

Public PDFs are rendered ahead by background jobs and kept as files by content hash;
this table says which file is each handout's newest and what data it shows.

Revision ID: 0020_rendered_files
Revises: 0019_headcount_version
Create Date: 2026-12-09 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0020_rendered_files'
down_revision = '0019_headcount_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rendered_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('ahead', sa.Boolean(), nullable=False),
        sa.Column('stamp', sa.String(length=100), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=True),
        sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('render_seconds', sa.Float(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('failed_stamp', sa.String(length=100), nullable=True),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_rendered_files_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'],
                                name=op.f('fk_rendered_files_group_id_groups'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rendered_files')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_rendered_files_key_hash')),
    )
    op.create_index(op.f('ix_rendered_files_organization_id'), 'rendered_files',
                    ['organization_id'], unique=False)
    op.create_index(op.f('ix_rendered_files_group_id'), 'rendered_files', ['group_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('rendered_files')
