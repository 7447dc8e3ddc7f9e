"""check-in tally

Members' check-ins get numbers of their own beside the facilitator's count, so a link
passed beyond the room can no longer change what the facilitator counted:
`checkin_newcomers`, `checkin_in_person` and `checkin_online` join `checkins`, and
`counted_by_facilitator` says whether the facilitator counted the occurrence (reports
then use their numbers, otherwise the check-ins). Nothing about who checked in.

Data: until now a check-in added to `people` (and to `newcomers` and the hybrid split)
as well as to `checkins`, so every existing row's numbers already hold its check-ins.
They stay as they are and count as the facilitator's (`counted_by_facilitator` is true
for every existing row), so the reports of past meetings do not change. The new
check-in columns start at 0 on those rows: nothing recorded which of the past check-ins
were newcomers or online. `checkins` keeps its number, so a past row with more
check-ins than people (the facilitator took some off) is marked in reports from now on.

Revision ID: 0013_checkin_tally
Revises: 0012_pending_invitations
Create Date: 2026-12-05 14:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013_checkin_tally'
down_revision = '0012_pending_invitations'
branch_labels = None
depends_on = None

TAP_COLUMNS = ('checkin_newcomers', 'checkin_in_person', 'checkin_online')


def upgrade() -> None:
    with op.batch_alter_table('headcounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_by_facilitator', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        for name in TAP_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default='0'))
        batch_op.create_check_constraint(
            op.f('ck_headcounts_checkin_newcomers_range'),
            'checkin_newcomers >= 0 AND checkin_newcomers <= checkins')
        batch_op.create_check_constraint(
            op.f('ck_headcounts_checkin_split_range'),
            'checkin_in_person >= 0 AND checkin_online >= 0 '
            'AND checkin_in_person + checkin_online <= checkins')
    headcounts = sa.table('headcounts', sa.column('counted_by_facilitator', sa.Boolean()))
    op.execute(headcounts.update().values(counted_by_facilitator=True))


def downgrade() -> None:
    # The check-ins go back to being part of the people, as before this revision, only
    # where the facilitator did not count: a counted row's people already hold them
    # (the reports read the same either way).
    headcounts = sa.table(
        'headcounts', *(sa.column(name, sa.Integer()) for name in (
            'people', 'newcomers', 'in_person', 'online', 'checkins', *TAP_COLUMNS)),
        sa.column('counted_by_facilitator', sa.Boolean()))
    c = headcounts.c
    op.execute(headcounts.update().where(c.counted_by_facilitator == sa.false()).values(
        people=c.checkins, newcomers=c.checkin_newcomers, in_person=c.checkin_in_person,
        online=c.checkin_online))
    with op.batch_alter_table('headcounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_headcounts_checkin_split_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_headcounts_checkin_newcomers_range'), type_='check')
        for name in reversed(TAP_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column('counted_by_facilitator')
