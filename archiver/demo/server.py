"""Local HTTP server for the bundled demo news site (standard library only)."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from archiver.demo import generate
from archiver.demo.files import SITE_DIR
from archiver.system.processes import stop_process

# One fixed Last-Modified for every page: file mtimes differ per checkout, and reproducible
# headers keep WARC-level tests deterministic.
LAST_MODIFIED = 1719792000  # 2024-07-01T00:00:00Z
TEXT = "; charset=utf-8"  # text types get it; is_text and gzip key off it
CONTENT_TYPES = {".html": "text/html" + TEXT, ".xml": "application/xml" + TEXT, ".txt": "text/plain" + TEXT,
                 ".css": "text/css" + TEXT, ".js": "text/javascript" + TEXT, ".json": "application/json" + TEXT,
                 ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".pdf": "application/pdf"}
SPECIAL_TYPES = {"/feed.xml": "application/rss+xml" + TEXT}
UNSPECIFIED_HOSTS = {"", "0.0.0.0", "::"}
STARTUP_TIMEOUT = 10.0
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the `archiver` package


@dataclass(frozen=True)
class Resource:
    """A resolved response before content negotiation: status, type and (substituted) body."""

    status: int
    content_type: str
    body: bytes
    location: str | None = None

    @property
    def is_text(self) -> bool:
        return self.content_type.endswith(TEXT)


class DemoSite:
    """Maps URL paths to the static files in site/, the redirects and, in scale mode, generated pages.

    ``edition`` 2 is the site a day later: the pages ``_editions.json`` names carry its edits (a
    corrected article), so a second crawl of the same URLs finds new versions.
    """

    def __init__(self, base_url: str, scale: int = 0, root: Path = SITE_DIR, edition: int = 1) -> None:
        self.base_url = base_url
        self.scale = scale
        self.root = root.resolve()
        self.redirects: dict[str, str] = json.loads((self.root / "_redirects.json").read_text("utf-8"))
        editions = json.loads((self.root / "_editions.json").read_text("utf-8"))
        self.edits: dict[str, list[list[str]]] = editions.get(str(edition), {}).get("pages", {})
        self._cache: dict[str, Resource] = {}  # static pages never change while serving

    def lookup(self, raw_path: str) -> Resource:
        path = unquote(urlsplit(raw_path).path)
        if "\x00" in path or ".." in path.split("/") or not path.startswith("/"):
            return self.not_found()
        if path in self.redirects:
            return self.redirect(self.redirects[path])
        generated = generate.render(path, self.scale)
        if generated is not None:
            return Resource(200, CONTENT_TYPES[".html"], self._substitute(generated.encode("utf-8")))
        resource = self._cache.get(path) or self._static(path)
        if resource.status != 404:  # cache hits only: misses are unbounded (any URL can be asked for)
            self._cache[path] = resource
        return resource

    def _static(self, path: str) -> Resource:
        file = self._file_for(path)
        if file is None:
            # Like Apache/WordPress: a directory URL without its slash gets a 301 to the slashed form.
            if not path.endswith("/") and self._file_for(path + "/") is not None:
                return self.redirect(path + "/")
            return self.not_found()
        body = file.read_bytes()
        content_type = SPECIAL_TYPES.get(path) or CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
        if content_type.endswith(TEXT):
            body = self._augment(path, body.decode("utf-8"))
        return Resource(200, content_type, body)

    def _file_for(self, path: str) -> Path | None:
        relative = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
        # Names starting with "_" or "." are server data (e.g. _redirects.json), never served.
        if any(part.startswith(("_", ".")) for part in relative.split("/")):
            return None
        file = (self.root / relative).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            return None
        return file

    def _augment(self, path: str, text: str) -> bytes:
        """Scale mode: link the archive from the home page and list generated pages in the sitemap."""
        if self.scale > 0 and path == "/":
            text = text.replace("<!--ARCHIVE-LINK-->", '<li><a href="/archive/">Archive</a></li>')
        if self.scale > 0 and path == "/sitemap.xml":
            text = text.replace("</urlset>", generate.sitemap_entries(self.scale) + "</urlset>")
        for old, new in self.edits.get(path, ()):
            text = text.replace(old, new)
        return self._substitute(text.encode("utf-8"))

    def _substitute(self, body: bytes) -> bytes:
        return body.replace(b"__SITE__", self.base_url.encode("ascii"))

    def redirect(self, target: str) -> Resource:
        location = self.base_url + target
        body = f'<html><body>Moved permanently to <a href="{location}">{location}</a>.</body></html>\n'
        return Resource(301, CONTENT_TYPES[".html"], body.encode("utf-8"), location)

    def not_found(self) -> Resource:
        if "404" not in self._cache:
            body = self._substitute((self.root / "_404.html").read_bytes())
            self._cache["404"] = Resource(404, CONTENT_TYPES[".html"], body)
        return self._cache["404"]


class DemoHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that owns a DemoSite."""

    daemon_threads = True  # don't let a stuck keep-alive connection block shutdown
    site: DemoSite
    verbose: bool = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response (crawler timeouts, benchmarks stopping) are not errors here.
        if self.verbose or not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"


