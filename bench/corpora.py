"""The labelled page sets extraction is fitted and judged on, as one list of pages with their site.

    aeb         181 articles of 2019 (body)
    l3s-dev     306 news articles of 2008 (body, headline)
    modern-dev  526 pages of 2025-26: 240 articles and 286 forum, product, service, documentation,
                collection and listing pages (body, headline, authors, date, page type)
    listings    the page-kind tests' listing pages and the demo site's listings, with and without
                metadata (written for the tests; page type only)

Data comes from ../shared/bench (ARCHIVER_SHARED to move it); nothing of it is copied into the repository.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVER_SHARED", REPO.parent / "shared"))
SETS = ("aeb", "l3s-dev", "modern-dev", "listings")
ARTICLE_TYPES = {"article", "blog"}
LISTING_TYPES = {"listing", "collection"}


@dataclass
class Page:
    set: str
    id: str
    url: str
    site: str
    kind: str  # article, listing or other
    page_type: str  # modern-dev's pageType; "article" or "listing" elsewhere
    truth: dict  # the set's ground-truth record
    _html: str | None = None
    _path: Path | None = None

    @property
    def html(self) -> str:
        if self._html is None:
            raw = self._path.read_bytes()
            return (gzip.decompress(raw) if self._path.suffix == ".gz" else raw).decode("utf-8", errors="replace")
        return self._html

    @property
    def authors(self) -> list[str] | None:
        """Labelled names, or None where the set does not label authors ([] for a page without a byline)."""
        if "authors" not in self.truth:
            return None
        value = self.truth["authors"]
        if isinstance(value, str):
            value = ast.literal_eval(value) if value.startswith("[") else [value]
        return list(value or [])

    @property
    def has_title(self) -> bool:
        return str(self.truth.get("titleTagInHtml", "True")) != "False"


def _site(url: str) -> str:
    sys.path.insert(0, str(REPO))
    from archiver.system.domains import registrable_domain

    return registrable_domain(url) or url


def load(name: str) -> list[Page]:
    if name == "listings":
        return _listings()
    root = SHARED / "bench" / name
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        record = truth[page_id]
        page_type = record.get("pageType", "article")
        kind = "article" if page_type in ARTICLE_TYPES else "listing" if page_type in LISTING_TYPES else "other"
        path = root / "html" / f"{page_id}.html.gz"
        pages.append(Page(name, page_id, record["url"], _site(record["url"]), kind, page_type, record, _path=path))
    return pages


def _listings() -> list[Page]:
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, str(REPO / "bench"))
    from pagekind_pages import listing_pages
    from strip_metadata import strip_metadata

    from archiver.demo import SITE_DIR, load_expected

    found = [(name, url, html) for name, url, html in listing_pages()]
    base = "http://127.0.0.1:8000"
    for path in load_expected()["not_articles"]:
        if path in ("/about/", "/contact/"):
            continue  # not listings
        html = (SITE_DIR / path.strip("/") / "index.html").read_text(encoding="utf-8").replace("__SITE__", base)
        found += [(path, base + path, html), (path + " stripped", base + path, strip_metadata(html))]
    return [Page("listings", name, url, "demo" if url.startswith(base) else _site(url), "listing", "listing", {},
                 _html=html) for name, url, html in found]


def load_all(names=SETS) -> list[Page]:
    return [page for name in names for page in load(name)]
