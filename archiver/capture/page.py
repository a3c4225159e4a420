"""One page's requisites: fetched as they are found (stylesheets and frames add theirs), within a bounded wait.

``PageCapture`` starts every requisite of a page at once, and the children of each stylesheet
or frame as soon as it arrives; what is already known (fetched for an earlier page, or on a host
known to be down) is settled without waiting. ``result(wait)`` gives the record's ``capture``
field at once when nothing is pending, else a Deferred firing when everything is settled or at
``wait`` seconds, whichever comes first: what is still pending then is counted as not fetched
(reason ``pending``), and its download goes on for the archive's sake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import defer

from archiver.capture.fetch import RequisiteFetcher
from archiver.capture.outcome import ERROR, LIMIT, PENDING, Outcome
from archiver.capture.requisites import Requisite

# Missing requisites listed in one record; the count says how many there were.
MAX_LISTED_MISSING = 100


class PageCapture:
    def __init__(self, fetcher: RequisiteFetcher, referer: str, in_scope: Callable[[str], bool]) -> None:
        self.fetcher = fetcher
        self.referer = referer
        self.in_scope = in_scope
        self.max_per_page = fetcher.config.max_per_page
        self.seen: set[str] = set()
        self.outcomes: list[Outcome] = []
        self.pending: set[str] = set()
        self.found = self.excluded = 0
        self.not_fetched: Counter[str] = Counter()
        self._waiter: defer.Deferred[dict[str, Any]] | None = None
        self._timer: Any = None

    def add(self, requisites: Iterable[Requisite]) -> None:
        for requisite in requisites:
            url = requisite.url
            if url in self.seen:
                continue
            self.seen.add(url)
            if not self.in_scope(url):
                self.excluded += 1
                continue
            self.found += 1
            if len(self.outcomes) + len(self.pending) >= self.max_per_page or self.fetcher.over_limit(url):
                self.not_fetched[LIMIT] += 1
                continue
            known = self.fetcher.settled(url)
            if known is not None:
                self._settle(known)
                continue
            self.pending.add(url)
            fetch = deferred_from_coro(self.fetcher.outcome(requisite, self.referer))
            fetch.addErrback(lambda failure, url=url: Outcome(url, reason=ERROR))  # outcome() never raises
            fetch.addCallback(self._arrived)

    def result(self, wait: float) -> dict[str, Any] | defer.Deferred[dict[str, Any]]:
        """The capture summary now, or a Deferred of it at the latest in ``wait`` seconds."""
        if not self.pending:
            return self.summary()
        self._waiter = defer.Deferred()
        self._timer = call_later(wait, self._give_up)
        return self._waiter

    def summary(self) -> dict[str, Any]:
        """The record's ``capture`` field (schema 1.4): how complete the page's capture is."""
        missing = [o.missing_entry() for o in self.outcomes if not o.archived]
        not_fetched = {LIMIT: self.not_fetched[LIMIT], PENDING: self.not_fetched[PENDING]}
        return {
            "requisites": self.found,
            "archived": sum(o.archived for o in self.outcomes),
            "missing_count": len(missing),
            "missing": missing[:MAX_LISTED_MISSING],
            "not_fetched": sum(not_fetched.values()),
            "not_fetched_reasons": not_fetched,
            "excluded": self.excluded,
            "complete": not missing and not any(not_fetched.values()),
        }

    def _arrived(self, outcome: Outcome) -> None:
        if outcome.url not in self.pending:
            return  # the page was recorded without it (its wait ended)
        self.pending.discard(outcome.url)
        self._settle(outcome)
        if not self.pending and self._waiter is not None:
            self._fire()

    def _settle(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.children:
            self.add(outcome.children)

    def _give_up(self) -> None:
        self._timer = None
        self.not_fetched[PENDING] += len(self.pending)
        self.fetcher.crawler.stats.inc_value("requisites/pages_recorded_pending")  # type: ignore[union-attr]
        self.pending.clear()
        self._fire()

    def _fire(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.callback(self.summary())
