"""Stored choices with a label for people (a program, how people attend, a role…)."""

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
