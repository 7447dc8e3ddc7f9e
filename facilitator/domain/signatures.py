"""Signatures of the leader agreement: where each leader stands with it, and whether a
typed signature is the person's name. Knows neither Flask nor the database."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SignatureStatus:
    """Where one leader stands with the org's leader agreement."""

    #: True when they signed the current version.
    signed: bool
    #: The newest version they signed (None: never signed any).
    version: int | None = None
    signed_at: datetime | None = None

    @property
    def state(self) -> str:
        """"signed" (the current version), "outdated" (only an older one) or "not signed"."""
        if self.signed:
            return "signed"
        return "outdated" if self.version is not None else "not signed"


def signature_status(
    leader_ids: Iterable[int],
    signed: Mapping[int, tuple[int, datetime]],
    current_version: int | None,
) -> dict[int, SignatureStatus]:
    """Each leader's status, given the newest version each one signed (and when).

    With no agreement written yet (current_version None) nobody has anything to sign,
    and everyone reads as not signed.
    """
    statuses = {}
    for leader_id in leader_ids:
        version, when = signed.get(leader_id, (None, None))
        statuses[leader_id] = SignatureStatus(
            signed=current_version is not None and version == current_version,
            version=version, signed_at=when,
        )
    return statuses


def same_name(typed: str, name: str) -> bool:
    """Whether a typed signature is the person's name, ignoring case, spaces and dots."""

    def plain(text: str) -> str:
        return "".join(c for c in text.casefold() if c.isalnum())

    return bool(plain(typed)) and plain(typed) == plain(name)
