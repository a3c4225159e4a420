"""URL clean-up before fetching: tracking parameters dropped, AMP mapped to the canonical page, dedup keys."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that say where a click came from, never which page it is.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid", "icid",
    "ito", "smid", "s_cid", "ref_src", "ref_url", "at_medium", "at_campaign", "ns_mchannel", "ns_source",
    "ns_campaign", "ns_linkname", "ns_fee", "oly_anon_id", "oly_enc_id", "vero_id", "wt_mc", "cid_source",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "sc_")
# ?amp, ?amp=1, ?outputType=amp ... mark the AMP rendering of the same article.
AMP_QUERY = {"amp": {"", "1", "true", "yes"}, "outputtype": {"amp"}, "_amp": {"true", "1"}}
AMP_PATH = re.compile(r"(?:/amp/?|/amp\.html|\.amp)$", re.IGNORECASE)
AMP_HTML = re.compile(r"\.amp\.html$", re.IGNORECASE)
# https://www-example-com.cdn.ampproject.org/c/s/www.example.com/path -> https://www.example.com/path
AMP_CACHE_PATH = re.compile(r"^/(?:[cv]/)?(s/)?([^/]+)(/.*)?$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def from_amp_cache(url: str) -> str:
    """The publisher's URL of a page served from the Google AMP cache or google.com/amp/; else ``url``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path
    if host.endswith(".cdn.ampproject.org"):
        pass
    elif host in ("www.google.com", "google.com") and path.startswith("/amp/"):
        path = path[len("/amp"):]
    else:
        return url
    match = AMP_CACHE_PATH.match(path)
    if not match:
        return url
    scheme = "https" if match.group(1) or host.endswith(".cdn.ampproject.org") else "http"
    return urlunsplit((scheme, match.group(2), match.group(3) or "/", parts.query, ""))


def clean_url(url: str) -> str:
    """``url`` without tracking parameters, fragment and AMP markers; the form to fetch."""
    url = from_amp_cache(url)
    parts = urlsplit(url)
    path = parts.path
    if AMP_HTML.search(path):
        path = AMP_HTML.sub(".html", path)
    elif AMP_PATH.search(path) and path.rstrip("/").lower() != "/amp":
        path = AMP_PATH.sub("/", path) if path.lower().endswith(("/amp", "/amp/")) else AMP_PATH.sub("", path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not is_tracking_param(k) and v.lower() not in AMP_QUERY.get(k.lower(), ())]
    new_query = urlencode(query) if len(query) != len(parse_qsl(parts.query, keep_blank_values=True)) else parts.query
    return urlunsplit((parts.scheme, parts.netloc, path, new_query, ""))


def url_key(url: str) -> str:
    """The dedup key of a URL: cleaned, then canonical (case, default port, query order, escapes)."""
    parts = urlsplit(clean_url(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return canonicalize_url(urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")))
