"""Writing Meeting Guide feeds: the export, in the format the import reads
(meeting_guide_read), with its slug scheme.

Writing a feed is strict: every item keeps to code4recovery's schema (slug, day, time,
types, conference_phone and updated patterns), whatever was typed into the app. A
meeting becomes one item on the weekday(s) it meets; what a weekday and a time cannot
say (every other week, the n-th weekday of the month, one date only, a first or last
date) opens its notes in words. Only what applies to how it is attended is written: no
place for an online meeting, no link for an in-person one, as in the iCalendar feeds.

Pure: no Flask, no database. "Today" comes in as a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from facilitator.domain.links import web_link
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting_guide_read import SLUG_MAX_LENGTH
from facilitator.domain.meeting_guide_read import WHEELCHAIR_CODE
from facilitator.domain.meeting_guide_read import fit_slug
from facilitator.domain.meeting_guide_read import join_lines
from facilitator.domain.meeting_types import split_known
from facilitator.domain.recurrence import DAY_NAMES
from facilitator.domain.recurrence import Frequency
from facilitator.domain.recurrence import Schedule
from facilitator.domain.recurrence import meeting_guide_day

#: How `time` and `end_time` are written.
TIME_FORMAT = "%H:%M"
#: conference_phone as the schema has it: digits, a "+" first if any, and "," (a pause),
#: "*" or "#" (key presses), each followed by digits. ASCII digits only.
PHONE_PATTERN = re.compile(r"[+]?[0-9]{1,15}(?:[,*#][0-9]+)*")
PAUSE = ","
#: How people write phone numbers for reading ("+1 (555) 555-0111"); no dialer needs it.
_PHONE_FORMATTING = re.compile(r"[\s().\-]")
_PHONE_SEPARATORS = re.compile(r"[,*#]{2,}")
#: A source slug is written as it is when it has only URL-safe characters (RFC 3986's
#: unreserved ones): apps key meetings and bookmarks on the slug.
_URL_SAFE_SLUG = re.compile(r"[A-Za-z0-9._~-]+")
#: How `updated` is written, in UTC.
UPDATED_FORMAT = "%Y-%m-%d %H:%M:%S"
#: A last date further away than this is not mentioned: the feed is rebuilt daily and says
#: so in time, and finding the last date of a longer series takes longer.
LAST_DATE_NOTICE_DAYS = 400
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


@dataclass(frozen=True)
class PublishedMeeting:
    """One meeting series as the export writes it: the series, and its group's and
    organization's words, read from the database by the service."""

    series: MeetingSeries
    group_slug: str
    group_name: str
    #: The group's public page, the item's `url`.
    group_url: str
    group_notes: str = ""
    #: The organization's name: the service entity of the listing.
    entity: str = ""


def feed_items(meetings: Iterable[PublishedMeeting], today: date) -> list[dict[str, Any]]:
    """The feed: one item per meeting that still has a date from `today` on, each slug
    used once, in week order (day from Sunday, time, slug), so that the same data always
    gives the same JSON whatever order it comes in.

    Ended series and past one-date meetings are left out: the format cannot say that a
    meeting has ended, and an app would list it as if it still met. When two meetings
    would have the same slug, the older one (lower id) keeps it and the other gets "-2"…
    after it.
    """
    listed = sorted((m for m in meetings if has_dates_from(m.series.schedule, today)),
                    key=lambda m: m.series.id)
    items = [feed_item(meeting, today) for meeting in listed]
    taken = {item["slug"] for item in items}
    seen: set[str] = set()
    for item in items:
        if item["slug"] in seen:
            n, slug = 2, item["slug"]
            while (candidate := fit_slug(slug, f"-{n}")) in taken:
                n += 1
            item["slug"] = candidate
            taken.add(candidate)
        seen.add(item["slug"])
    return sorted(items, key=_week_order)


def _week_order(item: dict[str, Any]) -> tuple[int, str, str]:
    day = item["day"]
    return (day if isinstance(day, int) else day[0]), item["time"], item["slug"]


def has_dates_from(schedule: Schedule, today: date) -> bool:
    """Whether the series meets on `today` or later."""
    return bool(schedule.next_dates(today, 1))


