"""Article links from RSS and Atom feeds (moved to ``archiver.discovery.feeds``; kept for imports)."""

from __future__ import annotations

from archiver.discovery.feeds import feed_links, parse_feed

__all__ = ["feed_links", "parse_feed"]
