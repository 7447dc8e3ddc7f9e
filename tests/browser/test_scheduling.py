"""A facilitator on a phone schedules a meeting, cancels a date, and members see it."""

from __future__ import annotations

import random
import re
from datetime import date
from datetime import timedelta

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import first_dates
from facilitator.domain.recurrence import preview
from tests.browser.conftest import serious_violations

pytestmark = pytest.mark.browser

GROUP = "Tuesday Night Women's AA"
GROUP_SLUG = "tuesday-night-womens-aa"


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email", exact=True).fill("facilitator@demo.example")
    page.get_by_label("Password", exact=True).fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/manage/")


def test_schedule_a_meeting_cancel_a_date_and_members_see_it(page: Page, live_server: str):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server)
    page.get_by_role("link", name=GROUP, exact=True).first.click()
    page.get_by_role("link", name="Add a meeting").click()
    assert serious_violations(page) == []

    page.get_by_label("Title", exact=True).fill("Thursday Big Book")
    page.get_by_role("checkbox", name="Thursday", exact=True).check()
    page.get_by_label("Starts at").fill("18:30")
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_label("Place", exact=True).fill("St. Mark's Church Hall")
    page.get_by_label("Address", exact=True).fill("412 River Road")
    page.get_by_role("button", name="Add meeting").click()

    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    expect(page.get_by_role("status")).to_contain_text("Thursday Big Book is scheduled: "
                                                       "Every Thursday.")
    meeting = page.get_by_role("region", name="Thursday Big Book")
    dates = meeting.locator("ol.dates > li")
    expect(dates).to_have_count(8)
    second = dates.nth(1)
    day_text = second.inner_text().split(" · ")[0].strip()  # e.g. "Thu 10 Dec"
    second.get_by_role("link").click()
    assert serious_violations(page) == []

    page.get_by_role("radio", name="Holiday").check()
    page.get_by_label("Note for members").first.fill("Closed for the holiday")
    page.get_by_role("button", name=re.compile(r"^Preview the cancellation")).click()
    expect(page.locator("#cancel-preview")).to_contain_text(
        f"Cancelled {day_text} — Holiday: Closed for the holiday")
    page.get_by_role("button", name="Publish the cancellation").click()
    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    expect(meeting.locator("li.date-cancelled")).to_contain_text(
        f"Cancelled {day_text} — Holiday: Closed for the holiday")
    assert serious_violations(page) == []

    # A member, not signed in, on the group's public page.
    page.context.clear_cookies()
    page.goto(f"{live_server}/g/{GROUP_SLUG}/")
    public = page.get_by_role("region", name="Thursday Big Book")
    expect(public).to_contain_text("Every Thursday")
    expect(public.locator(".date-cancelled")).to_contain_text(
        f"Cancelled {day_text} — Holiday: Closed for the holiday")
    expect(public.locator("ol.dates > li")).to_have_count(8)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def listed(day: date, today: date) -> str:
    """A date as the pages list it: "Tue 15 Dec", with the year when not this year's."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def open_meeting_form(page: Page, base: str, width: int) -> None:
    """Sign in as the demo facilitator on a screen `width` wide; open "Add a meeting"."""
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, base)
    page.goto(f"{base}/manage/g/{GROUP_SLUG}/meetings/new")


#: A small phone and a laptop.
WIDTHS = pytest.mark.parametrize("width", [320, 1280])


@WIDTHS
def test_every_other_week_from_today_starts_in_the_week_chosen(page: Page, live_server: str,
                                                                width: int):
    open_meeting_form(page, live_server, width)
    # Less usual schedules wait behind a summary.
    page.locator("#more-when > summary").click()
    # The first date is today unless changed.
    today = date.fromisoformat(page.get_by_role("textbox", name="First date").input_value())
    # Yesterday's weekday: dateutil alone, counting the cycle from today's week, would
    # skip the coming one on most days of the week.
    weekday = (today - timedelta(days=1)).strftime("%A")
    coming = today + timedelta(days=6)
    title = f"Every Other {weekday} {width}"

    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("radio", name="Every other week").check()
    page.get_by_role("checkbox", name=weekday, exact=True).check()
    this_one = page.get_by_role("radio", name=f"Starting {long_date(coming)}", exact=True)
    week_after = page.get_by_role(
        "radio", name=f"Starting {long_date(coming + timedelta(weeks=1))}, the week after")
    expect(this_one).to_be_visible()
    expect(week_after).to_be_visible()
    dates = page.locator("#preview-dates li")
    expect(dates).to_have_text([listed(coming + timedelta(weeks=2 * n), today)
                                for n in range(4)])
    week_after.check()  # the preview follows the choice...
    expect(dates.first).to_have_text(listed(coming + timedelta(weeks=1), today))
    this_one.check()  # ...and back
    expect(dates).to_have_text([listed(coming + timedelta(weeks=2 * n), today)
                                for n in range(4)])
    assert page.get_by_role("button", name="Preview dates").count() == 0  # JS shows them
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    page.get_by_label("Starts at").fill("18:30")
    page.get_by_label("Place", exact=True).fill("St. Mark's Church Hall")
    page.get_by_role("button", name="Add meeting").click()
    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    meeting = page.get_by_role("region", name=title, exact=True)
    expect(meeting.locator("ol.dates > li").first).to_contain_text(listed(coming, today))
    expect(meeting.locator("ol.dates > li").nth(1)).to_contain_text(
        listed(coming + timedelta(weeks=2), today))

    feed = page.request.get(f"{live_server}/g/{GROUP_SLUG}/meetings.ics").text()
    event = next(e for e in feed.split("BEGIN:VEVENT") if f"SUMMARY:{title}" in e)
    assert re.search(rf"DTSTART;TZID=[^:]+:{coming:%Y%m%d}T183000", event)
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=" in event


@WIDTHS
def test_an_end_before_the_start_is_asked_about_then_confirmed(page: Page, live_server: str,
                                                               width: int):
    open_meeting_form(page, live_server, width)
    title = f"Late Night {width}"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("checkbox", name="Friday", exact=True).check()
    page.get_by_label("Starts at").fill("23:30")
    page.get_by_label("Or: ends at").fill("00:45")
    page.get_by_label("Place", exact=True).fill("St. Mark's Church Hall")
    page.get_by_role("button", name="Add meeting").click()

    expect(page.get_by_text("Ends the next day? 11:30 pm to 12:45 am the next day is "
                            "1 h 15 min.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
    page.get_by_role("checkbox", name="Yes, it ends the next day").check()
    page.get_by_role("button", name="Add meeting").click()
    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    expect(page.get_by_role("region", name=title, exact=True)).to_contain_text(
        "11:30 pm for 1 h 15 min")


def test_the_script_finds_the_same_dates_as_the_server(page: Page, live_server: str):
    """static/schedule.js mirrors recurrence.first_dates and preview: on many schedules,
    run in Chromium, it gives the dates Python gives."""
    rng = random.Random(26)  # noqa: S311 (the same cases every run, not a secret)
    cases = []
    for _ in range(600):
        kind = rng.choice(["weekly", "biweekly", "monthly", "once"])
        if kind in ("weekly", "biweekly"):
            recurrence = Recurrence.weekly(*rng.sample(range(7), rng.randint(1, 3)),
                                           interval=2 if kind == "biweekly" else 1)
        elif kind == "monthly":
            recurrence = Recurrence.monthly(rng.randrange(7), *rng.sample(
                [1, 2, 3, 4, 5, -1], rng.randint(1, 3)))
        else:
            recurrence = Recurrence.once()
        on = date(2024, 1, 1) + timedelta(days=rng.randrange(6 * 365))
        today = on + timedelta(days=rng.randint(-400, 400))
        last = None if rng.random() < 0.6 else on + timedelta(days=rng.randint(-10, 200))
        starts = first_dates(recurrence, on)
        first = starts[rng.randrange(len(starts))]
        cases.append({
            "rec": {"frequency": recurrence.frequency.value, "interval": recurrence.interval,
                    "weekdays": list(recurrence.weekdays), "ordinals": list(recurrence.ordinals)},
            "on": on.isoformat(), "first": first.isoformat(), "today": today.isoformat(),
            "last": last.isoformat() if last else None,
            "expected": {"starts": [d.isoformat() for d in starts],
                         "dates": [d.isoformat() for d in preview(recurrence, first, last,
                                                                  today)]},
        })
    page.goto(f"{live_server}/login")
    page.add_script_tag(url=f"{live_server}/static/schedule.js")
    found = page.evaluate("""cases => cases.map(c => ({
        starts: window.facilitatorSchedule.firstDates(c.rec, c.on),
        dates: window.facilitatorSchedule.preview(c.rec, c.first, c.last, c.today, 4)}))""",
                          cases)
    mismatches = [(c, f) for c, f in zip(cases, found, strict=True) if f != c["expected"]]
    assert mismatches == []
    assert sum(1 for c in cases if len(c["expected"]["dates"]) == 4) > 300  # not all empty
