"""Which language's text of a document a page shows. A guideline, statement or leader
agreement may have one text per page language (domain.languages.PAGE_LANGUAGES), each
with its own versions. Knows neither Flask nor the database."""

from __future__ import annotations

from collections.abc import Sequence

from facilitator.domain.languages import N_
from facilitator.domain.languages import PAGE_LANGUAGES

#: Each language a text may be written in, named in English to be shown translated
#: (the `translated` filter): "shown in English", "Add a Spanish version".
NAMES: dict[str, str] = {"en": N_("English"), "es": N_("Spanish")}

#: "Add a Spanish version": one whole sentence per language, as translators need.
ADD_VERSION: dict[str, str] = {"en": N_("Add an English version"),
                               "es": N_("Add a Spanish version")}


#: The calm note beside a text shown in another language than the page's, by the text's
#: language: a whole sentence each, as translators need.
SHOWN_IN: dict[str, str] = {
    "en": N_("Shown in English: there is no version in this page's language yet."),
    "es": N_("Shown in Spanish: there is no version in this page's language yet."),
}


def writable(code: str | None) -> bool:
    """Whether a text may be written in this language: one the app's pages speak."""
    return code in PAGE_LANGUAGES


def main_language(written: Sequence[str], org_default: str) -> str | None:
    """The language of a document's main text: the org's default language when there is
    a text in it, else the first one written (`written` is in the order they were
    written); None with no text at all. A page falls back to it, and the leader
    agreement's translations are measured against it."""
    if org_default in written:
        return org_default
    return written[0] if written else None


def shown_language(written: Sequence[str], wanted: str, org_default: str) -> str | None:
    """The language of the text a page in `wanted` shows: that one when it is written,
    else the main text's."""
    return wanted if wanted in written else main_language(written, org_default)
