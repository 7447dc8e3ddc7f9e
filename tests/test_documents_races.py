"""Documents under real concurrency: separate connections on a database of their own
(not the per-test transaction), committing for real, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from datetime import date
from datetime import time

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from facilitator import migrate
from facilitator.db import make_engine
from facilitator.domain.choices import DocumentKind
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.models import DocumentVersion
from facilitator.models import Group
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import StatementAcknowledgement
from facilitator.services import documents
from facilitator.services import organizations
from facilitator.services.documents import StaleVersion
from facilitator.services.meetings import create_meeting

TODAY = date(2026, 3, 3)  # a Tuesday


@pytest.fixture
def sessions(fresh_database_url) -> Iterator[Callable[[], Session]]:
    """A sessionmaker on a new database holding one org, group and Tuesday meeting."""
    engine = make_engine(fresh_database_url())
    migrate.upgrade(engine)
    make_session = sessionmaker(bind=engine, expire_on_commit=False)
    with make_session() as session:
        org = Organization(slug="race", name="Race", timezone="America/Chicago")
        session.add(org)
        session.flush()
        group = organizations.create_group(
            session, None, org, slug="race-group", name="Race Group", program="aa",
            audience="everyone", languages=["en"], visibility="public")
        create_meeting(session, None, group, MeetingValues(
            title="Race", recurrence=Recurrence.weekly(1), first_date=date(2026, 1, 6),
            start_time=time(19), timezone="America/Chicago", location_name="Hall"))
        session.commit()
    yield make_session
    engine.dispose()


def test_concurrent_acknowledgements_are_all_counted(sessions):
    """Threads tap at once: the first taps race to insert the row, the rest to
    increment it. None is lost."""
    threads, taps = 6, 15
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def tap() -> None:
        try:
            with sessions() as session:
                mine = session.scalar(select(Meeting))
                mine.exceptions_by_date  # noqa: B018 (read before the race, as a page would)
                session.commit()
                barrier.wait(timeout=30)
                for _ in range(taps):
                    documents.acknowledge_statement(session, mine, TODAY, "en", today=TODAY)
                    session.commit()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    workers = [threading.Thread(target=tap) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    with sessions() as session:
        count = session.scalar(select(StatementAcknowledgement.acknowledgements))
    assert errors == []
    assert count == threads * taps


def test_a_save_that_passed_the_check_still_cannot_overwrite(sessions):
    """Leader A's page was read before leader B saved: even past the first check (A's
    session still believes version 1 is current), the compare-and-set refuses A."""
    with sessions() as first:
        org, group = first.scalar(select(Organization)), first.scalar(select(Group))
        documents.save_version(first, None, org, DocumentKind.GUIDELINES, "One", based_on=0,
                               group=group)
        first.commit()
    with sessions() as a, sessions() as b:
        org_a, group_a = a.scalar(select(Organization)), a.scalar(select(Group))
        stale = documents.find_document(a, org_a, DocumentKind.GUIDELINES, group_a)
        assert documents.current(stale).number == 1
        a.commit()  # A's objects keep what they read (expire_on_commit=False)

        org_b, group_b = b.scalar(select(Organization)), b.scalar(select(Group))
        documents.save_version(b, None, org_b, DocumentKind.GUIDELINES, "Two by B",
                               based_on=1, group=group_b)
        b.commit()

        with pytest.raises(StaleVersion) as raised:
            documents.save_version(a, None, org_a, DocumentKind.GUIDELINES, "Two by A",
                                   based_on=1, group=group_a)
        assert (raised.value.current.number, raised.value.current.body) == (2, "Two by B")
        a.rollback()
    with sessions() as session:
        bodies = session.scalars(select(DocumentVersion.body).order_by(DocumentVersion.number))
        assert list(bodies) == ["One", "Two by B"]
        assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 2
