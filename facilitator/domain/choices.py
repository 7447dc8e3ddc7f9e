"""Stored choices with a label for people (a program, how people attend, a role…)."""

from __future__ import annotations

import enum


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