class DemoRequestHandler(BaseHTTPRequestHandler):
    """Answers GET/HEAD with gzip, ETag and conditional-request support."""

    protocol_version = "HTTP/1.1"  # keep-alive, so benchmarks don't measure TCP setup
    server: DemoHTTPServer

    def version_string(self) -> str:
        return "MeridianHTTP/1.0"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        resource = self.server.site.lookup(self.path)
        body, headers = resource.body, {"Content-Type": resource.content_type}
        if resource.location:
            headers["Location"] = resource.location
        if resource.is_text:
            headers["Vary"] = "Accept-Encoding"
            if accepts_gzip(self.headers.get("Accept-Encoding", "")):
                # mtime=0: the same page always compresses to the same bytes (and the same ETag).
                body = gzip.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
        if resource.status == 200:
            # Strong ETag over the bytes actually sent: gzip and identity are different representations.
            headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers["Last-Modified"] = formatdate(LAST_MODIFIED, usegmt=True)
            if self._not_modified(headers["ETag"]):
                self.send_response(304)
                for name in ("ETag", "Last-Modified", "Vary"):
                    if name in headers:
                        self.send_header(name, headers[name])
                self.end_headers()
                return
        self.send_response(resource.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _not_modified(self, etag: str) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110 13.2.2)
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                return parsedate_to_datetime(if_modified_since).timestamp() >= LAST_MODIFIED
            except (TypeError, ValueError):
                return False
        return False

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        if self.server.verbose:
            super().log_message(format, *args)


def accepts_gzip(accept_encoding: str) -> bool:
    """True when Accept-Encoding lists gzip (or *) without q=0."""
    for item in accept_encoding.lower().replace(" ", "").split(","):
        name, _, params = item.partition(";")
        if name in ("gzip", "x-gzip", "*"):
            return params not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def make_server(scale: int = 0, host: str = "127.0.0.1", port: int = 0, verbose: bool = False,
                edition: int = 1) -> DemoHTTPServer:
    """Bind (but don't start) an in-process server; call serve_forever() in a thread."""
    if host in UNSPECIFIED_HOSTS:
        raise ValueError("the demo server only binds to a specific (loopback) address, not all interfaces")
    server = DemoHTTPServer((host, port), DemoRequestHandler)
    server.verbose = verbose
    server.site = DemoSite(server.base_url, scale, edition=edition)
    return server


class DemoServer:
    """Runs the demo site in a child process for the duration of a `with` block."""

    def __init__(self, scale: int = 0, host: str = "127.0.0.1", port: int = 0, verbose: bool = False,
                 edition: int = 1) -> None:
        if host in UNSPECIFIED_HOSTS:  # fail here, not with a crashed child
            raise ValueError("the demo server only binds to a specific (loopback) address, not all interfaces")
        self.scale, self.host, self.port, self.verbose, self.edition = scale, host, port, verbose, edition
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DemoServer:
        # A subprocess, so crawls in this process don't compete with the server for the GIL.
        command = [sys.executable, "-m", "archiver.demo.server", "--host", self.host, "--port", str(self.port),
                   "--scale", str(self.scale), "--edition", str(self.edition), "--exit-on-stdin-eof"] + (["--verbose"] if self.verbose else [])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT),
                                                                         os.environ.get("PYTHONPATH")])))
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        line = _read_line(self._process, STARTUP_TIMEOUT)
        if not line.startswith("http://"):
            exit_code = self._process.poll()
            self.stop()
            reason = f"exited with code {exit_code}" if exit_code is not None else "timed out"
            raise RuntimeError(f"demo server did not report its URL within {STARTUP_TIMEOUT:.0f} s ({reason}, "
                               f"first line {line!r}; command: {' '.join(command)})")
        self.url = line
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        stop_process(process, timeout=5)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    """First stdout line of `process`, or "" on timeout/exit (a thread, because pipes can't time out)."""
    lines: queue.Queue[bytes] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout).decode("utf-8", "replace").strip()
    except queue.Empty:
        return ""


def _shutdown_on_eof(server: DemoHTTPServer) -> None:
    # os.read, not sys.stdin: a daemon thread blocked in a buffered read aborts interpreter shutdown.
    while os.read(0, 4096):
        pass
    server.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m archiver.demo.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--scale", type=int, default=0, help="add N generated articles under /archive/")
    parser.add_argument("--edition", type=int, default=1, help="2: the site a day later (one article corrected)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    server = make_server(args.scale, args.host, args.port, args.verbose, args.edition)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if args.exit_on_stdin_eof:
        # The parent holds our stdin open; EOF means it is gone, so don't outlive it as an orphan.
        threading.Thread(target=_shutdown_on_eof, args=(server,), daemon=True).start()
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
