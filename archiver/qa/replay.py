"""One archived page loaded in headless Chromium from the archive alone.

Every request the page makes is answered by Playwright's routing from the archive's
records (``index.ArchiveIndex``): the page's own capture for the page, the capture
nearest in time for everything else, as replay tools choose. A request the archive
cannot answer fails and is listed. Nothing reaches the network: Chromium resolves no
host name and its proxy is a closed port, so even what routing does not see
(WebSockets, prefetches) goes nowhere. The page is then waited for, scrolled and
snapshotted as the crawl's browser mode does (``archiver.browser.render``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from archiver.browser.consent import dismiss_consent
from archiver.browser.render import LAUNCH_ARGS, SCROLL_SCRIPT, VIEWPORT, Network, RenderSettings
from archiver.qa.index import ArchiveIndex, Page, url_key
from archiver.scope.rules import RequisiteScope

logger = logging.getLogger(__name__)

# No way out: no name resolves, and the proxy (for loopback too) is a port nothing listens on.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>"]
REPLAY_LAUNCH_ARGS = [*LAUNCH_ARGS, *OFFLINE_ARGS]
# Requests a browser makes of its own accord, not the page's: not counted missing.
BROWSER_OWN = ("/favicon.ico",)
MAX_MISSING_LISTED = 50
# The box of every image that failed to load (CSS pixels): a missing lead photo costs more than an avatar.
BROKEN_IMAGES_SCRIPT = """() => [...document.images].filter(i => i.complete && !i.naturalWidth && (i.currentSrc || i.src))
  .map(i => { const r = i.getBoundingClientRect(); return [i.currentSrc || i.src, Math.round(r.width * r.height)]; })"""


@dataclass(frozen=True)
class ReplaySettings:
    render: RenderSettings = RenderSettings(page_timeout=30.0, screenshot=True)
    consent: bool = True  # dismiss consent banners, as the capture did (BROWSER_CONSENT_DISMISS)
    ignore_hosts: tuple[str, ...] = ()  # REQUISITES_IGNORE_HOSTS: trackers the crawl leaves out on purpose


@dataclass
class Observation:
    """What the replayed page showed and asked for."""

    dom: str = ""
    screenshot: bytes | None = None
    missing: list[dict[str, Any]] = field(default_factory=list)
    missing_count: int = 0
    served: int = 0  # requests answered from the archive
    error: str | None = None  # the page itself could not be replayed
    seconds: float = 0.0


class ArchiveRouter:
    """Answers a page's requests from the archive; notes what it cannot answer."""

    def __init__(self, index: ArchiveIndex, page: Page, settings: ReplaySettings, seen: Observation) -> None:
        self.index = index
        self.page = page
        self.seen = seen
        self.ignored = RequisiteScope(ignore_hosts=settings.ignore_hosts)
        self.key = url_key(page.url)
        self.missed: set[str] = set()

    async def __call__(self, route: Any) -> None:
        request = route.request
        url = request.url
        try:
            served = self._lookup(url, _is_main_navigation(request))
        except Exception as error:  # noqa: BLE001 - a damaged record: the request fails, the replay goes on
            logger.debug("Could not serve %s from the archive: %s", url, error)
            served = None
        if served is None:
            self._missing(url, request.resource_type)
            await route.abort("internetdisconnected")
            return
        self.seen.served += 1
        await route.fulfill(status=served.status, headers=_header_dict(served.headers), body=served.body)

    def _lookup(self, url: str, main_frame: bool):
        if not url.startswith(("http://", "https://")):
            return None
        if main_frame and url_key(url) == self.key:  # the page itself: this capture, not the nearest one
            return self.index.serve(self.page.file, self.page.offset, self.page.record_id)
        found = self.index.closest(url, self.page.date)
        return self.index.serve(*found) if found else None

    def _missing(self, url: str, kind: str) -> None:
        if url in self.missed or any(url.split("?", 1)[0].endswith(own) for own in BROWSER_OWN):
            return
        if not url.startswith(("http://", "https://")) or self.ignored.decide(url).rule == "ignored-host":
            return
        self.missed.add(url)
        self.seen.missing_count += 1
        if len(self.seen.missing) < MAX_MISSING_LISTED:
            self.seen.missing.append({"url": url, "type": kind})


