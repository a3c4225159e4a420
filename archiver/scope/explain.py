"""Why a URL is in or out of a crawl's scope, in words: ``archiver crawl ... --explain URL`` and the crawl's log.

During a crawl, the first URL each rule leaves out is logged at INFO, with why; every further
one at DEBUG, and all are counted in the stats (``scope/pages/<rule>``,
``scope/requisites/<rule>``) and the summary's ``left out`` line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from archiver.scope.rules import Decision

if TYPE_CHECKING:
    from archiver.crawl.sites import Site

logger = logging.getLogger(__name__)

# Summary words for each rule that leaves a URL out.
LEFT_OUT = {
    "offsite": "off the site's domains",
    "deny": "denied",
    "not-allowed": "matching no allow pattern",
    "ignored-host": "on ignored hosts",
    "requisite-deny": "denied",
    "other-host": "off the requisite hosts",
    "requisite-not-allowed": "matching no requisite_allow pattern",
}


def explain(sites: Iterable[Site], urls: Iterable[str], ignore_hosts: tuple[str, ...]) -> list[str]:
    """For each URL and each site: followed as a page? captured as a requisite? and why."""
    lines = []
    sites = list(sites)
    for url in urls:
        lines.append(url)
        for site in sites:
            page = site.page_scope.decide(url)
            requisite = site.requisite_scope(ignore_hosts).decide(url)
            lines.append(f"  site {site.name}")
            lines.append(f"    as a page       {'followed' if page.allowed else 'left out'}: {page.why}")
            lines.append(f"    as a requisite  {'captured' if requisite.allowed else 'left out'}: {requisite.why}")
    return lines


class ScopeLog:
    """Counts what the scope leaves out and says why: at INFO the first time per (site, target, rule)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler  # its stats are set when the crawl starts
        self.said: set[tuple[str, str, str]] = set()
        self.requisites: set[str] = set()  # distinct URLs, as the summary counts archived and missing ones

    def left_out(self, site: str, target: str, url: str, decision: Decision) -> None:
        """``target``: "pages" (a link, feed item or sitemap entry: each time) or "requisites" (each URL once)."""
        if target == "requisites":
            if url in self.requisites:
                return
            self.requisites.add(url)
        self.crawler.stats.inc_value(f"scope/{target}/{decision.rule}")
        key = (site, target, decision.rule)
        if key in self.said:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("Out of scope (%s of site %s): %s: %s", target, site, url, decision.why)
            return
        self.said.add(key)
        logger.info("Out of scope (%s of site %s): %s: %s; the next ones this rule leaves out are logged at "
                    "DEBUG and counted in scope/%s/%s (archiver crawl --explain URL says why for any URL)",
                    target, site, url, decision.why, target, decision.rule)


def left_out_line(stats: dict[str, Any]) -> str | None:
    """``left out  120 links (100 off the site's domains, 20 denied); 35 requisites (30 on ignored hosts, ...)``."""
    parts = []
    for target, noun in (("pages", "links"), ("requisites", "requisites")):
        counts = {key.rsplit("/", 1)[-1]: int(value) for key, value in stats.items()
                  if key.startswith(f"scope/{target}/")}
        if counts:
            detail = ", ".join(f"{n} {LEFT_OUT.get(rule, rule)}" for rule, n in sorted(counts.items(), key=lambda x: -x[1]))
            parts.append(f"{sum(counts.values())} {noun} ({detail})")
    return ("left out        " + "; ".join(parts)) if parts else None
