"""Counting who came without knowing who: facilitators' counts and members' check-ins.

An occurrence's row keeps two tallies side by side, never added together: the
facilitator's count (people, newcomers, in person, online) and the members' check-ins
from the link (checkins, checkin_newcomers, …). Reports use the facilitator's when they
counted, else the check-ins (domain.counts.reported).

Every change is one SQL UPDATE that adds to the stored numbers and whose WHERE keeps
them sensible, never a read-modify-write in Python, so 500 simultaneous check-ins give
exactly 500 on SQLite and PostgreSQL alike. A refused change updates no row.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import cast

from sqlalchemy import ColumnElement
from sqlalchemy import CursorResult
from sqlalchemy import Integer
from sqlalchemy import Select
from sqlalchemy import Table
from sqlalchemy import Update
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import false
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator import crypto
from facilitator.domain.counts import MAX_COUNT
from facilitator.domain.counts import Counter
from facilitator.domain.counts import Counts
from facilitator.domain.counts import check_in_steps
from facilitator.domain.counts import countable
from facilitator.domain.counts import is_open
from facilitator.domain.counts import open_occurrence
from facilitator.domain.counts import steps
from facilitator.domain.counts import window
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import SeriesException
from facilitator.domain.recurrence import Occurrence
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import occurrence_on
from facilitator.domain.suppression import HIDDEN
from facilitator.domain.suppression import suppress_counts
from facilitator.models import Group
from facilitator.models import Headcount
from facilitator.models import Meeting
from facilitator.models import MeetingException
from facilitator.models import Organization
from facilitator.models import User
from facilitator.models import schedule_of
from facilitator.services import ServiceError
from facilitator.services import audit_log
from facilitator.services import throttle

_TABLE = cast(Table, Headcount.__table__)
_CHECKIN = "checkin"
COUNTERS = tuple(c.value for c in Counter)
#: Where the row keeps each number: the facilitator's count, and the members' check-ins.
_FACILITATOR = {c: c.value for c in Counter}
_TAPS = {Counter.PEOPLE: "checkins", Counter.NEWCOMERS: "checkin_newcomers",
         Counter.IN_PERSON: "checkin_in_person", Counter.ONLINE: "checkin_online"}
#: The columns `tally` reads, in its order; a report selects them too.
TALLY_COLUMNS = (_TABLE.c.counted_by_facilitator,
                 *(_TABLE.c[name] for name in _FACILITATOR.values()),
                 *(_TABLE.c[name] for name in _TAPS.values()))


def counters_of(meeting: Meeting) -> tuple[Counter, ...]:
    """The counters a facilitator taps for the meeting: at a hybrid meeting people are
    counted in the room and online, elsewhere as one number."""
    if meeting.attendance is Attendance.HYBRID:
        return Counter.IN_PERSON, Counter.ONLINE, Counter.NEWCOMERS
    return Counter.PEOPLE, Counter.NEWCOMERS


def occurrence(meeting: Meeting, day: date) -> Occurrence:
    """The meeting's occurrence on a date of its series, with its exception applied."""
    return occurrence_on(meeting.schedule, day, meeting.exceptions_by_date.get(day))


def counts(session: Session, meeting: Meeting, day: date) -> Counts:
    """What the facilitator counted for the occurrence so far (zeros when nothing)."""
    return counted(session, meeting, day)[0] or Counts()


def counted(session: Session, meeting: Meeting, day: date) -> tuple[Counts | None, Counts]:
    """The occurrence's two tallies: the facilitator's count (None until they count) and
    the members' check-ins (zeros when none)."""
    row = session.execute(
        select(*TALLY_COLUMNS)
        .where(_TABLE.c.meeting_id == meeting.id, _TABLE.c.occurrence_date == day)
    ).first()
    return (None, Counts()) if row is None else tally(row)


def tally(row: Sequence[Any]) -> tuple[Counts | None, Counts]:
    """The two tallies of a row read as TALLY_COLUMNS: the facilitator's count (None when
    they did not count) and the members' check-ins."""
    counted_, *numbers = row
    split = len(_FACILITATOR)
    return (Counts(*numbers[:split]) if counted_ else None), Counts(*numbers[split:])


# -- Facilitators --------------------------------------------------------------------


