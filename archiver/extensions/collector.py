"""Extension that sets Python's cycle collector for a crawl's heap: what exists at start is frozen, the
young generation is larger (``CRAWL_GC_THRESHOLDS``).

A crawl makes short-lived objects by the million (requests, responses, Deferreds, futures, headers) and
holds a large heap that lives as long as the crawl (modules, settings, the extraction weights, the seen
set). With CPython's default thresholds (700, 10, 10) a collection starts every 700 allocations, and
each full one walks the whole heap: in a crawl of the l3s pages with their requisites, 0.59 of the
crawl process's 5.1 CPU seconds went to the collector (0.11 s with 20,000). Reference counting frees
almost everything anyway; the collector only finds cycles (a Failure's traceback, a Deferred chain),
which are still collected, in larger batches: the garbage waiting in them is the memory this costs
(about 8 MiB at 20,000, 47 MiB at 50,000, in `bench/crawl.py`). The settings before the crawl come
back when it ends.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class CollectorTuning:
    def __init__(self, thresholds: tuple[int, ...]) -> None:
        self.thresholds = thresholds
        self.before: tuple[int, ...] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        values = [value for value in crawler.settings.getlist("CRAWL_GC_THRESHOLDS") if str(value).strip()]
        if not values:
            raise NotConfigured
        thresholds = tuple(int(value) for value in values)
        if len(thresholds) != 3 or min(thresholds) < 1:
            raise NotConfigured(f"CRAWL_GC_THRESHOLDS takes three positive numbers, not {values!r}")
        tuning = cls(thresholds)
        crawler.signals.connect(tuning.engine_started, signal=signals.engine_started)
        crawler.signals.connect(tuning.engine_stopped, signal=signals.engine_stopped)
        return tuning

    def engine_started(self) -> None:
        # Everything made while starting (modules, spider, components) lives as long as the crawl.
        gc.collect()
        gc.freeze()
        self.before = gc.get_threshold()
        gc.set_threshold(*self.thresholds)

    def engine_stopped(self) -> None:
        if self.before is not None:
            gc.set_threshold(*self.before)
            gc.unfreeze()
            self.before = None
