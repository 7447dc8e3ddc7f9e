"""Command line: `flask --app facilitator <command>`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from sqlalchemy import inspect

from facilitator import backup as backups
from facilitator import clock
from facilitator import demo
from facilitator import jobs
from facilitator import memory
from facilitator import migrate
from facilitator.db import database
from facilitator.db import get_session
from facilitator.domain import meeting_guide_read
from facilitator.domain.choices import Program
from facilitator.domain.choices import Role
from facilitator.domain.languages import Message
from facilitator.formatting import message_words
from facilitator.services import ServiceError
from facilitator.services import accounts
from facilitator.services import meeting_import
from facilitator.services import organizations
from facilitator.services import password_resets
from facilitator.urls import absolute_url

db_cli = AppGroup("db", help="Migrate the database schema.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the schema (to the newest migration by default)."""
    migrate.upgrade(database().engine, revision)
    click.echo(f"Database is at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema (one migration by default, 'base' for all)."""
    migrate.downgrade(database().engine, revision)
    click.echo(f"Database downgraded to {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(migrate.alembic_config(database().engine), message, autogenerate=True)


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)


@click.command("create-org")
@with_appcontext
@click.argument("slug")
@click.option("--name", required=True, help="The organization's name.")
@click.option("--timezone", required=True, help="IANA time zone, e.g. America/Chicago.")
@click.option("--contact", default="", help="Phone, email or office for the directory.")
def create_org(slug: str, name: str, timezone: str, contact: str) -> None:
    """Create an organization."""
    session = get_session()
    try:
        organizations.create_organization(
            session, None, slug=slug, name=name, timezone=timezone, contact=contact
        )
    except ServiceError as error:
        _fail(error.message)
    session.commit()
    click.echo(f"Created organization {slug}.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--org", "org_slug", required=True, help="Slug of the organization.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default=None, help="Display name (default: the part before the @).")
def create_user(email: str, org_slug: str, role: str, name: str | None) -> None:
    """Create an account with a role in an organization, or add the role to an existing one.

    The password is read from FACILITATOR_PASSWORD when set, otherwise asked for.
    """
    session = get_session()
    org = organizations.find_organization(session, org_slug)
    if org is None:
        _fail(f"No organization {org_slug!r}; create it first with `create-org`.")
    if "@" not in email or len(email) > 254:
        _fail(f"{email!r} is not an email address.")
    user = accounts.find_user(session, email)
    try:
        if user is None:
            password = os.environ.get("FACILITATOR_PASSWORD") or click.prompt(
                "Password", hide_input=True, confirmation_prompt=True
            )
            user = accounts.create_user(
                session, None, email=email, display_name=name or email.split("@")[0],
                password=password,
            )
        accounts.grant_role(session, None, user, org, Role(role))
    except ServiceError as error:
        _fail(error.message)
    session.commit()
    click.echo(f"{user.email} is {role} of {org.slug}.")


@click.command("reset-password")
@with_appcontext
@click.argument("email")
def reset_password(email: str) -> None:
    """Print a one-time link that sets a new password for the account with EMAIL.

    For someone who forgot their password when no admin of their organization can make
    them one. Pass it on yourself. It works once, for the hours printed with it; a newer
    link replaces it.
    """
    session = get_session()
    user = accounts.find_user(session, email) if len(email) <= 254 else None
    if user is None:
        _fail(f"No account has the email {email!r}. Nothing was made.")
    token = password_resets.make_link(session, None, user, now=clock.now(), organization=None)
    session.commit()
    click.echo(f"Reset link for {user.display_name} <{user.email}>. It works once, for "
               f"{password_resets.RESET_HOURS} hours, and signs out every other device:")
    click.echo(absolute_url("auth.reset_password", token=token))


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Load only into a database with no organization.")
def load_demo(if_empty: bool) -> None:
    """Load the demo organization (slug "demo") with its groups and accounts."""
    session = get_session()
    if "organizations" not in inspect(session.connection()).get_table_names():
        _fail("The database has no tables yet; run `flask --app facilitator db upgrade`.")
    if if_empty and organizations.has_any_organization(session):
        click.echo("The database already has data; the demo was not loaded.")
        return
    org = demo.load_demo(session)
    session.commit()
    click.echo("Demo organization loaded." if org else "The demo organization is already there.")
    click.echo(f"Sign in at /login with password {demo.PASSWORD!r} as:")
    for person in demo.PEOPLE:
        roles = ", ".join(r.value for r in person.roles)
        click.echo(f"  {person.email:<28} {roles}")


@click.command("import-meeting-guide")
@with_appcontext
@click.argument("path", metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True,
              help="Slug of the organization; created if it does not exist.")
@click.option("--timezone", default=None,
              help="IANA zone of meetings the feed gives none for, and of a new "
                   "organization (default: the org's; for a new one the feed's, else UTC).")
@click.option("--program", type=click.Choice([p.value for p in Program]),
              default=meeting_import.DEFAULT_PROGRAM.value, show_default=True,
              help="Program of the groups the import creates, where neither the feed's "
                   "type codes nor the program map name one.")
@click.option("--program-map", "program_map_path", default=None, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="For a feed of several programs: lines “type code or group name = "
                   "program”, e.g. “RD = dharma”.")
@click.option("--dry-run", is_flag=True,
              help="Say what the import would create, update and skip; save nothing.")
def import_meeting_guide(path: Path, org_slug: str, timezone: str | None,
                         program: str, program_map_path: Path | None, dry_run: bool) -> None:
    """Import a Meeting Guide JSON feed (12 Step Meeting List and similar sites).

    Importing the same feed again updates the meetings in place. Everything is saved
    at once at the end, or nothing is; check-ins go on meanwhile. Says how far it got
    (on stderr) every second or so.
    """
    click.echo(f"Reading {path.name}…", err=True)
    try:
        if path.stat().st_size > meeting_guide_read.MAX_FEED_BYTES:
            _fail(f"{path.name} is larger than {meeting_guide_read.MAX_FEED_BYTES // 2**20} MB; "
                  "no meeting feed is that large. Nothing was imported.")
        items = meeting_guide_read.load_feed(path.read_bytes())
    except OSError as error:
        _fail(f"Cannot read {path.name}: {error.strerror}. Nothing was imported.")
    except meeting_guide_read.InvalidFeed as error:
        _fail(f"{path.name}: {error} Nothing was imported.")
    program_map: dict[str, str] = {}
    if program_map_path is not None:
        try:
            program_map = meeting_guide_read.parse_program_map(
                program_map_path.read_text(encoding="utf-8-sig"), [p.value for p in Program])
        except (OSError, UnicodeDecodeError) as error:
            _fail(f"Cannot read {program_map_path.name}: {error}. Nothing was imported.")
        except meeting_guide_read.InvalidProgramMap as error:
            _fail(f"{program_map_path.name}: {error} Nothing was imported.")
    with database().one_connection_session() as session:
        try:
            summary = meeting_import.run(session, None, items, org_slug=org_slug,
                                         timezone=timezone, program=program,
                                         program_map=program_map, progress=_progress,
                                         dry_run=dry_run)
        except ServiceError as error:
            _fail(f"{error.message} Nothing was imported.")
        except Exception as error:
            _fail(message_words(meeting_import.failure_message(error), "en"))
    for line in summary.lines():
        click.echo(line)


def _progress(line: Message) -> None:
    click.echo(message_words(line, "en"), err=True)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write a consistent copy of the whole database to PATH, a new file.

    Safe while the app runs. SQLite: a SQLite file (VACUUM INTO). PostgreSQL: pg_dump's
    custom format, made by the client tools of the server's version.
    """
    try:
        backups.backup(database().engine, path)
    except backups.BackupError as error:
        _fail(f"{error.message} No backup was written.")
    click.echo(f"Backup written to {path} ({path.stat().st_size / 2**20:.1f} MiB).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore(path: Path, force: bool) -> None:
    """Replace the database's contents with the backup at PATH.

    Stop the app first. Refuses a database that holds data unless --force is given.
    """
    try:
        backups.restore(database().engine, path, force=force)
    except backups.BackupError as error:
        _fail(error.message)
    click.echo(f"Restored {path}. If the backup is from an older version of facilitator, "
               "run `flask --app facilitator db upgrade` now.")


@click.command("worker")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Jobs run at once by this process (each render takes a core).")
@with_appcontext
def worker(threads: int) -> None:
    """Run background jobs (PDF renders) until stopped: `make worker`, or under systemd.
    Any number may run, on any machines that reach the database."""
    click.echo(f"Worker started with {threads} thread(s); Ctrl-C stops it.", err=True)
    memory.tune_malloc()  # before the consumer starts its threads
    jobs.make_consumer(current_app._get_current_object(), threads).run()  # type: ignore[attr-defined]


def register(app: Flask) -> None:
    for command in (db_cli, create_org, create_user, reset_password, load_demo,
                    import_meeting_guide, backup, restore, worker):
        app.cli.add_command(command)