def adjust(session: Session, actor: User, meeting: Meeting, day: date, counter: Counter,
           delta: int) -> Counts:
    """One tap on the +/− page: add `delta` (±1) to a counter of the occurrence and
    return the counts after it. A tap once the check-in window has closed is a
    correction, and is audited."""
    if delta not in (1, -1) or counter not in counters_of(meeting):
        raise ServiceError(N_("That is not a count this meeting keeps."), "counter")
    dated = _countable(meeting, day)
    changes = steps(counter, delta)
    before = counts(session, meeting, day)
    if not _add(session, meeting.id, day, changes):
        after = _after(counts(session, meeting, day), changes)
        problem = after.problem()
        raise ServiceError(problem[1] if problem else N_("Nothing was changed; please try again."),
                           counter.value)
    now = counts(session, meeting, day)
    if clock.now() > window(dated)[1]:
        _audit(session, actor, meeting, day, before, now)
    return now


def set_counts(session: Session, actor: User, meeting: Meeting, day: date,
               values: Counts) -> Counts:
    """The plain form: set the facilitator's counts of the occurrence to these numbers,
    audited with the numbers before. At a hybrid meeting everyone is in person or online,
    so the people are their sum; elsewhere there is no split. The members' check-ins
    stay as they are."""
    _countable(meeting, day)
    if meeting.attendance is Attendance.HYBRID:
        values = Counts(people=values.in_person + values.online, newcomers=values.newcomers,
                        in_person=values.in_person, online=values.online)
    else:
        values = Counts(people=values.people, newcomers=values.newcomers)
    if problem := values.problem():
        raise ServiceError(problem[1], problem[0].value)
    before = counts(session, meeting, day)
    _ensure_row(session, meeting.id, day)
    session.execute(
        update(_TABLE)
        .where(_TABLE.c.meeting_id == meeting.id, _TABLE.c.occurrence_date == day)
        .values(**{c: getattr(values, c) for c in COUNTERS}, counted_by_facilitator=True,
                updated_at=clock.this_hour())
    )
    _audit(session, actor, meeting, day, before, values)
    return values


def _countable(meeting: Meeting, day: date) -> Occurrence:
    dated = occurrence(meeting, day)
    if reason := countable(dated, clock.now()):
        raise ServiceError(reason)
    return dated


def _after(counts_: Counts, changes: Mapping[Counter, int]) -> Counts:
    return Counts(**{c: getattr(counts_, c) + changes.get(Counter(c), 0) for c in COUNTERS})


def _audit(session: Session, actor: User, meeting: Meeting, day: date, before: Counts,
           after: Counts) -> None:
    """Record a correction: who, when, which occurrence and the numbers. Auditors read
    the log, so it holds counts as any report leaving the group does (suppress_counts):
    "hidden" below the org's threshold, and where a hidden one could be worked out."""
    old, new = audit_log.changed(vars(before), vars(after))
    if not new:
        return
    org = meeting.group.organization
    hybrid = meeting.attendance is Attendance.HYBRID

    def shown_(counts: Counts, names: Iterable[str]) -> dict[str, int | str]:
        allowed = suppress_counts(counts, hybrid, org.small_count_threshold)
        return {name: HIDDEN if allowed.get(name) is None else getattr(counts, name)
                for name in names}

    headcount = session.scalars(
        select(Headcount).where(Headcount.meeting_id == meeting.id,
                                Headcount.occurrence_date == day)
    ).one()
    audit_log.record(
        session, actor, "update", headcount, organization=org,
        summary=Message(N_("Headcount of %(meeting)s on %(date)s corrected"),
                        {"meeting": meeting.title, "date": day}),
        before=shown_(before, old), after=shown_(after, new),
    )


# -- Members --------------------------------------------------------------------------


def checkin_token(key: str, meeting: Meeting) -> str:
    """The meeting's check-in token, made again from its id, UID and version whenever it
    is shown. It is never stored; only the app's secret key can make it."""
    return crypto.derived_token(key, _CHECKIN, meeting.id, meeting.uid,
                                str(meeting.checkin_version))


@dataclass(frozen=True)
class CheckinMeeting:
    """What a check-in and its page need of a meeting, its group and org, read as one
    value: the link's parts, the schedule and its exceptions, how members are counted
    and up to how many, and what the page names and which language it speaks. Members
    tap many times a second, and making ORM objects of the meeting, its exceptions,
    group and org cost more than reading them."""

    id: int
    uid: str
    checkin_version: int
    title: str
    attendance: Attendance
    room_capacity: int
    schedule: Schedule
    exceptions_by_date: Mapping[date, SeriesException]
    group_id: int
    group_name: str
    #: The org's default language (the page's when the visitor asks for none) and zone.
    org_language: str
    org_timezone: str

    @property
    def timezone(self) -> str:
        return self.schedule.timezone


