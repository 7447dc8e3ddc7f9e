"""Which language a page is in, and the gettext catalogs it reads (Flask-Babel).

The order: the language a visitor chose with the switcher (a cookie that holds nothing
but its code), else a signed-in person's account language, else the browser's
Accept-Language, else the default language of the organization whose page it is (a view
names it with `use_org_language`), else English. A page that differs by language says so
in Vary (`Accept-Language`, `Cookie`), so a shared cache keeps one copy per language.

Catalogs live in facilitator/translations/<code>/LC_MESSAGES/messages.po; `make
translations` extracts the marked strings, updates the catalogs and compiles them.
docs/architecture.md ("Languages") says how to mark a string and add its translation.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import request
from flask_babel import Babel
from flask_babel import get_locale
from flask_babel import gettext
from flask_babel import refresh
from werkzeug import Response

from facilitator import formatting
from facilitator.domain.languages import DEFAULT
from facilitator.domain.languages import N_
from facilitator.domain.languages import PAGE_LANGUAGES as LANGUAGES
from facilitator.domain.languages import Message
from facilitator.domain.languages import known
from facilitator.urls import absolute_url

#: The switcher's cookie: a language code and nothing else.
COOKIE = "lang"

#: A year: the choice outlives a browser session, as a member expects.
COOKIE_MAX_AGE = 365 * 24 * 3600

TRANSLATIONS = formatting.TRANSLATIONS

babel = Babel()


def install(app: Flask) -> None:
    """Turn on Flask-Babel with the language order above, and say what pages vary by."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_language)
    app.context_processor(lambda: {"page_language": page_language, "LANGUAGES": LANGUAGES,
                                   "switch_language_next": _here,
                                   "script_words": script_words})
    app.add_template_filter(label)
    app.add_template_filter(translated)
    app.add_template_filter(said)
    app.add_template_filter(with_language)
    app.add_template_global(feed_url)
    app.after_request(_vary)


#: What the app's scripts (facilitator/static/*.js) write, in English as they write it:
#: a page in another language gives them these in its language (base.html's
#: #page-words, read by static/words.js). tests/test_translations.py checks each
#: `pageWords("…")` of the scripts is listed.
SCRIPT_WORDS = (
    N_("Copied."),
    N_("Copy %(what)s"),
    N_("The %(what)s is selected: copy it with your device's Copy."),
    N_("This browser cannot tell where it is, so the list stays in order of time."),
    N_("under 0.1 miles"),
    N_("under 100 m"),
    N_("%(distance)s mile"),
    N_("%(distance)s miles"),
    N_("Nearest first, from where your device says you are."),
    N_("Sort again from where I am now"),
    N_("Your browser did not share your position, so the list stays in order of time. To "
       "sort it, allow this site to know your location in the browser's settings, then try "
       "again."),
    N_("Your device could not tell where it is just now; the list stays in order of time. "
       "Try again in a moment."),
    N_("Finding your position took too long; the list stays in order of time. Try again."),
    N_("Finding where you are…"),
    N_("That button did not work; reload the page and try again."),
    N_("No zone matches."),
    N_("1 zone matches: %(zone)s is chosen."),
    N_("%(count)s zones match; %(zone)s is chosen."),
    N_("(today)"),
    N_("The dates show here once the days and the first date are chosen."),
    N_("Starting %(date)s"),
    N_("Starting %(date)s, the week after"),
    N_("%(time)s your time"),
    N_("“Your time” is for your device's time zone, %(zone)s. It stays on your device."),
)


def script_words() -> dict[str, str]:
    """The scripts' English sentences and their words in the page's language."""
    return {english: str(gettext(english)) for english in SCRIPT_WORDS}


def select_language() -> str:
    """The language of this request (see the module's docstring for the order); English
    for what is made outside a request (a job's render, a command), unless it chooses
    otherwise with flask_babel.force_locale."""
    if not has_request_context():
        return DEFAULT
    chosen = known(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    user = g.get("user")
    if user is not None and known(user.language):
        return str(user.language)
    asked = request.accept_languages.best_match(LANGUAGES)
    if asked:
        return asked
    return known(g.get("org_language")) or DEFAULT


def use_org_language(code: str) -> None:
    """Name the default language of the organization whose page this is: the language of
    a visitor who chose none and whose browser asks for none the app speaks."""
    g.org_language = code
    refresh()  # a string translated earlier in the request must not fix the language


def page_language() -> str:
    """The code of the language of this request (or of a job's force_locale): "en"
    outside an app."""
    if not has_app_context():
        return DEFAULT
    locale = get_locale()
    return DEFAULT if locale is None else str(locale)


def with_language(url: str) -> str:
    """A feed's address in the page's language: `?lang=es` on a Spanish page, so the
    calendar it subscribes to names and describes its meetings in Spanish."""
    lang = page_language()
    if lang == DEFAULT:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def feed_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a feed, in the page's language (see with_language)."""
    return with_language(absolute_url(endpoint, **values))


def _here() -> str:
    """Where the switcher sends the visitor back to: this page, query string and all."""
    return request.full_path.rstrip("?")


def safe_next(target: str | None) -> str:
    """A path on this site to go back to; "/" for anything else (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _vary(response: Response) -> Response:
    """Pages are translated: a cache must keep one copy per language asked for."""
    if response.mimetype in ("text/html", "application/pdf"):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def extract_choice_labels(fileobj: Any, keywords: Any, comment_tags: Any,
                          options: Any) -> Iterator[tuple[int, None, str, list[str]]]:
    """A pybabel extractor (babel.cfg) for the labels of `Choice` enums (domain/choices.py):
    `IN_PERSON = "in_person", "In person"` gives "In person". Pages show them translated
    with the `label` filter."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef) or not any(
                isinstance(base, ast.Name) and base.id == "Choice" for base in node.bases):
            continue
        for item in node.body:
            if (isinstance(item, ast.Assign) and isinstance(item.value, ast.Tuple)
                    and len(item.value.elts) == 2
                    and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                            for e in item.value.elts)):
                label = item.value.elts[1]
                assert isinstance(label, ast.Constant)
                yield item.lineno, None, str(label.value), []


def translated(text: str | None) -> str:
    """Text made elsewhere in English (an error's description, a stored choice's label),
    in the page's language where the catalog has it. Plain text: the page escapes it."""
    return formatting.worded(text) if text else ""


def said(message: Message | object) -> str:
    """A domain Message, or one a service stored (Message.stored: an import run's lines),
    in the page's language; text stored before messages were (English) as it is."""
    found = message if isinstance(message, Message) else Message.from_stored(message)
    return formatting.message_words(found) if isinstance(found, Message) else found


def label(choice: Any) -> str:
    """A stored choice's label in the page's language (the `label` filter)."""
    return formatting.worded(choice.label) if getattr(choice, "label", "") else str(choice)
