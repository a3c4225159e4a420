"""Damaged WARC files: every reader skips the damaged record, goes on at the next one and says so once.

A real crawl of the fixture site, then 4,000 random bytes written over the middle of its
WARC file (and, separately, the file cut inside its last record). Each reader must give
back every record the damage did not touch, with exactly one warning for the damage.
Figures (records in, recovered, warnings, seconds) are printed: run with ``-s`` to see them.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from archiver.warc.reading import iter_warc
from conftest import REPO, run_archiver
from fixture_site import FixtureSite

DAMAGE_BYTES = 4000
WARNING = "damaged WARC data"


@dataclass
class Member:
    offset: int
    length: int
    type: str
    record_id: str
    uri: str


@dataclass
class Damaged:
    archive: Path
    warc: Path
    members: list[Member]  # of the sound file
    spared: list[Member]  # members the damage did not touch
    records: list[dict]  # article records of the crawl
    where: tuple[int, int]  # damaged bytes

    def spared_ids(self, kind: str | None = None) -> set[str]:
        return {m.record_id for m in self.spared if kind is None or m.type == kind}


def members_of(path: Path) -> list[Member]:
    return [Member(m.offset, m.length, m.rec_type, m.header("WARC-Record-ID"), m.header("WARC-Target-URI") or "")
            for m in iter_warc(path)]


def figures(name: str, records_in: int, recovered: int, warnings: int, seconds: float) -> None:
    print(f"\nFIGURES {name}: records in {records_in}, recovered {recovered}, warnings {warnings}, "
          f"{seconds:.2f} s")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("sound") / "archive"
    with FixtureSite("sections", articles=40) as site:
        done = run_archiver("crawl", f"{site.url}/", "--archive", str(archive))
    assert done.returncode == 0, done.stdout + done.stderr
    return archive


def damaged_copy(crawled: Path, root: Path, harm) -> Damaged:
    archive = root / "archive"
    shutil.copytree(crawled, archive)
    (warc,) = sorted((archive / "warc").glob("*.warc.gz"))
    members = members_of(warc)
    start, end = harm(warc)
    spared = [m for m in members if m.offset + m.length <= start or m.offset >= end]
    records = [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines()]
    return Damaged(archive, warc, members, spared, records, (start, end))


def random_bytes_in_the_middle(warc: Path) -> tuple[int, int]:
    data = bytearray(warc.read_bytes())
    seed = random.randrange(2**32)
    noise = random.Random(seed).randbytes(DAMAGE_BYTES)
    start = len(data) // 2
    data[start:start + DAMAGE_BYTES] = noise
    warc.write_bytes(bytes(data))
    print(f"\nrandom bytes at {start}..{start + DAMAGE_BYTES} of {len(data)} (seed {seed})")
    return start, start + DAMAGE_BYTES


def cut_in_the_last_record(warc: Path) -> tuple[int, int]:
    data = warc.read_bytes()
    last = members_of(warc)[-1]
    cut = last.offset + last.length // 2
    warc.write_bytes(data[:cut])
    return last.offset, len(data)


HARMS = {"random-bytes": random_bytes_in_the_middle, "truncated": cut_in_the_last_record}


@pytest.fixture(params=sorted(HARMS))
def damaged(request, crawled, tmp_path) -> Damaged:
    state = damaged_copy(crawled, tmp_path, HARMS[request.param])
    state.harm = request.param  # type: ignore[attr-defined]
    assert len(state.spared) < len(state.members), "the damage touched no record"
    return state


def warnings_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if WARNING in line]


def test_the_reader_gives_back_every_spared_record_and_one_damage_report(damaged):
    reports = []
    started = time.monotonic()
    got = members_of_with(damaged.warc, reports)
    seconds = time.monotonic() - started
    assert [(m.offset, m.length, m.record_id) for m in got] == \
           [(m.offset, m.length, m.record_id) for m in damaged.spared]
    assert len(reports) == 1
    assert reports[0].offset <= damaged.where[0] + DAMAGE_BYTES and str(damaged.warc) in str(reports[0])
    figures(f"reader/{damaged.harm}", len(damaged.members), len(got), len(reports), seconds)


def members_of_with(path: Path, reports: list) -> list[Member]:
    return [Member(m.offset, m.length, m.rec_type, m.header("WARC-Record-ID"), "")
            for m in iter_warc(path, reports.append)]


def test_reextract_writes_every_article_whose_response_survived(damaged, tmp_path):
    started = time.monotonic()
    done = run_archiver("reextract", "--archive", str(damaged.archive), "--out", str(tmp_path / "out"))
    seconds = time.monotonic() - started
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stdout  # damage found: the output is whole for what could be read
    assert "damaged         1 stretch(es) of WARC data skipped" in done.stdout
    assert len(warnings_in(done.stderr)) == 1, done.stderr
    (out,) = (tmp_path / "out").glob("*.jsonl")
    got = {json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()}
    survivors = {r["id"] for r in damaged.records} & damaged.spared_ids("response")
    assert got == survivors
    figures(f"reextract/{damaged.harm}", len(damaged.records), len(got), len(warnings_in(done.stderr)), seconds)


def test_verify_counts_the_damage_as_one_fault(damaged):
    started = time.monotonic()
    done = run_archiver("verify", "--archive", str(damaged.archive))
    seconds = time.monotonic() - started
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "faults          1\n" in done.stdout, done.stdout
    assert f"{damaged.warc.relative_to(damaged.archive).as_posix()}@" in done.stdout and "damaged" in done.stdout
    read = int(done.stdout.split("records         ")[1].split()[0])
    assert read == len(damaged.spared)
    figures(f"verify/{damaged.harm}", len(damaged.members), read, 1, seconds)


def test_the_cdxj_index_is_rebuilt_from_the_readable_records(damaged):
    from archiver.warc.cdxj import all_lines, index_dir

    shutil.rmtree(index_dir(damaged.archive / "warc"))  # the per-file indexes (docs/archive/cdx-index.md)
    started = time.monotonic()
    done = run_archiver("verify", "--archive", str(damaged.archive), "--update-index")
    seconds = time.monotonic() - started
    assert "Traceback" not in done.stderr
    assert len(warnings_in(done.stderr)) == 1, done.stderr
    lines = list(all_lines(damaged.archive / "warc"))
    indexed = {(json.loads(line.split(" ", 2)[2])["offset"]) for line in lines}
    captures = {str(m.offset) for m in damaged.spared if m.type in ("response", "revisit")}
    assert indexed == captures
    assert "faults          1\n" in done.stdout, done.stdout  # the damage; every entry checks out
    figures(f"cdxj/{damaged.harm}", sum(m.type in ("response", "revisit") for m in damaged.members),
            len(indexed), len(warnings_in(done.stderr)), seconds)


def test_wacz_packages_the_readable_records(damaged, tmp_path):
    out = tmp_path / "crawl.wacz"
    started = time.monotonic()
    done = run_archiver("wacz", "--archive", str(damaged.archive), "-o", str(out))
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(warnings_in(done.stderr)) == 1, done.stderr
    with zipfile.ZipFile(out) as wacz:
        index = wacz.read("indexes/index.cdxj").decode().splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in index]
    # The crawl's file, not the thumbnails' the WACZ adds (archiver.warc.thumbnails).
    indexed = {entry["offset"] for entry in entries if entry["filename"] == damaged.warc.name}
    assert indexed == {str(m.offset) for m in damaged.spared if m.type in ("response", "revisit")}
    assert all(entry["filename"].startswith("thumbnails-") for entry in entries
               if entry["filename"] != damaged.warc.name)
    figures(f"wacz/{damaged.harm}", sum(m.type in ("response", "revisit") for m in damaged.members),
            len(indexed), len(warnings_in(done.stderr)), seconds)


def test_stats_and_export_read_a_damaged_archive_without_a_fault(damaged, tmp_path):
    # They read the records, not the WARC records: the damage changes nothing for them.
    done = run_archiver("stats", "--archive", str(damaged.archive), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["articles"] == len(damaged.records)
    done = run_archiver("export", "--archive", str(damaged.archive), "--format", "jsonl",
                        "--out", str(tmp_path / "o.jsonl"))
    assert done.returncode == 0 and len((tmp_path / "o.jsonl").read_text().splitlines()) == len(damaged.records)


def test_the_reader_measures_members_as_warcio_does_whatever_their_size(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from test_warc_store import exchange, open_store

    store = open_store(tmp_path)
    bodies = [b"<p>%d</p>" % n * (1 + 40_000 * (n % 3)) for n in range(9)]  # some members decompress to ~400 KB
    for n, body in enumerate(bodies):
        store.store(exchange(url=f"http://example.com/{n}", body=body))
    store.close()
    (warc,) = (tmp_path / "warc").glob("*.warc.gz")
    with open(warc, "rb") as fh:
        records = ArchiveIterator(fh)
        expected = [(records.get_record_offset(), records.get_record_length())
                    for record in records if record.raw_stream.read() is not None]
    reports: list = []
    assert [(m.offset, m.length) for m in iter_warc(warc, reports.append)] == expected and not reports


def test_pywb_replays_every_article_whose_response_survived(damaged):
    from test_replay import fetch, pywb_env, timestamp

    pywb_env()
    from archiver.warc.cdxj import index_dir

    # `archiver replay` indexes the damaged file anew.
    shutil.rmtree(index_dir(damaged.archive / "warc"), ignore_errors=True)
    process = subprocess.Popen([sys.executable, "-m", "archiver", "replay", "--archive", str(damaged.archive),
                                "--port", "0"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = ""
        for line in process.stdout:
            if line.startswith("replay "):
                base = line.split()[1].rstrip("/")
            if line.strip() == "serving":
                break
        survivors = damaged.spared_ids("response")
        replayed = 0
        for record in damaged.records:
            url = f"{base}/{timestamp(record['fetched_at'])}id_/{record['url']}"
            if record["id"] in survivors:
                assert record["headline"].encode() in fetch(url), url
                replayed += 1
        assert replayed == len(survivors & {r["id"] for r in damaged.records}) > 0
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert len(warnings_in(process.stderr.read())) == 1
