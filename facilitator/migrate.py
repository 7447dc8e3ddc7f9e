"""Alembic, driven from the app: `flask --app facilitator db upgrade` and friends."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from facilitator.config import ROOT

MIGRATIONS = ROOT / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that migrates through the given engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Dated file names read in order in a listing.
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
    )
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def scripts() -> ScriptDirectory:
    """The migration scripts, for walking their history."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def head_revision() -> str:
    head = scripts().get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS}")
    return head
