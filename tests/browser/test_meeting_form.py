"""The meeting forms on a small phone and a laptop: a cancellation says only what the
facilitator said, and is seen before it is published; a plain weekly meeting takes four
answers; a time zone is found by typing a few letters."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from facilitator import demo
from tests.browser.conftest import serious_violations
from tests.browser.test_login import sign_in as sign_in_as
from tests.browser.test_scheduling import GROUP_SLUG
from tests.browser.test_scheduling import sign_in

pytestmark = pytest.mark.browser

#: A small phone and a laptop.
WIDTHS = pytest.mark.parametrize("width", [320, 1280])


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []


def add_meeting(page: Page, base: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, base)
    page.goto(f"{base}/manage/g/{GROUP_SLUG}/meetings/new")


@WIDTHS
def test_cancel_a_date_without_a_reason_preview_it_and_publish(page: Page, live_server: str,
                                                               width: int):
    add_meeting(page, live_server, width)
    title = f"Quiet Cancel {width}"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("checkbox", name="Wednesday", exact=True).check()
    page.get_by_label("Starts at").fill("19:00")
    page.get_by_label("Place", exact=True).fill("Library Room B")
    page.get_by_role("button", name="Add meeting").click()
    meeting = page.get_by_role("region", name=title, exact=True)
    date_link = meeting.locator("ol.dates > li").nth(1).get_by_role("link")
    day_text = meeting.locator("ol.dates > li").nth(1).inner_text().split(" · ")[0].strip()
    date_link.click()

    # Nothing is chosen for members to read until the facilitator chooses it.
    for reason in ("Holiday", "Venue closed", "Other reason"):
        expect(page.get_by_role("radio", name=reason)).not_to_be_checked()
    page.get_by_label("Note for members").first.fill("The room is being painted")
    page.get_by_role("button", name=f"Preview the cancellation of {day_text}").click()
    preview = page.locator("#cancel-preview")
    expect(preview).to_contain_text(f"Cancelled {day_text} — The room is being painted")
    expect(preview).not_to_contain_text("Holiday")
    expect(page.get_by_text("Nothing is published yet.")).to_be_visible()
    fits(page, width)

    # Not yet published: the group's public page still lists the date as usual.
    public = page.context.new_page()
    public.goto(f"{live_server}/g/{GROUP_SLUG}/")
    expect(public.get_by_role("region", name=title, exact=True).locator(
        ".date-cancelled")).to_have_count(0)

    page.get_by_role("button", name="Publish the cancellation").click()
    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    expect(page.get_by_role("status")).to_contain_text("is cancelled.")

    public.reload()
    cancelled = public.get_by_role("region", name=title, exact=True).locator(".date-cancelled")
    expect(cancelled).to_have_text(f"Cancelled {day_text} — The room is being painted")
    expect(cancelled).not_to_contain_text("Holiday")
    public.close()


@WIDTHS
def test_a_plain_weekly_meeting_takes_title_day_time_and_place(page: Page, live_server: str,
                                                               width: int):
    add_meeting(page, live_server, width)
    # The less usual questions wait behind their summaries...
    expect(page.get_by_role("radio", name="Every other week")).to_be_hidden()
    expect(page.get_by_label("Region", exact=True)).to_be_hidden()
    expect(page.get_by_label("Area within the region")).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Open", exact=True)).to_be_hidden()
    # ...and the online ones show only for meetings held online.
    expect(page.get_by_label("Online link")).to_be_hidden()
    page.get_by_role("radio", name="Hybrid (in person and online)").check()
    expect(page.get_by_label("Online link")).to_be_visible()
    page.get_by_role("radio", name="In person", exact=True).check()
    expect(page.get_by_label("Online link")).to_be_hidden()
    fits(page, width)

    title = f"Plain Weekly {width}"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("checkbox", name="Saturday", exact=True).check()
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Place", exact=True).fill("Community Centre")
    page.get_by_role("button", name="Add meeting").click()

    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    expect(page.get_by_role("status")).to_contain_text(f"{title} is scheduled: Every Saturday.")
    expect(page.get_by_role("region", name=title, exact=True)).to_contain_text(
        "10:00 am for 1 h")


@WIDTHS
def test_meeting_types_offer_the_usual_ones_and_search_the_rest(page: Page, live_server: str,
                                                                width: int):
    add_meeting(page, live_server, width)
    page.locator("#meeting-types > summary").click()
    # The group is an AA group: the Big Book is among the usual types.
    for usual in ("Open", "Closed", "Big Book"):
        expect(page.get_by_role("checkbox", name=usual, exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name="Polish", exact=True)).to_be_hidden()
    page.locator("#all-types > summary").click()
    page.get_by_label("Search types").fill("pol")
    expect(page.get_by_role("checkbox", name="Polish", exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name="Portuguese", exact=True)).to_be_hidden()
    page.get_by_role("checkbox", name="Polish", exact=True).check()
    # A box sits on the line of its label.
    box = page.get_by_role("checkbox", name="Polish", exact=True).bounding_box()
    label = page.locator("label", has_text="Polish").bounding_box()
    assert box and label and abs(box["y"] - label["y"]) < label["height"]
    fits(page, width)


@WIDTHS
def test_pick_a_time_zone_by_typing_a_few_letters(page: Page, live_server: str, width: int):
    add_meeting(page, live_server, width)
    title = f"Pacific Time {width}"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("checkbox", name="Monday", exact=True).check()
    page.get_by_label("Starts at").fill("18:00")
    page.get_by_label("Place", exact=True).fill("Harbour Hall")
    page.locator("#more-when > summary").click()
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("America/Chicago")  # the organization's, first
    page.get_by_label("Search time zones").fill("los ang")
    expect(zone).to_have_value("America/Los_Angeles")
    expect(page.get_by_text("1 zone matches: America/Los Angeles is chosen.")).to_be_visible()
    fits(page, width)
    page.get_by_role("button", name="Add meeting").click()
    expect(page).to_have_url(f"{live_server}/manage/g/{GROUP_SLUG}/")
    feed = page.request.get(f"{live_server}/g/{GROUP_SLUG}/meetings.ics").text()
    event = next(e for e in feed.split("BEGIN:VEVENT") if f"SUMMARY:{title}" in e)
    assert "DTSTART;TZID=America/Los_Angeles:" in event


def test_the_organizations_time_zone_is_found_by_typing(page: Page, live_server: str):
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_as(page, live_server, "admin@demo.example", demo.PASSWORD)
    page.goto(f"{live_server}/admin/demo/settings")
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("America/Chicago")
    page.get_by_label("Search time zones").fill("new york")
    expect(zone).to_have_value("America/New_York")
    fits(page, 320)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Settings are saved.")
    page.goto(f"{live_server}/admin/demo/settings")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("America/New_York")
    page.get_by_label("Search time zones").fill("chicago")  # put it back for other tests
    page.get_by_role("button", name="Save settings").click()
