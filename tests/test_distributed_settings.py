"""Distributed mode's settings are decided in one place, and the Redis password stays secret."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import IN_CI, REPO

pytest.importorskip("scrapy_redis", reason="pip install '.[distributed]'")

PASSWORD = "s3cret-pw-7731"


def final_settings(**overrides):
    """The settings a crawl ends up with, after archiver/settings.py, the command line and the add-ons."""
    from scrapy.crawler import Crawler

    from archiver.crawl.runner import project_settings
    from spiders.news import NewsSpider

    crawler = Crawler(NewsSpider, project_settings(overrides))
    crawler.addons.load_settings(crawler.settings)  # what Scrapy does first when the crawl starts
    return crawler.settings


def test_with_redis_every_worker_uses_the_shared_stores():
    settings = final_settings(REDIS_URL="redis://127.0.0.1:1/0", ARCHIVE_DIR="archive")
    assert settings["SEEN_STORE"] == "archiver.distributed.stores.RedisSeenStore"
    assert settings["WARC_DEDUP_INDEX"] == "archiver.distributed.stores.RedisDigestIndex"
    assert settings["SCHEDULER"] == "archiver.distributed.scheduler.LeasedRedisScheduler"
    assert settings["JOBDIR"] is None and settings.getbool("RESUME_ENABLED") is False


def test_without_redis_the_local_stores_stay():
    settings = final_settings(ARCHIVE_DIR="archive")
    assert settings["SEEN_STORE"] == "archiver.crawl.seen.SqliteSeenStore"
    assert settings["WARC_DEDUP_INDEX"] == "archiver.warc.digests.SqliteDigestIndex"


def test_a_store_the_user_names_is_kept():
    settings = final_settings(REDIS_URL="redis://127.0.0.1:1/0", SEEN_STORE="my.SeenStore")
    assert settings["SEEN_STORE"] == "my.SeenStore"


@pytest.mark.parametrize("text, masked", [
    ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
    ("rediss://user:pw@host/0 and redis://:x@h/1", "rediss://user:***@host/0 and redis://:***@h/1"),
    ("{'REDIS_URL': 'redis://:pw@127.0.0.1:1/0'}", "{'REDIS_URL': 'redis://:***@127.0.0.1:1/0'}"),
    ("redis://host:6379/0", "redis://host:6379/0"),
    ("https://example.com/a:b@c/", "https://example.com/a:b@c/"),
])
def test_url_passwords_are_masked(text, masked):
    from archiver.system.secrets import mask_url

    assert mask_url(text) == masked


def test_the_log_filter_masks_messages_arguments_and_tracebacks():
    from archiver.system.secrets import MaskPasswords

    try:
        raise ConnectionError(f"redis://:{PASSWORD}@h/0 refused")
    except ConnectionError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Overridden settings: %s",
                                   ({"REDIS_URL": f"redis://:{PASSWORD}@h/0"},), sys.exc_info())
    MaskPasswords().filter(record)
    text = logging.Formatter().format(record)
    assert PASSWORD not in text and "redis://:***@h/0" in text


@pytest.fixture(scope="module")
def password_redis(tmp_path_factory):
    from redis_server import RedisServer

    try:
        with RedisServer(tmp_path_factory.mktemp("redis"), appendonly=False, password=PASSWORD) as server:
            yield server
    except FileNotFoundError:
        if IN_CI:
            pytest.fail("redis-server is missing: .ci/run installs it from the Debian packages")
        pytest.skip("redis-server not found (apt install redis-server)")


@pytest.fixture(scope="module")
def scheduled_distributed_crawl(password_redis, tmp_path_factory):
    """`archiver schedule --once` with the Redis URL (password included) in the environment, as the docs say."""
    from archiver.demo import DemoServer

    base = tmp_path_factory.mktemp("schedule")
    archive = base / "archive"
    with DemoServer(scale=20) as site:
        sites = base / "sites.toml"
        sites.write_text(f'[[site]]\nname = "demo"\nstart = ["{site.url}/"]\ninterval = "1h"\n', encoding="utf-8")
        env = dict(os.environ, ARCHIVER_REDIS_URL=password_redis.url)
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "archiver", "schedule", "--sites", str(sites), "--archive", str(archive), "--once",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "REDIS_STATE_KEY=sched:state"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        command_lines = {}
        while scheduler.poll() is None:  # what `ps` shows every local user, for each child crawl
            for child in _children(scheduler.pid):
                try:
                    line = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if line:  # empty once the child has exited
                    command_lines[child] = line
            time.sleep(0.02)
        output = scheduler.stdout.read()
    logs = "".join(p.read_text() for p in (archive / "logs").rglob("*.log"))
    return scheduler.returncode, output, command_lines, logs


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_the_child_crawl_gets_the_redis_url_but_not_on_its_command_line(scheduled_distributed_crawl, password_redis):
    import redis

    code, output, command_lines, logs = scheduled_distributed_crawl
    assert code == 0, output + logs[-3000:]
    assert command_lines and all(" crawl " in c for c in command_lines.values()), command_lines
    assert not [c for c in command_lines.values() if PASSWORD in c or "redis://" in c]
    # ... and it did crawl through Redis (its seen-store is there).
    assert redis.Redis.from_url(password_redis.url).hlen("sched:state:seen") > 0


def test_no_log_or_summary_line_shows_the_password(scheduled_distributed_crawl):
    code, output, command_lines, logs = scheduled_distributed_crawl
    assert "Distributed mode: Redis redis://:***@127.0.0.1" in logs  # the worker says where it is connected
    assert PASSWORD not in logs and PASSWORD not in output


def test_an_unreachable_redis_is_one_masked_line(tmp_path):
    from conftest import run_archiver
    from redis_server import free_port

    done = run_archiver("crawl", "http://127.0.0.1:9/", "--archive", str(tmp_path / "a"),
                        env=dict(os.environ, ARCHIVER_REDIS_URL=f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"))
    assert done.returncode != 0
    assert "Redis redis://:***@127.0.0.1" in done.stderr and "unreachable" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr and "Traceback" not in done.stderr
