"""Keep passwords in URLs (``redis://:password@host``) out of logs, summaries and command lines."""

from __future__ import annotations

import logging
import re

# scheme://[user][:password]@ — the password is whatever lies between the colon and the @.
_CREDENTIALS = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/@:'\"]*:)[^\s/@'\"]+@")

# The environment variable that carries the Redis URL to `archiver crawl` (from `archiver schedule`,
# systemd or a shell), so the password never sits on a command line that `ps` shows every user.
REDIS_URL_ENV = "ARCHIVER_REDIS_URL"


def mask_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _CREDENTIALS.sub(r"\g<head>***@", text)


class MaskPasswords(logging.Filter):
    """A logging filter that masks URL passwords in the formatted message (Scrapy's "Overridden settings", errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if mask_url(text) != text:  # a traceback quoting the URL: hand the handler the masked text
                record.exc_text, record.exc_info = mask_url(text), None
        return True


def mask_logs() -> None:
    """Mask URL passwords in every log record this process makes, whichever handler writes it.

    At record creation rather than on a handler: Scrapy replaces its root handler when a crawl starts.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_passwords", False):
        return
    masking = MaskPasswords()

    def make_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        masking.filter(record)
        return record

    make_record.masks_passwords = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
