"""Items that flow through the crawl: fetched pages in, article records out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

# Bump SCHEMA_VERSION when a field is added, renamed or changes meaning; the JSON
# Schema in archiver/record/schema/ carries the same number (docs/records/schema-changes.md).
SCHEMA_VERSION = "1.5"


class Caption(TypedDict):
    text: str
    credit: str | None
    image_url: str | None
    alt: str | None


class Translation(TypedDict):
    language: str
    url: str


class WarcPointer(TypedDict):
    filename: str  # relative to the archive folder, e.g. "warc/ARCHIVER-...warc.gz"
    record_id: str  # WARC-Record-ID of the response record, "<urn:uuid:...>"
    offset: int  # byte offset of the record's gzip member in the file
    length: int  # byte length of that gzip member


@dataclass
class Article:
    """One article record: what was fetched, what was extracted, where it is archived."""

    # -- capture
    url: str = ""
    canonical_url: str | None = None
    site: str | None = None  # registrable domain of url (archiver.system.domains)
    fetched_at: str | None = None  # UTC, ISO 8601
    status: int | None = None
    # -- content
    headline: str | None = None
    body: str = ""  # paragraphs separated by a blank line
    captions: list[Caption] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    published: str | None = None  # ISO 8601, with offset when known
    modified: str | None = None
    language: str | None = None  # BCP 47 primary tag, e.g. "en", "es"
    site_name: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    lead_image: str | None = None
    images: list[str] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)
    paywalled: bool = False
    truncated: bool = False
    # field name -> strategy that produced it: jsonld, meta, dom, url, detected, http
    provenance: dict[str, str] = field(default_factory=dict)
    # -- archive
    warc: WarcPointer | None = None
    # How complete the page's capture is: its requisites archived and missing (schema 1.4;
    # None when requisites were not fetched). See archiver.middlewares.requisites.capture_summary.
    capture: dict[str, Any] | None = None
    id: str | None = None  # record id; the WARC-Record-ID of the response it came from
    content_sha1: str | None = None  # SHA-1 of the body text
    version: int = 1
    previous_version_id: str | None = None
    discovered_via: str | None = None  # start, link, sitemap, news-sitemap, feed
    news_sitemap: dict[str, Any] | None = None
    # Browser mode only: how the page was rendered (timed out?, requests, failures, screenshot record).
    browser: dict[str, Any] | None = None
    schema_version: str = SCHEMA_VERSION
    extractor_version: str = ""


@dataclass
class FetchedPage:
    """An HTML page the spider fetched, handed to the extraction pipeline."""

    url: str
    status: int
    body: bytes
    encoding: str | None = None  # charset the HTTP headers declared, if any
    fetched_at: str | None = None
    browser: dict[str, Any] | None = None  # browser mode: archiver.browser.capture.browser_summary
    warc: WarcPointer | None = None
    discovered_via: str | None = None
    news_sitemap: dict[str, Any] | None = None
    truncated: bool = False
    # Set by archiver.middlewares.requisites once the page's requisites are archived or missing.
    capture: dict[str, Any] | None = None
    # The spider's archiver.extract.PageAnalysis of the body, when it made one (saves a second parse).
    analysis: Any = None
    # The page's requisites (archiver.capture.requisites.Requisite), found by the spider on the tree it
    # parsed for the analysis, before extraction changed it; None: not looked for.
    requisites: list[Any] | None = None
