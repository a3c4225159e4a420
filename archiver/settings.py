"""Scrapy settings for archiver: every default the project's components read, with why."""

from archiver.crawl.addons import DEFAULT_USER_AGENT

BOT_NAME = "archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- Output -----------------------------------------------------------------
# Root of the archive: WARC files, article records and state live below it.
ARCHIVE_DIR = "archive"

# -- Free space (archiver.extensions.diskspace; docs/archive/disk-space.md) -------
# The crawl stops cleanly (exit 5) when the archive's file system has less free space than the
# larger of DISKSPACE_MIN_FREE bytes and DISKSPACE_MIN_FREE_SHARE of its size; `archiver schedule`
# starts no crawl then. The reserve is what finishing the records in flight, closing and indexing
# the files needs, with room to spare for the rest of the machine: 1 GiB or 1% is 1 GiB on a small
# VPS disk, 2.5 GiB on a 256 GB laptop, 200 GB on a 20 TB archive server.
DISKSPACE_ENABLED = True
DISKSPACE_MIN_FREE = 1024**3  # bytes
DISKSPACE_MIN_FREE_SHARE = 0.01  # of the file system's size (0.01: 1%)
# Seconds between checks (one statvfs call each); also checked before each new WARC file.
DISKSPACE_CHECK_INTERVAL = 5.0

# -- WARC capture (archiver.middlewares.warc) ---------------------------------
WARC_ENABLED = True
WARC_SUBDIR = "warc"
WARC_PREFIX = "ARCHIVER"
# Start a new file once the current one reaches this many bytes (1 GiB, as Heritrix).
WARC_MAX_SIZE = 1024**3
# Each record is one gzip member, deflated by WARC_GZIP_ENGINE: "isal" (ISA-L through
# python-isal, levels 0-3; several times zlib's speed) or "zlib" (levels 0-9; the old default
# was zlib 6, which spent most of the writer's time compressing). See docs/archive/warc-writing.md.
WARC_GZIP_ENGINE = "isal"
WARC_GZIP_LEVEL = 1
# Payloads already compressed (a Content-Encoding, JPEG/PNG/WebP, WOFF2, video...) go into
# stored deflate blocks: still gzip, but copied instead of searched for matches they do not have.
WARC_STORE_COMPRESSED = True
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
# Index this crawl's WARC files at the end: one <archive>/warc/indexes/<file>.cdxj each (archiver cdx).
WARC_INDEX_ENABLED = True
# The job named in each file's warcinfo record (isPartOf); default: spider name and start URLs.
WARC_JOB = ""

# -- Browser mode (archiver.browser; docs/crawling/browser.md) -----------------------
# Render pages in headless Chromium: every site (archiver crawl --browser), or the sites
# with `browser = true` in the sites file. Every exchange the browser makes is archived.
BROWSER_ENABLED = False
# The Chromium executable, a path or a name on PATH; empty: `chromium` on PATH.
BROWSER_EXECUTABLE = ""
# A page is cut after this many seconds (load, scroll, settle) and archived as far as it got.
BROWSER_PAGE_TIMEOUT = 30.0
# More seconds for taking the DOM and the screenshot, also of a page that was cut.
BROWSER_SNAPSHOT_TIMEOUT = 10.0
# Screens scrolled at most, so lazy images and infinite lists load (0: no scrolling).
BROWSER_SCROLL_STEPS = 20
# A full-page PNG per page, as a WARC resource record `urn:screenshot:<url>`.
BROWSER_SCREENSHOT = True
# Pages rendered at once (each is a browser context: memory, not just a socket).
BROWSER_CONCURRENCY = 2
# Default: Chromium's own User-Agent followed by USER_AGENT.
BROWSER_USER_AGENT = ""
# Dismiss consent banners (OneTrust, Didomi, Quantcast, Cookiebot, Sourcepoint...) before the DOM and the
# screenshot are taken, rejecting where the banner offers it (archiver.browser.consent); also in QA replays.
BROWSER_CONSENT_DISMISS = True
# A browser profile (archiver browser-login): a Playwright storage state file, or a folder holding
# storage-state.json, whose cookies and local storage every browser page starts with, so pages behind a
# login are captured. Refused inside ARCHIVE_DIR; its cookies are never written into the WARC files.
BROWSER_PROFILE = ""
# Requests that are not rendered (feeds, sitemaps, robots.txt, non-browser sites) go here.
BROWSER_HTTP_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
DOWNLOAD_HANDLERS = {
    "http": "archiver.browser.handler.BrowserDownloadHandler",
    "https": "archiver.browser.handler.BrowserDownloadHandler",
}