_M = cast(Table, Meeting.__table__)
_E = cast(Table, MeetingException.__table__)
_G = cast(Table, Group.__table__)
_O = cast(Table, Organization.__table__)
#: The meeting of a check-in link, its group and org, one row per exception (a row of
#: NULLs without any): columns only, in one statement built once.
_CHECKIN_MEETING = (
    select(_M.c.uid, _M.c.checkin_version, _M.c.title, _M.c.attendance, _M.c.room_capacity,
           _M.c.rrule, _M.c.first_date, _M.c.start_time, _M.c.duration_minutes,
           _M.c.timezone, _M.c.last_date, _G.c.id, _G.c.name, _O.c.default_language,
           _O.c.timezone, _E.c.date, _E.c.cancelled, _E.c.start_time,
           _E.c.duration_minutes, _E.c.moved_to)
    .select_from(_M.join(_G, _G.c.id == _M.c.group_id)
                 .join(_O, _O.c.id == _G.c.organization_id)
                 .outerjoin(_E, _E.c.meeting_id == _M.c.id))
    .where(_M.c.id == bindparam("meeting"))
)


def _checkin_meeting(number: int, rows: Sequence[Sequence[Any]]) -> CheckinMeeting:
    (uid, version, title, attendance, capacity, rrule, first_date, start_time, duration,
     timezone, last_date, group_id, group_name, org_language, org_timezone,
     *_exception) = rows[0]
    return CheckinMeeting(
        id=number, uid=uid, checkin_version=version, title=title, attendance=attendance,
        room_capacity=capacity,
        schedule=schedule_of(rrule, first_date, start_time, duration, timezone, last_date),
        exceptions_by_date={
            day: SeriesException(date=day, cancelled=cancelled, start_time=start,
                                 duration_minutes=minutes, moved_to=moved_to)
            for *_, day, cancelled, start, minutes, moved_to in rows if day is not None},
        group_id=group_id, group_name=group_name, org_language=org_language,
        org_timezone=org_timezone)


def meeting_for_checkin(session: Session, key: str, token: str) -> CheckinMeeting | None:
    """The meeting whose current check-in token this is; None for anything else,
    including an old token of a meeting whose link was replaced."""
    found: dict[int, CheckinMeeting] = {}

    def parts(number: int) -> tuple[str, ...] | None:
        rows = session.execute(_CHECKIN_MEETING, {"meeting": number}).all() \
            if number < 2**31 else []
        if not rows:
            return None
        found[number] = _checkin_meeting(number, rows)
        return found[number].uid, str(found[number].checkin_version)

    number = crypto.derived_token_number(key, _CHECKIN, token, parts)
    return None if number is None else found[number]


def new_checkin_link(session: Session, actor: User, meeting: Meeting) -> None:
    """Replace the meeting's check-in link: every old copy, printed or shared, stops
    working at once."""
    meeting.checkin_version += 1
    session.flush()
    audit_log.record(
        session, actor, "update", meeting, organization=meeting.group.organization,
        summary=Message(N_("Check-in link of %(meeting)s replaced: the old one no longer works"),
                        {"meeting": meeting.title}),
    )


#: Check-ins one occurrence takes in a minute of the clock. People arrive over several
#: minutes, so a real meeting stays under it; a script posting to a shared link is held
#: to it. Counted with the sign-in throttle's counters, under a keyed hash of the
#: occurrence and the minute (UTC). The row's stamp is only the hour, as on every row a
#: member's tap writes: an instant, beside a door camera or another log, could say who
#: tapped. A minute's key is used in that minute only, so its window is the hour the row
#: is kept.
CHECKINS_PER_MINUTE = throttle.Limit("checkin-occurrence", 30, timedelta(hours=1))


#: What a member is told outside the check-in window.
CHECK_IN_CLOSED = N_("Check-in is closed for now; nothing was counted.")


def open_for_check_in(meeting: Meeting | CheckinMeeting) -> Occurrence | None:
    """The occurrence whose check-in window is open now: members' taps count there and
    nowhere else."""
    return open_occurrence(meeting.schedule, meeting.exceptions_by_date, clock.now())


