"""Screenshots of the reading room for the docs: docs/images/reading-{search,article,diff,browse}.png.

    ARCHIVER_PYWB_VENV=/path/to/pywb-venv python bench/reading_screenshots.py [--output DIR]

Runs ``archiver demo`` twice into a temporary archive (the second run finds the demo site a day
later, one article corrected: its version 2), serves it with ``archiver serve`` (pywb included,
for the article's pictures and its replay) and saves what headless Chromium (Debian's
/usr/bin/chromium, driven by Playwright, scripts off as the reading room needs none) shows for a
search, the corrected article, what changed in it and the browse page. Prints each file saved.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORRECTED = "/world/2024/03/03/harbor-strike-enters-second-week/"
SEARCH = {"q": "said", "per_page": "5"}  # five a page: the pager shows
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--font-render-hinting=none"]


def archiver(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archiver", *args], cwd=REPO, **kwargs)


def free_port(preferred: int) -> int:
    """``preferred`` when it is free (the demo's own address makes the nicest URLs), else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port")


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "images")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "archive"
        demo_port = str(free_port(8111))
        for _run in range(2):  # the second run: the corrected article becomes version 2
            archiver("demo", "--archive", str(archive), "--port", demo_port, check=True, stdout=subprocess.DEVNULL)
        port = free_port(8090)
        serve = subprocess.Popen([sys.executable, "-m", "archiver", "serve", "--archive", str(archive), "--port",
                                  str(port)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        try:
            for line in serve.stdout:
                if line.startswith("replay "):
                    print(line.rstrip())
                if line.startswith("serving"):
                    break
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # "serving" comes just before uvicorn listens
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            [hit] = [h for h in get_json(f"{base}/api/search?q=mediator")["results"] if h["url"].endswith(CORRECTED)]
            first, second = get_json(f"{base}/api/records/{hit['id']}/versions")["versions"]
            pages = {
                "search": "/?" + urllib.parse.urlencode(SEARCH),
                "article": f"/records/{second['id']}",
                "diff": f"/diff?a={first['id']}&b={second['id']}",
                "browse": "/browse",
            }
            args.output.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = chromium.new_context(viewport={"width": 1280, "height": 860}, java_script_enabled=False,
                                            device_scale_factor=1).new_page()
                for name, path in pages.items():
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    target = args.output / f"reading-{name}.png"
                    page.screenshot(path=str(target), full_page=name == "search")  # the search with its pager
                    print(f"saved           {target} ({base}{path})")
                chromium.close()
        finally:
            serve.send_signal(signal.SIGINT)
            serve.wait(timeout=30)


if __name__ == "__main__":
    main()
