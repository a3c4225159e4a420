"""Render one page in headless Chromium (Playwright) and collect every exchange it makes.

Each page gets a fresh browser context: no cache, cookies or service workers carried
over, so every request the page needs is seen on the network (unchanged payloads are
deduplicated in the WARC store instead). The page is cut at ``page_timeout``: what
arrived by then is captured, the rest is marked truncated.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from archiver.browser.capture import BrowserCapture, browser_exchange
from archiver.browser.consent import dismiss_consent
from archiver.warc.records import warc_date_now

logger = logging.getLogger(__name__)

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 800}
# Scroll one screen at a time until the page stops growing (or the step limit): lazy content loads.
SCROLL_SCRIPT = """async ([steps, pause]) => {
  const root = document.scrollingElement || document.documentElement;
  let done = 0;
  if (root.scrollHeight <= window.innerHeight) return 0;  // one screen: nothing below to reveal
  for (; done < steps; done++) {
    const height = root.scrollHeight;
    window.scrollBy(0, window.innerHeight);
    await new Promise(r => setTimeout(r, pause));
    if (window.scrollY + window.innerHeight >= root.scrollHeight && root.scrollHeight === height) { done++; break; }
  }
  window.scrollTo(0, 0);
  return done;
}"""


@dataclass(frozen=True)
class RenderSettings:
    page_timeout: float = 30.0  # seconds for the whole page: load, scroll, settle
    snapshot_timeout: float = 10.0  # extra seconds for the DOM and the screenshot, also after a cut
    scroll_steps: int = 20
    scroll_pause: float = 0.15  # seconds after each screen, for scroll handlers and observers to fire
    idle_timeout: float = 3.0  # waiting at most this long for the network to go quiet after load and scrolling
    quiet: float = 0.2  # the network is quiet once no request was in flight for this long
    screenshot: bool = True
    max_screenshot_height: int = 20_000  # CSS pixels: an endless page is shot down to here
    store_credentials: bool = False
    user_agent: str | None = None
    max_body: int = 0  # WARC_MAX_PAYLOAD_SIZE: a longer body is archived cut, WARC-Truncated: length
    consent: bool = True  # dismiss consent banners before the snapshot (BROWSER_CONSENT_DISMISS)
    storage_state: str | None = None  # a browser profile (BROWSER_PROFILE): cookies and local storage, JSON


class Network:
    """Requests in flight, to tell when the page has stopped fetching (sooner than Playwright's 500 ms networkidle)."""

    def __init__(self) -> None:
        self.inflight: set[Any] = set()
        self.changed = time.monotonic()

    def started(self, request: Any) -> None:
        self.inflight.add(request)
        self.changed = time.monotonic()

    def ended(self, request: Any) -> None:
        self.inflight.discard(request)
        self.changed = time.monotonic()

    async def quiet(self, deadline: float, settings: RenderSettings) -> None:
        """Return once nothing was in flight for ``settings.quiet`` s, or after ``idle_timeout`` (a page that
        polls forever is never quiet; it is not cut for that), or at the page's deadline."""
        give_up = min(deadline, time.monotonic() + settings.idle_timeout)
        while time.monotonic() < give_up:
            if not self.inflight and time.monotonic() - self.changed >= settings.quiet:
                return
            await asyncio.sleep(0.05)


class PendingExchange:
    """A response the browser received, waiting for its body."""

    def __init__(self, response: Any) -> None:
        self.response = response
        self.request = response.request
        self.headers: list[tuple[str, str]] | None = None
        self.request_headers: list[tuple[str, str]] | None = None
        self.ip: str | None = None
        self.body: bytes | None = None
        self.finished = False
        self.failed = False
        self.task: asyncio.Task[None] | None = None
        self.date = warc_date_now()  # when its headers arrived: the WARC-Date of its records


async def _fill(pending: PendingExchange) -> None:
    response, request = pending.response, pending.request
    try:
        pending.headers = [(h["name"], h["value"]) for h in await response.headers_array()]
        pending.request_headers = [(h["name"], h["value"]) for h in await request.headers_array()]
        address = await response.server_addr()
        pending.ip = address["ipAddress"] if address else None
    except Exception as error:  # the page or context went away
        logger.debug("No headers for %s: %s", response.url, error)


async def _fetch_body(pending: PendingExchange) -> None:
    if pending.task is not None:
        await pending.task
    if 300 <= pending.response.status < 400:
        pending.body = b""  # Chromium keeps no body for a redirect
        return
    try:
        pending.body = await pending.response.body()
    except Exception as error:
        logger.debug("No body for %s: %s", pending.response.url, error)


async def render(browser: Any, url: str, settings: RenderSettings) -> BrowserCapture:
    """Open ``url`` in a new context of ``browser``; return what it fetched, its DOM and a screenshot."""
    capture = BrowserCapture(url=url, profile=bool(settings.storage_state))
    deadline = time.monotonic() + settings.page_timeout
    context = await browser.new_context(viewport=VIEWPORT, service_workers="block", user_agent=settings.user_agent,
                                        accept_downloads=False, storage_state=settings.storage_state)
    pending: list[PendingExchange] = []
    protocols: dict[str, str] = {}
    by_request: dict[Any, PendingExchange] = {}
    body_tasks: list[asyncio.Task[None]] = []
    main_frame = None
    network = Network()
    try:
        page = await context.new_page()
        main_frame = page.main_frame
        page.on("crash", lambda _page: setattr(capture, "crashed", True))
        await _watch_protocols(context, page, protocols)

        def on_response(response: Any) -> None:
            if not response.url.startswith(("http://", "https://")):
                return
            item = PendingExchange(response)
            item.task = asyncio.ensure_future(_fill(item))
            pending.append(item)
            by_request[response.request] = item

        def on_finished(request: Any) -> None:
            network.ended(request)
            item = by_request.get(request)
            if item is not None:
                item.finished = True
                body_tasks.append(asyncio.ensure_future(_fetch_body(item)))

        def on_failed(request: Any) -> None:
            network.ended(request)
            item = by_request.get(request)
            if item is not None:
                item.failed = True  # a response came, its body was cut
            elif request.url.startswith(("http://", "https://")):
                capture.failed.append({"url": request.url, "error": request.failure or "failed"})

        page.on("request", network.started)
        page.on("response", on_response)
        page.on("requestfinished", on_finished)
        page.on("requestfailed", on_failed)
        capture.timed_out = not await _load(page, url, deadline)
        if not capture.timed_out:
            await network.quiet(deadline, settings)  # scripts' fetches after load
            if settings.consent:
                capture.consent = await dismiss_consent(page, deadline)
                if capture.consent:
                    await network.quiet(deadline, settings)  # the banner closing, what rejecting loads
            capture.scrolls = await _scroll(page, deadline, settings)
            await network.quiet(deadline, settings)  # what scrolling revealed
        await _snapshot(page, capture, settings)
        capture.timed_out = capture.timed_out or time.monotonic() > deadline
        if body_tasks:
            await asyncio.wait(body_tasks, timeout=max(deadline - time.monotonic(), settings.snapshot_timeout))
    finally:
        await _close(context)
    _collect(capture, pending, main_frame, settings, protocols)
    return capture


async def _watch_protocols(context: Any, page: Any, protocols: dict[str, str]) -> None:
    """Note the HTTP version of every response (Chromium's DevTools protocol has it; Playwright does not)."""
    def note(response: Any) -> None:
        if isinstance(response, dict) and response.get("protocol") and response.get("url"):
            protocols[response["url"]] = response["protocol"]

    try:
        session = await context.new_cdp_session(page)
        session.on("Network.responseReceived", lambda event: note(event.get("response")))
        session.on("Network.requestWillBeSent", lambda event: note(event.get("redirectResponse")))
        await session.send("Network.enable")
    except Exception as error:  # noqa: BLE001 - without it, records say HTTP/1.1 as before
        logger.debug("No HTTP versions for this page: %s", error)


async def _load(page: Any, url: str, deadline: float) -> bool:
    """Navigate and wait for the load event; False when the page was cut at the deadline."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.goto(url, wait_until="load", timeout=_ms(deadline))
    except PlaywrightTimeout:
        return False
    except PlaywrightError as error:  # a download (PDF), a refused connection: no page to render
        logger.debug("Browser could not open %s: %s", url, error)
        return True
    return time.monotonic() < deadline


async def _scroll(page: Any, deadline: float, settings: RenderSettings) -> int:
    try:
        return int(await asyncio.wait_for(page.evaluate(SCROLL_SCRIPT, [settings.scroll_steps,
                                                                         int(settings.scroll_pause * 1000)]),
                                          timeout=max(deadline - time.monotonic(), 0.1)))
    except (asyncio.TimeoutError, Exception) as error:
        logger.debug("Scrolling %s stopped: %s", page.url, error)
        return 0


async def _snapshot(page: Any, capture: BrowserCapture, settings: RenderSettings) -> None:
    """The DOM after scripts ran, and a full-page screenshot; bounded even when the page is stuck."""
    capture.snapshot_date = warc_date_now()
    try:
        html = await asyncio.wait_for(page.content(), timeout=settings.snapshot_timeout)
        capture.dom = html.encode("utf-8")
    except Exception as error:  # a script that never yields blocks the renderer
        logger.warning("No DOM for %s: %s", capture.url, error)
    if not settings.screenshot:
        return
    try:
        height = await asyncio.wait_for(page.evaluate(
            "() => (document.scrollingElement || document.documentElement).scrollHeight"),
            timeout=settings.snapshot_timeout)
        clip = None
        if height > settings.max_screenshot_height:
            clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": settings.max_screenshot_height}
        capture.screenshot = await page.screenshot(full_page=True, clip=clip, type="png",
                                                   timeout=settings.snapshot_timeout * 1000)
    except Exception as error:
        logger.warning("No screenshot of %s: %s", capture.url, error)


async def _close(context: Any) -> None:
    try:
        await asyncio.wait_for(context.close(), timeout=10)
    except Exception as error:
        logger.debug("Closing a browser context failed: %s", error)


def _collect(capture: BrowserCapture, pending: list[PendingExchange], main_frame: Any,
             settings: RenderSettings, protocols: dict[str, str]) -> None:
    """Turn the responses into exchanges; the page's own response is the last navigation of its main frame."""
    for item in pending:
        request, response = item.request, item.response
        if item.headers is None:
            continue  # the page was closed before even its headers could be read
        truncated = None
        if item.body is None:
            truncated = "time" if capture.timed_out or not item.finished else "unspecified"
        elif item.failed:
            truncated = "disconnect"
        elif settings.max_body and len(item.body) > settings.max_body:
            item.body, truncated = item.body[:settings.max_body], "length"
        try:
            post = request.post_data_buffer or b""
        except Exception:
            post = b""
        exchange = browser_exchange(response.url, request.method, item.request_headers or [], post,
                                    response.status, response.status_text, item.headers, item.body or b"",
                                    ip_address=item.ip, truncated=truncated, warc_date=item.date,
                                    store_credentials=settings.store_credentials and not settings.storage_state,
                                    protocol=protocols.get(response.url))
        capture.exchanges.append(exchange)
        if main_frame is not None and request.is_navigation_request() and request.frame == main_frame:
            capture.main = len(capture.exchanges) - 1


def _ms(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001) * 1000
