"""import run messages

An import run's progress line, error and summary lines are kept as messages (their
English, marked for translation, and their values: `domain.languages.Message.stored`),
so a page words them in its reader's language. `progress` and `error` become JSON
columns; what they held (English text, "" for none) is kept as a JSON string, which
pages show as it is, as they show the English summary lines of older runs.

Downgrading writes every message back as its English text.

Revision ID: 0027_import_run_messages
Revises: 0026_document_languages
Create Date: 2026-12-16 10:00:00.000000
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0027_import_run_messages'
down_revision = '0026_document_languages'
branch_labels = None
depends_on = None

#: (column, its type before this migration)
COLUMNS = (('progress', sa.String(length=200)), ('error', sa.Text()))


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, old in COLUMNS:
            op.alter_column('import_runs', name, existing_type=old, type_=sa.JSON(),
                            existing_nullable=False, postgresql_using=f'to_json({name})')
        return
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        for name, old in COLUMNS:
            batch_op.alter_column(name, existing_type=old, type_=sa.JSON(),
                                  existing_nullable=False)
    op.execute("UPDATE import_runs SET progress = json_quote(progress), "
               "error = json_quote(error)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, old in COLUMNS:
            op.alter_column('import_runs', name, existing_type=sa.JSON(), type_=old,
                            existing_nullable=False, postgresql_using=f'{name}::text')
    else:
        with op.batch_alter_table('import_runs', schema=None) as batch_op:
            for name, old in COLUMNS:
                batch_op.alter_column(name, existing_type=sa.JSON(), type_=old,
                                      existing_nullable=False)
    # Each column now holds JSON as text: each message, written back as its English.
    runs = sa.table('import_runs', sa.column('id', sa.Integer()),
                    sa.column('progress', sa.String()), sa.column('error', sa.Text()),
                    sa.column('summary', sa.JSON()))
    bind = op.get_bind()
    for run_id, progress, error, summary in bind.execute(sa.select(runs)).all():
        bind.execute(runs.update().where(runs.c.id == run_id).values(
            progress=str(_english(json.loads(progress)))[:200],
            error=str(_english(json.loads(error))),
            summary=[str(_english(line)) for line in summary or []]))


def _english(stored: Any) -> Any:
    """A stored message (domain.languages.Message.stored) as English text; anything
    else as it is. Written out here: a migration keeps to the format of its time."""
    if not isinstance(stored, dict):
        return stored
    if 'message' in stored:
        return _english(stored['message'])
    if 'label' in stored:
        return stored['label']
    values = {name: _english(value) for name, value in (stored.get('values') or {}).items()}
    text = str(stored.get('text', ''))
    return text % values if values else text
