"""A realistic demo organization, for trying the app and for browser tests."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator import clock
from facilitator.domain import starting_texts
from facilitator.domain.choices import DocumentKind
from facilitator.domain.choices import Role
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.slugs import free_slug
from facilitator.models import Group
from facilitator.models import Headcount
from facilitator.models import Meeting
from facilitator.models import Organization
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import documents
from facilitator.services import meetings
from facilitator.services import organizations
from facilitator.services import training

SLUG = "demo"
PASSWORD = "recovery-demo"  # noqa: S105 (printed on purpose: it is the demo's)


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    roles: tuple[Role, ...]


PEOPLE = (
    DemoPerson("admin@demo.example", "Dana R.", (Role.ADMIN,)),
    DemoPerson("facilitator@demo.example", "Sam T.", (Role.FACILITATOR,)),
    DemoPerson("auditor@demo.example", "Avery K.", (Role.AUDITOR,)),
    DemoPerson("maria@demo.example", "María L.", (Role.FACILITATOR,)),
    DemoPerson("jordan@demo.example", "Jordan P.", (Role.FACILITATOR, Role.ADMIN)),
)

#: slug, name, program, audience, languages, visibility, facilitator emails, description
GROUPS = (
    ("tuesday-night-womens-aa", "Tuesday Night Women's AA", "aa", "women", ["en"], "public",
     ["facilitator@demo.example"],
     "A closed discussion meeting for women. Newcomers are always welcome."),
    ("clean-and-serene-na", "Clean and Serene NA", "na", "everyone", ["en", "es"], "public",
     ["facilitator@demo.example", "jordan@demo.example"],
     "Open NA meeting with a literature study on the first week of the month."),
    ("smart-saturday-morning", "SMART Recovery Saturday Morning", "smart", "everyone", ["en"],
     "public", ["maria@demo.example"],
     "Science-based, self-empowering mutual help. Bring a coffee and a plan for the week."),
    ("celebrate-recovery-thursday", "Celebrate Recovery Thursday", "celebrate", "everyone",
     ["en"], "public", ["jordan@demo.example"],
     "Large group worship and lesson, then open share small groups for men and women."),
    ("rainbow-dharma", "Rainbow Dharma", "dharma", "lgbtq", ["en"], "public",
     ["maria@demo.example"],
     "A Recovery Dharma meeting centred on LGBTQ+ people: meditation, reading, sharing."),
    ("young-people-online", "Young People in Recovery (online)", "aa", "young-people",
     ["en"], "public", ["facilitator@demo.example"],
     "An online AA meeting for people in their teens, twenties and thirties."),
    ("grupo-esperanza", "Grupo Esperanza", "na", "everyone", ["es"], "public",
     ["maria@demo.example"],
     "Reunión de Narcóticos Anónimos en español. Todos son bienvenidos."),
    ("healthcare-professionals-circle", "Healthcare Professionals Recovery Circle", "other",
     "everyone", ["en"], "private", ["facilitator@demo.example"],
     "A confidential peer group for nurses, doctors and pharmacists in recovery."),
)


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
TZ = "America/Chicago"
FIRST = date(2026, 1, 5)
CHURCH = {"location_name": "St. Mark's Church Hall", "address": "412 River Road, Riverside, IL",
          "region": "River Road",
          "location_notes": "Side door by the parking lot; basement, room 3.",
          "wheelchair_accessible": True, "latitude": 41.8350, "longitude": -87.8229}
CENTRE = {"location_name": "Riverside Community Centre", "address": "90 Main Street, "
          "Riverside, IL", "region": "Downtown", "wheelchair_accessible": True}
#: As Zoom gives them: the link with its passcode (pwd=), the dial string with it after
#: the meeting ID. Only the join page shows them whole, and only around each meeting.
ZOOM = {"online_url": "https://zoom.example/j/85550100123?pwd=dGlkZXdhdGVyMjAyNg",
        "online_phone": "+15555550111,,85550100123#,,,,727272#",
        "online_notes": "Passcode: tidewater"}

MeetingRow = tuple[str, Recurrence, time, int, Attendance, dict[str, Any], list[str]]

#: group slug -> its meetings: title, recurrence, start, minutes, attendance, place, types
MEETINGS: dict[str, list[MeetingRow]] = {
    "tuesday-night-womens-aa": [
        ("Women's Step Study", Recurrence.weekly(TUE), time(19), 90, Attendance.IN_PERSON,
         CHURCH, ["C", "W", "ST", "X"]),
    ],
    "clean-and-serene-na": [
        ("Noon Clean and Serene", Recurrence.weekly(MON, WED, FRI), time(12), 60,
         Attendance.HYBRID, CENTRE | ZOOM, ["O", "D"]),
        ("Basic Text Study", Recurrence.monthly(SAT, 1), time(10), 90, Attendance.IN_PERSON,
         CENTRE, ["O", "LIT"]),
    ],
    "smart-saturday-morning": [
        ("SMART Saturday", Recurrence.weekly(SAT), time(9, 30), 90, Attendance.IN_PERSON,
         CENTRE, ["O", "D"]),
    ],
    "celebrate-recovery-thursday": [
        ("Large Group and Open Share", Recurrence.weekly(THU), time(18, 30), 120,
         Attendance.IN_PERSON, CHURCH, ["O", "SP", "CF"]),
    ],
    "rainbow-dharma": [
        ("Rainbow Dharma Sunday Sit", Recurrence.monthly(SUN, 1, 3), time(17), 75,
         Attendance.HYBRID, CENTRE | ZOOM, ["O", "MED", "LGBTQ"]),
    ],
    "young-people-online": [
        ("Young People Online", Recurrence.weekly(WED), time(20), 60, Attendance.ONLINE,
         ZOOM | {"region": "Online"}, ["O", "Y", "D"]),
    ],
    "grupo-esperanza": [
        ("Grupo Esperanza", Recurrence.weekly(TUE, THU), time(19, 30), 90,
         Attendance.IN_PERSON, CHURCH, ["C", "S"]),
    ],
    "healthcare-professionals-circle": [
        ("Professionals Circle", Recurrence.weekly(MON, interval=2), time(18), 90,
         Attendance.IN_PERSON,
         {"location_name": "Private room, ask the facilitator", "address": "Riverside, IL"},
         ["C", "P"]),
    ],
}


def _demo_meetings(session: Session, groups: dict[str, Group], today: date) -> None:
    """The demo's meetings, with a cancelled and a changed date coming up soon."""
    by_slug = {}
    for slug, rows in MEETINGS.items():
        for title, recurrence, start, minutes, attendance, place, types in rows:
            by_slug[title] = meetings.create_meeting(session, None, groups[slug], MeetingValues(
                title=title, recurrence=recurrence, first_date=FIRST, start_time=start,
                duration_minutes=minutes, timezone=TZ, attendance=attendance, types=tuple(types),
                **place,
            ))
    soon = today + timedelta(days=7)
    thursday = by_slug["Large Group and Open Share"]
    meetings.cancel_date(session, None, thursday, thursday.schedule.next_dates(soon, 1)[0],
                         CancelReason.HOLIDAY, "Closed for the holiday; see you next week.")
    noon = by_slug["Noon Clean and Serene"]
    meetings.change_date(session, None, noon, noon.schedule.next_dates(soon, 1)[0], DateChange(
        start_time=time(10), note="Early start this week: the hall is booked at noon."))
    _demo_headcounts(session, by_slug.values(), today)


