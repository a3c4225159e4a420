"""Acknowledge a leased request only once everything it led to is written or queued."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from itemadapter import is_item
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

PARENT_KEY = "lease_parent"


class _Outstanding:
    __slots__ = ("items", "requests", "output_done")

    def __init__(self) -> None:
        self.items = 0  # yielded, not yet out of the item pipelines
        self.requests = 0  # yielded, not yet in the shared frontier (or filtered)
        self.output_done = False


class LeaseTracker:
    """Counts what each leased request still has in flight; acks it when nothing is left.

    "Nothing left" means: the callback's output is exhausted, every item it yielded has
    left the item pipelines (written or dropped), and every request it yielded is in
    Redis (or was filtered as a duplicate). A worker killed before that leaves the lease
    to expire, and the request is fetched again by another worker.
    """

    def __init__(self, ack: Callable[[str], None]) -> None:
        self._ack = ack
        self._outstanding: dict[str, _Outstanding] = {}

    def _get(self, lease_id: str) -> _Outstanding:
        return self._outstanding.setdefault(lease_id, _Outstanding())

    def item_yielded(self, lease_id: str) -> None:
        self._get(lease_id).items += 1

    def request_yielded(self, lease_id: str, request: Request) -> None:
        self._get(lease_id).requests += 1
        request.meta[PARENT_KEY] = lease_id

    def output_done(self, lease_id: str) -> None:
        self._get(lease_id).output_done = True
        self._settle(lease_id)

    def item_done(self, lease_id: str) -> None:
        if lease_id in self._outstanding:
            self._outstanding[lease_id].items -= 1
            self._settle(lease_id)

    def request_done(self, lease_id: str | None) -> None:
        """A request yielded by ``lease_id``'s response is in the frontier, or was dropped."""
        if lease_id in self._outstanding:
            self._outstanding[lease_id].requests -= 1
            self._settle(lease_id)

    def _settle(self, lease_id: str) -> None:
        state = self._outstanding.get(lease_id)
        if state is not None and state.output_done and state.items <= 0 and state.requests <= 0:
            del self._outstanding[lease_id]
            self._ack(lease_id)


def _tracker(crawler: Crawler) -> LeaseTracker | None:
    scheduler = crawler.engine.scheduler if crawler.engine is not None else None
    return getattr(scheduler, "tracker", None)


class _DistributedComponent:
    """Built only in distributed mode (``REDIS_URL`` set)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured
        return cls(crawler)


class LeaseAckMiddleware(_DistributedComponent):
    """Spider middleware: reports a leased response's output to the scheduler's LeaseTracker."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(middleware.item_done, signal=signal)
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        return middleware

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease_id = response.meta.get("lease_id")
        tracker = _tracker(self.crawler)
        if not lease_id or tracker is None:
            async for output in result:
                yield output
            return
        try:
            async for output in result:
                if isinstance(output, Request):
                    tracker.request_yielded(lease_id, output)
                elif is_item(output):
                    tracker.item_yielded(lease_id)
                yield output
        finally:
            tracker.output_done(lease_id)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        # The callback failed, or the response was filtered (HttpError on a 404): nothing more comes.
        lease_id = response.meta.get("lease_id")
        tracker = _tracker(self.crawler)
        if lease_id and tracker is not None:
            tracker.output_done(lease_id)

    def item_done(self, item: Any, response: Response | None = None, **kwargs: Any) -> None:
        from twisted.internet import reactor

        lease_id = getattr(response, "meta", {}).get("lease_id") if response is not None else None
        tracker = _tracker(self.crawler)
        if lease_id and tracker is not None:
            # After the other item_scraped handlers: the seen-store marks the article first.
            reactor.callLater(0, tracker.item_done, lease_id)

    def request_scheduled(self, request: Request, **kwargs: Any) -> None:
        # The engine enqueues right after this signal, synchronously, or drops the request
        # (offsite, duplicate) without always saying so. One reactor turn later it is in
        # Redis or gone for good either way: only then does it stop holding its parent.
        from twisted.internet import reactor  # the installed one; importing it early would install the default

        tracker = _tracker(self.crawler)
        parent = request.meta.pop(PARENT_KEY, None)
        if tracker is not None and parent is not None:
            reactor.callLater(0, tracker.request_done, parent)


class LeaseAckDownloaderMiddleware(_DistributedComponent):
    """Downloader middleware (outermost): a request that failed for good has nothing to write."""

    def process_exception(self, request: Request, exception: Exception) -> None:
        # With an errback the failure still yields output, which the spider middleware reports.
        lease_id = request.meta.get("lease_id")
        tracker = _tracker(self.crawler)
        if lease_id and request.errback is None and tracker is not None:
            tracker.output_done(lease_id)
