"""Which links may be published, the one rule for meetings' online links, feeds' URLs
and the Meeting Guide JSON; what of an online meeting's link and dial string may be
public (never its passcode: `public_link`, `public_dial_string`); and the links a page
makes of a place, a phone number or an email address, so a member taps instead of
copying."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit


def web_link(url: str) -> str | None:
    """The link, without surrounding spaces, if it is an http(s) URL with a host and
    nothing a URI cannot hold (spaces, control or other unprintable characters); else
    None."""
    url = url.strip()
    if not url or not url.isprintable() or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


#: A map search that opens on every phone: Google's documented cross-platform Maps URL
#: opens the Google Maps app on Android, and on an iPhone the app when installed, else
#: maps in Safari. Needs no key, and finds a hall's name and street as people write them.
MAP_SEARCH = "https://www.google.com/maps/search/?api=1&query="


def map_search(place: str) -> str:
    """A link that opens a map searching for the place ("St. Mark's Hall, 12 Main St").
    Only for a place the page may publish: a private group's place stays off public pages,
    and a search would hand it to the map's owner."""
    return MAP_SEARCH + quote(" ".join(place.split()), safe="")


#: How people write phone numbers for reading ("+1 (555) 555-0111"); no dialer needs it.
_PHONE_FORMATTING = re.compile(r"[\s().\-]")
#: A number a phone dials in one tap: up to 15 digits, a "+" first if any, then digits,
#: pauses (",") and key presses ("#", "*") as the dialer needs them, however many in a
#: row: "+13017158592,,85779615129#,,,,005088#" is how Zoom writes a meeting ID and
#: passcode. It takes every example of the Meeting Guide spec ("+441234567890",
#: "1234567890*567", "+1234567890,1234#"); the spec's JSON schema, which wants digits
#: after each separator, would refuse what real feeds and dialers use.
DIAL_STRING = re.compile(r"\+?[0-9]{1,15}(?:[,*#][0-9,*#]*)?", re.ASCII)


def dial_string(phone: str) -> str | None:
    """The phone as a dialer takes it, pauses and key presses kept where they are, with
    only the spaces, dashes, dots and brackets people read by taken out; None when it is
    not a number to dial (letters, "ext", two numbers)."""
    compact = _PHONE_FORMATTING.sub("", phone)
    return compact if DIAL_STRING.fullmatch(compact) else None


#: The number and the meeting's own code: the digits after the first pauses, up to and
#: with the "#" that ends them ("+13017158592,,85779615129#"). What a dialer is given
#: after that is a passcode (Zoom: ",,,,005088#"; Webex and Teams alike).
_MEETING_ID_PART = re.compile(r"\+?[0-9]{1,15}(?:[,*]*[0-9]*#*)?", re.ASCII)


def public_dial_string(phone: str) -> str | None:
    """The part of a dial string that may be public: the number and the meeting ID, the
    passcode after them left out ("+13017158592,,85779615129#,,,,005088#" gives
    "+13017158592,,85779615129#"). None when the phone is not a number a dialer takes:
    free text may hold anything, a passcode too, so it is shown only on the join page."""
    dialed = dial_string(phone)
    if dialed is None:
        return None
    match = _MEETING_ID_PART.match(dialed)
    assert match is not None  # DIAL_STRING starts with what it matches
    return match.group()


#: Query parameters that carry a meeting's passcode (or a key standing for it) in a join
#: link, compared without case: Zoom's `pwd`, Teams' `p` (teams.microsoft.com/meet/…?p=),
#: Zoom's registrant `tk`, and the names other services and hand-made links use.
PASSCODE_PARAMETERS = frozenset({
    "pwd", "p", "pw", "pass", "passcode", "password", "passwd", "tk", "token", "key",
    "secret", "code", "pin", "meetingpassword", "meeting_password",
})


def public_link(url: str) -> str | None:
    """The online link as public outputs may give it: without the passcode. Query
    parameters that carry one (PASSCODE_PARAMETERS), a user name and password before
    the host, and the fragment (Element Call and others keep a password there) are left
    out; the rest (the service, its meeting ID) stays, so an app still knows the meeting.
    None when the link may not be published at all (web_link)."""
    link = web_link(url)
    if link is None:
        return None
    try:
        parts = urlsplit(link)
        host = parts.netloc.rpartition("@")[2]
        query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
                 if name.strip().casefold() not in PASSCODE_PARAMETERS]
    except ValueError:
        return None
    kept = urlencode(query, safe=":/@!$'()*+,;") if query != parse_qsl(
        parts.query, keep_blank_values=True) else parts.query
    return urlunsplit((parts.scheme, host, parts.path, kept, ""))


def phone_href(phone: str) -> str:
    """A tel: link for a phone number; "," pauses and "#" ends a code, so "#" is encoded."""
    number = dial_string(phone) or "".join(phone.split())
    return "tel:" + quote(number, safe="+,;*")


_EMAIL = re.compile(r"[^@\s<>()\"',;:]+@[^@\s<>()\"',;:]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?:\+|\()?\d[\d ().-]{5,}\d")


def contact_parts(text: str) -> list[tuple[str, str]]:
    """Free contact text cut into (text, link) pieces: an email address links to mailto:,
    a phone number to tel:, everything else has no link (""). "Call 555 0101 or
    info@example.org" gives a tel: piece and a mailto: piece."""
    parts: list[tuple[str, str]] = []
    rest = 0
    found = sorted([*((m, "mailto:") for m in _EMAIL.finditer(text)),
                    *((m, "tel:") for m in _PHONE.finditer(text))],
                   key=lambda pair: pair[0].start())
    for match, scheme in found:
        if match.start() < rest:
            continue  # digits inside an email address
        parts.append((text[rest:match.start()], ""))
        value = match.group()
        href = "mailto:" + value if scheme == "mailto:" else phone_href(
            re.sub(r"[().-]", "", value))
        parts.append((value, href))
        rest = match.end()
    parts.append((text[rest:], ""))
    return [p for p in parts if p[0]]
