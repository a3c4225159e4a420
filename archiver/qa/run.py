"""``archiver qa``: every page of an archive (or a sample, or one crawl's) replayed and scored, on worker processes.

The archive is read once into a lookup table (``index.py``) in a scratch folder; the pages
are cut into tasks of a few pages each; each task starts one Chromium, replays its pages
(``replay.py``) and scores them (``compare.py``). A Chromium that crashes is started again and
the page replayed once more; a page that still fails is reported as failed, never dropped.
The verdicts go to ``<archive>/qa/<time>-qa.jsonl`` (one line per page) and to the table the
reading room reads (``results.py``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from w3lib.encoding import http_content_type_encoding

from archiver.datasets import workers
from archiver.qa.compare import MIN_SCORE, judge, text_similarity, visible_words, visual_similarity
from archiver.qa.index import ArchiveIndex, Page, build_index
from archiver.qa.replay import REPLAY_LAUNCH_ARGS, Observation, ReplaySettings, replay
from archiver.qa.results import save_verdicts
from archiver.warc.files import find_warc_files

logger = logging.getLogger(__name__)

PAGES_PER_TASK = 8  # a task starts one Chromium (about half a second) for this many pages
REPORT_DIR = "qa"


class QaError(Exception):
    """QA cannot run; the message is one line for the user."""


@dataclass(frozen=True)
class QaOptions:
    archive: Path
    executable: str
    settings: ReplaySettings = ReplaySettings()
    crawl: str | None = None  # only the pages of this crawl (the warcinfo record's ``crawl``)
    files: frozenset[str] | None = None  # only the pages in these WARC files (resolved paths)
    sample: int | None = None  # this many pages, drawn at random (``seed``)
    seed: int = 0
    min_score: float = MIN_SCORE
    screenshots: Path | None = None  # save each replay's screenshot (and the capture's) here


@dataclass(frozen=True)
class PageTask:
    index: Path
    pages: tuple[Page, ...]
    options: QaOptions


@dataclass
class QaReport:
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    pages_found: int = 0
    seconds: float = 0.0
    workers: int = 1
    report: Path | None = None
    restarts: int = 0

    @property
    def ok(self) -> int:
        return sum(1 for v in self.verdicts if v["ok"])

    def worst(self, count: int) -> list[dict[str, Any]]:
        return sorted(self.verdicts, key=lambda v: (v["score"], v["url"]))[:count]


def run_qa(options: QaOptions, runner: workers.Runner | None = None) -> QaReport:
    """Check the archive's pages (see the module docstring); raises ``QaError`` when it cannot run."""
    started = time.monotonic()
    warcs, _still_open = find_warc_files(options.archive)
    if not warcs:
        raise QaError(f"no WARC files in {options.archive / 'warc'}")
    runner = runner or workers.InlineRunner()
    report = QaReport(workers=runner.workers)
    scratch = Path(tempfile.mkdtemp(prefix="archiver-qa-"))
    try:
        index_path = build_index(warcs, options.archive, scratch / "index.sqlite")
        index = ArchiveIndex(index_path)
        try:
            if options.crawl and options.crawl not in index.crawls():
                raise QaError(f"no crawl {options.crawl!r} in this archive; its crawls: "
                              + (", ".join(index.crawls()) or "none named"))
            pages = list(index.pages(options.crawl, options.files))
        finally:
            index.close()
        report.pages_found = len(pages)
        if options.sample is not None and options.sample < len(pages):
            pages = sorted(random.Random(options.seed).sample(pages, options.sample), key=pages.index)
        if options.screenshots is not None:
            options.screenshots.mkdir(parents=True, exist_ok=True)
        size = max(1, min(PAGES_PER_TASK, -(-len(pages) // max(1, runner.workers))))
        tasks = (PageTask(index_path, tuple(pages[i:i + size]), options) for i in range(0, len(pages), size))
        for results in runner.map(check_pages, tasks, workers.Tally(), lambda: None):
            report.verdicts += results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report.restarts = sum(v.pop("_restarts", 0) for v in report.verdicts)
    report.seconds = time.monotonic() - started
    if report.verdicts:
        report.report = write_report(options.archive, report.verdicts)
    return report


def write_report(archive: Path, verdicts: list[dict[str, Any]]) -> Path:
    now = datetime.now(timezone.utc)
    folder = archive / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now:%Y%m%dT%H%M%SZ}-{os.getpid()}-qa.jsonl"
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        for verdict in verdicts:
            out.write(json.dumps(verdict, ensure_ascii=False) + "\n")
    os.replace(partial, path)
    save_verdicts(archive, verdicts, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return path


# -- in a worker


def check_pages(task: PageTask) -> list[dict[str, Any]]:
    """One task: its pages replayed in one Chromium and scored (runs in a worker process)."""
    return asyncio.run(_check_pages(task))


async def _check_pages(task: PageTask) -> list[dict[str, Any]]:
    from playwright.async_api import async_playwright

    index = ArchiveIndex(task.index)
    results = []
    try:
        async with async_playwright() as driver:
            browser = None
            for number, page in enumerate(task.pages):
                restarts = 0
                try:
                    for attempt in range(2):
                        if browser is None or not browser.is_connected():
                            browser = await _launch(driver, task.options.executable)
                            restarts += attempt > 0
                        wanted = page.screenshot is not None or task.options.screenshots is not None
                        settings = dataclasses.replace(task.options.settings, render=dataclasses.replace(
                            task.options.settings.render, screenshot=wanted))
                        seen = await replay(browser, page, index, settings)
                        if browser.is_connected() or attempt:
                            break  # a crashed browser: started again, the page replayed once more
                    verdict = assess(page, seen, index, task.options)
                except Exception as error:  # noqa: BLE001 - a damaged record or a browser that will not start
                    logger.warning("Could not check %s: %s", page.url, error, exc_info=True)
                    verdict = assess(page, Observation(error=f"could not check: {error}"), index, task.options)
                verdict["_restarts"] = restarts
                results.append(verdict)
                workers.report(0, 1)
            if browser is not None:
                await browser.close()
    finally:
        index.close()
    return results


async def _launch(driver: Any, executable: str) -> Any:
    return await driver.chromium.launch(executable_path=executable, args=REPLAY_LAUNCH_ARGS, headless=True)


def assess(page: Page, seen: Observation, index: ArchiveIndex, options: QaOptions) -> dict[str, Any]:
    """The page's verdict as one JSON-ready dict (a line of the report)."""
    head = {"url": page.url, "date": page.date, "record_id": page.record_id, "crawl": page.crawl,
            "reference": "screenshot" if page.screenshot else ("dom" if page.dom else "html")}
    if seen.error:
        return {**head, "score": 0.0, "ok": False, "visual": None, "text": None, "requisites": None,
                "missing_count": seen.missing_count, "missing": seen.missing, "reasons": [seen.error],
                "seconds": round(seen.seconds, 2)}
    visual = None
    if page.screenshot is not None and seen.screenshot:
        captured_png = index.read_payload(page.screenshot)
        visual = visual_similarity(captured_png, seen.screenshot)
        _save_screenshots(options.screenshots, page, seen.screenshot, captured_png)
    else:
        _save_screenshots(options.screenshots, page, seen.screenshot, None)
    text = text_similarity(_captured_words(page, index), visible_words(seen.dom))
    verdict = judge(visual, text, seen.missing, options.min_score)
    return {**head, "score": verdict.score, "ok": verdict.ok, "visual": verdict.visual, "text": verdict.text,
            "requisites": verdict.requisites, "missing_count": seen.missing_count, "missing": seen.missing,
            "reasons": verdict.reasons, "seconds": round(seen.seconds, 2)}


def _captured_words(page: Page, index: ArchiveIndex):
    """The words the capture had: its rendered DOM, else its HTML as archived."""
    if page.dom is not None:
        return visible_words(index.read_payload(page.dom))
    served = index.serve(page.file, page.offset, page.record_id)
    if served is None:
        return visible_words(b"")
    content_type = next((v for k, v in served.headers if k.lower() == "content-type"), "")
    return visible_words(served.body, http_content_type_encoding(content_type))


def _save_screenshots(folder: Path | None, page: Page, replayed: bytes | None, captured: bytes | None) -> None:
    if folder is None or replayed is None:
        return
    stem = page.record_id.strip("<>").rsplit(":", 1)[-1]
    (folder / f"{stem}-replay.png").write_bytes(replayed)
    if captured is not None:
        (folder / f"{stem}-capture.png").write_bytes(captured)