def feed_item(meeting: PublishedMeeting, today: date) -> dict[str, Any]:
    """One meeting as a feed item. Fields with nothing to say are left out."""
    series = meeting.series
    schedule = series.schedule
    in_person, online = series.attendance.in_person, series.attendance.online
    days = sorted(meeting_guide_day(d)
                  for d in schedule.recurrence.weekdays or (schedule.first_date.weekday(),))
    # Wall-clock end, as the import reads it back (a 24-hour meeting ends at its start
    # time, which readers take as the default hour).
    end = datetime.combine(schedule.first_date, schedule.start_time) + schedule.duration
    types, _ = split_known(series.types)
    if in_person and series.wheelchair_accessible and WHEELCHAIR_CODE not in types:
        types.append(WHEELCHAIR_CODE)

    url = (web_link(series.online_url) or "") if online else ""
    phone = dial_string(series.online_phone) if online and series.online_phone else None
    url_notes = phone_notes = ""
    if online:
        # The notes go with the link when there is one, else with the phone.
        if url:
            url_notes = series.online_notes
        else:
            phone_notes = series.online_notes
        if series.online_phone and phone is None:
            phone_notes = join_lines(phone_notes, series.online_phone)
    located = in_person and series.latitude is not None and series.longitude is not None

    item: dict[str, Any] = {
        "name": series.title,
        "slug": feed_slug(series.source_slug, meeting.group_slug, series.id),
        "day": days[0] if len(days) == 1 else days,
        "time": schedule.start_time.strftime(TIME_FORMAT),
        "end_time": end.strftime(TIME_FORMAT),
        "timezone": schedule.timezone,
        "types": types,
        "attendance_option": series.attendance.value,
        "location": series.location_name if in_person else "",
        "formatted_address": series.address if in_person else "",
        # Online meetings have regions too: where they come from, or "Online".
        "region": series.region,
        "location_notes": series.location_notes if in_person else "",
        "latitude": series.latitude if located else None,
        "longitude": series.longitude if located else None,
        "conference_url": url,
        "conference_url_notes": url_notes,
        "conference_phone": phone or "",
        "conference_phone_notes": phone_notes,
        "notes": join_lines(schedule_notes(schedule, today), series.notes, blank=True),
        "group": meeting.group_name,
        "group_notes": meeting.group_notes,
        "entity": meeting.entity,
        "url": meeting.group_url,
        "updated": utc_text(series.updated_at),
    }
    return {key: value for key, value in item.items() if value not in ("", None, [])}


def feed_slug(source_slug: str | None, group_slug: str, meeting_id: int) -> str:
    """The item's slug: the one the meeting was imported under, so that apps and
    bookmarks keep following it; else "<group slug>-<meeting id>", at most 64 characters.
    An imported slug that is not URL-safe is not used."""
    if source_slug and len(source_slug) <= SLUG_MAX_LENGTH and _URL_SAFE_SLUG.fullmatch(
            source_slug):
        return source_slug
    return fit_slug(f"{group_slug}-{meeting_id}")


def dial_string(phone: str) -> str | None:
    """The phone as the schema's conference_phone pattern allows it, or None when it
    cannot be written so.

    Spaces, dashes, dots and brackets go; so do separators at the end, since the pattern
    wants digits after each ("…,,123456#" ends "…,123456"). A run of separators becomes
    one: a pause for pauses only (",," -> ","), the key press for pauses around one key
    press ("#,," -> "#"). Two key presses in a row ("#,,,,*", as Zoom writes a passcode
    after the meeting id), letters or other digits than 0-9 cannot be written: None.
    """
    compact = _PHONE_FORMATTING.sub("", phone).rstrip(",*#")
    # Key presses stay; two of them in a row are then refused by the pattern.
    compact = _PHONE_SEPARATORS.sub(lambda run: run[0].replace(PAUSE, "") or PAUSE, compact)
    return compact if PHONE_PATTERN.fullmatch(compact) else None


def schedule_notes(schedule: Schedule, today: date) -> str:
    """What the day and time of a feed item do not say, in sentences that open its notes:
    "" for a weekly meeting that is meeting now; "Every other Tuesday. Next on Tuesday
    13 January 2026."; "First and third Saturday of the month."; "Only on Thursday
    3 December 2026."; "Starts on …" when it starts after a date its day would suggest;
    "Last meeting on …" when it ends within LAST_DATE_NOTICE_DAYS."""
    recurrence = schedule.recurrence
    if recurrence.frequency is Frequency.ONCE:
        return f"Only on {long_date(schedule.first_date)}."
    sentences = []
    if recurrence.frequency is Frequency.MONTHLY or recurrence.interval != 1:
        sentences.append(recurrence.describe() + ".")
    coming = schedule.next_dates(today, 1)
    if coming and recurrence.interval != 1:
        # Which weeks: any date of the series tells, so it stays true once past.
        sentences.append(f"Next on {long_date(coming[0])}.")
    elif coming and _pattern_from(schedule, today) < coming[0]:
        sentences.append(f"Starts on {long_date(coming[0])}.")
    last = schedule.last_date
    if last is not None and (last - today).days <= LAST_DATE_NOTICE_DAYS and (
            dates := list(schedule.dates(today, last))):
        sentences.append(f"Last meeting on {long_date(dates[-1])}.")
    return " ".join(sentences)


def _pattern_from(schedule: Schedule, today: date) -> date:
    """The first date from today on that the recurrence alone gives, whenever the series
    started (meaningful for an interval of one week or a month)."""
    return replace(schedule, first_date=today, last_date=None).next_dates(today, 1)[0]


def long_date(day: date) -> str:
    """"Thursday 3 December 2026", in English whatever the locale."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def utc_text(instant: datetime) -> str:
    """"2026-01-06 18:02:11": the instant in UTC, as `updated` is written."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no place in a feed: give it in UTC")
    return instant.astimezone(UTC).strftime(UPDATED_FORMAT)
