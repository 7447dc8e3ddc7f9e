"""monthly totals

`headcount_months`: each meeting's headcounts of a calendar month, summed as reports
count them (the facilitator's count when they counted, else the check-ins), with the
counted dates and those with more check-ins than counted as bits. An org's attendance
report adds up a row per meeting and month instead of every occurrence of the year.

Triggers on `headcounts` keep it, in the same transaction as each change, whatever
makes the change. Filled from the counts already stored.

`headcount_versions`: the org's counters of changes to its headcounts, 16 of them,
grown by the same triggers on the row of the meeting's id modulo 16, and beside each the
count of changes to which dates are counted (most changes are not: a tap at a meeting
already counted), which the dates reports keep are kept by. Their sum replaces
`organizations.headcount_version`, which every check-in updated (each from the app, as a
statement of its own), so that check-ins at different meetings of an org no longer wait
for one row, and the org's row, which every page reads, no longer changes with each.

Revision ID: 0025_monthly_totals
Revises: 0024_import_runs
Create Date: 2026-12-09 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025_monthly_totals'
down_revision = '0024_import_runs'
branch_labels = None
depends_on = None

#: What one headcount row `r` adds to its month, as domain.counts.reported counts it: a
#: row with neither a count nor a check-in adds nothing (its check-in numbers are 0).
_COUNTED = "(CASE WHEN {r}.counted_by_facilitator OR {r}.checkins > 0 THEN 1 ELSE 0 END)"
_PEOPLE = "(CASE WHEN {r}.counted_by_facilitator THEN {r}.people ELSE {r}.checkins END)"
_NEWCOMERS = ("(CASE WHEN {r}.counted_by_facilitator THEN {r}.newcomers "
              "ELSE {r}.checkin_newcomers END)")
_MORE = ("(CASE WHEN {r}.counted_by_facilitator AND {r}.checkins > {r}.people "
         "THEN 1 ELSE 0 END)")
_MONTH = {"sqlite": "date({r}.occurrence_date, 'start of month')",
          "postgresql": "CAST(date_trunc('month', {r}.occurrence_date) AS date)"}
_BIT = {"sqlite": "(1 << (CAST(strftime('%d', {r}.occurrence_date) AS INTEGER) - 1))",
        "postgresql": "(1 << (CAST(extract(day FROM {r}.occurrence_date) AS integer) - 1))"}


def _sql(dialect: str, r: str) -> dict[str, str]:
    return {name: form.format(r=r) for name, form in (
        ("counted", _COUNTED), ("people", _PEOPLE), ("newcomers", _NEWCOMERS),
        ("more", _MORE), ("month", _MONTH[dialect]), ("bit", _BIT[dialect]))}


def _add(dialect: str) -> str:
    """The statement that adds the row NEW to its month."""
    n = _sql(dialect, "NEW")
    return (
        # The module's own SQL fragments; nothing comes from input.
        "INSERT INTO headcount_months (meeting_id, month, meetings, people, newcomers, "  # noqa: S608
        "more_checkins, counted_days, marked_days) VALUES (NEW.meeting_id, "
        f"{n['month']}, {n['counted']}, {n['people']}, {n['newcomers']}, {n['more']}, "
        f"{n['counted']} * {n['bit']}, {n['more']} * {n['bit']}) "
        "ON CONFLICT (meeting_id, month) DO UPDATE SET "
        "meetings = headcount_months.meetings + excluded.meetings, "
        "people = headcount_months.people + excluded.people, "
        "newcomers = headcount_months.newcomers + excluded.newcomers, "
        "more_checkins = headcount_months.more_checkins + excluded.more_checkins, "
        "counted_days = headcount_months.counted_days | excluded.counted_days, "
        "marked_days = headcount_months.marked_days | excluded.marked_days;")


def _remove(dialect: str) -> str:
    """The statement that takes the row OLD out of its month."""
    o = _sql(dialect, "OLD")
    return (
        f"UPDATE headcount_months SET meetings = meetings - {o['counted']}, "  # noqa: S608
        f"people = people - {o['people']}, newcomers = newcomers - {o['newcomers']}, "
        f"more_checkins = more_checkins - {o['more']}, "
        f"counted_days = counted_days & ~{o['bit']}, marked_days = marked_days & ~{o['bit']} "
        f"WHERE meeting_id = OLD.meeting_id AND month = {o['month']};")


#: One of the org's counters grows with every change to one of its headcounts (the
#: attendance reports kept in a worker are kept per their sum): the one of the meeting's
#: id modulo 16 (models.HeadcountVersion.SHARDS), so check-ins at different meetings do
#: not wait for one row. A meeting being deleted finds no group: nothing to count.
#: `dated_version` grows only when the change is to which dates are counted or marked
#: ({dated}: 1 or 0), which most changes (a tap at a counted meeting) are not.
_BUMP = ("INSERT INTO headcount_versions (organization_id, shard, version, dated_version) "
         "SELECT groups.organization_id, {r}.meeting_id % 16, 1, {dated} FROM meetings "
         "JOIN groups ON meetings.group_id = groups.id WHERE meetings.id = {r}.meeting_id "
         "ON CONFLICT (organization_id, shard) "
         "DO UPDATE SET version = headcount_versions.version + 1, "
         "dated_version = headcount_versions.dated_version + excluded.dated_version;")


def _bump(dialect: str, event: str) -> str:
    """The statement that counts a change of this kind to the org's headcounts."""
    n, o = _sql(dialect, "NEW"), _sql(dialect, "OLD")
    if event == "insert":
        return _BUMP.format(r="NEW", dated=n["counted"])
    if event == "delete":
        return _BUMP.format(r="OLD", dated=o["counted"])
    return _BUMP.format(r="NEW", dated=(
        f"(CASE WHEN {o['counted']} <> {n['counted']} OR {o['more']} <> {n['more']} "
        "OR OLD.meeting_id <> NEW.meeting_id OR OLD.occurrence_date <> NEW.occurrence_date "
        "THEN 1 ELSE 0 END)"))


