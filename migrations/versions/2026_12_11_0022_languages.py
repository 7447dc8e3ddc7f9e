"""languages

An organization has a default language for its pages; a person has the language they
chose to read the app in (none until they choose).

Revision ID: 0022_languages
Revises: 0021_change_requests
Create Date: 2026-12-09 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022_languages'
down_revision = '0021_change_requests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('organizations', sa.Column('default_language', sa.String(length=8),
                                             server_default='en', nullable=False))
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that would copy the tables and drop the old ones.
    op.drop_column('users', 'language')
    op.drop_column('organizations', 'default_language')