def check_in(session: Session, key: str, meeting: Meeting | CheckinMeeting, day: date, *,
             first_meeting: bool, counter: Counter | None) -> None:
    """Add one member's check-in to the check-ins of the occurrence on `day` (never to
    the facilitator's count). Refused with a ServiceError saying why, counting nothing,
    outside that occurrence's check-in window, when the room is full, or when too many
    came this minute. Nothing about the member is taken, kept or logged: not even that
    this check-in happened, apart from the numbers it adds to. `key` is the app's secret
    key."""
    schedule = meeting.schedule
    now = clock.now()
    if not schedule.falls_on(day) or not is_open(
            occurrence_on(schedule, day, meeting.exceptions_by_date.get(day)), now):
        raise ServiceError(CHECK_IN_CLOSED)
    if meeting.attendance is not Attendance.HYBRID:
        counter = None
    minute = CHECKINS_PER_MINUTE.key(key, str(meeting.id), day.isoformat(),
                                     f"{now.astimezone(UTC):%Y-%m-%dT%H:%M}")
    changes = check_in_steps(first_meeting, counter)
    # The counter's "now" is the hour: its row's stamp, and where its window starts.
    hour = clock.this_hour()
    if session.get_bind().dialect.name == "postgresql":
        refused = _take_and_check_in(session, minute, meeting, day, changes, hour)
    elif not throttle.take(session, CHECKINS_PER_MINUTE, minute, now=hour):
        refused = _MINUTE_FULL
    elif not _add(session, meeting.id, day, changes, checkin=meeting.room_capacity):
        # The caller rolls back, so the minute's count goes back too.
        refused = _ROOM_FULL
    else:
        refused = None
    if refused == _MINUTE_FULL:
        raise ServiceError(N_("Too many check-ins this minute; nothing was counted. Try "
                              "again in a minute."))
    if refused == _ROOM_FULL:
        raise ServiceError(N_("This meeting's check-ins have reached the room's capacity "
                              "(%(capacity)s); nothing was counted. Tell the facilitator."),
                           capacity=meeting.room_capacity)


#: Why a check-in was not counted: this minute's ceiling, or the room's capacity.
_MINUTE_FULL = "minute"
_ROOM_FULL = "room"


def _take_and_check_in(session: Session, minute: str, meeting: Meeting | CheckinMeeting,
                       day: date, changes: Mapping[Counter, int],
                       hour: datetime) -> str | None:
    """On PostgreSQL, the minute's count and the check-in in one statement, atomic by
    itself (a request that reads in autocommit needs no transaction around it, and
    saves the round trips of BEGIN, a second statement and COMMIT); why it was not
    counted (_MINUTE_FULL, _ROOM_FULL), None when it was."""
    params = throttle.take_parameters(CHECKINS_PER_MINUTE, minute, hour)
    row = session.execute(_take_and_check_in_statement(frozenset(changes)), {
        **params, "meeting": meeting.id, "day": day, "capacity": meeting.room_capacity,
        **{f"d_{c.value}": d for c, d in changes.items()}}).one()
    failures, counted, room = row[0], row[1], row[2]
    if failures == 1:
        throttle.prune(session, now=hour)  # a new minute: once per window, as take does
    if counted:
        return None
    return _MINUTE_FULL if room and failures is None else _ROOM_FULL


@functools.cache
def _take_and_check_in_statement(counters: frozenset[Counter]) -> Select[Any]:
    """WITH taken AS (the minute's INSERT … ON CONFLICT DO UPDATE … RETURNING, as
    throttle.take runs it), counted AS (INSERT the occurrence's row with this check-in …
    ON CONFLICT DO UPDATE adding it, under the rules of _update_statement, only when
    taken has a row) SELECT the minute's count, whether the check-in was counted and
    whether the room had space.

    The minute is taken only while the room has space by what the statement reads, so a
    check-in refused at a full room uses none of the minute's (two at the last place at
    once: the one refused may use one). Built once per kind of check-in."""
    room = ~exists().where(_TABLE.c.meeting_id == bindparam("meeting"),
                           _TABLE.c.occurrence_date == bindparam("day"),
                           _TABLE.c.checkins + bindparam(f"d_{Counter.PEOPLE.value}")
                           > bindparam("capacity"))
    taken = throttle.take_statement("postgresql", only_if=room).cte("taken")
    values, rules = _change(counters, checkin=True)
    steps: dict[str, ColumnElement[int]] = {
        _TAPS[c]: bindparam(f"d_{c.value}", type_=Integer) for c in counters}
    row = {"meeting_id": bindparam("meeting", type_=_TABLE.c.meeting_id.type),
           "occurrence_date": bindparam("day", type_=_TABLE.c.occurrence_date.type),
           "counted_by_facilitator": false(),
           **{name: steps.get(name, literal(0)) for name in (*_FACILITATOR.values(),
                                                              *_TAPS.values())},
           "updated_at": bindparam("now", type_=_TABLE.c.updated_at.type)}
    insert = postgresql_insert(_TABLE).from_select(
        list(row), select(*row.values()).where(
            exists(select(taken.c.failures)),
            bindparam(f"d_{Counter.PEOPLE.value}") <= bindparam("capacity")))
    counted = insert.on_conflict_do_update(
        index_elements=["meeting_id", "occurrence_date"], set_=values, where=and_(*rules),
    ).returning(_TABLE.c.meeting_id).cte("counted")
    return select(select(taken.c.failures).scalar_subquery(),
                  exists(select(counted.c.meeting_id)), room)


