"""Typed SQLAlchemy models: organizations, groups, accounts, roles and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Enum
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from facilitator.db import Base
from facilitator.db import utcnow


class Choice(enum.StrEnum):
    """A stored value with a label for people."""

    label: str

    def __new__(cls, value: str, label: str) -> Choice:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Program(Choice):
    AA = "aa", "Alcoholics Anonymous (AA)"
    NA = "na", "Narcotics Anonymous (NA)"
    CA = "ca", "Cocaine Anonymous (CA)"
    SMART = "smart", "SMART Recovery"
    CELEBRATE = "celebrate", "Celebrate Recovery"
    REFUGE = "refuge", "Refuge Recovery"
    DHARMA = "dharma", "Recovery Dharma"
    SOS = "sos", "Secular Organizations for Sobriety (SOS)"
    ALANON = "al-anon", "Al-Anon"
    OTHER = "other", "Other"


class Audience(Choice):
    EVERYONE = "everyone", "Everyone"
    WOMEN = "women", "Women"
    MEN = "men", "Men"
    LGBTQ = "lgbtq", "LGBTQ+"
    YOUNG_PEOPLE = "young-people", "Young people"
    SENIORS = "seniors", "Older adults"


class Visibility(Choice):
    PUBLIC = "public", "Public: listed in the directory and feeds"
    PRIVATE = "private", "Private: only through its secret link"


class Role(Choice):
    ADMIN = "admin", "Admin"
    FACILITATOR = "facilitator", "Facilitator"
    AUDITOR = "auditor", "Auditor"


#: Languages a group can meet in, by ISO 639-1 code, as Meeting Guide lists them.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "de": "German",
    "it": "Italian",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "ko": "Korean",
    "ja": "Japanese",
    "vi": "Vietnamese",
    "tl": "Tagalog",
    "ar": "Arabic",
    "fa": "Persian",
    "hi": "Hindi",
    "ase": "American Sign Language",
}


def _choice(enum_cls: type[Choice]) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        name=enum_cls.__name__.lower(),
    )


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: IANA zone; a new meeting starts in it.
    timezone: Mapped[str] = mapped_column(String(64))
    #: How members or referrers reach the org, as printed on the directory.
    contact: Mapped[str] = mapped_column(String(300), default="")
    #: Counts below this leave the group only as "<N".
    small_count_threshold: Mapped[int] = mapped_column(default=5)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    groups: Mapped[list[Group]] = relationship(
        back_populates="organization", order_by="Group.name"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")


class User(Base):
    """A leader's, admin's or auditor's account. Members never have one."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lowercased, so look-ups need no case folding.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    #: argon2id; None until an invited person sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Bumped on password change and "sign out everywhere"; sessions carrying an
    #: older number stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    #: SHA-256 of the one-time invitation token; the token itself is only in the link.
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    led_groups: Mapped[list[Group]] = relationship(
        secondary="group_facilitators", back_populates="facilitators", order_by="Group.name"
    )

    def roles_in(self, org: Organization) -> set[Role]:
        return {m.role for m in self.memberships if m.organization_id == org.id}


class Membership(Base):
    """One role a person holds in one organization."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_choice(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class GroupFacilitator(Base):
    """A facilitator assigned to lead a group."""

    __tablename__ = "group_facilitators"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: Unique across all organizations: public group URLs are /g/<slug>/.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    program: Mapped[Program] = mapped_column(_choice(Program))
    audience: Mapped[Audience] = mapped_column(_choice(Audience), default=Audience.EVERYONE)
    #: ISO 639 codes from LANGUAGES.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    visibility: Mapped[Visibility] = mapped_column(_choice(Visibility), default=Visibility.PUBLIC)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="groups")
    facilitators: Mapped[list[User]] = relationship(
        secondary="group_facilitators", back_populates="led_groups", order_by="User.display_name"
    )

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGES.get(code, code) for code in self.languages]


class AuditEntry(Base):
    """One change: who, what, when, before and after. Append-only (a trigger refuses
    UPDATE and DELETE)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_org_created", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys on purpose: entries outlive the organizations and accounts they name.
    #: None for changes outside any organization (a new account from the CLI).
    organization_id: Mapped[int | None] = mapped_column()
    #: None for changes made from the command line.
    actor_id: Mapped[int | None] = mapped_column()
    #: The actor's name at the time, so the entry reads the same after renames.
    actor_name: Mapped[str] = mapped_column(String(120))
    #: "create", "update" or "delete".
    action: Mapped[str] = mapped_column(String(16))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column()
    #: What a person reads in the log ("Group Tuesday Night Women's").
    summary: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
