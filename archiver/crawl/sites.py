"""The sites file: which news sites to crawl, how to find their articles, how often, how gently.

A TOML file with an optional ``[defaults]`` table and one ``[[site]]`` table per site;
see the README, "Sites file", for every key. ``load_sites()`` validates the whole file
and reports every problem at once, one per line, naming the site and the key.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.system.domains import registrable_domain
from archiver.scope.rules import ANY, REQUISITE_SCOPES, PageScope, RequisiteScope

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_INTERVAL = timedelta(hours=1)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DURATION_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Keys a site (or [defaults]) may have, with what each must be; [defaults] takes the
# ones that make sense for many sites.
SITE_KEYS = {
    "name": "a name of letters, digits, '.', '_' or '-'",
    "start": "a list of start page URLs (home page, section pages)",
    "feeds": "a list of RSS/Atom feed URLs",
    "sitemaps": "a list of sitemap URLs (sitemap indexes and Google News sitemaps too)",
    "robots_sitemaps": "true or false: also read the Sitemap: lines of robots.txt",
    "allowed_domains": "a list of host names the crawl may visit (subdomains included)",
    "allow": "a list of regular expressions; discovered URLs must match one",
    "deny": "a list of regular expressions; URLs matching one are never fetched",
    "max_age_days": "a number of days: older articles are skipped",
    "interval": 'a duration like "30m", "2h" or "1d"',
    "depth": "a number of link hops to follow from the start pages",
    "politeness": "a table with delay and concurrency",
    "browser": "true or false: render the site's pages in headless Chromium (browser mode)",
    "requisites": 'whose page requisites are captured: "site" (its own domains and requisite_hosts) or "any"',
    "requisite_hosts": "a list of host names (or name:port) whose requisites are captured too: the site's CDNs",
    "requisite_allow": "a list of regular expressions; captured requisites must match one",
    "requisite_deny": "a list of regular expressions; requisites matching one are never captured",
}
# The keys a crawl may set for every site (archiver crawl --scope KEY=VALUE, the SCOPE_* settings).
SCOPE_KEYS = ("allow", "deny", "requisites", "requisite_hosts", "requisite_allow", "requisite_deny")
DEFAULTS_KEYS = set(SITE_KEYS) - {"name", "start", "feeds", "sitemaps", "allowed_domains"}
POLITENESS_KEYS = {
    "delay": "seconds between requests to the site (a number >= 0)",
    "concurrency": "requests to the site at once (an integer >= 1)",
}


class SitesFileError(ValueError):
    """A sites file that cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Site:
    """One news site of a crawl: where to start, what to follow, when and how gently."""

    name: str
    start: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    robots_sitemaps: bool = True
    allowed_domains: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    max_age: timedelta | None = None
    interval: timedelta = DEFAULT_INTERVAL
    depth: int | None = None
    delay: float | None = None
    concurrency: int | None = None
    browser: bool = False  # render pages in headless Chromium (archiver.browser)
    # Page requisites captured (archiver.scope.rules.RequisiteScope): on any host, or the site's and these.
    requisites: str = ANY
    requisite_hosts: tuple[str, ...] = ()
    requisite_allow: tuple[str, ...] = ()
    requisite_deny: tuple[str, ...] = ()
    page_scope: PageScope = field(default=PageScope(()), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.allowed_domains:
            object.__setattr__(self, "allowed_domains", tuple(hosts_of(self.urls)))
        object.__setattr__(self, "page_scope", PageScope(self.allowed_domains, self.allow, self.deny))

    @property
    def urls(self) -> tuple[str, ...]:
        return self.start + self.feeds + self.sitemaps

    def in_scope(self, url: str) -> bool:
        """True when ``url`` is on one of the site's domains and not denied."""
        return self.page_scope.decide(url, discovered=False).allowed

    def follow_allowed(self, url: str) -> bool:
        """True when a discovered ``url`` (link, feed item, sitemap entry) may be fetched."""
        return self.page_scope.decide(url).allowed

    def requisite_scope(self, ignore_hosts: tuple[str, ...] = ()) -> RequisiteScope:
        """Which of its pages' requisites are captured; ``ignore_hosts``: REQUISITES_IGNORE_HOSTS."""
        domains = {registrable_domain(url) for url in self.urls}
        domains |= {registrable_domain(f"http://{domain}/") for domain in self.allowed_domains}
        return RequisiteScope(self.requisites, tuple(sorted(filter(None, domains))), self.requisite_hosts,
                              self.requisite_allow, self.requisite_deny, ignore_hosts)

    def slot_settings(self) -> dict[str, dict[str, Any]]:
        """``DOWNLOAD_SLOTS`` entries for the hosts this site names (its politeness overrides)."""
        overrides: dict[str, Any] = {}
        if self.delay is not None:
            overrides["delay"] = self.delay
        if self.concurrency is not None:
            overrides["concurrency"] = self.concurrency
        if not overrides:
            return {}
        hosts = set(hosts_of(self.urls)) | set(self.allowed_domains)
        return {host: dict(overrides) for host in sorted(hosts)}


def hosts_of(urls: Iterable[str]) -> list[str]:
    return sorted({(urlsplit(url).hostname or "").lower() for url in urls} - {""})


def site_from_urls(urls: Iterable[str], allowed_domains: Iterable[str] = (),
                   crawl_scope: Mapping[str, Any] | None = None, **options: Any) -> Site:
    """The one site of ``archiver crawl URL...``: start pages given on the command line, in the crawl's scope."""
    start = tuple(urls)
    hosts = hosts_of(start)
    problems: list[str] = []
    options = scope_options(crawl_scope or {}, problems) | options
    if problems:
        raise SitesFileError("scope: " + "; ".join(problems))
    return Site(name=hosts[0] if hosts else "crawl", start=start,
                allowed_domains=tuple(d.lower() for d in allowed_domains), **options)


def parse_duration(value: object) -> timedelta:
    match = DURATION_PATTERN.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError
    return timedelta(seconds=float(match.group(1)) * DURATION_UNITS[match.group(2)])


def load_sites(path: str | Path, only: Iterable[str] = (), crawl_scope: Mapping[str, Any] | None = None) -> list[Site]:
    """Read and validate a sites file; ``only`` keeps the sites with these names; ``crawl_scope`` gives the
    scope keys (``SCOPE_KEYS``) of sites that do not set them (the file's [defaults] win over it)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SitesFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SitesFileError(f"{path}: not valid TOML: {exc}") from None
    sites = parse_sites(data, str(path), crawl_scope)
    wanted = list(dict.fromkeys(only))
    if wanted:
        unknown = [name for name in wanted if name not in {s.name for s in sites}]
        if unknown:
            raise SitesFileError(f"{path}: no site named {', '.join(map(repr, unknown))} "
                                 f"(sites: {', '.join(s.name for s in sites)})")
        sites = [s for s in sites if s.name in wanted]
    return sites


def parse_sites(data: Mapping[str, Any], source: str = "sites file",
                crawl_scope: Mapping[str, Any] | None = None) -> list[Site]:
    """Validate the parsed TOML; raise ``SitesFileError`` listing every problem."""
    problems: list[str] = []
    for key in sorted(set(data) - {"defaults", "site"}):
        problems.append(f"unknown top-level key {key!r} (expected [defaults] and [[site]] tables)")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        problems.append("[defaults] must be a table")
        defaults = {}
    for key in sorted(set(defaults) - DEFAULTS_KEYS):
        problems.append(f"[defaults]: key {key!r} cannot be a default"
                        if key in SITE_KEYS else f"[defaults]: unknown key {key!r}")
    raw_sites = data.get("site", [])
    if not isinstance(raw_sites, list) or not raw_sites:
        problems.append("no [[site]] table: add one per site to crawl")
        raw_sites = []
    sites: list[Site] = []
    seen_names: set[str] = set()
    for number, raw in enumerate(raw_sites, 1):
        if not isinstance(raw, dict):
            problems.append(f"site #{number}: must be a [[site]] table")
            continue
        merged = dict(crawl_scope or {}) | {k: v for k, v in defaults.items() if k in DEFAULTS_KEYS} | raw
        label = f"site #{number}" + (f" {raw['name']!r}" if isinstance(raw.get("name"), str) else "")
        site_problems: list[str] = []
        site = _parse_site(merged, site_problems)
        problems += [f"{label}: {p}" for p in site_problems]
        if site is None:
            continue
        if site.name in seen_names:
            problems.append(f"{label}: name used by an earlier site")
        seen_names.add(site.name)
        sites.append(site)
    if problems:
        raise SitesFileError(f"{source}: " + ("\n  ".join([f"{len(problems)} problem(s):", *problems])))
    return sites


def _parse_site(raw: dict[str, Any], problems: list[str]) -> Site | None:
    def expect(key: str, ok: bool) -> bool:
        if not ok:
            problems.append(f"{key!r} must be {SITE_KEYS[key]}, got {raw[key]!r}")
        return ok

    for key in sorted(set(raw) - set(SITE_KEYS)):
        problems.append(f"unknown key {key!r} (known: {', '.join(SITE_KEYS)})")
    options: dict[str, Any] = {}
    name = raw.get("name")
    if name is None:
        problems.append("'name' is required")
    elif expect("name", isinstance(name, str) and bool(NAME_PATTERN.match(name))):
        options["name"] = name
    for key in ("start", "feeds", "sitemaps"):
        if key in raw and expect(key, _is_str_list(raw[key])):
            bad = [u for u in raw[key] if urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).hostname]
            if bad:
                problems.append(f"{key!r}: not an http(s) URL: {', '.join(map(repr, bad))}")
            options[key] = tuple(raw[key])
    if not any(options.get(k) for k in ("start", "feeds", "sitemaps")):
        problems.append("needs at least one of 'start', 'feeds' or 'sitemaps'")
    if "allowed_domains" in raw and expect("allowed_domains", _is_str_list(raw["allowed_domains"])):
        options["allowed_domains"] = tuple(d.lower().strip(".") for d in raw["allowed_domains"])
    options.update(scope_options(raw, problems))
    for key in ("robots_sitemaps", "browser"):
        if key in raw and expect(key, isinstance(raw[key], bool)):
            options[key] = raw[key]
    if "max_age_days" in raw and expect("max_age_days", _is_number(raw["max_age_days"]) and raw["max_age_days"] > 0):
        options["max_age"] = timedelta(days=raw["max_age_days"])
    if "interval" in raw:
        try:
            options["interval"] = parse_duration(raw["interval"])
        except ValueError:
            expect("interval", False)
        else:
            if options["interval"] <= timedelta(0):
                expect("interval", False)
    if "depth" in raw and expect("depth", _is_int(raw["depth"]) and raw["depth"] >= 0):
        options["depth"] = raw["depth"]
    politeness = raw.get("politeness", {})
    if expect("politeness", isinstance(politeness, dict)) if "politeness" in raw else True:
        for key in sorted(set(politeness) - set(POLITENESS_KEYS)):
            problems.append(f"politeness: unknown key {key!r} (known: {', '.join(POLITENESS_KEYS)})")
        if "delay" in politeness:
            if _is_number(politeness["delay"]) and politeness["delay"] >= 0:
                options["delay"] = float(politeness["delay"])
            else:
                problems.append(f"politeness: 'delay' must be {POLITENESS_KEYS['delay']}, got {politeness['delay']!r}")
        if "concurrency" in politeness:
            if _is_int(politeness["concurrency"]) and politeness["concurrency"] >= 1:
                options["concurrency"] = politeness["concurrency"]
            else:
                problems.append(f"politeness: 'concurrency' must be {POLITENESS_KEYS['concurrency']}, "
                                f"got {politeness['concurrency']!r}")
    if problems or "name" not in options:
        return None
    return Site(**options)


def scope_options(raw: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    """The ``Site`` fields of the scope keys in ``raw`` (``SCOPE_KEYS``); what is wrong goes to ``problems``."""
    options: dict[str, Any] = {}
    for key in ("allow", "deny", "requisite_allow", "requisite_deny", "requisite_hosts"):
        if key not in raw:
            continue
        if not _is_str_list(raw[key]):
            problems.append(f"{key!r} must be {SITE_KEYS[key]}, got {raw[key]!r}")
            continue
        if key == "requisite_hosts":
            options[key] = tuple(h.strip().lower().strip(".") for h in raw[key])
            continue
        for pattern in raw[key]:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{key!r}: bad regular expression {pattern!r}: {exc}")
        options[key] = tuple(raw[key])
    if "requisites" in raw:
        if raw["requisites"] in REQUISITE_SCOPES:
            options["requisites"] = raw["requisites"]
        else:
            problems.append(f"'requisites' must be {SITE_KEYS['requisites']}, got {raw['requisites']!r}")
    if options.get("requisite_hosts") and "requisites" not in raw:
        problems.append("'requisite_hosts' needs requisites = \"site\" (by default every host is captured)")
    return options


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
