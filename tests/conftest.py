"""Shared fixtures: the demo site served on 127.0.0.1, one demo crawl per session, ../shared tools."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVER_SHARED", REPO.parent / "shared"))
IN_CI = bool(os.environ.get("CI"))
# Set by .ci/run, which runs the tests in a network namespace that has the loopback interface alone.
OFFLINE_REQUIRED = bool(os.environ.get("ARCHIVER_TEST_OFFLINE"))


def offline() -> bool:
    """True in a network namespace whose only interface is loopback: nothing beyond 127.0.0.1 is reachable
    (docs/development.md: how to run the tests or a bench that way)."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def pytest_configure(config: pytest.Config) -> None:
    if OFFLINE_REQUIRED and not offline():
        raise pytest.UsageError("ARCHIVER_TEST_OFFLINE is set but this network namespace has interfaces other "
                                "than loopback: run the tests through .ci/offline")


def run_archiver(*args: str, cwd: Path | None = None, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run the command line in a child process of this interpreter (Twisted's reactor runs once per process)."""
    return subprocess.run([sys.executable, "-m", "archiver", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=timeout, **kwargs)


def shared_tool(name: str) -> Path:
    """A tool from ../shared/tools: required in CI, skipped with the reason elsewhere."""
    path = SHARED / "tools" / name
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing: CI runs with ../shared beside the checkout")
        pytest.skip(f"{path} not found (set ARCHIVER_SHARED to the shared folder)")
    return path


@pytest.fixture(scope="session")
def demo_server():
    from archiver.demo import DemoServer

    with DemoServer() as server:
        yield server


@dataclass
class DemoCrawl:
    archive: Path
    stdout: str
    returncode: int
    records: list[dict]

    @property
    def warc_files(self) -> list[Path]:
        return sorted((self.archive / "warc").glob("*.warc.gz"))


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory) -> DemoCrawl:
    """`archiver demo` run once, as a user would, into a fresh archive."""
    archive = tmp_path_factory.mktemp("demo") / "archive"
    done = run_archiver("demo", "--archive", str(archive))
    records = [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines()]
    return DemoCrawl(archive=archive, stdout=done.stdout + done.stderr, returncode=done.returncode, records=records)


@pytest.fixture(scope="session")
def expected():
    from archiver.demo import load_expected

    return load_expected()


def site_page(path: str, base: str = "http://127.0.0.1:8000") -> bytes:
    """A demo page as the server would send it (absolute URLs pointing at ``base``)."""
    from archiver.demo import SITE_DIR

    return (SITE_DIR / path.strip("/") / "index.html").read_bytes().replace(b"__SITE__", base.encode())


@pytest.fixture(scope="module")
def redis_url():
    """A real Redis on 127.0.0.1: required in CI (.ci/run starts one), skipped with the reason elsewhere."""
    from redis_server import redis_server

    try:
        with redis_server() as url:
            yield url
    except FileNotFoundError:
        if IN_CI:
            pytest.fail("redis-server is missing: .ci/run installs it from the Debian packages")
        pytest.skip("redis-server not found (apt install redis-server, or set ARCHIVER_TEST_REDIS_URL)")
