"""Page thumbnails for a WACZ: one ``urn:thumbnail:<page URL>`` resource record per page, in a WARC file of
their own, made when the WACZ is packaged (the crawl's WARC files are never changed).

ReplayWeb.page asks for the thumbnail of every page it lists (and shows a blank where there is
none), so every page gets one, from the first of these that can be had:

1. the page's screenshot from browser mode (``urn:screenshot:``), its top cut to the card's shape;
2. the picture the page declares for previews (``og:image``), its article's lead image, or the
   first picture on the page in a card-like shape (not a logo strip or a tracking pixel), each as
   archived in the WACZ's WARC files;
3. else a card with the site's name and the page's title.

Each record says which it is (``WARC-Archiver-Thumbnail-Source``) and, for 1 and 2, what it was
made from (``WARC-Refers-To-Target-URI``).
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from warcio.warcwriter import WARCWriter

import archiver
from archiver.warc.wacz_pages import SCREENSHOT_SCHEME, Inventory, Location, Page

SIZE = (320, 200)  # ReplayWeb.page shows them about 100 px wide: room for high-density screens
MAX_IMAGE_BYTES = 25 * 1024**2
MAX_PIXELS = 40_000_000  # a decompression bomb is skipped, not decoded
SOURCE_HEADER = "WARC-Archiver-Thumbnail-Source"
PAPER, INK, ACCENT = (251, 250, 247), (29, 29, 29), (26, 79, 139)


def _image(data: bytes | None, *, any_shape: bool):
    """A decoded image fit for a thumbnail, or None: too small, too thin (a logo strip), a bomb, not an image."""
    from PIL import Image

    if not data or len(data) > MAX_IMAGE_BYTES:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS or width < 64 or height < 40:
            return None
        if not any_shape and (width < 160 or height < 90 or not 0.5 <= width / height <= 2.6):
            return None
        image.load()
    except Exception:  # noqa: BLE001 - an archived file that is not an image Pillow reads: try the next picture
        return None
    return image.convert("RGB")


def _fit(image, top: bool = False):
    """Cover SIZE: scaled to fill it and cut to its shape (from the top for a screenshot, else the middle)."""
    from PIL import Image

    width, height = image.size
    scale = max(SIZE[0] / width, SIZE[1] / height)
    resized = image.resize((max(SIZE[0], round(width * scale)), max(SIZE[1], round(height * scale))),
                           Image.Resampling.LANCZOS)
    left = (resized.width - SIZE[0]) // 2
    upper = 0 if top else (resized.height - SIZE[1]) // 2
    return resized.crop((left, upper, left + SIZE[0], upper + SIZE[1]))


# Fonts with accents and typographic punctuation, where the system has one; else Pillow's own (ASCII only).
FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf")


def _font(size: int):
    """A font of ``size`` px and whether it has more than ASCII."""
    from PIL import ImageFont

    for name in FONTS:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size=size), False


def _ascii(text: str) -> str:
    text = text.translate({0x2013: "-", 0x2014: "-", 0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2026: "..."})
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).encode("ascii", "replace").decode()


def title_card(site: str, title: str):
    """A card with the site's name and the page's title, for a page without any picture."""
    from PIL import Image, ImageDraw

    card = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(card)
    draw.rectangle([0, 0, SIZE[0], 6], fill=ACCENT)
    small, unicode_ok = _font(13)
    large, _ = _font(20)
    shown = (lambda text: text) if unicode_ok else _ascii
    draw.text((16, 20), shown(site[:40].upper()), font=small, fill=ACCENT)
    lines = textwrap.wrap(shown(title), width=27)
    for n, line in enumerate(lines[:5]):
        draw.text((16, 46 + n * 28), line + ("\u2026" if n == 4 and len(lines) > 5 and unicode_ok else ""),
                  font=large, fill=INK)
    return card


def _jpeg(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def thumbnail(page: Page, inventory: Inventory, site_name: Callable[[str], str],
              cache: dict[str, bytes | None]) -> tuple[bytes, str, str | None]:
    """(JPEG bytes, where from, the URL it was made from) for one page."""
    if page.screenshot is not None:
        shot = _image(page.screenshot.payload(MAX_IMAGE_BYTES), any_shape=True)
        if shot is not None:
            return _jpeg(_fit(shot, top=True)), "screenshot", SCREENSHOT_SCHEME + page.url
    for url in page.pictures:
        # The picture a page declares for previews is taken whatever its shape; others must look like one.
        key = f"{url == page.declared} {url}"
        if key not in cache:  # one picture (a site's og:image, its logo) often serves many pages
            capture = inventory.images.get(url)
            location: Location | None = capture.location if capture else None
            image = _image(location.payload(MAX_IMAGE_BYTES) if location else None, any_shape=url == page.declared)
            cache[key] = _jpeg(_fit(image)) if image is not None else None
        made = cache[key]
        if made is not None:
            return made, "picture", url
    return _jpeg(title_card(site_name(page.url), page.title or page.url)), "title", None


def write_thumbnails(pages: list[Page], inventory: Inventory, path: Path,
                     site_name: Callable[[str], str] = lambda url: urlsplit(url).hostname or "") -> dict[str, int]:
    """Write the thumbnail WARC file at ``path``; how many thumbnails came from each source."""
    counts = {"screenshot": 0, "picture": 0, "title": 0}
    cache: dict[str, bytes | None] = {}
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
        info = writer.create_warcinfo_record(path.name, {
            "software": f"archiver {archiver.__version__}", "format": "WARC File Format 1.1",
            "description": "page thumbnails for ReplayWeb.page, made when the WACZ was packaged"})
        writer.write_record(info)
        for page in pages:
            data, source, made_from = thumbnail(page, inventory, site_name, cache)
            counts[source] += 1
            headers = {"WARC-Date": page.ts, SOURCE_HEADER: source}
            if made_from:
                headers["WARC-Refers-To-Target-URI"] = made_from
            record = writer.create_warc_record(f"urn:thumbnail:{page.url}", "resource", payload=io.BytesIO(data),
                                               length=len(data), warc_content_type="image/jpeg",
                                               warc_headers_dict=headers)
            writer.write_record(record)
    return counts


def index_lines(path: Path) -> list[str]:
    """The thumbnail WARC file's CDXJ lines (its resource records, which crawl indexes leave out)."""
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    CDXJIndexer(out, [str(path)], sort=True, records="resource", filename=path.name).process_all()
    return out.getvalue().splitlines(keepends=True)
