"""The repository is a Scrapy project: `scrapy crawl news` works from its root as users expect."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO


def scrapy(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def test_remote_control_and_telnet_are_off_by_default():
    for name in ("REMOTE_CONTROL_ENABLED", "TELNETCONSOLE_ENABLED"):
        done = scrapy("settings", "--get", name)
        assert done.stdout.strip() == "False", (name, done.stdout, done.stderr)


def test_scrapy_crawl_news_writes_warc_and_records(demo_server, expected, tmp_path):
    archive = tmp_path / "archive"
    done = scrapy("crawl", "news", "-a", f"url={demo_server.url}/", "-s", f"ARCHIVE_DIR={archive}",
                  "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "remote control" not in done.stderr.lower()
    records = [json.loads(line) for path in (archive / "articles").glob("*.jsonl")
               for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(expected["articles"])
    assert list((archive / "warc").glob("*.warc.gz"))


def test_scrapy_crawl_without_url_fails_clearly(tmp_path):
    done = scrapy("crawl", "news", "-s", f"ARCHIVE_DIR={tmp_path}")
    assert "no start URL" in done.stderr
