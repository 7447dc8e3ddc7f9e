"""import runs

A Meeting Guide feed an admin uploads on the web is imported by a job: its row holds the
uploaded text until the run is finished, the options, how far the job got, and the
summary the command line prints.

Revision ID: 0024_import_runs
Revises: 0023_rendered_files
Create Date: 2026-12-09 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024_import_runs'
down_revision = '0023_rendered_files'
branch_labels = None
depends_on = None

PROGRAMS = ('aa', 'na', 'ca', 'smart', 'celebrate', 'refuge', 'dharma', 'sos', 'al-anon',
            'other')
STATUSES = ('checking', 'checked', 'importing', 'done', 'failed', 'discarded')


def upgrade() -> None:
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('feed', sa.Text(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('program', sa.Enum(*PROGRAMS, name='program', native_enum=False,
                                 create_constraint=True, length=32), nullable=False),
    sa.Column('program_map', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='importstatus', native_enum=False,
                                create_constraint=True, length=32), nullable=False),
    sa.Column('progress', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                            name=op.f('fk_import_runs_organization_id_organizations'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                            name=op.f('fk_import_runs_requested_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_organization_id'),
                              ['organization_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_organization_id'))

    op.drop_table('import_runs')