def _demo_headcounts(session: Session, series: Iterable[Meeting], today: date) -> None:
    """Counts for the past months, the same on every load, so reports have a story: a
    few small meetings among bigger ones, and some newcomers most weeks."""
    for meeting in series:
        chance = random.Random(meeting.title)  # noqa: S311 (demo numbers, not secrets)
        usual = chance.randint(3, 16)
        for day in meeting.schedule.dates(max(FIRST, today - timedelta(days=300)),
                                          today - timedelta(days=1)):
            people = max(0, usual + chance.randint(-3, 4))
            newcomers = min(people, chance.choice((0, 0, 1, 1, 2, 3)))
            online = chance.randint(0, people) if meeting.attendance is Attendance.HYBRID else 0
            in_person = people - online if meeting.attendance is Attendance.HYBRID else 0
            session.add(Headcount(meeting_id=meeting.id, occurrence_date=day, people=people,
                                  newcomers=newcomers, in_person=in_person, online=online,
                                  counted_by_facilitator=True, checkins=0))
    session.flush()


#: Grupo Esperanza's statement, in Spanish: the group meets in Spanish.
ESPERANZA_STATEMENT = """\
**Anonimato.** Esta es una reunión anónima. A quién ve aquí y lo que escucha aquí se
queda aquí cuando usted se va.

Le pedimos que no nombre, fotografíe, grabe ni publique nada sobre nadie de esta
reunión, y que no repita fuera de ella lo que aquí se comparte.
"""


