"""Pure rules: slugs, time zones, passwords."""

import json
from datetime import date

import pytest

from facilitator.domain.languages import N_
from facilitator.domain.languages import Label
from facilitator.domain.languages import Message
from facilitator.domain.links import web_link
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.meeting_types import types_offered_first
from facilitator.domain.passwords import common_passwords
from facilitator.domain.passwords import password_problem
from facilitator.domain.slugs import is_valid_slug
from facilitator.domain.slugs import slugify
from facilitator.domain.timezones import is_valid_timezone
from facilitator.domain.timezones import timezone_choices
from facilitator.domain.timezones import timezone_groups
from facilitator.formatting import message_words


@pytest.mark.parametrize("slug", ["demo", "tuesday-womens-aa", "group-2", "a" * 64])
def test_valid_slugs(slug):
    assert is_valid_slug(slug)


@pytest.mark.parametrize(
    "slug",
    ["", "Demo", "two words", "café", "-lead", "trail-", "double--hyphen", "a/b", "a" * 65,
     "dot.dot", "émoji-😀"],
)
def test_invalid_slugs(slug):
    assert not is_valid_slug(slug)


def test_slugify_suggests_a_valid_slug_from_any_name():
    assert slugify("Café Sunday  Women's  Group!") == "cafe-sunday-women-s-group"
    assert is_valid_slug(slugify("Grupo Esperanza — Martes"))


def test_time_zones_are_iana_names():
    assert is_valid_timezone("America/Chicago")
    assert is_valid_timezone("Europe/Berlin")
    assert not is_valid_timezone("Mars/Olympus_Mons")
    assert not is_valid_timezone("CST6CDT ")
    assert "America/New_York" in timezone_choices()


def test_time_zones_offered_start_with_the_orgs_and_keep_an_unusual_chosen_one():
    groups = dict(timezone_groups("America/Denver"))
    assert list(groups) == ["Your organization's zone", "Common zones", "Every other zone"]
    assert groups["Your organization's zone"] == ["America/Denver"]
    assert "America/Denver" not in groups["Common zones"]
    # Every zone is offered, and once.
    offered = [zone for zones in groups.values() for zone in zones]
    assert sorted(offered) == sorted(timezone_choices())
    assert groups["Common zones"][0] == "America/New_York"
    # A meeting kept in "UTC" (not in the usual list) still finds it, so saving the form
    # unchanged does not move it to another zone; a made-up one is not offered.
    assert timezone_groups("America/Denver", "UTC")[0] == (
        "This zone and your organization's", ["America/Denver", "UTC"])
    assert timezone_groups("America/Denver", "Mars/Olympus")[0][1] == ["America/Denver"]


def test_meeting_types_offer_the_programs_usual_ones_first():
    aa = types_offered_first("aa")
    assert aa[:2] == ["B", "12x12"] and "O" in aa and "C" in aa
    assert "B" not in types_offered_first("smart") and "A" in types_offered_first("smart")
    assert types_offered_first("other", ["TUR", "nope"])[-1] == "TUR"
    assert len(aa) < len(TYPES) / 2


def test_password_rules():
    assert password_problem("short") is not None
    assert password_problem("x" * 11) is not None
    assert password_problem("x" * 12) is None
    assert password_problem("x" * 128) is None
    assert password_problem("x" * 129) is not None


@pytest.mark.parametrize("password", ["password1234", "PASSWORD1234", "Qwerty123456",
                                      " qazwsxedcrfv ", "1q2w3e4r5t6y"])
def test_common_passwords_are_refused_in_any_case(password):
    assert "common passwords" in str(password_problem(password))


def test_the_common_password_list_is_shipped_whole():
    assert len(common_passwords()) > 19_000
    assert password_problem("correct horse battery") is None


@pytest.mark.parametrize(("url", "published"), [
    ("https://zoom.example/j/123?pwd=a", "https://zoom.example/j/123?pwd=a"),
    ("  HTTP://Meet.example/x  ", "HTTP://Meet.example/x"),
    ("https://", None),                         # no host
    ("ftp://files.example/x", None),
    ("javascript:alert(1)", None),
    ("https://meet.example/a b", None),         # a space
    ("https://meet.example/\u2028x", None),     # a line separator
    ("https://meet.example/\u200bx", None),     # an invisible character
    ("https://[::1", None),                     # not a URL at all
    ("", None),
])
def test_one_rule_says_which_links_are_published(url, published):
    """The meeting form, the directory, the iCalendar feed and the Meeting Guide JSON
    all ask links.web_link."""
    assert web_link(url) == published


def test_a_stored_message_reads_in_spanish_later_and_plain_text_as_it_was():
    said = Message(N_("Skipped %(meeting)s: %(reason)s"), {
        "meeting": Message(N_("item %(index)s"), {"index": 9}),
        "reason": Message(N_("Its %(what)s is %(kind)s, not a time like “19:30”."),
                          {"what": Label(N_("start time")), "kind": Label(N_("a number"))}),
        "day": date(2026, 12, 8)})
    stored = json.loads(json.dumps(said.stored()))  # as a JSON column gives it back
    back = Message.from_stored(stored)
    assert back == said  # a date among its values too
    assert message_words(back, "es") == ("Se omitió el elemento 9: Su hora de inicio es un "
                                          "número, no una hora como “19:30”.")
    assert message_words(back, "en") == ("Skipped item 9: Its start time is a number, not a "
                                          "time like “19:30”.")
    assert Message.from_stored("Groups: 8 created, 0 unchanged.") == (
        "Groups: 8 created, 0 unchanged.")
