"""Distributed crawling on scrapy-redis: a shared frontier whose requests are leased, not popped."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class DistributedAddon:
    """Scrapy add-on: when ``REDIS_URL`` is set, share the frontier through Redis.

    One switch for users (``--redis URL`` or the ``REDIS_URL`` setting); this turns it
    into the scheduler and the components that ack leased requests.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        settings.set("SCHEDULER", "archiver.distributed.scheduler.LeasedRedisScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        # Requests live in Redis; a JOBDIR's disk queues would hold a second, stale frontier,
        # and leases already give a killed worker's requests back (no local resume needed).
        settings.set("JOBDIR", None, priority="addon")
        settings.set("RESUME_ENABLED", False, priority="addon")
        # What the archive already holds, and where each payload is, for every worker.
        settings.set("SEEN_STORE", "archiver.distributed.stores.RedisSeenStore", priority="addon")
        settings.set("WARC_DEDUP_INDEX", "archiver.distributed.stores.RedisDigestIndex", priority="addon")
        settings["SPIDER_MIDDLEWARES"]["archiver.distributed.ack.LeaseAckMiddleware"] = 10
        settings["DOWNLOADER_MIDDLEWARES"]["archiver.distributed.ack.LeaseAckDownloaderMiddleware"] = 10
        # Between the seen-store (500) and the JSON Lines writer (800): exactly-once records.
        settings["ITEM_PIPELINES"]["archiver.distributed.records.RecordCommitPipeline"] = 700