def _demo_documents(session: Session, org: Organization, groups: dict[str, Group],
                    people: dict[str, User]) -> None:
    """Guidelines and a statement for some groups (Grupo Esperanza's in Spanish, then in
    English), and a leader agreement in its second version: María signed both, Jordan
    only the first, Sam neither."""
    smart, na = groups["smart-saturday-morning"], groups["clean-and-serene-na"]
    esperanza = groups["grupo-esperanza"]
    maria, jordan = people["maria@demo.example"], people["jordan@demo.example"]
    documents.save_version(session, maria, org, DocumentKind.GUIDELINES,
                           starting_texts.SMART_GUIDELINES, based_on=0, group=smart,
                           note="Started from the SMART Recovery text")
    documents.save_version(session, jordan, org, DocumentKind.STATEMENT,
                           starting_texts.TWELVE_STEP_STATEMENT, based_on=0, group=na)
    documents.save_version(session, jordan, org, DocumentKind.GUIDELINES,
                           starting_texts.TWELVE_STEP_GUIDELINES, based_on=0, group=na)
    documents.save_version(session, maria, org, DocumentKind.STATEMENT, ESPERANZA_STATEMENT,
                           based_on=0, group=esperanza, language="es")
    documents.save_version(session, maria, org, DocumentKind.STATEMENT,
                           starting_texts.TWELVE_STEP_STATEMENT, based_on=0, group=esperanza,
                           language="en", note="For visitors who read English")
    first = starting_texts.LEADER_AGREEMENT
    documents.save_version(session, jordan, org, DocumentKind.AGREEMENT, first, based_on=0)
    for leader in (maria, jordan):
        documents.sign_agreement(session, leader, org, 1, leader.display_name, confirmed=True)
    documents.save_version(
        session, jordan, org, DocumentKind.AGREEMENT,
        first + "6. I will return or destroy any notes about members when I stop leading.\n",
        based_on=1, note="Added point 6: notes when a leader steps down")
    documents.sign_agreement(session, maria, org, 2, maria.display_name, confirmed=True)


def load_demo(session: Session, today: date | None = None) -> Organization | None:
    """Create the demo organization; return None (changing nothing) if it exists."""
    if organizations.find_organization(session, SLUG) is not None:
        return None
    org = organizations.create_organization(
        session, None, slug=SLUG, name="Riverside Recovery Community", timezone=TZ,
        contact="Intergroup office: (555) 555-0134, help@riverside-recovery.example",
    )
    people: dict[str, User] = {}
    for person in PEOPLE:
        user = accounts.find_user(session, person.email) or accounts.create_user(
            session, None, email=person.email, display_name=person.name, password=PASSWORD
        )
        for role in person.roles:
            accounts.grant_role(session, None, user, org, role)
        people[person.email] = user
    # Group slugs are shared by every org: one imported earlier may hold a demo group's.
    taken = set(session.scalars(select(Group.slug)))
    groups: dict[str, Group] = {}
    for slug, name, program, audience, languages, visibility, leaders, description in GROUPS:
        group = organizations.create_group(
            session, None, org, slug=free_slug(slug, taken), name=name, program=program,
            audience=audience, languages=languages, visibility=visibility,
            description=description,
        )
        organizations.set_facilitators(session, None, group, [people[e] for e in leaders])
        taken.add(group.slug)
        groups[slug] = group
    # The demo's dates are relative to today where its meetings are, not on the server.
    today = today or clock.today_in(org.timezone)
    _demo_meetings(session, groups, today)
    _demo_confirmations(groups, today)
    _demo_documents(session, org, groups, people)
    _demo_training(session, org, people, today)
    return org


