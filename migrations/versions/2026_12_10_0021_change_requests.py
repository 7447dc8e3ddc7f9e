"""change requests

A group's representative sends changes to its meetings through a link, without an
account; admins decide each change. `groups` gains the SHA-256 of the link's token;
`change_requests` (with the hash of the link each came through, whose page lists them)
and `change_request_items` keep what was sent and what was decided.
Nothing is copied from existing rows.

A plain ALTER and a unique index on `groups`, not batch mode: on SQLite a batch
operation copies `groups` and drops the old table, and the drop deletes every meeting
through its `ON DELETE CASCADE`.

Revision ID: 0021_change_requests
Revises: 0020_listing_confirmed
Create Date: 2026-12-09 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021_change_requests'
down_revision = '0020_listing_confirmed'
branch_labels = None
depends_on = None

_CANCEL_REASONS = ('holiday', 'venue_closed', 'other')


def upgrade() -> None:
    op.add_column('groups', sa.Column('rep_token_hash', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_groups_rep_token_hash'), 'groups', ['rep_token_hash'],
                    unique=True)
    op.create_table(
        'change_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('link_hash', sa.String(length=64), nullable=False),
        sa.Column('contact', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'],
                                name=op.f('fk_change_requests_group_id_groups'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_change_requests_token_hash')),
    )
    op.create_index(op.f('ix_change_requests_group_id'), 'change_requests', ['group_id'])
    op.create_index(op.f('ix_change_requests_closed_at'), 'change_requests', ['closed_at'])
    op.create_index(op.f('ix_change_requests_link_hash'), 'change_requests', ['link_hash'])
    op.create_table(
        'change_request_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('field', 'date', 'cancel', 'add', name='changekind',
                                  native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('meeting_title', sa.String(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=True),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('seen', sa.Text(), nullable=False),
        sa.Column('proposed', sa.Text(), nullable=False),
        sa.Column('cancel_reason', sa.Enum(*_CANCEL_REASONS, name='cancelreason',
                                           native_enum=False, create_constraint=True,
                                           length=32), nullable=True),
        sa.Column('decision', sa.Enum('pending', 'approved', 'rejected', name='decision',
                                      native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column('applied', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['change_requests.id'],
                                name=op.f('fk_change_request_items_request_id_change_requests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_change_request_items_meeting_id_meetings'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_change_request_items_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_request_items')),
    )
    op.create_index(op.f('ix_change_request_items_request_id'), 'change_request_items',
                    ['request_id'])
    op.create_index(op.f('ix_change_request_items_meeting_id'), 'change_request_items',
                    ['meeting_id'])


def downgrade() -> None:
    op.drop_table('change_request_items')
    op.drop_table('change_requests')
    op.drop_index(op.f('ix_groups_rep_token_hash'), table_name='groups')
    # Not in batch mode: see the docstring.
    op.drop_column('groups', 'rep_token_hash')
