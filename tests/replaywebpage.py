"""ReplayWeb.page for the tests: its built files (``npm pack replaywebpage``), served from 127.0.0.1 with a WACZ.

``npm install replaywebpage`` fails on a dependency version the registry lacks, but the package's
tarball holds the built app (index.html, ui.js, sw.js). ``.ci/run`` unpacks it into
``.cache/replaywebpage/package``; ``ARCHIVER_REPLAYWEBPAGE`` names another folder.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import IN_CI, REPO

ENV_VARIABLE = "ARCHIVER_REPLAYWEBPAGE"
DEFAULT = REPO / ".cache" / "replaywebpage" / "package"
NEEDED = ("index.html", "ui.js", "sw.js")


def app_files() -> Path:
    """The folder with ReplayWeb.page's built files; skipped with the reason (failed in CI) when missing."""
    folder = Path(os.environ.get(ENV_VARIABLE) or DEFAULT)
    if all((folder / name).is_file() for name in NEEDED):
        return folder
    reason = (f"ReplayWeb.page's files are not in {folder}: `npm pack replaywebpage` and unpack it there "
              f"(.ci/run does), or set {ENV_VARIABLE}")
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with HTTP range requests: ReplayWeb.page reads a WACZ's ZIP members by byte range."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "application/javascript",
                      ".wacz": "application/wacz"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if match is None or not path.is_file() or not (match[1] or match[2]):
            return super().send_head()
        size = path.stat().st_size
        start = int(match[1]) if match[1] else max(0, size - int(match[2]))
        end = min(int(match[2]) if match[1] and match[2] else size - 1, size - 1)
        if start > end:
            self.send_error(416)
            return None
        body = path.open("rb")
        body.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.range_left = end - start + 1
        return body

    def copyfile(self, source, outputfile) -> None:  # type: ignore[no-untyped-def]
        left = getattr(self, "range_left", None)
        if left is None:
            super().copyfile(source, outputfile)
            return
        while left > 0:
            chunk = source.read(min(left, 1 << 16))
            if not chunk:
                break
            outputfile.write(chunk)
            left -= len(chunk)
        self.range_left = None


@contextmanager
def serving(folder: Path, wacz: Path):
    """ReplayWeb.page and ``wacz`` at one address on 127.0.0.1; yields the URL that opens the WACZ in it."""
    app = app_files()
    folder.mkdir(parents=True, exist_ok=True)
    for name in NEEDED:
        shutil.copyfile(app / name, folder / name)
    shutil.copyfile(wacz, folder / "archive.wacz")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield f"{base}/index.html?source={base}/archive.wacz"
    finally:
        server.shutdown()
        server.server_close()