# -- Replay QA (archiver.qa; archiver qa, archiver crawl --qa; docs/archive/qa.md) ----------
# A page scoring below this (0..1: what it shows of its capture, and what the archive lacks) is not ok.
QA_MIN_SCORE = 0.9
# Worker processes, each with its own Chromium (0: this machine's cores).
QA_WORKERS = 0
# Seconds to load, scroll and snapshot one replayed page.
QA_PAGE_TIMEOUT = 30.0

# -- Page requisites (archiver.capture, archiver.middlewares.requisites) ------------
# Every 2xx HTML page the crawl archives (articles and listings) gets what it needs to render
# archived too: stylesheets and their @imports, fonts and images named in CSS, images (src,
# srcset, <picture>, lazy-loading attributes), scripts, icons, iframe documents. Each URL is
# fetched once per crawl, on any host (links to other sites are still not followed); an
# unchanged one in a later crawl becomes a revisit record. See docs/archive/requisites.md.
REQUISITES_ENABLED = True
REQUISITES_MAX_PER_PAGE = 300  # fetched for one page, what its stylesheets need included
REQUISITES_MAX_TOTAL = 100_000  # distinct requisite URLs fetched by one crawl
REQUISITES_MAX_SIZE = 20 * 1024**2  # bytes; a bigger requisite is not archived, recorded as missing (too-big)
REQUISITES_TIMEOUT = 30.0  # seconds per download, on a host that has answered before
# A host not heard from yet gets one request at a time, with this long to answer; no answer, a DNS
# failure, a refused or unreachable connection or a TLS failure marks it down for the crawl: its
# other requisites are recorded missing at once, with that reason, without a request. A down host is
# asked again after REQUISITES_HOST_RECHECK seconds (doubling after each failed re-check, up to
# REQUISITES_HOST_MAX_RECHECK), so a dead or silent host costs one timeout per re-check, not per page.
REQUISITES_HOST_TIMEOUT = 5.0
REQUISITES_HOST_RECHECK = 300.0
REQUISITES_HOST_MAX_RECHECK = 3600.0
# A page waits at most this long for its requisites before it goes on to its record; those still
# being fetched then are recorded as not fetched (reason "pending"), and fetched for the archive all
# the same. Longer than REQUISITES_HOST_TIMEOUT, so a dead host is known before pages give up on it.
REQUISITES_PAGE_WAIT = 10.0
# Requisite downloads have their own slots (archiver.capture.downloader): they never take a page's
# place in CONCURRENT_REQUESTS nor in a host's page slot, and get no back-off pauses. A host the
# sites file gives politeness settings keeps them for its requisites too.
DOWNLOADER = "archiver.capture.downloader.CaptureDownloader"
REQUISITES_CONCURRENT_REQUESTS = 16
REQUISITES_CONCURRENT_REQUESTS_PER_HOST = 8  # a browser opens 6 connections to one host
# Requisite URLs waiting for a download at most: past it (a crawl short of CPU, requisites falling
# behind) new pages wait for them, so the backlog and the pages recorded with requisites pending stay few.
REQUISITES_MAX_BACKLOG = 500
REQUISITES_RETRY_TIMES = 1  # at once, after a dropped connection or a 5xx answer
# A browser loading an allowed page does not ask robots.txt about its images and stylesheets,
# nor do browser-based archivers (Browsertrix): an archived page should render. True: obey it.
REQUISITES_OBEY_ROBOTSTXT = False
# Trackers and ad servers: not needed to render a page, and fetching them tells them about the
# crawl. Hosts (and their subdomains), or host/path prefixes, whose requisites are neither
# fetched nor counted.
REQUISITES_IGNORE_HOSTS = [
    "www.facebook.com/tr", "google-analytics.com", "googletagmanager.com", "googlesyndication.com", "doubleclick.net",
    "googleadservices.com", "adservice.google.com", "connect.facebook.net", "scorecardresearch.com",
    "quantserve.com", "chartbeat.com", "chartbeat.net", "hotjar.com", "newrelic.com", "nr-data.net",
    "amazon-adsystem.com", "taboola.com", "outbrain.com", "criteo.com", "criteo.net", "adnxs.com",
]

SPIDER_MIDDLEWARES = {
    "archiver.middlewares.requisites.RequisitesMiddleware": 950,
}
# Items processed at once per response: the news spider yields one page per response. Scrapy's 100
# starts 100 tasks for every response, and they all wake while a page waits for its requisites.
CONCURRENT_ITEMS = 8

