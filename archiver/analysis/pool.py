"""A pool of worker processes that analyse pages for the crawl, so its one thread only fetches and writes.

A Scrapy crawl runs on one thread. Page analysis (``archiver.extract.analyze_page``,
about 5 ms a page) on that thread costs the crawl a quarter of its pages per second;
here it runs in ``ANALYSIS_WORKERS`` processes instead, while the thread goes on with
other responses:

- **Bounded.** At most ``IN_FLIGHT_PER_WORKER`` pages per worker are in its pipe; the
  rest wait here. Once ``ANALYSIS_MAX_PENDING`` pages are waiting, page requests wait
  before their download (``archiver.middlewares.backpressure``) until results come back:
  the downloader fills with waiting requests and Scrapy stops taking new ones from the
  scheduler. Back-pressure, so memory stays flat however fast pages arrive.
- **In order.** Results are handed back in the order pages came in, whatever worker
  finishes first, so records are made (and written) in the order the crawl fetched
  the pages, as when the analysis ran in the crawl's thread.
- **Crash-safe.** A worker that dies (killed, out of memory, a crash in a C library)
  is replaced and the pages it held are sent again, once. A page in flight at a second
  death is recorded as not analysed (kind ``other``, one warning naming it): its
  response stays in the WARC file, for ``archiver reextract``.

Workers are fresh interpreters (``python -m archiver.analysis.work``, the crawl's import
path), started through the reactor (a crawl process has threads: forking it is not
safe); pages and results are pickled over pipes the reactor reads, so no thread of
this process waits on them. Workers ignore Ctrl-C: the crawl finishes the pages it has,
as it always did, then closes their pipes and they exit.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy import signals
from twisted.internet import protocol
from twisted.internet.defer import Deferred

from archiver.analysis.work import HEADER, RESULTS_FD, Analysed, analyse, lost

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 2  # one being analysed, one waiting in its pipe
ATTEMPTS = 2  # a page whose worker died is sent once more
MAX_RESTARTS = 20  # past this many deaths in one crawl, the processes are given up on
STOP_TIMEOUT = 10.0  # seconds a worker gets to exit at the end before it is killed


def auto_workers() -> int:
    """One process per core but the one the crawl's own thread keeps busy (at most 4: analysis is ~5 ms a
    page, a few processes keep up with any crawl); 0, analysis in the crawl's thread, on a single core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores - 1, 4) if cores > 1 else 0


@dataclass(eq=False)
class _Page:
    number: int  # in the order pages came in
    args: tuple[Any, ...]
    deferred: Deferred = field(default_factory=Deferred)
    attempts: int = 0
    result: Analysed | None = None


class _Worker(protocol.ProcessProtocol):
    """One worker process: pages written to its stdin, results read from its ``RESULTS_FD``."""

    def __init__(self, pool: AnalysisPool) -> None:
        self.pool = pool
        self.pages: dict[int, _Page] = {}
        self.buffer = bytearray()
        self.ended = False

    def send(self, page: _Page) -> None:
        payload = pickle.dumps((page.number, page.args), protocol=pickle.HIGHEST_PROTOCOL)
        self.pages[page.number] = page
        self.transport.write(len(payload).to_bytes(HEADER, "big") + payload)  # type: ignore[union-attr]

    def childDataReceived(self, childFD: int, data: bytes) -> None:  # noqa: N802 - Twisted's name
        if childFD != RESULTS_FD:
            return
        self.buffer += data
        while len(self.buffer) >= HEADER:
            size = int.from_bytes(self.buffer[:HEADER], "big")
            if len(self.buffer) < HEADER + size:
                return
            number, result = pickle.loads(self.buffer[HEADER:HEADER + size])
            del self.buffer[:HEADER + size]
            page = self.pages.pop(number, None)
            if page is not None:
                self.pool._finished(page, result)

    def processEnded(self, reason) -> None:  # noqa: N802 - Twisted's name
        self.ended = True
        self.pool._ended(self)