def _is_main_navigation(request: Any) -> bool:
    try:
        return bool(request.is_navigation_request() and request.frame.parent_frame is None)
    except Exception:  # noqa: BLE001 - a request of no frame (a service worker's) is no navigation
        return False


def _header_dict(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Playwright takes one value per name: repeated ones joined as HTTP allows (Set-Cookie by new lines)."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in joined:
            joined[key] += ("\n" if key == "set-cookie" else ", ") + value
        else:
            joined[key] = value
    return joined


async def replay(browser: Any, page: Page, index: ArchiveIndex, settings: ReplaySettings) -> Observation:
    """Load ``page`` from the archive in a fresh context of ``browser``; see the module docstring."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    seen = Observation()
    started = time.monotonic()
    render = settings.render
    deadline = started + render.page_timeout
    context = await browser.new_context(viewport=VIEWPORT, service_workers="block", accept_downloads=False)
    network = Network()
    try:
        await context.route("**/*", ArchiveRouter(index, page, settings, seen))
        tab = await context.new_page()
        tab.on("request", network.started)
        tab.on("requestfinished", network.ended)
        tab.on("requestfailed", network.ended)
        try:
            response = await tab.goto(page.url, wait_until="load", timeout=_ms(deadline))
        except PlaywrightTimeout:
            response = None  # cut at the page timeout: snapshotted as far as it got
        if response is None and not tab.url.startswith(("http://", "https://")):
            seen.error = "the page did not load from the archive"
            return seen
        await network.quiet(deadline, render)
        if settings.consent:
            await dismiss_consent(tab, deadline)
        await _scroll(tab, deadline, render)
        await network.quiet(deadline, render)
        await _measure_broken_images(tab, seen, render)
        seen.dom = await asyncio.wait_for(tab.content(), timeout=render.snapshot_timeout)
        if render.screenshot:
            seen.screenshot = await _screenshot(tab, render)
    except (PlaywrightError, asyncio.TimeoutError) as error:
        seen.error = f"replay failed: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
    finally:
        try:
            await asyncio.wait_for(context.close(), timeout=10)
        except Exception as error:  # noqa: BLE001 - a crashed browser: the caller restarts it
            logger.debug("Closing a replay context failed: %s", error)
        seen.seconds = time.monotonic() - started
    return seen


async def _scroll(tab: Any, deadline: float, render: RenderSettings) -> None:
    try:
        await asyncio.wait_for(tab.evaluate(SCROLL_SCRIPT, [render.scroll_steps, int(render.scroll_pause * 1000)]),
                               timeout=max(deadline - time.monotonic(), 0.1))
    except Exception as error:  # noqa: BLE001 - a page that will not scroll is snapshotted as it is
        logger.debug("Scrolling the replay stopped: %s", error)


async def _measure_broken_images(tab: Any, seen: Observation, render: RenderSettings) -> None:
    try:
        boxes = await asyncio.wait_for(tab.evaluate(BROKEN_IMAGES_SCRIPT), timeout=render.snapshot_timeout)
    except Exception as error:  # noqa: BLE001 - unmeasured images cost their flat rate
        logger.debug("Could not measure broken images: %s", error)
        return
    areas: dict[str, int] = {}
    for url, area in boxes:
        areas[url] = areas.get(url, 0) + int(area)
    for item in seen.missing:
        if item["type"] == "image" and item["url"] in areas:
            item["area"] = areas[item["url"]]


async def _screenshot(tab: Any, render: RenderSettings) -> bytes:
    height = await tab.evaluate("() => (document.scrollingElement || document.documentElement).scrollHeight")
    clip = None
    if height > render.max_screenshot_height:
        clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": render.max_screenshot_height}
    return await tab.screenshot(full_page=True, clip=clip, type="png", timeout=render.snapshot_timeout * 1000)


def _ms(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001) * 1000
