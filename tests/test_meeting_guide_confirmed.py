"""An imported listing keeps its source's `updated` as its last confirmation, and the
meetings a feed gives no group but one name and place become one group: a real 2017
intergroup feed (tests/data/meeting_guide/quinte_2017.json)."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from facilitator.domain import meeting_guide_read
from facilitator.domain.confirmation import State
from facilitator.domain.meeting_guide_read import parse_updated
from facilitator.models import AuditEntry
from facilitator.models import Group
from facilitator.models import Organization
from facilitator.services.meeting_import import import_feed

DATA = Path(__file__).parent / "data" / "meeting_guide"
QUINTE = json.loads((DATA / "quinte_2017.json").read_text())


@pytest.mark.parametrize(("text", "expected"), [
    ("2017-07-29 14:06:25", datetime(2017, 7, 29, 14, 6, 25, tzinfo=UTC)),
    ("2017-07-29T14:06:25Z", datetime(2017, 7, 29, 14, 6, 25, tzinfo=UTC)),
    ("8/25/2022 11:17:07 AM", datetime(2022, 8, 25, 11, 17, 7, tzinfo=UTC)),
    ("9/8/2022 1:41:27 PM", datetime(2022, 9, 8, 13, 41, 27, tzinfo=UTC)),
    ("yesterday", None), ("2017-02-30 10:00:00", None), ("1970-01-01 00:00:00", None),
])
def test_updated_is_read_as_the_spec_writes_it_and_as_sites_send_it(text, expected):
    assert parse_updated(text) == expected


def test_an_unreadable_updated_is_left_out_and_the_meeting_kept():
    item = QUINTE[0] | {"updated": 12345}
    [meeting], skips = meeting_guide_read.parse_feed([item])
    assert meeting.updated is None and skips == []


def groups_of(session, org_slug: str) -> dict[str, Group]:
    session.expire_all()
    return {g.name: g for g in session.scalars(
        select(Group).join(Group.organization).where(Organization.slug == org_slug))}


def run_import(session, items, now) -> None:
    import_feed(session, None, items, org_slug="quinte", now=now, timezone="America/Toronto")
    session.commit()


def test_a_2017_feed_keeps_its_dates_and_one_groups_meetings_stay_together(
        session, frozen_clock):
    run_import(session, QUINTE, frozen_clock)
    groups = groups_of(session, "quinte")

    # "Plug in the Jug Meeting" five times and "Trenton Group" twice, each at one place:
    # two groups, not seven. Other meetings at Christ Church have names of their own.
    jug = groups["Plug in the Jug Meeting"]
    assert len(jug.meetings) == 5 and len(groups["Trenton Group"].meetings) == 2
    assert {"Friday Afternoon Meeting", "Sunday Night Men's Meeting",
            "Awareness Group"} <= set(groups)
    assert len(groups) == 45 - 4 - 1

    # Confirmed when the feed last says so, not at the import.
    assert jug.confirmed_at == datetime(2017, 4, 30, 15, 11, 45, tzinfo=UTC)
    assert groups["Marysville 12 & 12"].confirmed_at == datetime(2017, 7, 29, 14, 6, 25,
                                                                tzinfo=UTC)
    today = frozen_clock.date()
    assert all(g.confirmation(today).state is State.OUT_OF_DATE for g in groups.values())
    assert {m.updated_at for m in jug.meetings} == {
        datetime(2017, 4, 30, 15, 10, 33, tzinfo=UTC),
        datetime(2017, 4, 30, 15, 10, 53, tzinfo=UTC),
        datetime(2017, 4, 30, 15, 11, 10, tzinfo=UTC),
        datetime(2017, 4, 30, 15, 11, 26, tzinfo=UTC),
        datetime(2017, 4, 30, 15, 11, 45, tzinfo=UTC)}


def test_the_export_of_an_imported_feed_says_when_its_source_last_updated_it(
        client, session, frozen_clock):
    run_import(session, QUINTE, frozen_clock)
    feed = json.loads(client.get("/o/quinte/meetings.json").data)
    updated = {item["slug"]: item["updated"] for item in feed}
    assert updated["41"] == "2017-07-29 14:06:25"
    # A group is confirmed as of its latest listing, and so is each of its meetings.
    assert {updated[slug] for slug in ("45", "46", "47", "48", "49")} == {
        "2017-04-30 15:11:45"}
    page = client.get("/g/plug-in-the-jug-meeting/").get_data(as_text=True)
    assert "These details may be out of date." in page


def test_a_new_updated_in_the_feed_confirms_the_group_again_and_says_so_in_the_log(
        session, frozen_clock):
    run_import(session, QUINTE, frozen_clock)
    jug = groups_of(session, "quinte")["Plug in the Jug Meeting"]
    before = session.scalars(select(AuditEntry.id)).all()

    again = [dict(item) for item in QUINTE]
    again[-2]["updated"] = "2026-01-15 09:30:00"  # the Friday meeting, nothing else
    run_import(session, again, frozen_clock)
    groups = groups_of(session, "quinte")
    assert groups["Plug in the Jug Meeting"].id == jug.id
    assert len(groups["Plug in the Jug Meeting"].meetings) == 5 and len(groups) == 40
    assert groups["Plug in the Jug Meeting"].confirmed_at == datetime(2026, 1, 15, 9, 30,
                                                                      tzinfo=UTC)
    assert groups["Trenton Group"].confirmed_at == datetime(2016, 4, 16, 0, 20, 49,
                                                            tzinfo=UTC)
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.id.not_in(before))).all()
    assert (entry.action, entry.entity_id) == ("confirm", jug.id)
    assert entry.summary == "Listing of Plug in the Jug Meeting confirmed: the feed’s “updated”"

    # The same feed a third time changes nothing at all.
    run_import(session, again, frozen_clock)
    assert len(session.scalars(select(AuditEntry.id)).all()) == len(before) + 1


def test_an_updated_from_the_future_counts_as_now_and_none_as_the_import(
        session, frozen_clock):
    items = [QUINTE[0] | {"updated": "2099-01-01 00:00:00"},
             {k: v for k, v in QUINTE[1].items() if k != "updated"}]
    run_import(session, items, frozen_clock)
    groups = groups_of(session, "quinte")
    assert groups["Tweed Group"].confirmed_at == frozen_clock
    assert groups["Consecon Discussion Group"].confirmed_at == frozen_clock
