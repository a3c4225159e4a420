"""The ``site`` of a URL: its registrable domain, from the public suffix list bundled with tldextract.

``news.bbc.co.uk`` → ``bbc.co.uk``, ``www.lemonde.fr`` → ``lemonde.fr``. The list is
the snapshot tldextract ships (ICANN section only, so ``*.github.io`` pages share
``github.io``); it is never fetched: a crawl or an export must not depend on the network
for a column's value, and the same archiver version must always give the same site.
IP addresses and single-label hosts (``localhost``) are their own site.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # suffix_list_urls=(): the bundled snapshot only; cache_dir=None: nothing written to disk.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def load_suffix_list() -> None:
    """Load tldextract and its suffix list now (a few tenths of a second of CPU): done before a
    pool of worker processes forks, they share it instead of each loading it again."""
    _extractor()


@lru_cache(maxsize=4096)
def _registrable(host: str) -> str:
    parts = _extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


def registrable_domain(url: str | None) -> str | None:
    """The registrable domain of ``url``'s host, lower case; ``None`` when the URL has no host."""
    try:
        host = (urlsplit(url or "").hostname or "").strip(".").lower()
    except ValueError:
        return None
    return _registrable(host) if host else None
