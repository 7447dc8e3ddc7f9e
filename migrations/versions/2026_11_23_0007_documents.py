"""documents: guidelines, statements and leader agreements, their versions, signatures,
and the statement read at each occurrence

Signatures are append-only: as for the audit log, the database refuses UPDATE and
DELETE on them.

Revision ID: 0007_documents
Revises: 0008_training
Create Date: 2026-11-23 16:10:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007_documents'
down_revision = '0008_training'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('guidelines', 'statement', 'agreement', name='documentkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_documents_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_documents_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('organization_id', 'group_id', 'kind', name=op.f('uq_documents_organization_id_group_id_kind'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('uq_documents_org_agreement', ['organization_id', 'kind'], unique=True,
                              sqlite_where=sa.text('group_id IS NULL'),
                              postgresql_where=sa.text('group_id IS NULL'))

    op.create_table('document_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_document_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_versions_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_versions')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_document_versions_document_id_number'))
    )

    op.create_table('signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('typed_name', sa.String(length=120), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signatures_user_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'], name=op.f('fk_signatures_version_id_document_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signatures')),
    sa.UniqueConstraint('version_id', 'user_id', name=op.f('uq_signatures_version_id_user_id'))
    )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signatures_user_id'), ['user_id'], unique=False)

    _forbid_changes_to_signatures()

    op.create_table('statement_readings',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_date', sa.Date(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_version', sa.Integer(), nullable=True),
    sa.Column('acknowledgements', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_statement_readings_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'occurrence_date', name=op.f('pk_statement_readings'))
    )


def downgrade() -> None:
    op.drop_table('statement_readings')
    _allow_changes_to_signatures()
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signatures_user_id'))

    op.drop_table('signatures')
    op.drop_table('document_versions')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('uq_documents_org_agreement')
        batch_op.drop_index(batch_op.f('ix_documents_organization_id'))
        batch_op.drop_index(batch_op.f('ix_documents_group_id'))

    op.drop_table('documents')


def _forbid_changes_to_signatures() -> None:
    """A signature is never edited or deleted: the database itself refuses both."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER signatures_no_{event} BEFORE {event.upper()} ON signatures "
                "BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION signatures_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'signatures are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER signatures_append_only BEFORE UPDATE OR DELETE ON signatures "
            "FOR EACH ROW EXECUTE FUNCTION signatures_append_only()"
        )


def _allow_changes_to_signatures() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS signatures_no_update")
        op.execute("DROP TRIGGER IF EXISTS signatures_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS signatures_append_only ON signatures")
        op.execute("DROP FUNCTION IF EXISTS signatures_append_only()")
