"""passcode by request

An online meeting's passcode can be given on request instead of on its join page: the
meeting says so and whom to ask.

Revision ID: 0018_passcode_by_request
Revises: 0017_meeting_guide_round_trip
Create Date: 2026-12-07 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018_passcode_by_request'
down_revision = '0017_meeting_guide_round_trip'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('meetings', sa.Column('passcode_by_request', sa.Boolean(),
                                        server_default=sa.false(), nullable=False))
    op.add_column('meetings', sa.Column('passcode_contact', sa.String(length=300),
                                        server_default='', nullable=False))


def downgrade() -> None:
    # Not in batch mode: on SQLite that would copy the table and drop the old one, and
    # dropping meetings deletes every headcount and exception with it.
    op.drop_column('meetings', 'passcode_contact')
    op.drop_column('meetings', 'passcode_by_request')
