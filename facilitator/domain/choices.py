"""Stored choices with a label for people: a program, who a group is for, a role, the
languages a group meets in…

The tables store them (models.py), the forms offer them, and pages show their labels
translated (the `label` filter; `make translations` reads the labels from here, see
babel.cfg). How people attend and why a date is cancelled are the meeting's own
(domain/meeting.py: `Attendance`, `CancelReason`).
"""

from __future__ import annotations

import enum


class Choice(enum.StrEnum):
    """A stored value with a label for people."""

    label: str

    # `label` has a default only for type checkers, which take Role("admin") (a look-up
    # of a member, which never calls __new__) for a call of this constructor.
    def __new__(cls, value: str, label: str = "") -> Choice:
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


class DocumentKind(Choice):
    GUIDELINES = "guidelines", "Group guidelines"
    STATEMENT = "statement", "Confidentiality statement"
    AGREEMENT = "agreement", "Leader confidentiality agreement"

    @property
    def for_group(self) -> bool:
        """Guidelines and statement belong to a group; the agreement to the org."""
        return self is not DocumentKind.AGREEMENT


class Decision(Choice):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Applied"
    REJECTED = "rejected", "Not applied"


class ChangeKind(Choice):
    #: One field of a meeting series (`field` names it as MeetingValues does).
    FIELD = "field", "Change"
    #: One field of one date (`field` names it as DateChange does).
    DATE = "date", "Change of one date"
    #: A date cancelled; `proposed` is the note for members.
    CANCEL = "cancel", "Cancel a date"
    #: A new meeting; `proposed` holds every field as JSON text.
    ADD = "add", "New meeting"


class ImportStatus(Choice):
    """Where a web import of a Meeting Guide feed is: checked first (a dry run), then
    imported when the admin says so."""

    CHECKING = "checking", "Checking the file"
    CHECKED = "checked", "Checked: nothing saved yet"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed: nothing was saved"
    DISCARDED = "discarded", "Not imported"

    @property
    def finished(self) -> bool:
        """Whether the run is over: its feed is no longer kept."""
        return self in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.DISCARDED)
