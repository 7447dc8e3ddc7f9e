"""document languages

A document (guidelines, statement, leader agreement) has one text per language, each
with its own versions: `documents.language`, unique per org, group, kind and language.
Every existing document is in its organization's default language: that is the language
its pages fell back to, and the one its admins chose for the org, so it is the best
guess there is without reading the text.

Acknowledgements of the statement are counted per occurrence and language in a table of
their own; a reading records the language of the statement that was read.

On SQLite the documents table is copied to change its unique constraint, with foreign
keys off (migrations/env.py): with them on, dropping the old copy would delete every
version through ON DELETE CASCADE. The signatures table (and its append-only triggers)
is not touched.

Downgrading refuses while any document has a text in a second language: the old schema
holds one text per document, and signatures are never deleted.

Revision ID: 0026_document_languages
Revises: 0025_monthly_totals
Create Date: 2026-12-15 10:00:00.000000
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0026_document_languages'
down_revision = '0025_monthly_totals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en',
                                      nullable=False))
    op.execute("UPDATE documents SET language = (SELECT default_language FROM organizations "
               "WHERE organizations.id = documents.organization_id)")
    _change_documents(lambda batch_op: (
        batch_op.alter_column('language', server_default=None),
        batch_op.drop_constraint('uq_documents_organization_id_group_id_kind', type_='unique'),
        batch_op.create_unique_constraint(
            batch_op.f('uq_documents_organization_id_group_id_kind_language'),
            ['organization_id', 'group_id', 'kind', 'language']),
    ))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('uq_documents_org_agreement')
        batch_op.create_index('uq_documents_org_agreement',
                              ['organization_id', 'kind', 'language'], unique=True,
                              sqlite_where=sa.text('group_id IS NULL'),
                              postgresql_where=sa.text('group_id IS NULL'))

    op.create_table('statement_acknowledgements',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_date', sa.Date(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('acknowledgements', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_statement_acknowledgements_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'occurrence_date', 'language', name=op.f('pk_statement_acknowledgements'))
    )
    # Every acknowledgement so far was of the statement's one text, in the org's language.
    op.execute(
        "INSERT INTO statement_acknowledgements (meeting_id, occurrence_date, language, "
        "acknowledgements) SELECT r.meeting_id, r.occurrence_date, o.default_language, "
        "r.acknowledgements FROM statement_readings r "
        "JOIN meetings m ON m.id = r.meeting_id JOIN groups g ON g.id = m.group_id "
        "JOIN organizations o ON o.id = g.organization_id WHERE r.acknowledgements > 0")
    op.add_column('statement_readings', sa.Column('read_language', sa.String(length=8),
                                                  nullable=True))
    op.execute("UPDATE statement_readings SET read_language = (SELECT o.default_language "
               "FROM meetings m JOIN groups g ON g.id = m.group_id "
               "JOIN organizations o ON o.id = g.organization_id "
               "WHERE m.id = statement_readings.meeting_id) WHERE read_version IS NOT NULL")
    # Not referenced by any table, so SQLite may copy it.
    with op.batch_alter_table('statement_readings', schema=None) as batch_op:
        batch_op.drop_column('acknowledgements')


def downgrade() -> None:
    translated = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM documents d WHERE EXISTS (SELECT 1 FROM documents o "
        "WHERE o.organization_id = d.organization_id AND o.kind = d.kind "
        "AND o.id < d.id AND (o.group_id = d.group_id "
        "OR (o.group_id IS NULL AND d.group_id IS NULL)))")).scalar_one()
    if translated:
        raise RuntimeError(
            f"{translated} document(s) have a text in a second language, which the schema "
            "before 0026_document_languages cannot hold (and signatures are never "
            "deleted). Nothing was changed.")
    with op.batch_alter_table('statement_readings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledgements', sa.Integer(), server_default='0',
                                      nullable=False))
    op.execute(
        "INSERT INTO statement_readings (meeting_id, occurrence_date, acknowledgements) "
        "SELECT DISTINCT meeting_id, occurrence_date, 0 FROM statement_acknowledgements a "
        "WHERE NOT EXISTS (SELECT 1 FROM statement_readings r WHERE r.meeting_id = "
        "a.meeting_id AND r.occurrence_date = a.occurrence_date)")
    op.execute(
        "UPDATE statement_readings SET acknowledgements = (SELECT coalesce(sum("
        "a.acknowledgements), 0) FROM statement_acknowledgements a WHERE a.meeting_id = "
        "statement_readings.meeting_id AND a.occurrence_date = "
        "statement_readings.occurrence_date)")
    with op.batch_alter_table('statement_readings', schema=None) as batch_op:
        batch_op.alter_column('acknowledgements', server_default=None)
        batch_op.drop_column('read_language')
    op.drop_table('statement_acknowledgements')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('uq_documents_org_agreement')
        batch_op.create_index('uq_documents_org_agreement', ['organization_id', 'kind'],
                              unique=True, sqlite_where=sa.text('group_id IS NULL'),
                              postgresql_where=sa.text('group_id IS NULL'))
    _change_documents(lambda batch_op: (
        batch_op.drop_constraint('uq_documents_organization_id_group_id_kind_language',
                                 type_='unique'),
        batch_op.create_unique_constraint(
            batch_op.f('uq_documents_organization_id_group_id_kind'),
            ['organization_id', 'group_id', 'kind']),
        batch_op.drop_column('language'),
    ))


def _change_documents(change: Callable[[Any], object]) -> None:
    """Change the documents table; on SQLite by copying it, which migrations/env.py does
    with foreign keys off, so that dropping the old copy deletes no version."""
    with op.batch_alter_table('documents', schema=None) as batch_op:
        change(batch_op)