# -- Capture scope (archiver.scope; docs/crawling/scope.md) ---------------------------
# The crawl's rules for every site that does not set its own in the sites file; on the command
# line: archiver crawl --scope KEY=VALUE (repeatable), KEY as the setting's name in lower case
# without SCOPE_, e.g. --scope requisites=site --scope requisite_hosts=cdn.example.net.
SCOPE_ALLOW = []  # patterns: discovered links, feed items and sitemap entries must match one
SCOPE_DENY = []  # patterns: URLs matching one are never fetched as pages
SCOPE_REQUISITES = "any"  # requisites captured on "any" host, or on the "site"'s own and SCOPE_REQUISITE_HOSTS
SCOPE_REQUISITE_HOSTS = []  # with "site": these hosts too (subdomains included; name:port for one port)
SCOPE_REQUISITE_ALLOW = []  # patterns: captured requisites must match one
SCOPE_REQUISITE_DENY = []  # patterns: requisites matching one are never captured

# -- Article records (pipelines.jsonlines) ------------------------------------
JSONL_ENABLED = True
JSONL_SUBDIR = "articles"
# Add each written record to <ARCHIVE_DIR>/state/reading.sqlite3, the search index of `archiver serve`
# (`archiver index` rebuilds it from the records).
READING_INDEX_ENABLED = True

# -- Incremental crawling (archiver.crawl.seen, archiver.middlewares.seen, pipelines.seen) --
# The seen-store: every archived article by canonical URL, with content hash, dates and
# validators. Every crawl into an archive skips the articles it already holds.
SEEN_ENABLED = True
SEEN_STORE = "archiver.crawl.seen.SqliteSeenStore"  # a class with from_crawler(); see archiver.crawl.seen.SeenStore
SEEN_STORE_PATH = ""  # default: <ARCHIVE_DIR>/state/seen.sqlite3
SEEN_REFETCH = False  # fetch archived articles again (archiver crawl --refetch)
SEEN_REVISIT_DAYS = 0.0  # refetch articles younger than this with conditional requests (--revisit DAYS)

# -- Resume (archiver.middlewares.resume): with JOBDIR set, a killed job resumes from its captures
RESUME_ENABLED = True
# Scrapy's scheduler, whose job state (JOBDIR) on a full disk stops the crawl for want of space
# instead of failing with a traceback (distributed mode replaces it with its Redis scheduler).
SCHEDULER = "archiver.storage.jobstate.JobStateScheduler"

# -- Discovery (spiders/news.py, archiver.discovery) -------------------------------
# Sitemaps and feeds are untrusted XML: no entities, and bounded even after gunzip.
DISCOVERY_MAX_XML_SIZE = 50 * 1024**2  # bytes, after decompression (Google's sitemap limit)
DISCOVERY_MAX_ENTRIES = 50_000  # URLs read from one sitemap or feed
# Read a feed or sitemap only when due, backing off while it is unchanged (archiver schedule sets it).
DISCOVERY_ADAPTIVE = False
DISCOVERY_MAX_BACKOFF = 8.0  # an unchanged feed is read at least every 8 site intervals

DOWNLOADER_MIDDLEWARES = {
    # Outermost: how each fetch ended (after retries), for the summary and the exit code.
    "archiver.middlewares.outcome.FetchOutcomeMiddleware": 5,
    # First: an archived article is dropped before robots.txt, slots or downloads.
    "archiver.middlewares.seen.SeenFilterMiddleware": 50,
    # Then: a killed job's captures answer requests instead of the site.
    "archiver.middlewares.resume.ResumeMiddleware": 60,
    # A page request waits here, before robots.txt and its download, while ANALYSIS_MAX_PENDING
    # pages wait for the analysis pool (back-pressure; not there when ANALYSIS_WORKERS is 0).
    "archiver.middlewares.backpressure.AnalysisBackpressureMiddleware": 80,
    # Pauses a site on 429/503 (when they arrive) and on network errors (before RetryMiddleware, 550).
    "archiver.middlewares.backoff.BackoffMiddleware": 560,
    # Scrapy's meta refresh, at its place, followed only where a browser follows one (pages, frames).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "archiver.middlewares.refresh.DocumentMetaRefreshMiddleware": 580,
    # Next to the download handler: sees wire bytes (still compressed), redirects
    # and retried responses before RedirectMiddleware/RetryMiddleware act on them.
    "archiver.middlewares.warc.WarcCaptureMiddleware": 950,
}

# The spider analyses each HTML page (article or listing, AMP canonical) to choose which links
# to follow; the extraction pipeline reuses that analysis. Off: every page counts as a listing
# and nothing is extracted in the spider (bench/crawl.py's baseline without extraction).
SPIDER_PAGE_ANALYSIS = True
# Processes that make that analysis (archiver.analysis), so the crawl's one thread goes on
# fetching and writing meanwhile; records are the same and made in the same order. -1: one per
# core but one, at most 4 (none on a single core); 0: in the crawl's own thread.
ANALYSIS_WORKERS = -1
# Pages waiting for the pool at most; past this, page requests wait before their download.
ANALYSIS_MAX_PENDING = 16

