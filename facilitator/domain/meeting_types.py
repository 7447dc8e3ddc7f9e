"""Meeting Guide type codes (code4recovery's list) and their names."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

#: The names of the types in other languages, as the Meeting Guide specification
#: publishes them (code4recovery/spec, data/types.json, MIT licence): code -> language ->
#: name. Kept as data, never retyped: a new language of the spec is a new key in it.
TRANSLATIONS_FILE = Path(__file__).resolve().parent / "data" / "meeting-types.json"

#: Every code the Meeting Guide schema allows, with the name people read.
TYPES: dict[str, str] = {
    "O": "Open",
    "C": "Closed",
    "D": "Discussion",
    "SP": "Speaker",
    "B": "Big Book",
    "ST": "Step Study",
    "TR": "Tradition Study",
    "12x12": "12 Steps & 12 Traditions",
    "11": "11th Step Meditation",
    "MED": "Meditation",
    "LIT": "Literature",
    "ABSI": "As Bill Sees It",
    "DR": "Daily Reflections",
    "GR": "Grapevine",
    "LS": "Living Sober",
    "BE": "Newcomer",
    "H": "Birthday",
    "A": "Secular",
    "W": "Women",
    "M": "Men",
    "LGBTQ": "LGBTQ",
    "G": "Gay",
    "L": "Lesbian",
    "BI": "Bisexual",
    "T": "Transgender",
    "NB": "Non-Binary",
    "Y": "Young People",
    "SEN": "Seniors",
    "POC": "People of Color",
    "N": "Native American",
    "NDG": "Indigenous",
    "P": "Professionals",
    "DD": "Dual Diagnosis",
    "X": "Wheelchair Access",
    "XB": "Wheelchair-Accessible Bathroom",
    "ASL": "American Sign Language",
    "FF": "Fragrance Free",
    "BA": "Babysitting Available",
    "CF": "Child-Friendly",
    "AL": "Concurrent with Alateen",
    "AL-AN": "Concurrent with Al-Anon",
    "BRK": "Breakfast",
    "CAN": "Candlelight",
    "OUT": "Outdoor Meeting",
    "SM": "Smoking Permitted",
    "XT": "Cross Talk Permitted",
    "DB": "Digital Basket",
    "POA": "Proof of Attendance",
    "TC": "Location Temporarily Closed",
    "EN": "English",
    "S": "Spanish",
    "FR": "French",
    "DE": "German",
    "ITA": "Italian",
    "POR": "Portuguese",
    "POL": "Polish",
    "RUS": "Russian",
    "UK": "Ukrainian",
    "HE": "Hebrew",
    "AM": "Amharic",
    "DA": "Danish",
    "EL": "Greek",
    "FA": "Persian",
    "HI": "Hindi",
    "HR": "Croatian",
    "HU": "Hungarian",
    "JA": "Japanese",
    "KOR": "Korean",
    "LT": "Lithuanian",
    "ML": "Malayalam",
    "NO": "Norwegian",
    "PUN": "Punjabi",
    "SK": "Slovak",
    "SV": "Swedish",
    "TH": "Thai",
    "TL": "Tagalog",
    "TUR": "Turkish",
}

#: Codes some sites send that are not in the schema: online and hybrid are told by the
#: attendance option instead.
ATTENDANCE_CODES = {"ONL", "HYB"}


def type_names(codes: Iterable[str]) -> list[str]:
    return [TYPES.get(code, code) for code in codes]


@cache
def _translations() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = json.loads(TRANSLATIONS_FILE.read_text("utf-8"))
    return loaded


def type_name(code: str, lang: str = "en") -> str:
    """A type's name in the language `lang`: the spec's translation where it has one,
    else the English name (the spec does not translate every code), else the code."""
    english = TYPES.get(code, code)
    if lang == "en":
        return english
    return _translations().get(code, {}).get(lang, english)


def split_known(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """Separate schema codes from the rest, keeping order and dropping duplicates."""
    known: list[str] = []
    unknown: list[str] = []
    for code in dict.fromkeys(codes):
        (known if code in TYPES else unknown).append(code)
    return known, unknown


#: The types most meetings of any program are described by, offered first.
COMMON_TYPES = ("O", "C", "D", "SP", "BE", "ST", "LIT", "MED", "W", "M", "LGBTQ", "Y", "X",
                "EN", "S")

#: What each program's meetings add to those, by `choices.Program` value.
PROGRAM_TYPES: dict[str, tuple[str, ...]] = {
    "aa": ("B", "12x12", "DR", "ABSI", "LS", "GR", "11", "TR"),
    "na": ("TR", "H"),
    "ca": ("B", "TR"),
    "al-anon": ("AL-AN", "AL", "TR"),
    "smart": ("A",),
    "sos": ("A",),
    "refuge": ("A",),
    "dharma": ("A",),
}


def types_offered_first(program: str, chosen: Iterable[str] = ()) -> list[str]:
    """The type codes a meeting form shows before the rest: the program's own, the
    common ones, and any already chosen, so a ticked box is never out of sight."""
    codes = (*PROGRAM_TYPES.get(program, ()), *COMMON_TYPES, *chosen)
    return [code for code in dict.fromkeys(codes) if code in TYPES]
