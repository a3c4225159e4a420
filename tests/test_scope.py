"""Capture scope: rules for pages and requisites, per crawl (--scope) and per site (the sites file), with the
reason a URL was left out in the log, the summary and `archiver crawl --explain`. The local site has three
origins: the pages' (127.0.0.1), a "CDN" (127.0.0.2, in scope) and a third (127.0.0.3, out of scope)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from archiver.scope.rules import PageScope, RequisiteScope
from archiver.crawl.sites import SitesFileError, parse_sites
from conftest import run_archiver
from requisites_site import BODY, Origin, png

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False"]


def build(pages: Origin, cdn: Origin, third: Origin) -> None:
    article = """<!doctype html><html><head><title>{title}</title><link rel="stylesheet" href="/css/site.css">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{title}",
"datePublished":"2024-05-01T10:00:00Z"}}</script></head><body><article><h1>{title}</h1>
<img src="{cdn}/photos/{n}.png"><img src="{third}/banners/{n}.png"><video poster="/media/{n}.jpg">
<source src="/media/{n}.mp4"></video><p>{body}</p><p>{body}</p></article></body></html>"""
    titles = ["Harbour council approves the bridge", "Winter market returns to the square"]
    for n, title in enumerate(titles):
        pages.add(f"/news/{n}.html", "text/html; charset=utf-8",
                  article.format(title=title, cdn=cdn.url, third=third.url, n=n, body=BODY))
        cdn.add(f"/photos/{n}.png", "image/png", png(40, 20, (10, 90, 10), (200, 200, 0)))
        third.add(f"/banners/{n}.png", "image/png", png(40, 20, (90, 10, 10), (0, 0, 0)))
        pages.add(f"/media/{n}.jpg", "image/jpeg", b"\xff\xd8 poster")
        pages.add(f"/media/{n}.mp4", "video/mp4", b"\0\0\0 ftyp")
    links = "".join(f'<a href="/news/{n}.html">{t}</a> ' for n, t in enumerate(titles))
    pages.add("/", "text/html; charset=utf-8", f"<html><head><title>Front</title></head><body>{links}"
              '<a href="/tag/harbour/">harbour</a></body></html>')
    pages.add("/tag/harbour/", "text/html; charset=utf-8", "<html><head><title>Tag</title></head><body>t</body></html>")
    pages.add("/css/site.css", "text/css", "body { margin: 0 }")


@pytest.fixture(scope="module")
def origins():
    pages, cdn, third = Origin("127.0.0.1").start(), Origin("127.0.0.2").start(), Origin("127.0.0.3").start()
    build(pages, cdn, third)
    yield pages, cdn, third
    for origin in (pages, cdn, third):
        origin.stop()


def crawl(origins, archive: Path, *args: str) -> tuple[str, str, list[dict], Counter]:
    for origin in origins:
        origin.hits.clear()
    done = run_archiver("crawl", *args, "--archive", str(archive), *FAST)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    records = [json.loads(line) for path in (archive / "articles").glob("*.jsonl") for line in path.read_text().splitlines()]
    hits = Counter(f"{name}:{path}" for name, origin in zip(("pages", "cdn", "third"), origins) for path in origin.hits)
    return done.stdout, done.stderr, records, hits


RULES = ["--scope", "requisites=site", "--scope", "requisite_hosts=127.0.0.2",
         "--scope", r"requisite_deny=\.mp4$", "--scope", "deny=/tag/"]


@pytest.fixture(scope="module")
def scoped_by_options(origins, tmp_path_factory):
    pages, *_ = origins
    return crawl(origins, tmp_path_factory.mktemp("options") / "archive", pages.url + "/", *RULES)


@pytest.fixture(scope="module")
def scoped_by_sites_file(origins, tmp_path_factory):
    pages, *_ = origins
    folder = tmp_path_factory.mktemp("sites")
    sites = folder / "sites.toml"
    sites.write_text(f"""[defaults]
requisite_deny = ['\\.mp4$']

