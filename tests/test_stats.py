"""`archiver stats`: what a curator checks before publishing, as text and as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from archiver.record.items import SCHEMA_VERSION
from conftest import REPO, run_archiver
from export_fixtures import versioned_archive  # noqa: F401  (fixture)


def stats(*args):
    done = run_archiver("stats", *map(str, args))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_json_stats_of_the_latest_versions(versioned_archive):
    result = json.loads(stats("--archive", versioned_archive.archive, "--json"))
    latest = versioned_archive.latest
    assert result["articles"] == result["records"] == len(latest) == 14
    assert result["records_read"] == 18 and result["unreadable_lines"] == 1
    assert result["articles_with_several_versions"] == 4  # A, B, C, D
    assert result["sites"] == {"127.0.0.1": 13, "example.org": 1}  # registrable domains
    assert result["languages"] == dict(Counter(r["language"] for r in latest).most_common())
    assert result["per_fetch_day"] == dict(sorted(Counter(r["fetched_at"][:10] for r in latest).items()))
    assert result["per_published_day"] == dict(sorted(Counter(r["published"][:10] for r in latest).items()))
    assert result["published"] == {"first": "2021-09-06", "last": "2025-01-15"}
    assert result["quality"]["empty_body"] == 1 and result["quality"]["truncated"] == 1
    assert result["quality"]["no_authors"] == 1 and result["quality"]["no_published_date"] == 0
    assert result["records_pointing_at_missing_warc"] == 1  # E's file is not in the archive
    assert result["warc"] == {"files": 1, "open_files": 0, "empty_files": 0,
                              "bytes": sum(p.stat().st_size for p in (versioned_archive.archive / "warc").glob("*.warc.gz"))}
    assert result["schema_versions"] == {SCHEMA_VERSION: 14}


def test_all_versions_and_filters(versioned_archive):
    every = json.loads(stats("--archive", versioned_archive.archive, "--json", "--all-versions"))
    assert every["articles"] == 18 and every["selection"] == "all versions"
    spanish = json.loads(stats("--archive", versioned_archive.archive, "--json", "--language", "es"))
    assert spanish["articles"] == 1 and spanish["languages"] == {"es": 1} and spanish["filters"] == ["language es"]


def test_duplicate_bodies_under_different_urls_are_counted(versioned_archive, tmp_path):
    # A crawl record that is still the latest version of its article (A-D have later versions),
    # whichever order the crawl wrote its records in.
    replaced = {r["id"] for r in versioned_archive.originals.values()}
    latest = next(r for r in versioned_archive.crawl_records if r["id"] not in replaced)
    record = dict(latest, url="http://127.0.0.1/copy/", canonical_url=None, id="<urn:uuid:copy>")
    extra = tmp_path / "copy.jsonl"
    extra.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = json.loads(stats("--records", versioned_archive.archive / "articles", "--records", extra, "--json"))
    assert result["duplicate_bodies"] == 2  # the original and its copy
    assert result["warc"] is None and result["records_pointing_at_missing_warc"] is None


def test_text_stats_show_every_section(versioned_archive):
    text = stats("--archive", versioned_archive.archive)
    for line in ("articles          14 (latest version per canonical URL); 4 with several versions",
                 "record files      2 (18 records, 1 unreadable lines)",
                 "published         2021-09-06 to 2025-01-15",
                 "WARC files        1 (", "per site", "  127.0.0.1", "per language", "per fetch day",
                 "per month published", "  2021-09", "extractor versions"):
        assert line in text, line
    checks = dict(line.rsplit(None, 1) for line in text.split("\nchecks\n")[1].split("\n\n")[0].splitlines())
    assert {k.strip(): int(v) for k, v in checks.items()} == {
        "empty body": 1, "short body under 200 chars": 0, "truncated": 1, "paywalled": 0, "no headline": 0,
        "no published date": 0, "no language": 0, "no authors": 1, "duplicate bodies (other URL)": 0,
        "no WARC pointer": 0, "WARC file missing": 1}


@pytest.mark.parametrize("args, message", [
    (["--archive", "/nonexistent"], "no such archive folder"),
    ([], "give --archive DIR or --records PATH"),
])
def test_bad_input_gets_one_clear_line(args, message):
    done = run_archiver("stats", *args)
    assert done.returncode == 1 and done.stderr.strip() == f"archiver stats: {message}" + \
        done.stderr.strip().split(message, 1)[1]


def test_a_command_imports_its_own_command_line_module_only(versioned_archive):
    """``archiver stats`` builds its own part of the parser, not the 14 other commands' (their imports are time
    every command spent before its work, in series); ``--help`` and a typo still see every command."""
    script = ("import sys\nfrom archiver.cli import main\n"
              f"main(['stats', '--archive', {str(versioned_archive.archive)!r}, '--json'])\n"
              "print(sorted(m for m in sys.modules if m.startswith('archiver.cli.') and m != 'archiver.cli.workers'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "['archiver.cli.export', 'archiver.cli.stats']"  # its filter options
    typo = run_archiver("stast", "--archive", str(versioned_archive.archive))
    assert typo.returncode == 2 and "choose from 'demo', 'crawl'" in typo.stderr and "'stats'" in typo.stderr


def test_facts_a_worker_keeps_count_as_the_record_itself():
    """``stats`` reads each record once: a worker keeps its facts (as JSON text), the parent counts them."""
    from archiver.datasets.export_tasks import facts_and_warc, facts_text
    from archiver.datasets.summary import Summary

    def facts_of(record):  # as the index's facts column holds them
        return facts_text(facts_and_warc(record))

    records = [
        {"url": "https://www.example.com/a", "site": "example.com", "language": "EN ", "schema_version": "1.2",
         "extractor_version": "0.4.2", "fetched_at": "2026-03-01T23:30:00-02:00", "published": "2026-02-28",
         "body": "word " * 100, "headline": "A", "authors": ["B"], "truncated": True,
         "capture": {"complete": False, "missing_count": 3}, "warc": {"filename": "warc/x.warc.gz"}},
        {"url": "https://news.example.org/b", "body": "", "published_raw": "28 Feb", "paywalled": True,
         "capture": {"complete": True}, "language": None, "headline": "  "},
        {"url": "https://news.example.org/c", "body": "short", "capture": {"complete": False,
         "missing_count": "many"}, "published": "2026-13-40", "fetched_at": "not a time", "warc": {}},
    ]
    direct, counted = Summary(), Summary()
    for record in records:
        direct.add(record)
        facts, name = json.loads(facts_of(record))
        counted.add_facts(facts)
    assert counted == direct and counted.as_dict() == direct.as_dict()
    assert direct.requisites_missing == 3 and direct.capture_incomplete == Counter({"example.com": 1, "example.org": 1})
    assert [json.loads(facts_of(r))[1] for r in records] == ["warc/x.warc.gz", None, None]


def _reference_stats(paths, all_versions):
    """What counting the chosen records one by one gives (the two-pass reader of ``select.Selection``)."""
    from archiver.datasets.select import Selection
    from archiver.datasets.source import RecordFiles
    from archiver.datasets.summary import Summary

    summary, no_pointer = Summary(), 0
    with Selection(RecordFiles(list(paths)), all_versions=all_versions) as selection:
        for record in selection:
            summary.add(record)
            no_pointer += not isinstance((record.get("warc") or {}).get("filename"), str)
    return summary, no_pointer


@pytest.mark.parametrize("first_is_old", [False, True], ids=["latest-first", "old-version-first"])
def test_stats_of_versioned_records_are_counting_the_chosen_records_one_by_one(versioned_archive, tmp_path,
                                                                             first_is_old):
    """``stats`` reads each record once and keeps its facts; the chosen records' facts, added up, are the figures
    (and the order of equal counts) counting the chosen records one by one gives, on any runner and any cut, also
    where an old version is where a site, a language and an extractor version are first met."""
    import random

    from archiver.datasets.select import Filters
    from archiver.datasets.stats import collect
    from archiver.datasets.workers import PoolRunner

    rng = random.Random(27 + first_is_old)
    sites = ["a.example", "b.example", "c.example", "d.example"]

    template = versioned_archive.crawl_records[0]

    def record(n, key, version, site):
        made = {**template, "id": f"r{n}", "url": f"https://{site}/{key}", "canonical_url": None, "site": site,
                "version": version, "language": rng.choice(["en", "de", None]),
                "extractor_version": rng.choice(["0.4.1", "0.4.2"]),
                "fetched_at": f"2026-0{rng.randint(1, 3)}-1{rng.randint(0, 9)}T10:00:00Z",
                "published": rng.choice([None, f"2025-1{rng.randint(0, 2)}-0{rng.randint(1, 9)}"]),
                "body": "x" * rng.choice([0, 50, 500]), "headline": rng.choice(["", "H"]),
                "warc": {**template["warc"], "filename": rng.choice(["warc/here.warc.gz", "warc/gone.warc.gz"])}}
        made["capture"] = rng.choice([None, {**(template.get("capture") or {}), "complete": True},
                                      {**(template.get("capture") or {}), "complete": False, "missing_count": 2}])
        if made["capture"] is None:
            del made["capture"]
        return made

    lines, n = [], 0
    if first_is_old:  # the first record of the file, and of site e.example, is replaced later
        lines.append(record(n, "k-old", 1, "e.example"))
        n += 1
    for language, extractor, site in (("en", "0.4.1", "a.example"), ("de", "0.4.2", "b.example"),
                                      (None, "0.4.1", "c.example"), ("en", "0.4.2", "d.example")):
        lines.append({**record(n, f"only-{n}", 1, site), "language": language, "extractor_version": extractor})
        n += 1
    for _ in range(300):
        key = f"k{rng.randint(0, 120)}"
        lines.append(record(n, key, rng.randint(1, 3), sites[int(key[1:]) % 4]))
        n += 1
    if first_is_old:
        lines.append(record(n, "k-old", 2, "e.example"))
    archive = tmp_path / "archive"
    (archive / "articles").mkdir(parents=True)
    (archive / "warc").mkdir()
    (archive / "warc" / "here.warc.gz").write_bytes(b"")
    path = archive / "articles" / "20260101T000000Z-1.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    for all_versions in (False, True):
        summary, no_pointer = _reference_stats([path], all_versions)
        for runner, task_size in ((None, None), (None, 3000), (PoolRunner(2), 5000)):
            try:
                got = collect(archive, [], Filters(), all_versions=all_versions, runner=runner, task_size=task_size)
            finally:
                if runner is not None:
                    runner.close()
            assert json.dumps(got.summary.as_dict()) == json.dumps(summary.as_dict())
            assert got.no_pointer == no_pointer and got.records_read == len(lines) and got.unreadable == 0
            assert got.summary.records == summary.records <= len(lines) - 50 * (not all_versions)
            gone = sum(1 for r in lines if (r["warc"] or {}).get("filename") == "warc/gone.warc.gz")
            assert 0 < got.dangling_pointers <= gone


def test_unreadable_lines_are_named_by_their_line_in_the_file_whatever_the_cut(versioned_archive, tmp_path):
    """Pass one's tasks find their lines in byte cuts and number them in their shard; the warnings give the line
    in the file, once each, and the figures are the same for any task size."""
    records = versioned_archive.crawl_records
    path = tmp_path / "records.jsonl"
    lines = [json.dumps(dict(r, id=f"<urn:uuid:{n}>", url=f"http://127.0.0.1/n/{n}/", canonical_url=None))
             for n, r in enumerate(records * 4)]
    lines[7] = lines[7][:40]  # cut short, as by a killed crawl
    lines[-3] = "not json"
    path.write_text("\n".join(lines[:20]) + "\n\n" + "\n".join(lines[20:]) + "\n", encoding="utf-8")
    outputs = []
    for options in (["--workers", "1"], ["--workers", "2", "--task-size", "1KB"], ["--task-size", "3KB"]):
        done = run_archiver("stats", "--records", str(path), "--json", *options)
        assert done.returncode == 0, done.stderr
        warned = [line for line in done.stderr.splitlines() if str(path) in line]
        assert warned == [f"{path} line 8: not valid JSON (Invalid control character at); skipped",
                          f"{path} line {len(lines) - 1}: not valid JSON (Expecting value); skipped"]
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert json.loads(outputs[0])["unreadable_lines"] == 2