#: Groups whose listing was last confirmed this many days ago; the others today. One is
#: due (its leaders see a reminder, admins the list), one past the second period (its
#: public page says the details may be out of date).
CONFIRMED_DAYS_AGO = {"clean-and-serene-na": 100, "rainbow-dharma": 200}


def _demo_confirmations(groups: dict[str, Group], today: date) -> None:
    for slug, days in CONFIRMED_DAYS_AGO.items():
        day = today - timedelta(days=days)
        groups[slug].confirmed_at = datetime.combine(day, time(18), ZoneInfo(TZ))


#: name, description, validity in months (None: never expires), required of, hours
TRAINING_TYPES: tuple[tuple[str, str, int | None, list[str], int | None], ...] = (
    ("Facilitator orientation", "The host's half-day course: traditions, anonymity, "
     "safety plans, when to call for help.", None, ["facilitator", "admin"], None),
    ("CPR and first aid", "Adult CPR/AED and first aid (Red Cross or American Heart "
     "Association).", 24, ["facilitator"], None),
    ("Naloxone administration", "Recognising an opioid overdose and giving naloxone.", 24,
     ["facilitator"], None),
    ("Mental Health First Aid", "The 8-hour MHFA course.", 36, ["facilitator"], None),
    ("Background check", "Required by the host for anyone leading a group or holding keys.",
     36, ["facilitator", "admin"], None),
    ("Peer recovery continuing education", "For certified peer recovery specialists: "
     "20 hours every 2 years.", 24, [], 20),
)

#: leader email -> (training, months ago, days more ago, provider, hours). Chosen so the
#: matrix shows every status: current, expiring soon, expired and missing.
TRAINING_RECORDS: dict[str, list[tuple[str, int, int, str, int | None]]] = {
    "facilitator@demo.example": [
        ("Facilitator orientation", 30, 0, "Riverside Recovery Community", None),
        ("CPR and first aid", 8, 0, "American Red Cross", None),
        ("Naloxone administration", 24, -20, "County Health Department", None),  # expiring
        ("Mental Health First Aid", 40, 0, "National Council for Mental Wellbeing", None),
        ("Background check", 12, 0, "Sterling", None),
    ],
    "maria@demo.example": [
        ("Facilitator orientation", 18, 0, "Riverside Recovery Community", None),
        ("CPR and first aid", 25, 10, "American Heart Association", None),  # expired
        ("Naloxone administration", 3, 0, "County Health Department", None),
        ("Background check", 20, 0, "Sterling", None),
        ("Peer recovery continuing education", 6, 0, "State certification board", 12),
        ("Peer recovery continuing education", 14, 0, "State certification board", 10),
    ],
    "jordan@demo.example": [
        ("Facilitator orientation", 50, 0, "Riverside Recovery Community", None),
        ("CPR and first aid", 23, 0, "American Red Cross", None),  # expiring
        ("Mental Health First Aid", 10, 0, "National Council for Mental Wellbeing", None),
        ("Background check", 36, -45, "Sterling", None),  # expiring
    ],
    "admin@demo.example": [
        ("Facilitator orientation", 60, 0, "Riverside Recovery Community", None),
        ("Background check", 37, 0, "Sterling", None),  # expired
    ],
}


def _demo_training(session: Session, org: Organization, people: dict[str, User],
                   today: date) -> None:
    """Training types and records covering every status; the auditor has verified some."""
    kinds = {}
    for name, description, months, roles, hours in TRAINING_TYPES:
        kinds[name] = training.create_type(
            session, None, org, name=name, description=description, validity_months=months,
            required_roles=roles, required_hours=hours)
    auditor = people["auditor@demo.example"]
    for email, rows in TRAINING_RECORDS.items():
        for number, (name, months, days, provider, hours) in enumerate(rows):
            completed = today - relativedelta(months=months) - timedelta(days=days)
            record = training.add_record(session, people[email], training.RecordValues(
                kinds[name].id, min(completed, today), provider=provider, hours=hours))
            if number % 2 == 0:
                training.verify_record(session, auditor, record)
