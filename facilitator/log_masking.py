"""Keep capability tokens out of logs: anyone who reads a log must not get a link that
opens an invitation, a private feed or a check-in."""

from __future__ import annotations

import logging
import re

#: Paths whose last segment is a secret token.
TOKEN_PATHS = re.compile(r"(/(?:invite|feeds|c)/)[^/\s?\"'.]+")
MASK = "…"


def mask_tokens(text: str) -> str:
    return TOKEN_PATHS.sub(rf"\g<1>{MASK}", text)


class TokenMaskingFilter(logging.Filter):
    """Rewrite each record's message with its tokens masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(*logger_names: str) -> None:
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenMaskingFilter) for f in logger.filters):
            logger.addFilter(TokenMaskingFilter())