class AnalysisPool:
    """``archiver.analysis.work.analyse`` in worker processes; results in submission order.

    Called from the reactor thread only.
    """

    def __init__(self, workers: int, reactor: Any = None, *, max_pending: int = 16, log_level: int = logging.INFO,
                 stats: Any = None) -> None:
        if reactor is None:
            from twisted.internet import reactor
        self.reactor = reactor
        self.size = max(1, workers)
        self.max_pending = max(1, max_pending)
        self._room: deque[Deferred] = deque()  # page requests waiting for room (back-pressure)
        self.log_level = log_level
        self.stats = stats  # a Scrapy stats collector: analysis/* counts
        self.workers: list[_Worker] = []
        self._waiting: deque[_Page] = deque()  # not sent yet
        self._order: deque[_Page] = deque()  # every page not handed back yet, in the order they came
        self._count = 0
        self._restarts = 0
        self._closed = False
        self._unavailable = False  # the processes could not be started (or kept dying): analyse in this thread

    def analyse(self, body: bytes, url: str, encoding: str | None, requisites_limit: int | None,
                response_encoding: str | None = None) -> Deferred:
        """A Deferred that fires with the page's ``Analysed`` (``archiver.analysis.work.analyse``), after those
        of every page submitted before."""
        page = _Page(self._count, (body, url, encoding, requisites_limit, response_encoding))
        self._count += 1
        self._order.append(page)
        self._waiting.append(page)
        if self.stats is not None:
            self.stats.inc_value("analysis/pages")
            self.stats.max_value("analysis/max_pending", len(self._order))
        self._pump()
        return page.deferred

    @property
    def pending(self) -> int:
        """Pages submitted and not handed back yet."""
        return len(self._order)

    @property
    def full(self) -> bool:
        return self.pending >= self.max_pending

    def room(self) -> Deferred:
        """A Deferred that fires once fewer than ``max_pending`` pages are waiting (at once when they are)."""
        waiter: Deferred = Deferred()
        self._room.append(waiter)
        self._let_in()
        return waiter

    def _let_in(self) -> None:
        for _ in range(min(len(self._room), self.max_pending - self.pending)):
            self._room.popleft().callback(None)

    # -- internals

    def _count_event(self, name: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(name)

    def _pump(self) -> None:
        while self._waiting and not self._closed:
            if self._unavailable:
                page = self._waiting.popleft()
                page.result = analyse(*page.args, collect_logs=False)
                continue
            worker = self._free_worker()
            if worker is None:
                break
            page = self._waiting.popleft()
            page.attempts += 1
            worker.send(page)
        self._deliver()

    def _free_worker(self) -> _Worker | None:
        """The least busy worker with room in its pipe, starting one if the pool is not full yet."""
        live = [worker for worker in self.workers if not worker.ended]
        free = [worker for worker in live if len(worker.pages) < IN_FLIGHT_PER_WORKER]
        if free and (min(len(worker.pages) for worker in free) == 0 or len(live) >= self.size):
            return min(free, key=lambda worker: len(worker.pages))
        if len(live) < self.size:
            return self._start_worker()
        return None

    def _start_worker(self) -> _Worker | None:
        worker = _Worker(self)
        environment = dict(os.environ)
        # The crawl's own import path (a Scrapyd egg, a checkout run without installing).
        environment["PYTHONPATH"] = os.pathsep.join(path or os.getcwd() for path in sys.path)
        try:
            self.reactor.spawnProcess(worker, sys.executable,
                                      [sys.executable, "-m", "archiver.analysis.work", str(self.log_level)],
                                      env=environment, childFDs={0: "w", 1: 1, 2: 2, RESULTS_FD: "r"})
        except OSError as error:
            logger.warning("Could not start a page analysis process (%s); analysing pages in the crawl's own "
                           "thread", error)
            self._unavailable = True
            return None
        self.workers.append(worker)
        return worker

    def _finished(self, page: _Page, result: Analysed) -> None:
        page.result = result
        self._pump()

    def _ended(self, worker: _Worker) -> None:
        """A worker's process ended: at the end of the crawl, or it died and its pages are sent again."""
        self.workers.remove(worker)
        if self._closed:
            return
        self._restarts += 1
        self._count_event("analysis/workers_died")
        if self._restarts > MAX_RESTARTS:
            logger.warning("Page analysis processes died %d times; analysing pages in the crawl's own thread "
                           "from now on", self._restarts)
            self._unavailable = True
        else:
            logger.warning("A page analysis process died (killed, or out of memory?); its %d page(s) go to "
                           "another", len(worker.pages))
        again = sorted(worker.pages.values(), key=lambda page: page.number)
        worker.pages.clear()
        for page in again:
            if page.attempts >= ATTEMPTS:
                logger.warning("Page analysis of %s was lost twice to a dying process; its record is not made "
                               "(the page is in the WARC file: archiver reextract can try again)", page.args[1])
                self._count_event("analysis/pages_lost")
                page.result = lost(page.args[1])
        self._waiting.extendleft(reversed([page for page in again if page.result is None]))
        self._pump()

    def _deliver(self) -> None:
        while self._order and self._order[0].result is not None:
            page = self._order.popleft()
            page.deferred.callback(page.result)
        self._let_in()

    def close(self) -> None:
        """Let the workers go (at the end of the crawl, every page has been handed back): their pipes are
        closed and they exit; one that does not within ``STOP_TIMEOUT`` seconds is killed."""
        self._closed = True
        while self._room:
            self._room.popleft().callback(None)
        for worker in list(self.workers):
            worker.transport.closeStdin()  # type: ignore[union-attr]
            self.reactor.callLater(STOP_TIMEOUT, _kill, worker)


def _kill(worker: _Worker) -> None:
    if not worker.ended:
        try:
            worker.transport.signalProcess("KILL")  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - it ended meanwhile
            pass


_POOLS: weakref.WeakKeyDictionary[Crawler, AnalysisPool | None] = weakref.WeakKeyDictionary()


def analysis_pool(crawler: Crawler) -> AnalysisPool | None:
    """The crawl's pool (``ANALYSIS_WORKERS``), made at the first page and let go with the engine;
    None when pages are analysed in the crawl's own thread."""
    if crawler in _POOLS:
        return _POOLS[crawler]
    workers = pool_workers(crawler.settings)
    pool = None
    if workers > 0:
        pool = AnalysisPool(workers, max_pending=crawler.settings.getint("ANALYSIS_MAX_PENDING"),
                            log_level=_level(crawler.settings.get("LOG_LEVEL")), stats=crawler.stats)
        if crawler.stats is not None:
            crawler.stats.set_value("analysis/workers", workers)
        crawler.signals.connect(pool.close, signal=signals.engine_stopped, weak=False)
    _POOLS[crawler] = pool
    return pool


def pool_workers(settings: Any) -> int:
    """Processes ``ANALYSIS_WORKERS`` asks for (-1: ``auto_workers()``); 0 when the spider analyses no page."""
    if not settings.getbool("SPIDER_PAGE_ANALYSIS"):
        return 0
    workers = settings.getint("ANALYSIS_WORKERS")
    return auto_workers() if workers < 0 else workers


def _level(name: Any) -> int:
    if isinstance(name, int):
        return name
    level = logging.getLevelName(str(name or "DEBUG").upper())
    return level if isinstance(level, int) else logging.DEBUG
