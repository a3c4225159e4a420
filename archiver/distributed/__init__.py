"""Distributed crawling on scrapy-redis: a shared frontier whose requests are leased, not popped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.settings import SETTINGS_PRIORITIES

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# What distributed mode puts in place of archiver/settings.py's local defaults.
DISTRIBUTED_SETTINGS = {
    "SCHEDULER": "archiver.distributed.scheduler.LeasedRedisScheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    # Requests live in Redis; a JOBDIR's disk queues would hold a second, stale frontier,
    # and leases already give a killed worker's requests back (no local resume needed).
    "JOBDIR": None,
    "RESUME_ENABLED": False,
    # What the archive already holds, and where each payload is, for every worker: workers
    # on other machines write into other folders, so local SQLite stores would not be shared.
    "SEEN_STORE": "archiver.distributed.stores.RedisSeenStore",
    "WARC_DEDUP_INDEX": "archiver.distributed.stores.RedisDigestIndex",
}


class DistributedAddon:
    """Scrapy add-on: when ``REDIS_URL`` is set, share the frontier through Redis.

    One switch for users (``--redis URL`` or the ``REDIS_URL`` setting); this turns it
    into the scheduler, the shared stores and the components that ack leased requests.

    This is the one place that decides those settings in distributed mode. archiver/settings.py
    sets their local defaults at "project" priority, above the "addon" priority Scrapy gives
    add-ons, so each replaces a default at the default's own priority (as ``ContactAddon``
    does for ``USER_AGENT``); a value the user set explicitly (``-s``, a spider's
    ``custom_settings``) has a higher priority and is kept.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        project = SETTINGS_PRIORITIES["project"]
        for name, value in DISTRIBUTED_SETTINGS.items():
            priority = settings.getpriority(name) or 0
            if priority <= project:  # archiver/settings.py's or Scrapy's default, not the user's choice
                settings.set(name, value, priority=max(priority, SETTINGS_PRIORITIES["addon"]))
        settings["SPIDER_MIDDLEWARES"]["archiver.distributed.ack.LeaseAckMiddleware"] = 10
        settings["DOWNLOADER_MIDDLEWARES"]["archiver.distributed.ack.LeaseAckDownloaderMiddleware"] = 10
        # Between the seen-store (500) and the JSON Lines writer (800): exactly-once records.
        settings["ITEM_PIPELINES"]["archiver.distributed.records.RecordCommitPipeline"] = 700
