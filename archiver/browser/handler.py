"""Download handler for http(s): pages marked ``meta["browser"]`` are rendered in Chromium, the rest go to Scrapy's.

A download handler, so browser pages keep the crawl's politeness (download slots, delays,
concurrency per site) like any request. The response it returns is the DOM after scripts
ran, flagged ``browser``: the WARC capture middleware archives the exchanges the browser
made (``meta["browser_capture"]``) instead of this response, which never was on the wire.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler, load_object

from archiver.browser import BrowserMissing, check_browser
from archiver.browser.capture import BrowserCapture, dom_headers
from archiver.browser.process import Chromium
from archiver.browser.profile import ProfileError, profile_file, refuse_inside
from archiver.browser.render import RenderSettings, render

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

HANG_MARGIN = 20.0  # seconds past a page's own bounds (closing its context included) before Chromium is hung
PROBE_TIMEOUT = 5.0  # seconds for Chromium to open and close a context when a page was cut

def render_settings(crawler: Crawler, profile: Path | None = None) -> RenderSettings:
    settings = crawler.settings
    return RenderSettings(
        page_timeout=settings.getfloat("BROWSER_PAGE_TIMEOUT"),
        snapshot_timeout=settings.getfloat("BROWSER_SNAPSHOT_TIMEOUT"),
        scroll_steps=settings.getint("BROWSER_SCROLL_STEPS"),
        screenshot=settings.getbool("BROWSER_SCREENSHOT"),
        store_credentials=settings.getbool("WARC_STORE_CREDENTIALS"),
        max_body=settings.getint("WARC_MAX_PAYLOAD_SIZE"),
        user_agent=settings.get("BROWSER_USER_AGENT") or None,
        consent=settings.getbool("BROWSER_CONSENT_DISMISS"),
        storage_state=str(profile) if profile else None,
    )


def browser_profile(settings: Any) -> Path | None:
    """``BROWSER_PROFILE`` checked: a storage state, outside the archive folder (``ProfileError`` if not)."""
    if not settings.get("BROWSER_PROFILE"):
        return None
    profile = profile_file(settings.get("BROWSER_PROFILE"))
    refuse_inside(profile, Path(settings.get("ARCHIVE_DIR")))
    return profile


class BrowserDownloadHandler:
    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.http = build_from_crawler(load_object(crawler.settings.get("BROWSER_HTTP_HANDLER")), crawler)
        self._failed: str | None = None
        try:
            profile = browser_profile(crawler.settings)
        except ProfileError as error:  # checked by archiver crawl before; scrapy crawl and Scrapyd meet it here
            profile, self._failed = None, str(error)
        self.settings = render_settings(crawler, profile)
        self.chromium: Chromium | None = None
        self._lock = asyncio.Lock()
        self._pages = asyncio.Semaphore(max(crawler.settings.getint("BROWSER_CONCURRENCY"), 1))
        # A render that has not ended by then is a hung Chromium (render() bounds every step of its own).
        self._hang_after = self.settings.page_timeout + 2 * self.settings.snapshot_timeout + HANG_MARGIN

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserDownloadHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("browser"):
            return await self.http.download_request(request)
        capture = await self._render(request.url)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("browser/pages")
        if capture.consent:
            stats.inc_value(f"browser/consent/{capture.consent['framework']}/{capture.consent['action']}")
        if capture.timed_out:
            stats.inc_value("browser/timed_out")
            logger.warning("Browser page %s cut at %.0f s (BROWSER_PAGE_TIMEOUT): archived as far as it got",
                           request.url, self.settings.page_timeout)
        main = capture.main_exchange
        if main is None or not _is_html(main.header("Content-Type")):
            # Not a page the browser rendered (a PDF, a download, nothing at all): fetch it as usual.
            stats.inc_value("browser/not_rendered")
            return await self.http.download_request(request)
        request.meta["browser_capture"] = capture
        return _dom_response(request, capture)

    async def _render(self, url: str) -> BrowserCapture:
        """The page rendered; after a crash or a hang of Chromium (or of the page's renderer), Chromium is started
        again and the page rendered once more. Nothing of a failed attempt is archived."""
        stats = self.crawler.stats
        assert stats is not None
        reason = ""
        for attempt in range(2):
            browser = await self._ensure_browser()
            restart, hung = True, False  # Chromium itself failed (not only the page's renderer), or hangs
            async with self._pages:
                try:
                    capture = await asyncio.wait_for(render(browser, url, self.settings), timeout=self._hang_after)
                except asyncio.TimeoutError:
                    reason, hung = f"did not answer for {self._hang_after:.0f} s", True
                except Exception as error:
                    if browser.is_connected():
                        raise
                    reason = f"exited ({str(error).splitlines()[0] if str(error) else type(error).__name__})"
                else:
                    if not browser.is_connected():
                        reason = "exited while rendering the page"
                    elif capture.crashed:
                        reason, restart = "crashed rendering the page", False
                    elif (capture.timed_out or capture.main is None) and not await answers(browser):
                        reason, hung = "stopped answering", True  # a page cut or lost: the page's fault, or Chromium's?
                    else:
                        return capture
            assert self.chromium is not None
            if restart:
                await self.chromium.restart(browser, reason, hung)
            stats.set_value("browser/restarts", self.chromium.restarts)
            if attempt == 0:
                stats.inc_value("browser/retried")
                logger.warning("Chromium %s on %s: rendering it again", reason, url)
        stats.inc_value("browser/failed")
        raise IgnoreRequest(f"Chromium {reason} twice on {url}")

    async def _ensure_browser(self) -> Any:
        async with self._lock:
            try:
                if self._failed:
                    raise BrowserMissing(self._failed)
                if self.chromium is None:
                    self.chromium = Chromium(check_browser(self.crawler.settings.get("BROWSER_EXECUTABLE") or ""))
                restarts = self.chromium.restarts
                browser = await self.chromium.get()
            except Exception as error:  # BrowserMissing, or Chromium that will not start
                self._failed = str(error).splitlines()[0] if str(error) else type(error).__name__
                logger.error("Browser mode unavailable: %s", self._failed)
                engine = self.crawler.engine
                if engine is not None:  # not awaited: closing waits for the downloads in flight, this one too
                    deferred_from_coro(engine.close_spider_async(reason="browser_unavailable"))
                raise IgnoreRequest(self._failed) from None
            if self.chromium.restarts != restarts:  # it had exited between pages
                self.crawler.stats.set_value("browser/restarts", self.chromium.restarts)  # type: ignore[union-attr]
            if not self.settings.user_agent:
                self.settings = RenderSettings(**{**self.settings.__dict__,
                                                  "user_agent": await self._user_agent(browser)})
            return browser

    async def _user_agent(self, browser: Any) -> str:
        """Chromium's own User-Agent with the crawl's after it: sites see a browser, and who runs it."""
        page = await browser.new_page()
        try:
            own = await page.evaluate("navigator.userAgent")
        finally:
            await page.close()
        return f"{own} {self.crawler.settings.get('USER_AGENT')}".strip()

    async def close(self) -> None:
        await self.http.close()
        if self.chromium is not None:
            await self.chromium.close()


async def answers(browser: Any, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether Chromium still does what it is asked: open and close a browser context in time."""
    try:
        context = await asyncio.wait_for(browser.new_context(), timeout=timeout)
        await asyncio.wait_for(context.close(), timeout=timeout)
    except Exception:  # noqa: BLE001 - timed out, or the browser is gone
        return False
    return True


def _is_html(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media in ("text/html", "application/xhtml+xml")


def _dom_response(request: Request, capture: BrowserCapture) -> Response:
    main = capture.main_exchange
    assert main is not None
    headers = Headers()
    for name, value in dom_headers(main.response_headers):
        headers.appendlist(name, value)
    body = capture.dom or main.response_body
    cls = responsetypes.from_args(headers=headers, url=main.url, body=body)
    return cls(url=main.url, status=main.status, headers=headers, body=body, flags=["browser"], request=request,
               protocol=main.protocol)


__all__ = ["BrowserDownloadHandler", "BrowserMissing"]