ITEM_PIPELINES = {
    "pipelines.extract.ArticleExtractionPipeline": 100,
    # Versions before the record is written; marks the seen-store after it is.
    "pipelines.seen.SeenStorePipeline": 500,
    "pipelines.jsonlines.JsonLinesPipeline": 800,
    # After the record is written: the reading room's search index (archiver serve).
    "pipelines.reading.ReadingIndexPipeline": 850,
}

EXTENSIONS = {
    "archiver.extensions.progress.ProgressExtension": 500,
    # Stops the crawl cleanly below DISKSPACE_MIN_FREE / DISKSPACE_MIN_FREE_SHARE.
    "archiver.extensions.diskspace.DiskSpaceExtension": 100,
    # CLOSESPIDER_PAGECOUNT (--max-pages) counts pages as the summary does: not requisites, robots.txt, feeds.
    "scrapy.extensions.closespider.CloseSpider": None,
    "archiver.extensions.closespider.PageCloseSpider": 0,
    # JOBDIR on a full disk: the spider's state is not saved (the next run resumes as after a kill).
    "scrapy.extensions.spiderstate.SpiderState": None,
    "archiver.storage.jobstate.JobSpiderState": 0,
    "archiver.extensions.collector.CollectorTuning": 0,
}
# Python's cycle collector during a crawl (gc.set_threshold; what exists at start is frozen): a young
# generation of 20,000 objects, not 700 (a fifth of the collector's CPU; about 8 MiB more memory). Empty:
# CPython's defaults.
CRAWL_GC_THRESHOLDS = [20_000, 10, 10]
# A progress line every PROGRESS_INTERVAL seconds: pages, articles, errors, rate.
PROGRESS_ENABLED = True
PROGRESS_INTERVAL = 30.0
# Scrapy's own "Crawled N pages" line says less; the progress line replaces it.
LOGSTATS_INTERVAL = 0

ADDONS = {
    # Puts ARCHIVER_CONTACT into the User-Agent, for scrapy crawl and Scrapyd as for archiver crawl.
    "archiver.crawl.addons.ContactAddon": 0,
    # With REDIS_URL set: the shared, leased frontier of distributed mode (archiver.distributed).
    "archiver.distributed.DistributedAddon": 0,
}

# -- Politeness ----------------------------------------------------------------
# Who runs the crawl, e.g. "mailto:archive@example.org": added to the User-Agent (and the
# warcinfo record) so site owners can reach you instead of blocking you.
ARCHIVER_CONTACT = ""
# With a contact: "archiver/<version> (+https://github.com/archiver-news/archiver; mailto:...)".
USER_AGENT = DEFAULT_USER_AGENT
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
# 429 and 503 slow the site down (archiver.middlewares.backoff): Retry-After when the
# server sends one, else BACKOFF_BASE_DELAY * 2**retries; never more than BACKOFF_MAX_DELAY.
BACKOFF_ENABLED = True
BACKOFF_HTTP_CODES = [429, 503]
BACKOFF_BASE_DELAY = 5.0
BACKOFF_MAX_DELAY = 600.0
# A refused connection or an unknown host is not a server under load: retried at once, no pause.
BACKOFF_SKIP_EXCEPTIONS = ["scrapy.exceptions.DownloadConnectionRefusedError", "scrapy.exceptions.CannotResolveHostError"]
# archiver crawl exits 4 when more than this share of its fetches failed (network failure
# after retries, 5xx or 429): the site is down or refusing us, and the run's archive is no
# picture of it. Page errors below it are counted and shown, not fatal. (--max-error-rate)
CRAWL_MAX_ERROR_RATE = 0.5

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

# -- Distributed mode (archiver.distributed; pip install '.[distributed]') -----
# Set REDIS_URL (or pass --redis URL) and N workers share one frontier in Redis.
REDIS_URL = None
# Key prefix of the shared frontier; workers of one crawl must agree on it.
REDIS_FRONTIER_KEY = None  # default: "archiver:<BOT_NAME>"
# Key prefix of the archive's shared state (seen-store, digest index); one per archive.
REDIS_STATE_KEY = None  # default: "archiver:state"
# A leased request returns to the queue this long after its worker stops renewing it.
REDIS_LEASE_SECONDS = 60
# A request leased this many times without being finished is set aside (":failed").
REDIS_MAX_ATTEMPTS = 5
# How often an idle worker looks for requests other workers queued.
REDIS_POLL_INTERVAL = 0.25
# Redis unreachable (restarting, network cut): the worker pauses and retries every command,
# backing off up to this many seconds between attempts, for as long as the outage lasts.
REDIS_RETRY_MAX_DELAY = 5.0
# A reply that takes longer counts as a lost connection (a cut that drops packets silently).
REDIS_SOCKET_TIMEOUT = 15.0
