"""Writing Meeting Guide feeds: the export, in the format the import reads
(meeting_guide_read), with its slug scheme.

Writing a feed is strict: every item keeps to code4recovery's schema (day, time, types
and updated patterns), whatever was typed into the app, with two exceptions that keep
what apps key on and dial: an imported slug is written as the feed gave it (longer than
64 characters or percent-encoded), and a phone keeps its pauses and key presses as given
(links.DIAL_STRING) up to the meeting ID. No passcode is written: the link without it
(links.public_link), the phone up to the meeting ID, and `conference_url_notes` (or the
phone's) says where the rest is: the meeting's join page, or whom to ask.

A meeting becomes one item on the weekday(s) it meets, and the series of one imported
meeting listed on several days become that one item again; what a weekday and a time
cannot say (every other week, the n-th weekday of the month, one date only, a first or
last date) opens its notes in words. Only what applies to how it is
attended is written: no place for an online meeting (but the approximate place the Meeting
Guide app needs to list it nearby), no link for an in-person one, as in the iCalendar
feeds.

Pure: no Flask, no database. "Today" comes in as a parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from facilitator.domain.join_page import passcode_note
from facilitator.domain.join_page import public_phone
from facilitator.domain.join_page import request_note
from facilitator.domain.links import public_link
from facilitator.domain.meeting import MeetingSeries
from facilitator.domain.meeting_guide_read import FEED_SLUG_MAX_LENGTH
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
#: An imported slug is written as it is when it has only URL-safe characters (RFC 3986's
#: unreserved ones, and percent-encoded octets): apps key meetings and bookmarks on it.
_URL_SAFE_SLUG = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")
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
    #: Where the org's online meetings are from ("Chicago, IL, USA"), the approximate
    #: address of an online meeting that has none.
    online_location: str = ""
    #: The meeting's join page, where its link and passcode are.
    join_url: str = ""
    #: When its group last confirmed the listing (services/listings.py).
    confirmed_at: datetime | None = None

    @property
    def updated(self) -> datetime:
        """When the listing was last updated, as `updated` says it: the series' last
        change or its group's last confirmation that nothing changed, the later."""
        if self.confirmed_at is None:
            return self.series.updated_at
        return max(self.series.updated_at, self.confirmed_at)


def feed_items(meetings: Iterable[PublishedMeeting], today: date) -> list[dict[str, Any]]:
    """The feed: one item per meeting that still has a date from `today` on, each slug
    used once, in week order (day from Sunday, time, slug), so that the same data always
    gives the same JSON whatever order it comes in.

    Ended series and past one-date meetings are left out: the format cannot say that a
    meeting has ended, and an app would list it as if it still met. The series imported
    from one feed meeting listed on several days are one item again, under the feed's
    slug, while they say the same but for the day; one changed since is an item of its
    own under its source slug ("slug--mon"). When two meetings would have the same slug,
    the older one (lower id) keeps it and the other gets "-2"… after it.
    """
    listed = sorted((m for m in meetings if has_dates_from(m.series.schedule, today)),
                    key=lambda m: m.series.id)
    items: list[dict[str, Any]] = []
    by_feed_slug: dict[str, list[PublishedMeeting]] = {}
    for meeting in listed:
        if meeting.series.feed_slug:
            by_feed_slug.setdefault(meeting.series.feed_slug, []).append(meeting)
        else:
            items.append(feed_item(meeting, today))
    for days in by_feed_slug.values():
        items += _one_item_for_all_days(days, today)
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


def _one_item_for_all_days(series: list[PublishedMeeting], today: date
                           ) -> list[dict[str, Any]]:
    """The items of the series sharing one feed slug: one item on all their days when
    they say the same but for the day, else one each under its own source slug."""
    items = [feed_item(meeting, today) for meeting in series]
    alike = {json.dumps({k: v for k, v in item.items() if k not in ("day", "updated")},
                        sort_keys=True) for item in items}
    days = [d for item in items for d in _days(item)]
    if len(alike) == 1 and len(days) == len(set(days)):
        merged = dict(items[0])
        merged["day"] = sorted(days)[0] if len(days) == 1 else sorted(days)
        merged["updated"] = max(item["updated"] for item in items)
        return [merged]
    if len(items) > 1:
        for meeting, item in zip(series, items, strict=True):
            item["slug"] = feed_slug(meeting.series.source_slug, None, meeting.group_slug,
                                     meeting.series.id)
    return items


def _days(item: dict[str, Any]) -> list[int]:
    return item["day"] if isinstance(item["day"], list) else [item["day"]]


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

    # Never a passcode: the link without it, the phone up to the meeting ID, and the
    # notes say where the rest is (the join page, or whom to ask). The online notes,
    # which may hold it, are only on the join page.
    url = (public_link(series.online_url) or "") if online else ""
    phone = public_phone(series) if online else ""
    # The Meeting Guide app lists meetings near people, online ones too: one without a
    # place of its own is from where the org says its online meetings are.
    approximate = "" if in_person else (series.address or meeting.online_location)
    url_notes = phone_notes = ""
    if online:
        # Where the passcode is goes with the link when there is one, else the phone.
        where = passcode_note(series, meeting.join_url) if meeting.join_url \
            else request_note(series)
        if url:
            url_notes = where
        else:
            phone_notes = where
    position = series.position

    item: dict[str, Any] = {
        "name": series.title,
        "slug": feed_slug(series.source_slug, series.feed_slug, meeting.group_slug,
                          series.id),
        "day": days[0] if len(days) == 1 else days,
        "time": schedule.start_time.strftime(TIME_FORMAT),
        "end_time": end.strftime(TIME_FORMAT),
        "timezone": schedule.timezone,
        "types": types,
        "attendance_option": series.attendance.value,
        "location": series.location_name if in_person else "",
        "formatted_address": series.address if in_person else approximate,
        "approximate": "yes" if approximate else "",
        # Online meetings have regions too: where they come from, or "Online".
        "region": series.region,
        "sub_region": series.regions[1] if len(series.regions) > 1 else "",
        "regions": series.regions if len(series.regions) > 1 else [],
        "location_notes": series.location_notes if in_person else "",
        "latitude": position[0] if position else None,
        "longitude": position[1] if position else None,
        "conference_url": url,
        "conference_url_notes": url_notes,
        "conference_phone": phone,
        "conference_phone_notes": phone_notes,
        "notes": join_lines(schedule_notes(schedule, today), series.notes, blank=True),
        "group": meeting.group_name,
        "group_notes": meeting.group_notes,
        "entity": meeting.entity,
        "url": meeting.group_url,
        "updated": utc_text(meeting.updated),
    }
    return {key: value for key, value in item.items() if value not in ("", None, [])}


def feed_slug(source_slug: str | None, given_slug: str | None, group_slug: str,
              meeting_id: int) -> str:
    """The item's slug: the one the meeting was imported under, as the feed gave it (any
    length, percent-encoded or not), so that apps and bookmarks keep following it; else
    "<group slug>-<meeting id>", at most 64 characters. An imported slug that is not
    URL-safe (spaces, slashes, raw non-ASCII letters) is not used."""
    for slug in (given_slug, source_slug):
        if slug and len(slug) <= FEED_SLUG_MAX_LENGTH and _URL_SAFE_SLUG.fullmatch(slug):
            return slug
    return fit_slug(f"{group_slug}-{meeting_id}")


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
