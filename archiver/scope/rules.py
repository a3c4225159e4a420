"""The scope rules of one site, as decisions that say why: pages (links followed) and requisites (captured).

Pages: a URL is in scope when its host is one of the site's ``allowed_domains`` (subdomains
included) and it matches no ``deny`` pattern; a discovered URL (link, feed item, sitemap entry)
must also match an ``allow`` pattern when there are any.

Requisites (what a page needs to render): ``requisites = "any"`` captures them on any host,
``"site"`` only on the site's own registrable domains (``www.meridian.example`` →
``meridian.example`` and every subdomain) and on the ``requisite_hosts`` named (its CDNs). Then
``requisite_deny`` patterns leave URLs out, and ``requisite_allow`` patterns, when given, keep only
the URLs matching one. Hosts on ``REQUISITES_IGNORE_HOSTS`` (trackers, ad servers) are left out
whatever the rules say.

Host entries are names (subdomains included) or ``name:port`` (that port only). Patterns are
Python regular expressions searched anywhere in the URL, as Scrapy's LinkExtractor does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit


ANY, SITE = "any", "site"
REQUISITE_SCOPES = (ANY, SITE)

# Why a URL is in or out, as a person reads it; ``rule`` names the rule in stats (scope/<target>/<rule>).
WHY = {
    "domain": "host {value} is on the site's domains ({extra})",
    "offsite": "host {value} is not on the site's domains ({extra})",
    "deny": "matches deny pattern {value!r}",
    "not-allowed": "matches none of the allow patterns ({extra})",
    "ignored-host": "host is on REQUISITES_IGNORE_HOSTS ({value}): trackers and ad servers",
    "requisite-deny": "matches requisite_deny pattern {value!r}",
    "any-host": "requisites = \"any\": any host",
    "site-host": "host {value} is on the site's domain {extra}",
    "requisite-host": "host {value} is one of requisite_hosts ({extra})",
    "other-host": "host {value} is neither on the site's domains ({extra}) nor one of requisite_hosts",
    "requisite-not-allowed": "matches none of the requisite_allow patterns ({extra})",
}


@dataclass(frozen=True)
class Decision:
    """In or out, by which rule; ``why`` says it in words."""

    allowed: bool
    rule: str
    value: str = ""
    extra: str = ""

    @property
    def why(self) -> str:
        return WHY[self.rule].format(value=self.value, extra=self.extra)


def host_and_port(url: str) -> tuple[str, int | None]:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None


def matching_host(host: str, port: int | None, entries: tuple[str, ...]) -> str | None:
    """The entry of ``entries`` (``name`` with its subdomains, or ``name:port``) that ``host`` falls under."""
    for entry in entries:
        name, colon, entry_port = entry.partition(":")
        if (host == name or host.endswith("." + name)) and (not colon or str(port) == entry_port):
            return entry
    return None


def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _first_match(patterns: tuple[re.Pattern[str], ...], url: str) -> re.Pattern[str] | None:
    return next((p for p in patterns if p.search(url)), None)


@dataclass(frozen=True)
class PageScope:
    domains: tuple[str, ...]  # allowed_domains
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    _allow: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)
    _deny: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_allow", _compile(self.allow))
        object.__setattr__(self, "_deny", _compile(self.deny))

    def decide(self, url: str, discovered: bool = True) -> Decision:
        """``discovered``: a link, feed item or sitemap entry (``allow`` applies), not a start page or feed."""
        host, _ = host_and_port(url)
        domains = ", ".join(self.domains)
        domain = next((d for d in self.domains if host == d or host.endswith("." + d)), None)
        if domain is None:
            return Decision(False, "offsite", host, domains)
        denied = _first_match(self._deny, url)
        if denied is not None:
            return Decision(False, "deny", denied.pattern)
        if discovered and self._allow and _first_match(self._allow, url) is None:
            return Decision(False, "not-allowed", extra=", ".join(map(repr, self.allow)))
        return Decision(True, "domain", host, domain)


@dataclass(frozen=True)
class RequisiteScope:
    scope: str = ANY
    site_domains: tuple[str, ...] = ()  # registrable domains of the site's hosts
    hosts: tuple[str, ...] = ()  # requisite_hosts
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    ignore_hosts: tuple[str, ...] = ()  # REQUISITES_IGNORE_HOSTS: hosts or host/path prefixes
    _allow: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)
    _deny: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)
    _ignored_hosts: dict[str, list[tuple[str, str]]] = field(default_factory=dict, init=False, repr=False,
                                                             compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_allow", _compile(self.allow))
        object.__setattr__(self, "_deny", _compile(self.deny))
        for entry in self.ignore_hosts:  # host -> [(path prefix or "", entry)]
            host, slash, path = entry.partition("/")
            self._ignored_hosts.setdefault(host, []).append(("/" + path if slash else "", entry))

    def decide(self, url: str) -> Decision:
        host, port = host_and_port(url)
        ignored = self._ignored(url, host)
        if ignored is not None:
            return Decision(False, "ignored-host", ignored)
        denied = _first_match(self._deny, url)
        if denied is not None:
            return Decision(False, "requisite-deny", denied.pattern)
        if self.scope == ANY:
            decision = Decision(True, "any-host")
        else:
            site = matching_host(host, None, self.site_domains)
            named = matching_host(host, port, self.hosts)
            if site is not None:
                decision = Decision(True, "site-host", host, site)
            elif named is not None:
                decision = Decision(True, "requisite-host", host, named)
            else:
                return Decision(False, "other-host", host, ", ".join(self.site_domains))
        if self._allow and _first_match(self._allow, url) is None:
            return Decision(False, "requisite-not-allowed", extra=", ".join(map(repr, self.allow)))
        return decision

    def _ignored(self, url: str, host: str) -> str | None:
        """The REQUISITES_IGNORE_HOSTS entry ``url`` falls under: its host or a parent domain, and path prefix."""
        if not self._ignored_hosts:
            return None
        labels = host.split(".")
        for start in range(len(labels)):
            for prefix, entry in self._ignored_hosts.get(".".join(labels[start:]), ()):
                if not prefix or urlsplit(url).path.startswith(prefix):
                    return entry
        return None
