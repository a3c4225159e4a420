"""Scrapy add-ons of the project (the ``ADDONS`` setting)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from archiver import __version__

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

PROJECT_URL = "https://github.com/archiver-news/archiver"
DEFAULT_USER_AGENT = f"archiver/{__version__} (+{PROJECT_URL})"


def user_agent(contact: str = "") -> str:
    """The User-Agent: the software, where to read about it, and who to write to about this crawl."""
    contact = re.sub(r"[\x00-\x1f\x7f();]+", " ", contact).strip()
    return f"archiver/{__version__} (+{PROJECT_URL}; {contact})" if contact else DEFAULT_USER_AGENT


class ContactAddon:
    """Puts ``ARCHIVER_CONTACT`` into the User-Agent unless ``USER_AGENT`` was set to something else.

    An add-on, so it applies wherever the settings come from (``archiver crawl --contact``,
    ``scrapy crawl -s ARCHIVER_CONTACT=...``, a Scrapyd job's ``setting=``) before any
    component (User-Agent, robots.txt matching, the warcinfo record) reads ``USER_AGENT``.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("ARCHIVER_CONTACT")
        if contact and settings.get("USER_AGENT") == DEFAULT_USER_AGENT:
            settings.set("USER_AGENT", user_agent(contact), priority=settings.getpriority("USER_AGENT") or "addon")
