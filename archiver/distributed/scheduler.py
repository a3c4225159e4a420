"""Scheduler for workers that share one frontier in Redis, with leased requests."""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet.task import LoopingCall

from archiver.distributed.connection import Outage, redis_from_settings, redis_reachable
from archiver.distributed.ack import LeaseTracker
from archiver.distributed.queue import LeasedQueue
from archiver.distributed.stores import state_prefix

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def default_frontier_key(spider: Spider) -> str:
    """Workers started with the same sites (or start URLs) share one frontier without being told."""
    names = sorted(getattr(site, "name", "") for site in getattr(spider, "sites", []))
    return f"archiver:frontier:{spider.name}:{'+'.join(names) or 'default'}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeasedRedisScheduler(RedisScheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler, with leases instead of pops and no deprecated calls.

    - ``next_request`` leases a request; ``ack(request)`` (called once the request's
      records are written) drops it. A lease is renewed while this worker lives.
    - The frontier is never flushed when one worker closes: others may still be at
      work. The last worker to finish a crawl (nothing ready, nothing leased) clears
      the crawl's frontier and request fingerprints so the next run starts afresh.
    """

    def __init__(self, crawler: Crawler, server, *, key: str | None, lease_seconds: float, max_attempts: int,
                 poll_interval: float = 0.25) -> None:
        super().__init__(server, persist=True, idle_before_close=0)
        self.crawler = crawler
        self.stats = crawler.stats
        self.frontier_key = key
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.worker_id = worker_name()
        self.in_flight: set[str] = set()
        self.tracker = LeaseTracker(self._ack_id)
        self.leased_urls: dict[str, str] = {}
        self._heartbeat: LoopingCall | None = None
        self._poll: LoopingCall | None = None
        self.poll_interval = poll_interval

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        redis_reachable(settings)  # fail at start, not mid-crawl, when Redis is unreachable
        server = redis_from_settings(settings)
        scheduler = cls(crawler, server, key=settings.get("REDIS_FRONTIER_KEY"), lease_seconds=settings.getfloat("REDIS_LEASE_SECONDS"),
                        max_attempts=settings.getint("REDIS_MAX_ATTEMPTS"),
                        poll_interval=settings.getfloat("REDIS_POLL_INTERVAL"))
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        if not self.frontier_key:
            self.frontier_key = default_frontier_key(spider)
        self.queue_key = f"{self.frontier_key}:requests"
        self.dupefilter_key = f"{self.frontier_key}:fingerprints"
        self.queue = LeasedQueue(self.server, spider, self.queue_key, worker_id=self.worker_id,
                                 lease_seconds=self.lease_seconds, max_attempts=self.max_attempts)
        self.df = RFPDupeFilter(self.server, key=self.dupefilter_key,
                                debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        logger.info("Distributed mode: Redis %s, frontier %s, shared state %s, worker %s",
                    self.crawler.settings.get("REDIS_URL"), self.frontier_key,
                    state_prefix(self.crawler.settings), self.worker_id)  # the log filter masks the password
        if len(self.queue) or self.queue.leased_count():
            logger.info("Joining crawl %s: %d requests ready, %d leased", self.frontier_key, len(self.queue),
                        self.queue.leased_count())
        # Back from an outage: hold on to this worker's leases before anything else.
        Outage.recovery_hooks.insert(0, self.renew_leases)
        self._heartbeat = LoopingCall(self.renew_leases)
        self._heartbeat.start(max(1.0, self.lease_seconds / 3), now=False)
        # Other workers fill the queue too, and Scrapy's engine only looks at the
        # scheduler when something happens in this process (or every 5 s): poll.
        self._poll = LoopingCall(self._wake_engine_if_ready)
        self._poll.start(self.poll_interval, now=False)

    def close(self, reason: str) -> None:
        if self.renew_leases in Outage.recovery_hooks:
            Outage.recovery_hooks.remove(self.renew_leases)
        for loop in (self._heartbeat, self._poll):
            if loop is not None and loop.running:
                loop.stop()
        if reason == "finished" and not len(self.queue) and not self.queue.leased_count():
            # Crawl complete: fingerprints belong to this run only (incrementality lives in the seen-store).
            self.df.clear()
            self.queue.clear()
            logger.info("Crawl %s complete: frontier cleared", self.frontier_key)

    # -- Scrapy scheduler interface (without the deprecated ``spider=`` stats calls)

    def enqueue_request(self, request: Request) -> bool:
        parent = request.meta.pop("lease_id", None)
        continues = parent in self.in_flight and _continues(request, self.leased_urls.get(parent))
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        queued = self.queue.push(request, self.dupefilter_key, fingerprint)
        if queued:
            self.stats.inc_value("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
        if continues:
            # A redirect or a retry carries the leased request's work on: the new
            # request is safely in Redis now, so the old lease is done.
            self.tracker.output_done(parent)
        return queued

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if self.queue.requeued:
            self.stats.inc_value("scheduler/requeued/redis", self.queue.requeued)
            self.queue.requeued = 0
        if request is None:
            return None
        self.in_flight.add(request.meta["lease_id"])
        self.leased_urls[request.meta["lease_id"]] = request.url
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        # Requests leased by other workers may still yield new ones: wait for them.
        return len(self.queue) > 0 or self.queue.leased_count() > 0

    # -- leases

    def _ack_id(self, lease_id: str) -> None:
        if lease_id in self.in_flight:
            self.queue.ack(lease_id)
            self.in_flight.discard(lease_id)
            self.leased_urls.pop(lease_id, None)
            self.stats.inc_value("scheduler/acked/redis")

    def _wake_engine_if_ready(self) -> None:
        try:
            # Work to take, or the crawl is over (nothing ready, nothing leased): either way
            # the engine should look now rather than at its next 5-second heartbeat.
            wake = len(self.queue) > 0 or self.queue.leased_count() == 0
        except Exception:
            logger.warning("Could not poll the shared frontier", exc_info=True)
            return
        slot = getattr(self.crawler.engine, "_slot", None)  # Scrapy has no public "look again" call
        if wake and slot is not None:
            slot.nextcall.schedule()

    def renew_leases(self) -> None:
        try:
            self.queue.renew(sorted(self.in_flight))
        except Exception:  # a Redis hiccup must not stop the heartbeat loop
            logger.warning("Could not renew leases", exc_info=True)


def _continues(request: Request, leased_url: str | None) -> bool:
    """Is ``request`` a redirect or a retry of the leased request (not a link found on it)?"""
    if leased_url is None:
        return False
    redirect_urls = request.meta.get("redirect_urls") or []
    if redirect_urls and redirect_urls[-1] == leased_url:
        return True
    return bool(request.meta.get("retry_times")) and request.url == leased_url