# -- The one way numbers change -------------------------------------------------------


def _add(session: Session, meeting_id: int, day: date, changes: Mapping[Counter, int], *,
         checkin: int | None = None) -> bool:
    """Add to the counters in one UPDATE whose WHERE holds the rules for the new values;
    False when they would break one (nothing changes then). Without `checkin` the change
    is the facilitator's, to their count; with it, a member's check-in, to the check-ins,
    and `checkin` is the room's capacity, which with CHECKINS_PER_MINUTE bounds them."""
    if _update(session, meeting_id, day, changes, checkin):
        return True
    _ensure_row(session, meeting_id, day)
    return _update(session, meeting_id, day, changes, checkin)


def _update(session: Session, meeting_id: int, day: date, changes: Mapping[Counter, int],
            checkin: int | None) -> bool:
    params: dict[str, object] = {f"d_{c.value}": d for c, d in changes.items()}
    if checkin is not None:
        params["capacity"] = checkin
    statement = _update_statement(frozenset(changes), checkin is not None)
    result = session.execute(statement, {"meeting": meeting_id, "day": day,
                                         "now": clock.this_hour(), **params})
    return cast(CursorResult[Any], result).rowcount == 1


@functools.cache
def _update_statement(counters: frozenset[Counter], checkin: bool) -> Update:
    """The UPDATE that adds to these counters of one tally (the check-ins for a member's
    check-in, else the facilitator's count), built once per kind of change (a check-in
    comes many times a second at a busy meeting); the amounts are parameters."""
    values, rules = _change(counters, checkin)
    return update(_TABLE).where(_TABLE.c.meeting_id == bindparam("meeting"),
                                _TABLE.c.occurrence_date == bindparam("day"),
                                *rules).values(**values)


def _change(counters: frozenset[Counter], checkin: bool,
            ) -> tuple[dict[str, Any], list[ColumnElement[bool]]]:
    """What adding to these counters of one tally sets, and the rules the new values
    keep (the row's own columns hold the old values). Both tallies keep the same rules;
    the other one is left as it is."""
    columns = _TAPS if checkin else _FACILITATOR

    def new(counter: Counter) -> ColumnElement[int]:
        column = _TABLE.c[columns[counter]]
        return column + bindparam(f"d_{counter.value}") if counter in counters else column

    values: dict[str, Any] = {columns[c]: new(c) for c in counters}
    rules = [
        *(new(c) >= 0 for c in counters),
        new(Counter.PEOPLE) <= MAX_COUNT,
        new(Counter.NEWCOMERS) <= new(Counter.PEOPLE),
        new(Counter.IN_PERSON) + new(Counter.ONLINE) <= new(Counter.PEOPLE),
    ]
    if checkin:
        # Members' check-ins stop at the room's capacity, so a link shared outside the
        # room cannot inflate them without bound; the facilitator is not held to it.
        rules.append(new(Counter.PEOPLE) <= bindparam("capacity"))
    else:
        values["counted_by_facilitator"] = True
    values["updated_at"] = bindparam("now", type_=_TABLE.c.updated_at.type)
    return values, rules


def _ensure_row(session: Session, meeting_id: int, day: date) -> None:
    """Make the occurrence's row of zeros unless it exists. Two requests racing to make
    it both go on: the loser's insert does nothing."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    session.execute(
        insert(_TABLE)
        .values(meeting_id=meeting_id, occurrence_date=day, counted_by_facilitator=False,
                **dict.fromkeys((*_FACILITATOR.values(), *_TAPS.values()), 0),
                updated_at=clock.this_hour())
        .on_conflict_do_nothing(index_elements=["meeting_id", "occurrence_date"])
    )
