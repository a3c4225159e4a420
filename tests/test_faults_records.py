"""Malformed and duplicate article records: skipped with one warning each, noticed by verify, prevented at start.

Figures (records in, recovered, warnings, seconds) are printed: run with ``-s`` to see them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from archiver.discovery.urls import url_key
from archiver.record.reader import SUPPORTED_KEYWORDS, problem, record_problem
from archiver.record.schema import article_schema, schema_versions
from conftest import REPO, run_archiver
from fixture_site import FixtureSite

BAD_LINES = [
    b'{"url": "http://127.0.0.1/cut", "body": "never fini\n',  # invalid JSON
    b'{"url": 5}\n',  # valid JSON, wrong shape
    b'["a", "list"]\n',  # not an object
    None,  # a real record with a caption of the wrong shape: filled in below
]


def figures(name: str, records_in: int, recovered: int, warnings: int, seconds: float) -> None:
    print(f"\nFIGURES {name}: records in {records_in}, recovered {recovered}, warnings {warnings}, "
          f"{seconds:.2f} s")


@pytest.fixture
def malformed(demo_crawl, tmp_path):
    """The demo archive with four malformed lines among the records of its crawl."""
    archive = tmp_path / "archive"
    shutil.copytree(demo_crawl.archive, archive)
    (path,) = (archive / "articles").glob("*.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    bad = list(BAD_LINES)
    wrong_caption = dict(json.loads(lines[0]), captions=[{"text": 1}], id="<urn:uuid:bad-caption>")
    bad[3] = (json.dumps(wrong_caption) + "\n").encode()
    path.write_bytes(b"".join(lines[:3] + bad[:2] + lines[3:8] + bad[2:] + lines[8:]))
    return archive, path, len(lines)


def warnings(stderr: str, path: Path) -> list[str]:
    return [line for line in stderr.splitlines() if str(path) in line and line.endswith("; skipped")]


def schema_keywords(node: object) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(schema_keywords, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = set(node)
    for key, value in node.items():
        children = value.values() if key == "properties" else [value]
        found |= set().union(*map(schema_keywords, children))
    return found


def test_the_check_is_the_schema(demo_crawl):
    # The reader interprets the keywords the schema uses; a new keyword must be taught to it first.
    for version in schema_versions():
        used = {key for key in schema_keywords(article_schema(version)) if not key.startswith("x-")}
        assert used <= SUPPORTED_KEYWORDS
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(article_schema())
    record = demo_crawl.records[0]
    assert record_problem(record) is None
    variants = [dict(record, url=5), dict(record, captions=[{"text": 1}]), dict(record, version=0),
                dict(record, provenance={"body": "guess"}), dict(record, warc={"filename": "x"}),
                {k: v for k, v in record.items() if k != "body"}, dict(record, paywalled="no"),
                dict(record, tags=["a", 3]), dict(record, status=None)]
    for variant in variants:  # (fields the schema does not know are tolerated on read: none added here)
        assert (problem(variant, article_schema()) is None) == validator.is_valid(variant), variant


def test_the_built_check_agrees_with_the_schema_walk_on_every_kind_of_damage(demo_crawl):
    # Records are read through a check built once per schema version (``fits``); the walk (``problem``)
    # only words the warning. Both must pass and fail the same records, of every version.
    import random

    wrong = [None, 5, -1, 0, 1.5, "x", "", True, False, [], {}, [1], ["a"], {"a": 1}, [{"text": 1}]]
    chooser = random.Random(7)

    def damaged(value, depth=0):
        if isinstance(value, dict) and value:
            name = chooser.choice(sorted(value))
            if depth > 2 or chooser.random() < 0.4:
                return ({k: v for k, v in value.items() if k != name} if chooser.random() < 0.2
                        else dict(value, **{name: chooser.choice(wrong)}))
            return dict(value, **{name: damaged(value[name], depth + 1)})
        if isinstance(value, list) and value:
            index = chooser.randrange(len(value))
            item = chooser.choice(wrong) if chooser.random() < 0.5 else damaged(value[index], depth + 1)
            return value[:index] + [item] + value[index + 1:]
        return chooser.choice(wrong)

    versions = [None, *schema_versions(), "9.9", ["1.0"]]
    failed = 0
    for record in demo_crawl.records:
        for _ in range(40):
            variant = damaged(record)
            version = chooser.choice(versions)
            if version is not None:
                variant["schema_version"] = version
            known = version if isinstance(version, str) and version in schema_versions() else None
            walked = problem(variant, article_schema(known))
            assert record_problem(variant) == walked, variant
            failed += walked is not None
    assert failed > len(demo_crawl.records) * 10  # the damage was seen, not only harmless changes


@pytest.mark.parametrize("command", ["stats", "export", "reextract", "verify", "wacz"])
def test_every_command_skips_each_malformed_line_with_one_warning(malformed, tmp_path, command):
    archive, path, good = malformed
    args = {
        "stats": ["stats", "--archive", str(archive), "--json"],
        "export": ["export", "--archive", str(archive), "--format", "jsonl", "--all-versions",
                   "--out", str(tmp_path / "out.jsonl")],
        "reextract": ["reextract", "--archive", str(archive), "--out", str(tmp_path / "re")],
        "verify": ["verify", "--archive", str(archive)],
        "wacz": ["wacz", "--archive", str(archive), "-o", str(tmp_path / "c.wacz")],
    }[command]
    started = time.monotonic()
    done = run_archiver(*args)
    seconds = time.monotonic() - started
    assert "Traceback" not in done.stderr
    if command == "verify":  # verify reports them as faults, one each, on stdout
        assert done.returncode == 1
        faults = [line for line in done.stdout.splitlines() if "malformed record" in line]
        assert len(faults) == len(BAD_LINES) and "faults          4\n" in done.stdout, done.stdout
        assert "articles        13 records" in done.stdout
        figures(f"records/{command}", good + len(BAD_LINES), 13, len(faults), seconds)
        return
    assert done.returncode == 0, done.stdout + done.stderr
    shown = warnings(done.stderr, path)
    assert len(shown) == len(BAD_LINES), done.stderr
    assert any("line 5: url is 5, not string" in line for line in shown)
    assert any("captions[0].text is 1, not string" in line for line in shown)
    if command == "stats":
        result = json.loads(done.stdout)
        recovered = result["records_read"]
        assert result["unreadable_lines"] == len(BAD_LINES)
    elif command == "export":
        recovered = len((tmp_path / "out.jsonl").read_text().splitlines())
    elif command == "reextract":
        (out,) = (tmp_path / "re").glob("*.jsonl")
        recovered = len(out.read_text().splitlines())
        assert "re-extracted  13" in done.stdout
    else:
        with zipfile.ZipFile(tmp_path / "c.wacz") as wacz:
            pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
            recovered = sum(page["kind"] == "article" for page in pages)
    assert recovered == good == 13
    figures(f"records/{command}", good + len(BAD_LINES), recovered, len(shown), seconds)


def test_verify_reports_a_duplicate_record_and_dedupe_writes_a_clean_copy(demo_crawl, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(demo_crawl.archive, archive)
    (original,) = (archive / "articles").glob("*.jsonl")
    again = archive / "articles" / "29990101T000000Z-1.jsonl"  # a crawl run again after a kill
    again.write_bytes(original.read_bytes().splitlines(keepends=True)[2])
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (archive / "articles").iterdir()}
    done = run_archiver("verify", "--archive", str(archive))
    assert done.returncode == 1
    assert "faults          1\n" in done.stdout
    assert f"articles/{again.name}:1: duplicate record of one article capture (first at " \
           f"articles/{original.name}:3)" in done.stdout
    done = run_archiver("verify", "--archive", str(archive), "--dedupe")
    clean = archive / "articles-deduped"
    assert "13 records kept, 1 duplicates and 0 malformed lines left out" in done.stdout, done.stdout
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (archive / "articles").iterdir()}
    assert (clean / again.name).read_bytes() == b""
    assert (clean / original.name).read_bytes() == original.read_bytes()
    shutil.rmtree(archive / "articles")
    clean.rename(archive / "articles")
    done = run_archiver("verify", "--archive", str(archive))
    assert done.returncode == 0, done.stdout
    done = run_archiver("verify", "--archive", str(archive), "--dedupe", str(tmp_path / "elsewhere"))
    assert "0 duplicates" in done.stdout and (tmp_path / "elsewhere" / original.name).exists()
    done = run_archiver("verify", "--archive", str(archive), "--dedupe", str(tmp_path / "elsewhere"))
    assert done.returncode == 2 and "is not empty" in done.stdout


def records_by_url(archive: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in (archive / "articles").glob("*.jsonl") if (archive / "articles").is_dir() else ():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                url = json.loads(line)["url"]
            except ValueError:
                continue
            counts[url] = counts.get(url, 0) + 1
    return counts


def test_a_record_written_but_not_marked_is_not_fetched_or_recorded_again(tmp_path):
    """The window a kill -9 can fall into: the record is written, the seen-store not yet marked."""
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=4) as site:
        assert run_archiver("crawl", f"{site.url}/", "--archive", str(archive)).returncode == 0
        lost = f"{site.url}{site.stories[0].path}"
        with sqlite3.connect(archive / "state" / "seen.sqlite3") as db:  # as if the kill came before the mark
            key = url_key(lost)
            assert db.execute("DELETE FROM seen WHERE key = ? OR alias_of = ?", (key, key)).rowcount
        (archive / "state" / "records-reconciled.json").unlink()  # the killed crawl never ended cleanly
        site.clear_log()
        done = run_archiver("crawl", f"{site.url}/", "--archive", str(archive))
        assert done.returncode == 0, done.stdout + done.stderr
        assert site.stories[0].path not in site.article_fetches()
    assert "1 records were in the records files but not in the seen-store" in done.stderr
    assert records_by_url(archive)[lost] == 1
    assert run_archiver("verify", "--archive", str(archive)).returncode == 0


def test_a_crawl_killed_without_jobdir_and_run_again_records_each_article_once(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=10, delay=0.3) as site:
        crawl = subprocess.Popen([sys.executable, "-m", "archiver", "crawl", f"{site.url}/", "--archive", str(archive)],
                                 cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sum(records_by_url(archive).values()) < 3:
            time.sleep(0.05)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()
        written = sum(records_by_url(archive).values())
        done = run_archiver("crawl", f"{site.url}/", "--archive", str(archive))
        assert done.returncode == 0, done.stdout + done.stderr
    counts = records_by_url(archive)
    print(f"\nFIGURES kill-9/restart: {written} records before the kill, {len(counts)} articles after the restart, "
          f"{sum(counts.values()) - len(counts)} duplicates")
    assert written >= 1 and len(counts) == 10 and set(counts.values()) == {1}, counts
    verify = run_archiver("verify", "--archive", str(archive))
    assert "duplicate" not in verify.stdout.split("faults")[1], verify.stdout
