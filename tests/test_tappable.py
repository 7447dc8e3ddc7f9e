"""What a member or a leader taps instead of copying: a place opens a map search, a phone
number dials, an org's email address writes; never a map for a private group's place on
a page members reach."""

from __future__ import annotations

import html
from datetime import UTC
from datetime import datetime
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from facilitator import clock
from facilitator.domain.links import contact_parts
from facilitator.domain.links import map_search
from facilitator.domain.meeting import Attendance

ZOOM = {"online_url": "https://zoom.example/j/123", "online_phone": "+1 555 555 0111,,123#"}
NOW = datetime(2026, 2, 2, 18, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def searched(url: str) -> str:
    """What a map link searches for."""
    parts = urlsplit(html.unescape(url))
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.google.com",
                                                         "/maps/search/")
    query = parse_qs(parts.query)
    assert query["api"] == ["1"]
    return query["query"][0]


def map_links(page: str) -> list[str]:
    return [searched(part.split('"', 1)[0])
            for part in page.split('class="map-link" href="')[1:]]


def test_a_map_search_finds_the_place_as_written():
    assert searched(map_search("St. Mark's Hall, 12 Main St #3 & Co")) == (
        "St. Mark's Hall, 12 Main St #3 & Co")
    # A line break in a stored address is a space to the search.
    assert searched(map_search("Hall\n  12 Main St")) == "Hall 12 Main St"


@pytest.mark.parametrize(("text", "parts"), [
    ("info@example.org", [("info@example.org", "mailto:info@example.org")]),
    ("Call (555) 010-1234 or write to help@river.example.",
     [("Call ", ""), ("(555) 010-1234", "tel:5550101234"), (" or write to ", ""),
      ("help@river.example", "mailto:help@river.example"), (".", "")]),
    ("+1 555 555 0111", [("+1 555 555 0111", "tel:+15555550111")]),
    ("Ask at the front desk", [("Ask at the front desk", "")]),
    # The digits of an address are not a phone number inside it.
    ("intake2026@example.org", [("intake2026@example.org", "mailto:intake2026@example.org")]),
])
def test_contact_text_links_its_email_addresses_and_phone_numbers(text, parts):
    assert contact_parts(text) == parts


@pytest.fixture
def riverside(make_org, make_group, make_meeting):
    org = make_org(slug="riverside", name="Riverside", contact="Call 555 010 1234 or "
                   "help@river.example")
    group = make_group(org, slug="step", name="Step Study", program="aa")
    make_meeting(group, title="Step Study", attendance=Attendance.HYBRID,
                 location_name="St. Mark's Hall", address="412 River Road", **ZOOM)
    return group


def test_the_group_page_links_the_place_to_a_map_and_the_phone_to_dial(client, riverside):
    page = client.get("/g/step/").get_data(as_text=True)
    assert map_links(page) == ["St. Mark's Hall, 412 River Road"]
    assert 'href="tel:+15555550111,,123%23"' in page


def test_the_directory_links_places_and_the_org_contact(client, riverside):
    page = client.get("/o/riverside/").get_data(as_text=True)
    assert map_links(page) == ["St. Mark's Hall, 412 River Road"]
    assert '<a href="mailto:help@river.example">help@river.example</a>' in page
    assert '<a href="tel:5550101234">555 010 1234</a>' in page


def test_a_leaders_group_page_links_the_place_and_the_phone(client, auth, tenancy,
                                                            make_meeting):
    group = tenancy["a"]["group2"]  # private: its own leader may tap its place
    make_meeting(group, title="Circle", attendance=Attendance.HYBRID,
                 location_name="Room 4", address="1 Back Lane", **ZOOM)
    auth.login(tenancy["a"]["lead2"])
    page = client.get(f"/manage/g/{group.slug}/").get_data(as_text=True)
    assert map_links(page) == ["Room 4, 1 Back Lane"]
    assert 'href="tel:+15555550111,,123%23"' in page


def test_a_private_groups_place_is_never_a_map_link_on_its_page(client, auth, tenancy,
                                                               make_meeting):
    group = tenancy["a"]["group2"]
    make_meeting(group, title="Circle", location_name="Room Behind The Pharmacy",
                 address="1 Back Lane")
    auth.login(tenancy["a"]["admin"])
    page = client.get(f"/g/{group.slug}/").get_data(as_text=True)
    assert "1 Back Lane" in page
    assert "map-link" not in page and "google.com/maps" not in page
