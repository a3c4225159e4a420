"""Scrapy settings for archiver: every default the project's components read, with why."""

from archiver import __version__

BOT_NAME = "archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- Output -----------------------------------------------------------------
# Root of the archive: WARC files, article records and state live below it.
ARCHIVE_DIR = "archive"

# -- WARC capture (archiver.middlewares.warc) ---------------------------------
WARC_ENABLED = True
WARC_SUBDIR = "warc"
WARC_PREFIX = "ARCHIVER"
# Start a new file once the current one reaches this many bytes (1 GiB, as Heritrix).
WARC_MAX_SIZE = 1024**3
# zlib level for the per-record gzip members; 6 costs a third of the CPU of 9.
WARC_GZIP_LEVEL = 6
# Cookie/Authorization request headers are credentials: keep them out unless asked.
WARC_STORE_CREDENTIALS = False
# Deduplication: a payload already in the archive (this crawl or an earlier one) is
# written as a `revisit` record pointing at the first copy, found in a persistent
# digest index in the archive folder (<archive>/digests.sqlite3).
WARC_DEDUP_ENABLED = True
# Payloads smaller than this are always stored in full (empty ones are never shared).
WARC_DEDUP_MIN_SIZE = 1
# The digest index class (see archiver.warc.digests.DigestIndex); SQLite needs no server.
WARC_DEDUP_INDEX = "archiver.warc.digests.SqliteDigestIndex"
# A body past this many bytes is cut here and archived with `WARC-Truncated: length`
# instead of being dropped whole, as DOWNLOAD_MAXSIZE does (0: no limit). Per request:
# meta["warc_max_payload_size"]. Keep it below DOWNLOAD_MAXSIZE to take effect.
WARC_MAX_PAYLOAD_SIZE = 32 * 1024**2
# Merge this crawl's WARC files into the CDXJ index <archive>/warc/index.cdxj at the end.
WARC_INDEX_ENABLED = True
# The job named in each file's warcinfo record (isPartOf); default: spider name and start URLs.
WARC_JOB = ""

# -- Article records (pipelines.jsonlines) ------------------------------------
JSONL_ENABLED = True
JSONL_SUBDIR = "articles"

DOWNLOADER_MIDDLEWARES = {
    # Next to the download handler: sees wire bytes (still compressed), redirects
    # and retried responses before RedirectMiddleware/RetryMiddleware act on them.
    "archiver.middlewares.warc.WarcCaptureMiddleware": 950,
}

ITEM_PIPELINES = {
    "pipelines.extract.ArticleExtractionPipeline": 100,
    "pipelines.jsonlines.JsonLinesPipeline": 800,
}

# -- Politeness ----------------------------------------------------------------
ARCHIVER_CONTACT = ""  # e.g. "mailto:archive@example.org"; added to the User-Agent
USER_AGENT = f"archiver/{__version__} (+https://github.com/archiver-news/archiver)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
# News pages are rarely above a few MB; refuse giants instead of buffering them.
DOWNLOAD_MAXSIZE = 64 * 1024**2
DOWNLOAD_WARNSIZE = 16 * 1024**2
RETRY_TIMES = 2

# A cut-off body is archived (marked WARC-Truncated) instead of being lost.
DOWNLOAD_FAIL_ON_DATALOSS = False

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    # No zstd: pywb and most replay tools cannot decode it (Scrapy would offer it).
    "Accept-Encoding": "gzip, deflate, br",
}

# -- Scrapy housekeeping ------------------------------------------------------
# Scrapy 2.19 starts an HTTP remote-control server per job; a crawler needs none.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
# Pages that are not articles are dropped on purpose; that is not a warning.
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"
