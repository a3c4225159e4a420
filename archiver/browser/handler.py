"""Download handler for http(s): pages marked ``meta["browser"]`` are rendered in Chromium, the rest go to Scrapy's.

A download handler, so browser pages keep the crawl's politeness (download slots, delays,
concurrency per site) like any request. The response it returns is the DOM after scripts
ran, flagged ``browser``: the WARC capture middleware archives the exchanges the browser
made (``meta["browser_capture"]``) instead of this response, which never was on the wire.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler, load_object

from archiver.browser import BrowserMissing, check_browser
from archiver.browser.capture import BrowserCapture, dom_headers
from archiver.browser.render import LAUNCH_ARGS, RenderSettings, render

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

def render_settings(crawler: Crawler) -> RenderSettings:
    settings = crawler.settings
    return RenderSettings(
        page_timeout=settings.getfloat("BROWSER_PAGE_TIMEOUT"),
        snapshot_timeout=settings.getfloat("BROWSER_SNAPSHOT_TIMEOUT"),
        scroll_steps=settings.getint("BROWSER_SCROLL_STEPS"),
        screenshot=settings.getbool("BROWSER_SCREENSHOT"),
        store_credentials=settings.getbool("WARC_STORE_CREDENTIALS"),
        max_body=settings.getint("WARC_MAX_PAYLOAD_SIZE"),
        user_agent=settings.get("BROWSER_USER_AGENT") or None,
    )


class BrowserDownloadHandler:
    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.http = build_from_crawler(load_object(crawler.settings.get("BROWSER_HTTP_HANDLER")), crawler)
        self.settings = render_settings(crawler)
        self._playwright: Any = None
        self._browser: Any = None
        self._failed: str | None = None
        self._lock = asyncio.Lock()
        self._pages = asyncio.Semaphore(max(crawler.settings.getint("BROWSER_CONCURRENCY"), 1))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserDownloadHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("browser"):
            return await self.http.download_request(request)
        browser = await self._ensure_browser()
        async with self._pages:
            capture = await render(browser, request.url, self.settings)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("browser/pages")
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

    async def _ensure_browser(self) -> Any:
        async with self._lock:
            if self._browser is not None:
                return self._browser
            if self._failed:
                raise IgnoreRequest(self._failed)
            try:
                executable = check_browser(self.crawler.settings.get("BROWSER_EXECUTABLE") or "")
                from playwright.async_api import async_playwright

                self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS,
                                                                       headless=True)
            except Exception as error:  # BrowserMissing, or Chromium that will not start
                self._failed = str(error).splitlines()[0] if str(error) else type(error).__name__
                logger.error("Browser mode unavailable: %s", self._failed)
                engine = self.crawler.engine
                if engine is not None:  # not awaited: closing waits for the downloads in flight, this one too
                    deferred_from_coro(engine.close_spider_async(reason="browser_unavailable"))
                raise IgnoreRequest(self._failed) from None
            if not self.settings.user_agent:
                self.settings = RenderSettings(**{**self.settings.__dict__,
                                                  "user_agent": await self._user_agent(self._browser)})
            return self._browser

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
        try:
            if self._browser is not None:
                await self._browser.close()
            if self._playwright is not None:
                await self._playwright.stop()
        except Exception as error:
            logger.debug("Closing the browser failed: %s", error)
        self._browser = self._playwright = None


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
               protocol="HTTP/1.1")


__all__ = ["BrowserDownloadHandler", "BrowserMissing"]
