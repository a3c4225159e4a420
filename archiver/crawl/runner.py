"""Run the news spider in this process and report what it did."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.extensions.diskspace import STOPPED_STAT
from archiver.middlewares.outcome import KIND_WORDS, FetchCounts
from archiver.scope.explain import left_out_line
from archiver.system.secrets import mask_logs, mask_url
from archiver.storage import space as storage_space
from archiver.warc.writer import WARC_SUFFIX

logger = logging.getLogger(__name__)

# Exit codes of archiver crawl (docs/crawling/exit-codes.md); 2 is argparse's, for usage errors.
EXIT_OK, EXIT_NOT_FINISHED, EXIT_USAGE, EXIT_NOTHING_FETCHED, EXIT_TOO_MANY_ERRORS = 0, 1, 2, 3, 4
EXIT_NO_SPACE = storage_space.EXIT_NO_SPACE  # stopped (or not started) for want of free space


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """archiver.settings, then ``overrides`` at command-line priority."""
    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


@dataclass
class CrawlReport:
    """Figures of one finished crawl, from the crawler's stats."""

    archive: Path
    stats: dict[str, Any]
    seconds: float
    warc_files: list[Path] = field(default_factory=list)
    crashed: str | None = None  # the exception that ended the crawl, if one did

    @property
    def counts(self) -> FetchCounts:
        return FetchCounts(self.stats)

    @property
    def pages(self) -> int:
        return self.counts.pages

    @property
    def articles(self) -> int:
        return int(self.stats.get("jsonl/records", 0))  # records written, not pages scraped

    @property
    def errors(self) -> int:
        """ERROR lines in the log (not the fetch errors: those are ``fetch_errors``)."""
        return int(self.stats.get("log_count/ERROR", 0))

    @property
    def fetches(self) -> int:
        """Requests that ended (after retries and redirects): with a response, or failed."""
        return self.counts.fetches

    @property
    def failed_fetches(self) -> int:
        return self.counts.failed

    @property
    def fetch_errors(self) -> int:
        """Fetches that failed: network failures after retries, and 5xx/429 answers."""
        return self.counts.errors

    @property
    def error_rate(self) -> float:
        return self.counts.error_rate

    def outcome(self, max_error_rate: float) -> tuple[int, str | None]:
        """The exit code of the crawl (see docs/crawling/exit-codes.md) and, unless 0, why in one line."""
        reason = self.stats.get("finish_reason", "-")
        # First: whatever else went wrong then, freeing space is what the operator has to do.
        if self.stats.get(STOPPED_STAT):
            return EXIT_NO_SPACE, f"stopped for want of space: {self.stats[STOPPED_STAT]}"
        # Stopped on request (Ctrl-C, SIGTERM: "shutdown") or at a limit is a normal end; --jobdir resumes it.
        if self.crashed or not (reason in ("finished", "shutdown") or str(reason).startswith("closespider_")):
            return EXIT_NOT_FINISHED, f"the crawl did not finish ({self.crashed or f'finish reason {reason}'})"
        if self.fetches and self.failed_fetches == self.fetches:
            starts = int(self.stats.get("fetch/start/requests", 0))
            if starts and int(self.stats.get("fetch/start/failed", 0)) >= starts:
                return EXIT_NOTHING_FETCHED, ("no start URL reachable, e.g. "
                                              f"{self.stats.get('fetch/start/failed_example', '?')}")
            return EXIT_NOTHING_FETCHED, f"every fetch failed ({self.failed_fetches})"
        if self.error_rate > max_error_rate:
            return EXIT_TOO_MANY_ERRORS, (f"{self.error_rate:.0%} of fetches failed ({self.fetch_errors} of "
                                          f"{self.fetches}), above --max-error-rate {max_error_rate:g}")
        return EXIT_OK, None

    @property
    def skipped(self) -> int:
        """Requests for articles (and documents) the archive already held."""
        return sum(int(v) for k, v in self.stats.items() if k.startswith("seen/skipped/"))

    @property
    def revisited(self) -> int:
        return int(self.stats.get("seen/revisit/requests", 0))

    @property
    def unchanged(self) -> int:
        return int(self.stats.get("seen/revisit/unchanged", 0))

    def other_fetches_line(self) -> str:
        """``other fetches   5: 1 robots.txt, 4 sitemaps and feeds; 26 fetches with the 20 pages and 1 failed``."""
        counts = self.counts
        other = counts.other
        line = f"other fetches   {sum(other.values())}"
        if other:
            line += ": " + ", ".join(f"{n} {KIND_WORDS[kind]}" for kind, n in other.items())
        line += f"; {counts.fetches} fetches with the {counts.pages} pages"
        line += f" and {counts.failed} failed" if counts.failed else ""
        return line + (f" ({counts.redirects} redirects followed on the way)" if counts.redirects else "")

    def requisites_line(self) -> str | None:
        """``requisites      47 files (0.1 MiB) archived, 2 missing (dns 2), for 20 pages (2 incomplete)``:
        requisite URLs (each fetched once per crawl), not fetches of pages, nor errors of the crawl."""
        stats = self.stats
        pages = int(stats.get("requisites/pages", 0))
        if not pages:
            return None
        archived, missing = self.counts.requisite_counts()
        reasons = sorted(((k.rsplit("/", 1)[-1], int(v)) for k, v in stats.items()
                          if k.startswith("requisites/missing/")), key=lambda item: (-item[1], item[0]))
        size = int(stats.get("requisites/bytes", 0)) / 2**20
        incomplete = int(stats.get("requisites/pages_incomplete", 0))
        line = (f"requisites      {archived} files ({size:.1f} MiB) archived, {missing} missing"
                + (" (" + ", ".join(f"{reason} {n}" for reason, n in reasons) + ")" if missing else "")
                + f", for {pages} pages ({incomplete} incomplete)")
        skipped = int(stats.get("requisites/host_down_skipped", 0))
        pending = int(stats.get("requisites/pages_recorded_pending", 0))
        if skipped:
            line += f"; {skipped} of the missing not asked for, their host being down"
        if pending:
            line += f"; {pending} page(s) recorded with requisites still pending (REQUISITES_PAGE_WAIT)"
        return line
    def browser_line(self) -> str:
        """``browser pages   7 rendered, 35 exchanges archived, 0 cut at the page timeout; 1 Chromium restart
        (1 page rendered again)``."""
        stats = self.stats
        line = (f"browser pages   {stats.get('browser/pages', 0)} rendered, {stats.get('browser/exchanges', 0)} "
                f"exchanges archived, {stats.get('browser/timed_out', 0)} cut at the page timeout")
        restarts = int(stats.get("browser/restarts", 0))
        if restarts:
            line += (f"; {restarts} Chromium restart{'s' if restarts > 1 else ''} "
                     f"({stats.get('browser/retried', 0)} page(s) rendered again, {stats.get('browser/failed', 0)} lost)")
        consent = sum(int(v) for k, v in stats.items() if k.startswith("browser/consent/"))
        if consent:
            line += f"; {consent} consent banner(s) dismissed"
        return line

    def page_kinds(self) -> str:
        """"article 5 (story-text 3, declared-article 2); listing 2 (teasers-in-story 2); not read 2 (not-html 1,
        status-404 1)" from the stats: with the pages not read (a PDF, a 404, a revisit's 304), they add up to the
        pages fetched."""
        kinds: dict[str, dict[str, int]] = {}
        for key, value in self.stats.items():
            if key.startswith("extract/kind/"):
                kind, _, reason = key[len("extract/kind/"):].partition("/")
                kinds.setdefault(kind, {})[reason] = int(value)
            elif key.startswith("extract/not_read/"):
                kinds.setdefault("not read", {})[key[len("extract/not_read/"):]] = int(value)
            elif key.startswith("fetch/responses/page_status/"):
                kinds.setdefault("not read", {})["status-" + key.rsplit("/", 1)[-1]] = int(value)
        parts = []
        order = ("article", "listing", "other", "not read")
        for kind in sorted(kinds, key=lambda k: order.index(k) if k in order else 2.5):
            reasons = sorted(kinds[kind].items(), key=lambda item: (-item[1], item[0]))
            parts.append(f"{kind} {sum(kinds[kind].values())} ("
                         + ", ".join(f"{reason} {count}" for reason, count in reasons) + ")")
        return "; ".join(parts) or "-"

    @property
    def records_path(self) -> str | None:
        """The crawl's records file, when it wrote one (a crawl that recorded nothing leaves none)."""
        path = self.stats.get("jsonl/path")
        return path if path and Path(path).exists() else None

    @property
    def warc_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.warc_files if path.exists())

    def summary(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0.0
        lines = [
            f"pages fetched   {self.pages} ({rate:.1f}/s)",
            self.other_fetches_line(),
            f"articles        {self.articles}",
            f"page kinds      {self.page_kinds()}",
            *filter(None, [self.requisites_line(), left_out_line(self.stats)]),
            f"WARC files      {len(self.warc_files)} ({self.warc_bytes / 1024:.1f} KiB) in {self.archive / 'warc'}",
            f"records         {self.records_path or 'none (no article recorded)'}",
            f"already held    {self.skipped} articles not fetched again"
            + (f", {self.revisited} revisited ({self.unchanged} unchanged)" if self.revisited else ""),
            f"errors          {self.fetch_errors} of {self.fetches} fetches ({self.error_rate:.0%}): "
            f"{self.failed_fetches} failed, {self.fetch_errors - self.failed_fetches} answered 5xx/429",
            *([f"log             {self.errors} ERROR lines (see the log)"] if self.errors else []),
            f"time            {self.seconds:.1f} s",
            f"finish reason   {self.stats.get('finish_reason', '-')}",
        ]
        if self.stats.get("browser/pages") or self.stats.get("browser/restarts"):
            lines.insert(3, self.browser_line())
        return mask_url("\n".join(lines))


def run_crawl(spider_kwargs: dict[str, Any], settings: Settings) -> CrawlReport:
    """Crawl with the news spider until done (blocks; one call per process: Twisted's reactor)."""
    from spiders.news import NewsSpider

    archive = Path(settings.get("ARCHIVE_DIR"))
    before = set(archive.glob(f"warc/*{WARC_SUFFIX}"))
    mask_logs()  # no password of REDIS_URL (or of any URL) in a log line
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    started = time.monotonic()
    crashed = None
    deferred = process.crawl(crawler, **spider_kwargs)
    # Scrapy filters by LOG_LEVEL in its handler only (it has just set the root logger to NOTSET and its
    # own to DEBUG): every DEBUG line of every request, thousands in a crawl with page requisites, would
    # be built, then dropped.
    for name in ("", "scrapy"):
        logging.getLogger(name).setLevel(settings.get("LOG_LEVEL") or "DEBUG")
    failures: list[Any] = []

    def crash(failure: Any) -> None:  # an exception that ended the crawl: a bug, so its traceback is logged
        failures.append(failure)
        logger.error("The crawl crashed: %s", failure.getErrorMessage(),
                     exc_info=(failure.type, failure.value, failure.getTracebackObject()))

    deferred.addErrback(crash)
    process.start()
    if failures:
        crashed = f"{failures[0].type.__name__}: {str(failures[0].value).strip()[:200]}"
    seconds = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats else {}
    warc_files = sorted(set(archive.glob(f"warc/*{WARC_SUFFIX}")) - before)
    return CrawlReport(archive=archive, stats=stats, seconds=seconds, warc_files=warc_files, crashed=crashed)
