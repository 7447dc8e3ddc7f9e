"""Operations on data: take a session and the acting user, flush, never commit."""

from __future__ import annotations

from facilitator.domain.languages import Message
from facilitator.formatting import message_words
from facilitator.formatting import worded


class ServiceError(Exception):
    """A change the rules refuse; the message is written for the person who asked.

    The message is English marked with N_ (or a domain `Message`), its named placeholders
    filled from `values` (`ServiceError(N_("At most %(most)d."), field="hours", most=24)`):
    a page shows it in its reader's language with `words()`; `message` and `str(error)`
    are the English, for the command line, logs and what is stored."""

    def __init__(self, message: str | Message, field: str | None = None,
                 **values: object) -> None:
        self.said = message if isinstance(message, Message) else Message(message, values)
        self.message = message_words(self.said, "en")
        super().__init__(self.message)
        self.field = field

    def words(self, lang: str | None = None) -> str:
        """The message in `lang`, by default the page's."""
        return worded(self.said.text, self.said.values, lang)
