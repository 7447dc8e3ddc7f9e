"""Signatures of the leader agreement: where each leader stands with it, and whether a
typed signature is the person's name. Knows neither Flask nor the database."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AgreementText:
    """The leader agreement in one language: its newest version and when it was saved."""

    language: str
    number: int
    saved_at: datetime


@dataclass(frozen=True)
class SignedVersion:
    """One signature of a leader: the version's language and number, and when."""

    language: str
    number: int
    signed_at: datetime


def in_force(texts: Iterable[AgreementText], main: str | None) -> set[str]:
    """The languages whose newest version a leader may sign, and which keeps them signed.

    The one rule for an agreement in several languages: the main text (the org's default
    language, see domain.document_languages.main_language) is always in force; a
    translation is in force while its newest version was saved no earlier than the main
    text's newest version. So a new version of the main text asks everyone to sign again,
    those who signed a translation too, until the translation is brought up to date; a
    new version of a translation asks only its own signers to sign again, and nobody
    else.
    """
    texts = list(texts)
    reference = next((t for t in texts if t.language == main), None)
    if reference is None:
        return set()
    return {t.language for t in texts if t.saved_at >= reference.saved_at}


@dataclass(frozen=True)
class SignatureStatus:
    """Where one leader stands with the org's leader agreement."""

    #: True when they signed the newest version of a text in force (`in_force`).
    signed: bool
    #: The newest version they signed (None: never signed any), its language and when.
    version: int | None = None
    signed_at: datetime | None = None
    language: str | None = None

    @property
    def state(self) -> str:
        """"signed" (a current version), "outdated" (only an older one) or "not signed"."""
        if self.signed:
            return "signed"
        return "outdated" if self.version is not None else "not signed"


def signature_status(
    leader_ids: Iterable[int],
    signed: Mapping[int, Iterable[SignedVersion]],
    texts: Iterable[AgreementText],
    main: str | None,
) -> dict[int, SignatureStatus]:
    """Each leader's status, given every version each one signed and the agreement's
    texts (none: no agreement written yet, and everyone reads as not signed).

    A leader is signed when one of their signatures is of the newest version of a text in
    force; the status names that signature, or else their newest one.
    """
    texts = list(texts)
    newest = {t.language: t.number for t in texts}
    current = {(language, newest[language]) for language in in_force(texts, main)}
    statuses = {}
    for leader_id in leader_ids:
        theirs = sorted(signed.get(leader_id, ()), key=lambda s: s.signed_at, reverse=True)
        valid = next((s for s in theirs if (s.language, s.number) in current), None)
        last = valid or (theirs[0] if theirs else None)
        statuses[leader_id] = SignatureStatus(
            signed=valid is not None,
            version=last.number if last else None,
            signed_at=last.signed_at if last else None,
            language=last.language if last else None,
        )
    return statuses


def same_name(typed: str, name: str) -> bool:
    """Whether a typed signature is the person's name, ignoring case, spaces and dots."""

    def plain(text: str) -> str:
        return "".join(c for c in text.casefold() if c.isalnum())

    return bool(plain(typed)) and plain(typed) == plain(name)
