"""`archiver wacz` for ReplayWeb.page: every HTML page the crawl archived is in the WACZ's page list (articles
marked), each with a thumbnail; loaded in ReplayWeb.page itself (headless Chromium), all of them are listed and no
thumbnail is missing. Thumbnails come from browser-mode screenshots, else the page's own picture, else its title."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.warc.thumbnails import SIZE, SOURCE_HEADER, write_thumbnails
from archiver.warc.wacz_pages import html_pages, take_inventory
from conftest import run_archiver
from reading_helpers import browser
from replaywebpage import serving


def html_pages_in(warcs: list[Path]) -> set[str]:
    """What an archivist counts as the crawl's pages: 200 HTML responses (and revisits of them), read with warcio."""
    urls = set()
    for path in warcs:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit") and record.http_headers is not None:
                    kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0]
                    if record.http_headers.get_statuscode() == "200" and kind == "text/html":
                        urls.add(record.rec_headers.get_header("WARC-Target-URI"))
    return urls


@pytest.fixture(scope="module")
def demo_wacz(demo_crawl, tmp_path_factory):
    output = tmp_path_factory.mktemp("wacz") / "demo.wacz"
    done = run_archiver("wacz", "--archive", str(demo_crawl.archive), "-o", str(output))
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(output) as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()][1:]
    return output, pages, done.stdout


def test_the_page_list_holds_every_archived_html_page_with_the_articles_marked(demo_crawl, demo_wacz, expected):
    _output, pages, printed = demo_wacz
    assert {p["url"] for p in pages} == html_pages_in(demo_crawl.warc_files)  # home, sections, articles, about...
    assert len({p["url"] for p in pages}) == len(pages)
    articles = {p["url"] for p in pages if p["kind"] == "article"}
    assert articles == {r["url"] for r in demo_crawl.records} and len(articles) == len(expected["articles"])
    assert all(p["title"] and p["ts"] and p["id"] for p in pages)
    assert f"pages           {len(pages)} ({len(articles)} articles)" in printed


def test_replaywebpage_lists_every_page_with_its_thumbnail(demo_wacz, tmp_path):
    output, pages, _printed = demo_wacz
    missing = []
    with serving(tmp_path / "site", output) as address, browser(viewport={"width": 1280, "height": 2600}) as page:
        page.on("response", lambda r: missing.append(r.url) if "urn:thumbnail:" in r.url and r.status >= 400 else None)
        page.goto(address)
        entries = page.locator("wr-page-entry")
        entries.nth(len(pages) - 1).wait_for(timeout=60_000)
        assert entries.count() == len(pages)
        listed = " ".join(entries.evaluate_all("entries => entries.map(e => e.shadowRoot.textContent)"))
        assert [p for p in pages if p["url"] not in listed or p["title"] not in listed] == [], listed
        # The app shows a page's thumbnail while it loads and swaps a failed one for the site's icon.
        thumbnails = page.locator("wr-page-entry img.thumbnail")
        for handle in thumbnails.element_handles():
            page.wait_for_function("img => img.complete", arg=handle, timeout=30_000)
        sizes = [page.evaluate("img => img.naturalWidth", handle) for handle in thumbnails.element_handles()]
        assert len(sizes) == len(pages) and all(width == SIZE[0] for width in sizes), sizes
    assert missing == []


def _png(color: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def test_thumbnails_come_from_screenshots_then_the_pages_pictures_then_their_titles(tmp_path):
    """A crawl's WARC as archiver writes them (browser mode's urn:screenshot: records included), made with warcio."""
    site = "http://news.example"
    pages = {
        f"{site}/shot/": '<title>Shot</title><img src="/logo.png">',  # browser mode left a screenshot
        f"{site}/declared/": '<title>Declared</title><meta property="og:image" content="/strip.png">',
        f"{site}/pictured/": '<title>Pictured</title><img src="/logo.png"><img src="/photo.png">',
        f"{site}/bare/": "<title>Nothing but a logo</title><img src='/logo.png'>",
    }
    images = {f"{site}/logo.png": _png((0, 0, 255), (300, 60)), f"{site}/strip.png": _png((0, 255, 0), (600, 100)),
              f"{site}/photo.png": _png((255, 0, 0), (640, 360))}
    shot = _png((255, 255, 0), (1280, 3000))
    warc = tmp_path / "crawl.warc.gz"
    with open(warc, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body in [*((u, b.encode()) for u, b in pages.items()), *images.items()]:
            kind = "text/html" if url.endswith("/") else "image/png"
            headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
        writer.write_record(writer.create_warc_record(f"urn:screenshot:{site}/shot/", "resource",
                                                      payload=io.BytesIO(shot), warc_content_type="image/png"))
    inventory = take_inventory([warc], [warc])
    found = html_pages(inventory, {})
    assert [p.url for p in found] == list(pages)
    counts = write_thumbnails(found, inventory, tmp_path / "thumbnails.warc.gz")
    assert counts == {"screenshot": 1, "picture": 2, "title": 1}
    from PIL import Image

    with open(tmp_path / "thumbnails.warc.gz", "rb") as fh:
        made = {r.rec_headers.get_header("WARC-Target-URI"): (r.rec_headers.get_header(SOURCE_HEADER),
                                                               Image.open(io.BytesIO(r.content_stream().read())))
                for r in ArchiveIterator(fh) if r.rec_type == "resource"}
    colour = {url: (source, image.size, image.convert("RGB").getpixel((SIZE[0] // 2, SIZE[1] // 2)))
              for url, (source, image) in made.items()}
    near = lambda a, b: all(abs(x - y) < 40 for x, y in zip(a, b))  # noqa: E731 - JPEG shifts colours a little
    assert colour[f"urn:thumbnail:{site}/shot/"][0] == "screenshot" and near(colour[f"urn:thumbnail:{site}/shot/"][2], (255, 255, 0))
    assert colour[f"urn:thumbnail:{site}/declared/"][0] == "picture"  # the declared picture, whatever its shape
    assert near(colour[f"urn:thumbnail:{site}/declared/"][2], (0, 255, 0))
    assert near(colour[f"urn:thumbnail:{site}/pictured/"][2], (255, 0, 0))  # the photo, not the logo strip
    assert colour[f"urn:thumbnail:{site}/bare/"][0] == "title"  # a logo is no thumbnail: a title card
    assert all(size == SIZE for _source, size, _pixel in colour.values())
