"""headcounts: anonymous counts per occurrence, and the check-in link's version

Revision ID: 0005_headcounts
Revises: 0004_data_versions
Create Date: 2026-11-23 16:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005_headcounts'
down_revision = '0004_data_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'headcounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('occurrence_date', sa.Date(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('newcomers', sa.Integer(), nullable=False),
        sa.Column('in_person', sa.Integer(), nullable=False),
        sa.Column('online', sa.Integer(), nullable=False),
        sa.Column('checkins', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('people >= 0 AND people <= 10000',
                           name=op.f('ck_headcounts_people_range')),
        sa.CheckConstraint('newcomers >= 0 AND newcomers <= people',
                           name=op.f('ck_headcounts_newcomers_range')),
        sa.CheckConstraint('in_person >= 0 AND online >= 0 AND in_person + online <= people',
                           name=op.f('ck_headcounts_split_range')),
        sa.CheckConstraint('checkins >= 0', name=op.f('ck_headcounts_checkins_range')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_headcounts_meeting_id_meetings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_headcounts')),
        sa.UniqueConstraint('meeting_id', 'occurrence_date',
                            name=op.f('uq_headcounts_meeting_id_occurrence_date')),
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_version', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('checkin_version')
    op.drop_table('headcounts')
