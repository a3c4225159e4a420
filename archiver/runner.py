"""Run the news spider in this process and report what it did."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.secrets import mask_logs, mask_url
from archiver.warc.writer import WARC_SUFFIX


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

    @property
    def pages(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))

    @property
    def articles(self) -> int:
        return int(self.stats.get("jsonl/records", 0))  # records written, not pages scraped

    @property
    def errors(self) -> int:
        return int(self.stats.get("log_count/ERROR", 0))

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

    def page_kinds(self) -> str:
        """"article 5 (story-text 3, declared-article 2); listing 2 (teasers-in-story 2)" from the stats."""
        kinds: dict[str, dict[str, int]] = {}
        for key, value in self.stats.items():
            if key.startswith("extract/kind/"):
                kind, _, reason = key[len("extract/kind/"):].partition("/")
                kinds.setdefault(kind, {})[reason] = int(value)
        parts = []
        for kind in sorted(kinds, key=lambda k: ("article", "listing", "other").index(k) if k in
                           ("article", "listing", "other") else 3):
            reasons = sorted(kinds[kind].items(), key=lambda item: (-item[1], item[0]))
            parts.append(f"{kind} {sum(kinds[kind].values())} ("
                         + ", ".join(f"{reason} {count}" for reason, count in reasons) + ")")
        return "; ".join(parts) or "-"

    @property
    def warc_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.warc_files if path.exists())

    def summary(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0.0
        lines = [
            f"pages fetched   {self.pages} ({rate:.1f}/s)",
            f"articles        {self.articles}",
            f"page kinds      {self.page_kinds()}",
            f"WARC files      {len(self.warc_files)} ({self.warc_bytes / 1024:.1f} KiB) in {self.archive / 'warc'}",
            f"records         {self.stats.get('jsonl/path', '-')}",
            f"already held    {self.skipped} articles not fetched again"
            + (f", {self.revisited} revisited ({self.unchanged} unchanged)" if self.revisited else ""),
            f"errors          {self.errors}",
            f"time            {self.seconds:.1f} s",
            f"finish reason   {self.stats.get('finish_reason', '-')}",
        ]
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
    process.crawl(crawler, **spider_kwargs)
    process.start()
    seconds = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats else {}
    warc_files = sorted(set(archive.glob(f"warc/*{WARC_SUFFIX}")) - before)
    return CrawlReport(archive=archive, stats=stats, seconds=seconds, warc_files=warc_files)
