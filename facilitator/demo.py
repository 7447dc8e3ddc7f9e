"""A realistic demo organization, for trying the app and for browser tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from facilitator.models import Organization
from facilitator.models import Role
from facilitator.models import User
from facilitator.services import accounts
from facilitator.services import organizations

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


def load_demo(session: Session) -> Organization | None:
    """Create the demo organization; return None (changing nothing) if it exists."""
    if organizations.find_organization(session, SLUG) is not None:
        return None
    org = organizations.create_organization(
        session, None, slug=SLUG, name="Riverside Recovery Community", timezone="America/Chicago",
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
    for slug, name, program, audience, languages, visibility, leaders, description in GROUPS:
        group = organizations.create_group(
            session, None, org, slug=slug, name=name, program=program, audience=audience,
            languages=languages, visibility=visibility, description=description,
        )
        organizations.set_facilitators(session, None, group, [people[e] for e in leaders])
    return org
