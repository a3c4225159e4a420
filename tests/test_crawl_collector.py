"""The crawl's cycle collector: the start-up heap frozen and a larger young generation while it runs, the
interpreter's own settings back when it ends, a cycle still collected."""

from __future__ import annotations

import gc
import weakref

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from archiver import settings as defaults
from archiver.extensions.collector import CollectorTuning


def crawler_with(**settings):
    # Only this extension hears the engine's signals.
    return get_crawler(settings_dict={"CRAWL_GC_THRESHOLDS": defaults.CRAWL_GC_THRESHOLDS, "EXTENSIONS_BASE": {},
                                      **settings})


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_the_crawl_sets_the_collector_and_gives_it_back():
    before = gc.get_threshold()
    crawler = crawler_with()
    tuning = CollectorTuning.from_crawler(crawler)  # noqa: F841 - signals hold their receivers weakly
    crawler.signals.send_catch_log(signals.engine_started)
    try:
        assert gc.get_threshold() == tuple(defaults.CRAWL_GC_THRESHOLDS)
        assert gc.get_freeze_count() > 0
        # A cycle made during the crawl is still found, at the latest by the next full collection.
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
    finally:
        crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("value", ["", []])
def test_empty_thresholds_leave_the_interpreter_alone(value):
    with pytest.raises(NotConfigured):
        CollectorTuning.from_crawler(crawler_with(CRAWL_GC_THRESHOLDS=value))


def test_thresholds_that_are_not_three_positive_numbers_are_refused():
    with pytest.raises(NotConfigured, match="three positive numbers"):
        CollectorTuning.from_crawler(crawler_with(CRAWL_GC_THRESHOLDS="1000,0,10"))
