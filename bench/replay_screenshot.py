"""Screenshot of a replayed demo article, for the docs: docs/images/replay-demo.png.

    ARCHIVER_PYWB_VENV=/path/to/pywb-venv python bench/replay_screenshot.py [--output PATH]

Runs ``archiver demo`` into a temporary archive (the demo site is stopped when it
returns), serves that archive with ``archiver replay --frameless`` and saves what
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) shows for the
demo's seed article. Prints the article's requisites as its record counts them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = "/world/2021/09/06/taliban-gains-control-of-panjshir-valley/"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--font-render-hinting=none"]


def archiver(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archiver", *args], cwd=REPO, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "images" / "replay-demo.png")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "archive"
        archiver("demo", "--archive", str(archive), check=True, stdout=subprocess.DEVNULL)
        records = [json.loads(line) for path in (archive / "articles").glob("*.jsonl")
                   for line in path.read_text(encoding="utf-8").splitlines()]
        [record] = [r for r in records if r["url"].endswith(SEED)]
        replay = subprocess.Popen([sys.executable, "-m", "archiver", "replay", "--archive", str(archive), "--port", "0",
                                   "--frameless"], cwd=REPO, stdout=subprocess.PIPE, text=True)
        try:
            base = replay.stdout.readline().split()[1].rstrip("/")
            for line in replay.stdout:
                if line.strip() == "serving":
                    break
            stamp = "".join(ch for ch in record["fetched_at"] if ch.isdigit())[:14]
            url = f"{base}/{stamp}/{record['url']}"
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1000, "height": 900}, device_scale_factor=1)
                page.goto(url, wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                page.wait_for_timeout(300)
                args.output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.output))
                browser.close()
        finally:
            replay.terminate()
            replay.wait(timeout=20)
    capture = record["capture"]
    print(f"{args.output}: {url}")
    print(f"requisites of the article: {capture['requisites']} ({capture['archived']} archived, "
          f"{capture['missing_count']} missing)")


if __name__ == "__main__":
    main()
