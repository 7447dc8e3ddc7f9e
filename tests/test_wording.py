"""Small things a person notices: how dates read, one full stop after "Jordan P.", the
agreement's text before the box that signs it, and a checkbox before its label."""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

from markupsafe import Markup

from facilitator import clock
from facilitator.domain.choices import Role
from facilitator.formatting import full_stop
from facilitator.formatting import long_date
from facilitator.formatting import short_date
from tests.conftest import page_text

TZ = "America/Chicago"


def test_days_of_the_month_have_no_leading_zero() -> None:
    friday = date(2026, 12, 4)
    assert long_date(friday) == "Friday 4 December 2026"
    assert long_date(friday, year=False) == "Friday 4 December"
    assert short_date(friday) == "Fri 4 Dec"
    assert short_date(friday, year=True) == "Fri 4 Dec 2026"


def test_a_sentence_gets_one_full_stop_however_it_ends() -> None:
    assert full_stop("Saved by Sam T") == "Saved by Sam T."
    assert full_stop("Saved by Jordan P.") == "Saved by Jordan P."
    assert full_stop("Saved by Dana: “Fixed a typo.”") == "Saved by Dana: “Fixed a typo.”"
    assert full_stop("Saved by Dana: “Added point 6”") == "Saved by Dana: “Added point 6”."
    assert full_stop("Really? ") == "Really?"
    # What a template built stays safe markup, escaped once.
    ended = full_stop(Markup("by <b>Jo &amp; Al</b>"))
    assert isinstance(ended, Markup) and ended == Markup("by <b>Jo &amp; Al</b>.")


def early_tuesday() -> date:
    """A Tuesday to come whose day of the month has one digit: the 1st to the 7th."""
    day = clock.today_in(TZ) + timedelta(days=1)
    while day.weekday() != 1 or day.day > 9:
        day += timedelta(days=1)
    return day


def test_a_cancelled_date_is_named_without_a_leading_zero(
        client, make_org, make_user, make_group, make_meeting, auth, frozen_clock) -> None:
    org = make_org(timezone=TZ)
    leader = make_user(org, Role.FACILITATOR, display_name="Sam T.")
    group = make_group(org, slug="early", facilitators=[leader])
    meeting = make_meeting(group)
    auth.login(leader)
    day = early_tuesday()
    response = client.post(
        f"/manage/g/early/meetings/{meeting.id}/dates/{day.isoformat()}/cancel",
        data={"reason": "holiday", "publish": "1"}, follow_redirects=True)
    assert f"Tuesday Night on Tuesday {day.day} {day:%B} is cancelled." in page_text(response)


def agreement_page(client, make_org, make_user, auth, author_name: str, note: str) -> str:
    org = make_org(slug="wording", timezone=TZ)
    admin = make_user(org, Role.ADMIN, display_name=author_name)
    make_user(org, Role.FACILITATOR, display_name="Sam T.", email="sam@example.org")
    auth.login(admin)
    saved = client.post("/manage/o/wording/agreement/edit", data={
        "body": "I keep what I hear here, here.", "based_on": "0", "note": note})
    assert saved.status_code == 302
    auth.logout()
    auth.login("sam@example.org")
    return client.get("/manage/o/wording/agreement/").get_data(as_text=True)


def test_saved_by_a_name_with_an_initial_ends_with_one_full_stop(
        client, make_org, make_user, auth) -> None:
    text = page_text(agreement_page(client, make_org, make_user, auth, "Jordan P.", ""))
    assert re.search(r"by Jordan P\.(?!\.)", text)
    assert "Jordan P.." not in text


def test_the_agreement_is_read_before_the_box_that_signs_it(
        client, make_org, make_user, auth) -> None:
    html = agreement_page(client, make_org, make_user, auth, "Dana R.", "First version")
    text_at = html.index("I keep what I hear here, here.")
    assert html.index('id="sign-heading"') > text_at
    assert html.index('name="typed_name"') > text_at
    # At the top, only a pointer to where signing happens.
    assert html.index('href="#sign-heading"') < text_at
    # The box comes first, then its label, joined by for/id.
    box = re.search(r'<input[^>]*type="checkbox"[^>]*>', html).group(0)
    box_id = re.search(r'id="([^"]+)"', box).group(1)
    label = re.search(rf'<label for="{box_id}">([^<]+)</label>', html)
    assert label and label.start() > html.index(box)
    assert label.group(1) == "I have read this agreement and I agree to keep to it"


def test_welcome_and_org_names_that_end_with_a_full_stop_get_no_second_one(
        client, make_org, make_user, auth) -> None:
    org = make_org(slug="inc", name="Riverside Recovery Inc.")
    admin = make_user(org, Role.ADMIN)
    auth.login(admin)
    page = client.post("/admin/inc/people/new", data={
        "email": "jordan@example.org", "display_name": "Jordan P.", "roles": ["facilitator"],
    }).get_data(as_text=True)
    link = page.split('value="http://facilitator.test')[1].split('"')[0]
    person = client.get("/admin/inc/").get_data(as_text=True)
    person_url = re.search(r'href="(/admin/inc/(?:people|invitations)/\d+)">Jordan P\.',
                           person).group(1)
    hints = page_text(client.get(person_url))
    assert "Riverside Recovery Inc.." not in hints
    assert "gets no role in Riverside Recovery Inc." in hints
    auth.logout()
    response = client.post(link, data={"password": "my own passphrase",
                                       "confirm": "my own passphrase"}, follow_redirects=True)
    text = page_text(response)
    assert "Welcome, Jordan P. Your account is ready." in text
    assert ".." not in text
