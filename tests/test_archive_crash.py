"""`kill -9` of a crawl at random moments, each followed by a restart: no unreadable file, no lost record."""

from __future__ import annotations

import io
import os
import random
import re
import signal
import subprocess
import sys
import time
from urllib.parse import urldefrag

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc.writer import iter_member_ends
from conftest import REPO, run_archiver, shared_tool

KILLS = 5
CRAWLED = re.compile(r"Crawled \((\d+)\) <GET (\S+)>")
CRAWL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "--log-level", "DEBUG"]


def records_readable(data: bytes) -> list[tuple[str, str]]:
    """(type, target URI) of every record in whole gzip members, digests checked; raises if unreadable."""
    ends = list(iter_member_ends(io.BytesIO(data)))
    whole = data[: ends[-1]] if ends else b""
    found = []
    for record in ArchiveIterator(io.BytesIO(whole), check_digests=True):
        record.raw_stream.read()
        assert record.digest_checker.passed is not False, record.digest_checker.problems
        found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
    return found


def archived_captures(archive) -> set[str]:
    urls = set()
    for path in (archive / "warc").glob("*.warc.gz*"):
        urls |= {uri for kind, uri in records_readable(path.read_bytes()) if kind in ("response", "revisit")}
    return urls


@pytest.fixture(scope="module")
def killed_and_restarted(tmp_path_factory):
    from archiver.demo import DemoServer

    folder = tmp_path_factory.mktemp("crash")
    archive = folder / "archive"
    seed = int.from_bytes(os.urandom(4), "big")
    moments = [round(random.Random(seed + n).uniform(0.3, 3.5), 2) for n in range(KILLS)]
    crawled: list[tuple[int, str]] = []  # (round, url) of every fetch a killed crawl logged as done
    after_kill: list[dict] = []
    with DemoServer(scale=250) as server:
        for number, moment in enumerate(moments):
            log = folder / f"crawl-{number}.log"
            with open(log, "wb") as stderr:
                crawl = subprocess.Popen([sys.executable, "-m", "archiver", "crawl", f"{server.url}/", "--archive",
                                          str(archive), *CRAWL], cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr)
                time.sleep(moment)
                finished_first = crawl.poll() is not None
                crawl.send_signal(signal.SIGKILL)
                crawl.wait()
            text = log.read_text(errors="replace")
            # The fragment never goes on the wire, nor into the record.
            crawled += [(number, urldefrag(url).url) for _, url in CRAWLED.findall(text)]
            files = {}
            for path in sorted((archive / "warc").glob("*.warc.gz*")):
                try:
                    files[path.name] = len(records_readable(path.read_bytes()))
                except Exception as error:  # noqa: BLE001 - reported by the test
                    files[path.name] = f"unreadable: {error}"
            after_kill.append({"moment": moment, "finished_first": finished_first, "files": files})
        final = run_archiver("crawl", f"{server.url}/", "--archive", str(archive), *CRAWL[:-2])
    return {"archive": archive, "seed": seed, "moments": moments, "crawled": crawled, "after_kill": after_kill,
            "final": final}


def test_every_file_is_readable_to_its_last_whole_record_after_each_kill(killed_and_restarted):
    state = killed_and_restarted
    for number, snapshot in enumerate(state["after_kill"]):
        bad = {name: n for name, n in snapshot["files"].items() if isinstance(n, str)}
        assert not bad, (number, state["seed"], bad)
    assert any(name.endswith(".open") for s in state["after_kill"] for name in s["files"]), \
        f"no kill caught a file being written (moments {state['moments']}, seed {state['seed']})"


def test_no_record_of_a_finished_fetch_is_lost(killed_and_restarted):
    state = killed_and_restarted
    assert state["final"].returncode == 0, state["final"].stderr[-3000:]
    assert not list((state["archive"] / "warc").glob("*.open"))
    assert state["crawled"], "the killed crawls logged no finished fetch"
    archived = archived_captures(state["archive"])
    lost = sorted({url for _, url in state["crawled"]} - archived)
    assert not lost, (len(lost), lost[:5], state["seed"], state["moments"])


def test_the_archive_passes_every_check_after_kills_and_restarts(killed_and_restarted):
    archive = killed_and_restarted["archive"]
    files = [str(p) for p in sorted((archive / "warc").glob("*.warc.gz"))]
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", *files], check=True)
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *files],
                            capture_output=True, text=True)
    assert strict.returncode == 0 and "STRICT: no problems" in strict.stdout, strict.stdout[-3000:]
    verify = run_archiver("verify", "--archive", str(archive))
    assert verify.returncode == 0, verify.stdout[-3000:]
