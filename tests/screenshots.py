"""Screenshots in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) and a pixel compare."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import IN_CI

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--font-render-hinting=none"]
VIEWPORT = {"width": 900, "height": 700}


def chromium_path() -> str:
    """Debian's chromium (CI installs it); skipped with the reason elsewhere, a failure in CI."""
    path = os.environ.get("ARCHIVER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright  # noqa: F401
    except ImportError:
        path = None
    if not path:
        if IN_CI:
            pytest.fail("chromium or the playwright package is missing: .ci/run installs both")
        pytest.skip("chromium (apt install chromium) or playwright (pip install '.[test]') not found")
    return path


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser, one page context per screenshot."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(browser: object, url: str, path: Path) -> Path:
    """Load ``url``, wait for its fonts and images, save a full-page PNG at ``path``."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(url, wait_until="load", timeout=30_000)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=10_000)
        page.wait_for_timeout(300)  # the lazy-image script's swap and a last paint
        page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    finally:
        context.close()
    return path


def differing_pixels(first: Path, second: Path) -> float:
    """The share of pixels (0..1) that differ between two screenshots; 1.0 when their sizes differ."""
    from PIL import Image, ImageChops

    with Image.open(first) as a, Image.open(second) as b:
        if a.size != b.size:
            return 1.0
        difference = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L")
        changed = sum(difference.point(lambda value: 255 if value else 0).histogram()[255:])
        return changed / (a.size[0] * a.size[1])
