"""Scrapy's downloader with page requisites beside the pages, not among them (``DOWNLOADER`` setting).

Requisites are downloaded with ``engine.download_async`` like any request, so every downloader
middleware sees them and the engine waits for them before it closes. Two things differ:

- they do not count against ``CONCURRENT_REQUESTS``: a page's download never waits for a free
  place behind requisites (the requisite fetcher keeps its own total,
  ``REQUISITES_CONCURRENT_REQUESTS``). Only when requisites fall far behind (more than
  ``REQUISITES_MAX_BACKLOG`` URLs waiting, a crawl short of CPU) do new pages wait for them, so
  the backlog, and the memory it holds, stay bounded;
- each host's requisites get a slot of their own (``"<host> requisites"``), without delay and
  without AutoThrottle, so the pages' slot of a host keeps its concurrency and delay. A host the
  sites file gives a ``politeness`` delay or concurrency (``DOWNLOAD_SLOTS``) keeps them for its
  requisites too.

It also keeps a slot's concurrency when there is no download delay (see ``_wait_for_download``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.httpobj import urlparse_cached

from archiver.capture.fetch import REQUISITE_META

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred


class CaptureDownloader(Downloader):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.requisites_active = 0
        self.requisite_concurrency = max(1, crawler.settings.getint("REQUISITES_CONCURRENT_REQUESTS_PER_HOST"))
        self.max_backlog = crawler.settings.getint("REQUISITES_MAX_BACKLOG")
        self.requisite_backlog: Callable[[], int] = lambda: 0  # set by the requisite fetcher

    def fetch(self, request: Request, spider: Spider | None = None) -> Deferred[Any]:
        if not request.meta.get(REQUISITE_META):
            return super().fetch(request)
        request.meta[self.DOWNLOAD_SLOT] = self._requisite_slot(request)
        self.requisites_active += 1

        def left(result: Any) -> Any:
            self.requisites_active -= 1
            return result

        return super().fetch(request).addBoth(left)

    def _wait_for_download(self, slot: Slot, request: Request, queue_dfd: Deferred[Any]) -> Coroutine[Any, Any, None]:
        # Scrapy 2.19 runs each download as an asyncio task, which adds the request to the slot's
        # `transferring` only on the loop's next turn. With no download delay, `_process_queue` would
        # meanwhile hand out the slot's whole queue: four requests at once to a site allowed one.
        # Counting the request as transferring when it is handed out keeps the limit; `_download`
        # adds it again (a set) and removes it when the response is in.
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)

    def needs_backout(self) -> bool:
        """As Scrapy's, counting only the pages' downloads; and while requisites are far behind."""
        return (0 < self.total_concurrency <= len(self.active) - self.requisites_active
                or 0 < self.max_backlog < self.requisite_backlog())

    def _requisite_slot(self, request: Request) -> str:
        host = urlparse_cached(request).hostname or ""
        key = f"{host} requisites"
        if key not in self.slots:
            polite = self.per_slot_settings.get(host, {})
            self.slots[key] = Slot(int(polite.get("concurrency", self.requisite_concurrency)),
                                   float(polite.get("delay", 0.0)), float(polite.get("jitter", 0.0)))
        return key
