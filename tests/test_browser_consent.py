"""Consent walls in browser mode: a OneTrust banner and a Didomi banner that shows late are dismissed (rejected)
before the DOM and the screenshot are taken; with --keep-consent-banners they stay."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import lxml.html
import pytest

from test_browser import chromium, crawl

ONETRUST = "/news/2026/tide-tables-change/"
DIDOMI = "/news/2026/lighthouse-keeper-retires/"
BANNER_COLOUR = (255, 0, 255)
TEXT = " ".join(["The harbour master said the new tables would be posted at the quay and on the ferry"] * 6)
CONSENT_JS = """
function decided(answer) {
  document.body.dataset.consent = answer;
  document.cookie = 'consent=' + answer + '; path=/';
  document.querySelectorAll('.banner').forEach(b => b.remove());
}
"""
ONETRUST_BANNER = """<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk" class="banner">We and our partners
use cookies to measure our audience. <button id="onetrust-accept-btn-handler" onclick="decided('accepted')">Accept
</button><button id="onetrust-reject-all-handler" onclick="decided('rejected')">Reject all</button></div></div>"""
# Didomi's script is on the page at once; its banner comes half a second after the load event.
DIDOMI_LATE = """<script>window.Didomi = {};
window.addEventListener('load', () => setTimeout(() => document.body.insertAdjacentHTML('beforeend',
  '<div id="didomi-host"><div id="didomi-notice" class="banner">Your choices about cookies '
  + '<button id="didomi-notice-agree-button" onclick="decided(\\'accepted\\')">Agree</button>'
  + '<button id="didomi-notice-disagree-button" onclick="decided(\\'rejected\\')">Disagree</button></div></div>'),
  500));</script>"""
STYLE = (".banner { position: fixed; left: 0; right: 0; bottom: 0; height: 120px; background: rgb(255, 0, 255); "
         "color: #fff; font: 20px sans-serif; }")


def page(title: str, banner: str) -> bytes:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "datePublished": "2026-06-01T08:00:00Z"}
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style>'
            f'<script type="application/ld+json">{json.dumps(ld)}</script><script>{CONSENT_JS}</script></head>'
            f'<body><article><h1>{title}</h1>' + "".join(f"<p>{TEXT} ({n}).</p>" for n in range(5))
            + f"</article>{banner}</body></html>").encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        pages = {ONETRUST: page("Tide tables change for the summer", ONETRUST_BANNER),
                 DIDOMI: page("Lighthouse keeper retires after forty years", DIDOMI_LATE)}
        body = pages.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    chromium()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    folder = tmp_path_factory.mktemp("consent")
    try:
        dismissed = crawl(folder / "dismissed", url + ONETRUST, url + DIDOMI, "--browser")
        kept = crawl(folder / "kept", url + ONETRUST, "--browser", "--keep-consent-banners")
    finally:
        server.shutdown()
        server.server_close()
    return url, dismissed, kept


def snapshot(result, url: str) -> tuple[bytes, object]:
    """The page's rendered DOM and its screenshot (as a PIL image)."""
    from PIL import Image

    [dom] = [r.body for r in result.records_of("conversion") if r.rec_headers.get_header("WARC-Target-URI") == url]
    [shot] = [r.body for r in result.records_of("resource")
              if r.rec_headers.get_header("WARC-Target-URI") == "urn:screenshot:" + url]
    return dom, Image.open(io.BytesIO(shot)).convert("RGB")


def colours(image) -> set[tuple[int, int, int]]:
    return {colour for _count, colour in image.getcolors(maxcolors=1 << 24)}


@pytest.mark.parametrize("path, framework", [(ONETRUST, "onetrust"), (DIDOMI, "didomi")])
def test_consent_banners_are_rejected_before_the_snapshot(crawls, path, framework):
    url, dismissed, _ = crawls
    [record] = [r for r in dismissed.records if r["url"] == url + path]
    assert record["browser"]["consent"] == {"framework": framework, "action": "reject"}
    dom, image = snapshot(dismissed, url + path)
    tree = lxml.html.fromstring(dom)
    assert tree.body.get("data-consent") == "rejected"
    assert not tree.xpath('//*[@id="onetrust-banner-sdk" or @id="didomi-notice"]')
    assert BANNER_COLOUR not in colours(image)  # not in the screenshot either
    assert "cookies" not in record["body"].lower()
    assert "2 consent banner(s) dismissed" in dismissed.stdout


def test_with_keep_consent_banners_the_banner_stays(crawls):
    url, _, kept = crawls
    [record] = kept.records
    assert record["browser"]["consent"] is None
    dom, image = snapshot(kept, url + ONETRUST)
    tree = lxml.html.fromstring(dom)
    assert tree.xpath('//*[@id="onetrust-banner-sdk"]') and tree.body.get("data-consent") is None
    assert BANNER_COLOUR in colours(image)
