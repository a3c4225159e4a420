"""Browser mode: pages rendered in headless Chromium, every exchange they make archived (docs/crawling/browser.md)."""

from __future__ import annotations

import os
import shutil

# Debian's package; Playwright drives it (a Playwright browser download cannot be assumed).
NAMES = ("chromium", "chromium-browser")


class BrowserMissing(Exception):
    """No usable browser; the message is one line that says how to install it."""


def find_browser(setting: str = "") -> str:
    """The Chromium executable: ``BROWSER_EXECUTABLE`` (a path or a name on PATH), else ``chromium`` on PATH."""
    if setting:
        found = shutil.which(setting) if os.sep not in setting else (
            setting if os.path.isfile(setting) and os.access(setting, os.X_OK) else None)
        if not found:
            raise BrowserMissing(f"browser mode needs Chromium, and BROWSER_EXECUTABLE={setting} is not an "
                                 "executable: install it with `apt-get install chromium` or fix the setting")
        return found
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing("browser mode needs Chromium, not found on PATH: install it with "
                         "`apt-get install chromium` (or set BROWSER_EXECUTABLE to its path)")


def check_browser(setting: str = "") -> str:
    """``find_browser`` plus the Playwright package that drives it."""
    path = find_browser(setting)
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise BrowserMissing("browser mode needs the playwright package: pip install 'archiver[browser]'") from None
    return path
