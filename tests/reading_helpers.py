"""Helpers for the reading-room tests: `archiver serve` in a child process, Debian's chromium via Playwright."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from archiver.system.processes import stop_process
from conftest import IN_CI, REPO

CHROMIUM = os.environ.get("ARCHIVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def reading_room(archive: Path, *extra: str, env: dict | None = None):
    """`archiver serve` on a free port; yields (base URL, the lines it printed before serving)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "archiver", "serve", "--archive", str(archive), "--port",
                                str(port), *extra], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env)
    printed = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line.rstrip())
            if line.startswith("serving"):
                break
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None, "\n".join(printed)
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", printed
    finally:
        stop_process(process, timeout=15)
        if process.stdout is not None:
            process.stdout.close()


def get(url: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def get_json(url: str) -> tuple[int, dict]:
    status, _type, body = get(url)
    return status, json.loads(body)


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """A GET whose path is sent exactly as written (no client-side normalisation of ../ or %2e)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def pywb_env() -> dict | None:
    """The environment for a server with replay, or None (skip) when there is no pywb venv."""
    venv = os.environ.get("ARCHIVER_PYWB_VENV")
    if venv and (Path(venv) / "bin" / "wayback").exists():
        return dict(os.environ)
    if IN_CI:
        pytest.fail("ARCHIVER_PYWB_VENV is not a pywb environment: .ci/run creates one")
    return None


@contextmanager
def browser(javascript: bool = True, **context_options):
    """A Playwright page in Debian's chromium; skipped with the reason where either is missing.

    ``context_options`` go to the browser context (``http_credentials`` for a reading room with a door)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("playwright is missing: it is in the test extra")
        pytest.skip("playwright is not installed (pip install '.[test]')")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"no chromium at {CHROMIUM} (apt install chromium, or set ARCHIVER_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(java_script_enabled=javascript,
                                           **{"viewport": {"width": 1100, "height": 900}, **context_options})
            yield context.new_page()
        finally:
            chromium.close()


def keep_screenshot(page, path: Path, name: str) -> Path:
    """Screenshot into ``path``; with ARCHIVER_UPDATE_SCREENSHOTS=1 also into docs/images/ (the docs' pictures)."""
    shot = path / f"reading-{name}.png"
    page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("ARCHIVER_UPDATE_SCREENSHOTS") == "1":
        target = REPO / "docs" / "images"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target / shot.name)
    return shot
