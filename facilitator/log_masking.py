"""Keep capability tokens and members' addresses out of logs.

Anyone who reads a log must not get a link that opens an invitation, a private feed
or a check-in, nor learn which address fetched a group's page or checked in.
"""

from __future__ import annotations

import logging
import re

#: Paths whose last segment is a secret token.
TOKEN_PATHS = re.compile(r"(/(?:invite|feeds|c)/)[^/\s?\"'.]+")
MASK = "…"
#: The client address that starts Werkzeug's request lines ("127.0.0.1 - - [date] ...").
CLIENT_ADDRESS = re.compile(r"^\S+(?= - - \[)")


def mask_tokens(text: str) -> str:
    return TOKEN_PATHS.sub(rf"\g<1>{MASK}", text)


def mask(text: str) -> str:
    """The line as it may be logged: no tokens, no client address."""
    return CLIENT_ADDRESS.sub("-", mask_tokens(text))


class TokenMaskingFilter(logging.Filter):
    """Rewrite each record's message with tokens and client addresses masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(*logger_names: str) -> None:
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenMaskingFilter) for f in logger.filters):
            logger.addFilter(TokenMaskingFilter())
