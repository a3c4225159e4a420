"""One meaning of "errors", and counts a reader can add up: the progress line, the summary and the exit code's
error rate count the same fetches (pages, robots.txt, sitemaps and feeds), and page requisites apart."""

from __future__ import annotations

import re
from pathlib import Path

from archiver.extensions.progress import progress_line
from archiver.crawl.runner import CrawlReport
from conftest import run_archiver
from fixture_site import FixtureSite

# What a crawl with a dead page and a missing requisite leaves in its stats.
STATS = {
    "fetch/responses": 26, "fetch/responses/page": 20, "fetch/responses/robots": 1, "fetch/responses/discovery": 5,
    "fetch/errors/http": 1, "fetch/errors/http/page": 1, "fetch/failed": 1, "fetch/failed/page": 1,
    "fetch/redirects": 2, "downloader/response_count": 80, "requisites/responses": 50,
    "downloader/exception_type_count/twisted.internet.error.DNSLookupError": 12,
    "requisites/pages": 20, "requisites/archived": 47, "requisites/missing/dns": 12, "requisites/missing/http": 3,
    "requisites/host_down_skipped": 11, "log_count/ERROR": 0, "jsonl/records": 13, "finish_reason": "finished",
}


def test_progress_summary_and_exit_code_count_the_same_errors_and_fetches():
    report = CrawlReport(archive=Path("archive"), stats=STATS, seconds=10.0)
    summary = report.summary()
    line = progress_line(STATS, 10.0, 0, 30.0)
    assert "20 pages" in line and "2 errors of 27 fetches" in line
    assert "pages fetched   20 (2.0/s)" in summary
    assert "other fetches   6: 1 robots.txt, 5 sitemaps and feeds; 27 fetches with the 20 pages and 1 failed " \
           "(2 redirects followed on the way)" in summary
    assert "errors          2 of 27 fetches (7%): 1 failed, 1 answered 5xx/429" in summary
    assert report.outcome(max_error_rate=0.05) == (4, "7% of fetches failed (2 of 27), above --max-error-rate 0.05")
    # Requisites have their own words, in both: they are neither pages nor errors.
    assert "requisites 47 archived, 15 missing" in line
    assert ("requisites      47 files (0.0 MiB) archived, 15 missing (dns 12, http 3), for 20 pages (0 incomplete); "
            "11 of the missing not asked for, their host being down") in summary


class SiteWithADeadStory(FixtureSite):
    """robots.txt -> sitemap index -> sitemaps -> stories; one story answers 500."""

    def resource(self, raw_path: str):
        if raw_path.partition("?")[0] == self.stories[0].path:
            return 500, "text/plain", b"internal error", None
        return super().resource(raw_path)


def test_a_crawls_summary_adds_up(tmp_path):
    with SiteWithADeadStory("sitemap", articles=4) as site:
        done = run_archiver("crawl", f"{site.url}/", "--archive", str(tmp_path / "archive"),
                            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0")
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    pages = int(re.search(r"^pages fetched\s+(\d+)", out, re.M).group(1))
    other = re.search(r"^other fetches\s+(\d+): 1 robots.txt, (\d+) sitemaps and feeds; (\d+) fetches with the "
                      r"(\d+) pages", out, re.M)
    errors = re.search(r"^errors\s+(\d+) of (\d+) fetches \(\d+%\): (\d+) failed, (\d+) answered 5xx/429", out, re.M)
    assert other and errors, out
    assert int(other.group(1)) == 1 + int(other.group(2)) and int(other.group(4)) == pages
    assert pages + int(other.group(1)) + int(errors.group(3)) == int(other.group(3)) == int(errors.group(2))
    assert (int(errors.group(1)), int(errors.group(4))) == (1, 1)  # the 500
    assert int(other.group(2)) >= 2  # the sitemap index and its sitemaps, not pages
    # Every page fetched has a kind, or says why it was not read: the 500 by its status.
    kinds = re.search(r"^page kinds\s+(.+)$", out, re.M).group(1)
    assert sum(int(n) for n in re.findall(r"(?:^|; )[a-z ]+ (\d+) \(", kinds)) == pages, kinds
    assert "not read 1 (status-500 1)" in kinds


def test_pages_not_read_are_counted_with_the_page_kinds():
    stats = {"fetch/responses": 6, "fetch/responses/page": 6, "extract/kind/article/story-text": 3,
             "extract/not_read/not-html": 1, "fetch/responses/page_status/404": 1, "fetch/responses/page_status/304": 1}
    kinds = CrawlReport(archive=Path("archive"), stats=stats, seconds=1.0).page_kinds()
    assert kinds == "article 3 (story-text 3); not read 3 (not-html 1, status-304 1, status-404 1)"
