"""Redis goes away mid-crawl (kill -9 and restart from its append-only file; a network cut between the
workers and Redis): the crawl finishes, every article has exactly one record across the workers' folders."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import IN_CI
from distributed_helpers import article_paths, record_counts, start_worker, unique_key, wait_for_records

redis = pytest.importorskip("redis", reason="pip install '.[distributed]'")
pytest.importorskip("scrapy_redis", reason="pip install '.[distributed]'")

ARTICLES = 200
# How long Redis stays unreachable; the docs' figures come from bench/distributed.py --faults with 30 s.
CUT_SECONDS = float(os.environ.get("ARCHIVER_TEST_CUT_SECONDS", "8"))
DEADLINE = 300  # a crawl still running this long after the outage has stalled


@dataclass
class OutageCrawl:
    archives: list[Path]
    codes: list[int | None]
    logs: list[str]
    leftover: dict[str, int]
    seconds: float


def crawl_through(fault: str, base: Path) -> OutageCrawl:
    from archiver.demo import DemoServer
    from redis_server import RedisServer, TcpProxy

    archives = [base / f"machine{n}" / "archive" for n in range(2)]
    key = unique_key("outage")
    try:
        server = RedisServer(base / "redis", appendonly=True)
    except FileNotFoundError:
        if IN_CI:
            pytest.fail("redis-server is missing: .ci/run installs it from the Debian packages")
        pytest.skip("redis-server not found (apt install redis-server)")
    with server, DemoServer(scale=ARTICLES) as site:
        proxy = TcpProxy(server.port) if fault.startswith("network") else None
        url = f"redis://127.0.0.1:{proxy.port}/0" if proxy else server.url
        started = time.monotonic()
        # A silent link shows only as a timeout: a short one here, so the test sees the outage.
        extra = ["-s", "REDIS_SOCKET_TIMEOUT=2"] if fault == "network-silent-drop" else []
        # A command sent as the link froze may reach Redis after it is back, its answer lost: that request
        # stays leased to a worker that never heard of it until the lease ends (60 s by default). A lease
        # of three heartbeats of 8 s outlives the 8 s outage and ends such a wait sooner.
        extra += ["-s", "REDIS_LEASE_SECONDS=24"] if fault.startswith("network") else []
        workers = [start_worker(f"{site.url}/", archives[n], url, key, base / f"worker{n}.log", *extra)
                   for n in range(2)]
        wait_for_records(archives, 40)
        if fault == "network-silent-drop":
            proxy.freeze()
            time.sleep(CUT_SECONDS)
            proxy.restore()
        elif proxy is not None:
            proxy.cut()
            time.sleep(CUT_SECONDS)
            proxy.restore()
        else:
            server.kill()
            time.sleep(3)
            server.start()  # same port, same folder: it reloads its append-only file
        codes = []
        for w in workers:
            try:
                codes.append(w.wait(timeout=DEADLINE))
            except subprocess.TimeoutExpired:
                w.kill()
                codes.append(None)  # stalled
        seconds = time.monotonic() - started
        check = redis.Redis.from_url(server.url)
        frontier = f"{key}:frontier:requests"
        leftover = {name: check.zcard(f"{frontier}:{name}") for name in ("ready", "leased")}
        if proxy is not None:
            proxy.close()
    logs = [(base / f"worker{n}.log").read_text() for n in range(2)]
    return OutageCrawl(archives, codes, logs, leftover, seconds)


@pytest.fixture(scope="module", params=["redis-kill-9", "network-cut", "network-silent-drop"])
def outage(request, tmp_path_factory):
    return crawl_through(request.param, tmp_path_factory.mktemp(request.param))


def test_the_crawl_finishes(outage):
    assert outage.codes == [0, 0], "\n\n".join(log[-3000:] for log in outage.logs)
    assert outage.leftover == {"ready": 0, "leased": 0}


def test_every_article_has_exactly_one_record(outage):
    counts = record_counts(outage.archives)
    assert {path for path, n in counts.items() if n > 1} == set()
    missing = article_paths(ARTICLES) - set(counts)
    assert not missing, sorted(missing)[:10]


def test_workers_say_once_that_they_wait_and_once_that_they_resumed(outage):
    for log in outage.logs:
        assert log.count("unreachable") <= 1 and log.count("reachable again") <= 1, log[-3000:]
    both = "".join(outage.logs)
    assert "crawl paused, reconnecting with backoff" in both and "crawl resumed" in both
    assert "Traceback" not in both, both[both.index("Traceback") - 500:][:3000]


@pytest.fixture
def lone_redis(tmp_path, caplog):
    """A Redis of the test's own (append-only file on), a retrying client with a loaded script, the outage
    log captured; the process's outage state is reset after the test."""
    import logging

    from scrapy.settings import Settings

    from archiver.distributed.connection import Outage, redis_from_settings
    from redis_server import RedisServer

    try:
        server = RedisServer(tmp_path / "redis")
    except FileNotFoundError:
        pytest.skip("redis-server not found (apt install redis-server)")
    caplog.set_level(logging.WARNING, logger="archiver.distributed.connection")
    with server:
        client = redis_from_settings(Settings({"REDIS_URL": server.url, "REDIS_RETRY_MAX_DELAY": 0.2}))
        script = client.register_script("return 7")
        assert script() == 7  # loaded: the server caches it, until it is killed
        try:
            yield server, client, script
        finally:
            Outage.started = None
            client.close()


def _call_in_thread(script) -> tuple[threading.Thread, list[int]]:
    answers: list[int] = []
    call = threading.Thread(target=lambda: answers.append(script()))
    call.start()
    return call, answers


def test_a_script_call_waits_out_a_restart_and_ends_the_outage_once(lone_redis, caplog):
    # A call made while Redis is down waits; when it is back (its script cache empty: the call's
    # EVALSHA gets NOSCRIPT and the client loads the script again), the call gets its answer, the
    # outage ends with one "reachable again" line and the recovery hooks run.
    from archiver.distributed.connection import Outage

    server, _, script = lone_redis
    recovered: list[str] = []

    def hook() -> None:
        recovered.append("ran")

    Outage.recovery_hooks.append(hook)
    try:
        server.kill()
        call, answers = _call_in_thread(script)
        deadline = time.monotonic() + 20
        while Outage.started is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Outage.started is not None, "the call did not see the outage"
        server.start()
        call.join(30)
        assert answers == [7] and recovered == ["ran"] and Outage.started is None
    finally:
        Outage.recovery_hooks.remove(hook)
    assert caplog.text.count("reachable again") == 1


def test_a_script_call_that_waits_out_a_slow_reload_ends_the_outage(lone_redis, caplog):
    # kill -9, then Redis reloads its append-only file slowly: connections open at once but every
    # command answers LOADING (retried), then the script is unknown (NOSCRIPT: scripts are not in
    # the file). The reply got through, so the outage ends with one line, though the call that
    # saw it ends with an error reply and the call that loads the script again never fails.
    from archiver.distributed.connection import Outage

    server, client, script = lone_redis
    with client.pipeline(transaction=False) as fill:  # enough keys for a reload of about 2 s
        for n in range(20_000):
            fill.set(f"key:{n}", n)
        fill.execute()
    time.sleep(1.5)  # appendfsync everysec
    server.kill()
    server.options += ["--key-load-delay", "100"]  # microseconds per key while loading
    server.start()
    call, answers = _call_in_thread(script)
    call.join(60)
    assert answers == [7] and Outage.started is None
    assert caplog.text.count("unreachable") == 1, caplog.text
    assert caplog.text.count("reachable again") == 1, caplog.text
