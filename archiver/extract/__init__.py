"""Article extraction: pure functions from page bytes to an ``Article`` record (no Scrapy here).

``extract_article(html, url, encoding)`` never raises: bad input gives an empty record. A page goes
one way through the package (``analyze.py``): parse, one scan, candidates per field, fitted scores,
the record and its kind; ``Article.provenance`` names the source of every field that was found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from archiver.extract.analyze import analyze_tree
from archiver.extract.pagekind import Evidence, Judgement, judge
from archiver.extract.parse import parse_html
from archiver.extract.sniff import looks_binary
from archiver.extract.text import Element
from archiver.record.items import Article

__all__ = ["EXTRACTOR_VERSION", "PageAnalysis", "analyze_page", "article_body", "extract_article"]

logger = logging.getLogger(__name__)

# Bump when a change to extraction can change a record (reextract --since-version uses it).
EXTRACTOR_VERSION = "0.4.5"
# 0.3.0: page kind from weighted signals, shown headlines; 0.3.1: decks; 0.3.2: under a <title> that names only
# the site, the headline is the line the story starts under; 0.3.3: the same under an empty <title> or none, and
# over a search engine's <title> the page does not show; a head <script> that swallowed the body is dropped;
# 0.4.0: page kind, body container, headline, authors and date chosen among candidates by fitted weights
# (weights.json, bench/crossval.py): forum, shop, help and documentation pages kept out; any script. 0.4.1: more
# byline forms (teams, "Written by", author cards), the site as author when no person is named; calls to action
# and news-section URLs in page kind; a rules' headline the page does not show loses to the shown heading.
# 0.4.3: the body candidate's prose outside the element named the article body it climbed past
# (beyond-content-prose), all weights refitted. 0.4.4: the body's link blocks kept or dropped by fitted weights
# (body-links); page kind's share links and selling links; all weights refitted. 0.4.5: dates in any script's
# digits and in twenty languages' month names (a Thai year of the Buddhist era too); a Chinese credit line
# ("来源：… 记者 …") gives the reporters and, with a font-size bar, leaves the body.


@dataclass
class PageAnalysis:
    """What a page is (``article``, ``listing``, ``other``) and the record extracted from it."""

    kind: str
    article: Article
    judgement: Judgement | None = None

    @property
    def reason(self) -> str:
        return self.judgement.reason if self.judgement else ""


def extract_article(html: bytes | str, url: str, encoding: str | None = None) -> Article:
    """Extract the article record of one page. Never raises on bad input."""
    return analyze_page(html, url, encoding=encoding).article


def article_body(html: str, url: str) -> str:
    """Body text only (the benchmark's ``module:function`` interface)."""
    return extract_article(html, url).body


def analyze_page(html: bytes | str, url: str, encoding: str | None = None,
                 read_tree: Callable[[Element], None] | None = None, trace: dict | None = None) -> PageAnalysis:
    """Kind and record of one page; ``encoding`` is the charset the HTTP headers declared, if any.

    ``read_tree`` is called with the parsed page before extraction changes the tree (furniture is
    cut out of it), so that a caller reading the whole page (its requisites) needs no parse of its own.
    ``trace``, when given, receives each decision's candidates and feature values (``bench/crossval.py``
    fits the weights from them).
    """
    if looks_binary(html):
        # An image, PDF or archive served as text/html: never a record of mojibake.
        return PageAnalysis(kind="other", article=Article(url=url), judgement=judge(Evidence(url, binary=True)))
    try:
        tree = parse_html(html, encoding)
        if read_tree is not None:
            read_tree(tree)
        kind, article, judgement = analyze_tree(tree, url, trace)
        return PageAnalysis(kind=kind, article=article, judgement=judgement)
    except Exception:  # noqa: BLE001 - the one boundary: a record must never crash a crawl
        # The fuzz tests find no input that gets here; the page itself stays in the WARC.
        logger.warning("Extraction failed for %s", url, exc_info=True)
        return PageAnalysis(kind="other", article=Article(url=url))
