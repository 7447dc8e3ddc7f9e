"""Keep capability tokens and members' addresses out of logs.

Anyone who reads a log must not get a link that opens an invitation, a private feed
or a check-in, nor learn which address fetched a group's page or checked in.

Which paths carry a token is read from the app's own routes, not from a list: every
rule with a <token> argument is masked, so a route added later is masked the day it
is added. (docs/deploy/nginx.conf cannot read the routes; tests/test_log_masking.py
fails when its log format misses one.)
"""

from __future__ import annotations

import logging
import re

from werkzeug.routing import Map

#: The URL argument that holds a capability token, in every route that takes one.
CAPABILITY_ARGUMENT = "token"
MASK = "…"
#: What is masked in the token's place: up to the next path separator, query or
#: extension, so "/feeds/<token>.ics" keeps its ".ics" and the log stays readable.
_MASKED_TEXT = r"[^/\s?\"'.]+"
#: A werkzeug placeholder, "<name>" or "<converter(arguments):name>".
_PLACEHOLDER = re.compile(r"<(?:[^<>]*:)?(\w+)>")
#: The client address that starts Werkzeug's request lines ("127.0.0.1 - - [date] ...").
CLIENT_ADDRESS = re.compile(r"^\S+(?= - - \[)")


def token_paths(url_map: Map) -> re.Pattern[str]:
    """A pattern that finds the token of every route of `url_map` that takes one; group
    1 is what comes before the token."""
    # Reversed, so of two prefixes where one starts the other the longer is tried first.
    prefixes = sorted({_before_token(rule.rule) for rule in url_map.iter_rules()
                       if CAPABILITY_ARGUMENT in rule.arguments}, reverse=True)
    if not prefixes:
        return re.compile(r"(?!)()")  # matches nothing: no route has a token to hide
    return re.compile(f"({'|'.join(prefixes)}){_MASKED_TEXT}")


def _before_token(rule: str) -> str:
    """A regex for a rule's text up to its <token>; other arguments match any segment."""
    parts: list[str] = []
    position = 0
    for placeholder in _PLACEHOLDER.finditer(rule):
        parts.append(re.escape(rule[position:placeholder.start()]))
        if placeholder.group(1) == CAPABILITY_ARGUMENT:
            break
        parts.append(r"[^/\s?\"']+")
        position = placeholder.end()
    return "".join(parts)


def mask_tokens(text: str, tokens: re.Pattern[str]) -> str:
    return tokens.sub(rf"\g<1>{MASK}", text)


def mask(text: str, tokens: re.Pattern[str]) -> str:
    """The line as it may be logged: no tokens, no client address."""
    return CLIENT_ADDRESS.sub("-", mask_tokens(text, tokens))


class TokenMaskingFilter(logging.Filter):
    """Rewrite each record's message with tokens and client addresses masked."""

    def __init__(self, tokens: re.Pattern[str]) -> None:
        super().__init__()
        self.tokens = tokens

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message, self.tokens)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(url_map: Map, *logger_names: str) -> None:
    """Mask the token routes of `url_map` in these loggers' records.

    Loggers outlive an app (tests make many), so an earlier app's filter is replaced,
    not kept beside this one.
    """
    tokens = token_paths(url_map)
    for name in logger_names:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, TokenMaskingFilter)]:
            logger.removeFilter(old)
        logger.addFilter(TokenMaskingFilter(tokens))