def upgrade() -> None:
    op.create_table(
        'headcount_months',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('meetings', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('newcomers', sa.Integer(), nullable=False),
        sa.Column('more_checkins', sa.Integer(), nullable=False),
        sa.Column('counted_days', sa.Integer(), nullable=False),
        sa.Column('marked_days', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE',
                                name=op.f('fk_headcount_months_meeting_id_meetings')),
        sa.PrimaryKeyConstraint('meeting_id', 'month', name=op.f('pk_headcount_months')),
    )
    op.create_table(
        'headcount_versions',
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('dated_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE',
                                name=op.f('fk_headcount_versions_organization_id_organizations')),
        sa.PrimaryKeyConstraint('organization_id', 'shard', name=op.f('pk_headcount_versions')),
    )
    # The org's own counter, which every check-in updated, goes. Not in batch mode: on
    # SQLite that would copy the table and drop the old one, and dropping organizations
    # deletes everything of theirs with it.
    op.drop_column('organizations', 'headcount_version')
    dialect = op.get_bind().dialect.name
    h = _sql(dialect, "headcounts")
    op.execute(
        "INSERT INTO headcount_months (meeting_id, month, meetings, people, newcomers, "  # noqa: S608
        "more_checkins, counted_days, marked_days) "
        f"SELECT meeting_id, {h['month']}, sum({h['counted']}), sum({h['people']}), "
        f"sum({h['newcomers']}), sum({h['more']}), sum({h['counted']} * {h['bit']}), "
        f"sum({h['more']} * {h['bit']}) FROM headcounts GROUP BY meeting_id, {h['month']}")
    if dialect == "sqlite":
        for event, body in (
                ("insert", _add(dialect) + _bump(dialect, "insert")),
                ("update", _remove(dialect) + _add(dialect) + _bump(dialect, "update")),
                ("delete", _remove(dialect) + _bump(dialect, "delete"))):
            op.execute(f"CREATE TRIGGER headcount_months_{event} AFTER {event.upper()} "
                       f"ON headcounts FOR EACH ROW BEGIN {body} END")
    else:
        op.execute(
            "CREATE FUNCTION headcount_months_keep() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {_remove(dialect)} END IF; "
            f"IF TG_OP = 'INSERT' THEN {_add(dialect)} {_bump(dialect, 'insert')} "
            f"ELSIF TG_OP = 'UPDATE' THEN {_add(dialect)} {_bump(dialect, 'update')} "
            f"ELSE {_bump(dialect, 'delete')} END IF; "
            "RETURN NULL; END $$")
        op.execute(
            "CREATE TRIGGER headcount_months_keep AFTER INSERT OR UPDATE OR DELETE "
            "ON headcounts FOR EACH ROW EXECUTE FUNCTION headcount_months_keep()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS headcount_months_{event}")
    else:
        op.execute("DROP TRIGGER IF EXISTS headcount_months_keep ON headcounts")
        op.execute("DROP FUNCTION IF EXISTS headcount_months_keep()")
    op.drop_table('headcount_months')
    op.drop_table('headcount_versions')
    op.add_column('organizations', sa.Column('headcount_version', sa.Integer(),
                                             server_default='0', nullable=False))