[[site]]
name = "gazette"
start = ["{pages.url}/"]
deny = ["/tag/"]
requisites = "site"
requisite_hosts = ["127.0.0.2"]
""", encoding="utf-8")
    return crawl(origins, folder / "archive", "--sites", str(sites))


@pytest.mark.parametrize("scoped", ["scoped_by_options", "scoped_by_sites_file"])
def test_the_site_and_its_cdn_are_captured_a_third_origin_and_denied_urls_are_not(scoped, request):
    stdout, stderr, records, hits = request.getfixturevalue(scoped)
    assert hits["cdn:/photos/0.png"] == 1 and hits["cdn:/photos/1.png"] == 1  # the CDN: in scope
    assert hits["pages:/media/0.jpg"] == 1 and hits["pages:/css/site.css"] == 1  # the site's own
    assert not [h for h in hits if h.startswith("third:")]  # never asked
    assert not [h for h in hits if h.endswith(".mp4")] and not [h for h in hits if "/tag/" in h]
    assert len(records) == 2
    for record in records:
        capture = record["capture"]
        assert capture["excluded"] == 2 and capture["requisites"] == 3 and capture["complete"] is True, capture
    assert "left out        1 links (1 denied); 4 requisites (2 off the requisite hosts, 2 denied)" in stdout


def test_the_log_says_why_a_url_was_left_out(scoped_by_options):
    _, stderr, *_ = scoped_by_options
    assert "/banners/" in stderr and "host 127.0.0.3 is neither on the site's domains (127.0.0.1) nor one of " \
        "requisite_hosts" in stderr
    assert "matches requisite_deny pattern '\\\\.mp4$'" in stderr
    assert "/tag/harbour/: matches deny pattern '/tag/'" in stderr


def test_explain_says_for_each_url_what_the_scope_does_and_crawls_nothing(origins, tmp_path):
    pages, cdn, third = origins
    done = run_archiver("crawl", pages.url + "/", *RULES, "--archive", str(tmp_path / "archive"),
                        "--explain", f"{cdn.url}/photos/0.png", f"{third.url}/banners/0.png", f"{pages.url}/tag/x/",
                        "https://www.google-analytics.com/analytics.js")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "archive").exists()
    out = done.stdout
    assert (f"{cdn.url}/photos/0.png\n  site 127.0.0.1\n"
            "    as a page       left out: host 127.0.0.2 is not on the site's domains (127.0.0.1)\n"
            "    as a requisite  captured: host 127.0.0.2 is one of requisite_hosts (127.0.0.2)") in out
    assert ("    as a requisite  left out: host 127.0.0.3 is neither on the site's domains (127.0.0.1) nor one "
            "of requisite_hosts") in out
    assert "    as a page       left out: matches deny pattern '/tag/'" in out
    assert "left out: host is on REQUISITES_IGNORE_HOSTS (google-analytics.com): trackers and ad servers" in out


# -- the rules themselves


def test_page_rules_allow_and_deny():
    scope = PageScope(("meridian.example",), allow=(r"/20\d\d/",), deny=("/tag/",))
    assert scope.decide("https://www.meridian.example/2024/05/story").allowed
    assert scope.decide("https://www.meridian.example/about").why == "matches none of the allow patterns ('/20\\\\d\\\\d/')"
    assert scope.decide("https://www.meridian.example/about", discovered=False).allowed  # a start page
    assert scope.decide("https://www.meridian.example/tag/x").rule == "deny"
    assert scope.decide("https://other.example/2024/").rule == "offsite"


def test_requisite_rules_site_named_hosts_ports_allow_and_deny():
    scope = RequisiteScope("site", ("meridian.example",), ("cdn.example.net", "127.0.0.1:8080"),
                           allow=(r"\.(png|css)$",), deny=("/ads/",), ignore_hosts=("doubleclick.net",))
    assert scope.decide("https://static.meridian.example/a.png").rule == "site-host"  # subdomains of the site
    assert scope.decide("https://img.cdn.example.net/a.png").rule == "requisite-host"
    assert scope.decide("http://127.0.0.1:8080/a.png").allowed and not scope.decide("http://127.0.0.1:9/a.png").allowed
    assert scope.decide("https://static.meridian.example/a.js").rule == "requisite-not-allowed"
    assert scope.decide("https://static.meridian.example/ads/a.png").rule == "requisite-deny"
    assert scope.decide("https://ad.doubleclick.net/a.png").rule == "ignored-host"
    assert scope.decide("https://elsewhere.example/a.png").rule == "other-host"


@pytest.mark.parametrize("site, problem", [
    ({"requisites": "cdn"}, "'requisites' must be"),
    ({"requisite_hosts": ["cdn.example.net"]}, "'requisite_hosts' needs requisites = \"site\""),
    ({"requisites": "site", "requisite_deny": ["(unclosed"]}, "'requisite_deny': bad regular expression"),
    ({"requisites": "site", "requisite_hosts": "cdn.example.net"}, "'requisite_hosts' must be a list"),
])
def test_bad_scope_keys_in_the_sites_file_are_reported(site, problem):
    with pytest.raises(SitesFileError, match=problem.replace("(", r"\(")):
        parse_sites({"site": [{"name": "s", "start": ["https://s.example/"], **site}]})


def test_bad_scope_options_are_one_line_usage_errors(tmp_path):
    for value, message in (("requisite=site", "--scope takes KEY=VALUE with KEY one of"),
                           ("requisites=cdn", "'requisites' must be")):
        done = run_archiver("crawl", "http://127.0.0.1:9/", "--scope", value, "--archive", str(tmp_path / "a"))
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
