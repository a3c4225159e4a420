"""Replay QA on a site with pages that replay well and pages built to replay badly: `archiver crawl --qa`, then
`archiver qa --json` on the archive with the site out of reach, and the verdicts in the reading room."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import run_archiver
from qa_site import BAD, COMPUTED, DEAD_IFRAME, FOREIGN_FONT, GOOD, QaSite
from test_browser import chromium

CRAWL = ["--depth", "1", "--scope", "requisites=site", "-s", "AUTOTHROTTLE_ENABLED=False", "--log-level", "WARNING"]


@dataclass
class Checked:
    url: str
    archive: Path
    crawl_stdout: str
    json_run: object
    verdicts: dict[str, dict]  # by path, from `archiver qa --json`
    site_requests_during_qa: int


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Checked:
    chromium()
    archive = tmp_path_factory.mktemp("qa") / "archive"
    with QaSite() as site:
        crawled = run_archiver("crawl", site.url + "/", "--archive", str(archive), "--qa", *CRAWL)
        assert crawled.returncode == 0, crawled.stdout + crawled.stderr[-3000:]
        before = site.server.requests
        json_run = run_archiver("qa", "--archive", str(archive), "--json", "--workers", "2")
        during = site.server.requests - before
    verdicts = {json.loads(line)["url"][len(site.url):]: json.loads(line) for line in json_run.stdout.splitlines()}
    return Checked(site.url, archive, crawled.stdout, json_run, verdicts, during)


def test_pages_that_replay_well_are_ok_with_no_false_alarm(checked):
    for path in ["/", *GOOD]:
        verdict = checked.verdicts[path]
        assert verdict["ok"] is True and verdict["score"] == 1.0, verdict
        assert verdict["missing"] == [] and verdict["reference"] == "html"


@pytest.mark.parametrize("path, kind, missing", [
    (COMPUTED, "fetch", "/api/debate-42.json"),  # only a script knows this URL
    (FOREIGN_FONT, "font", "//localhost:"),  # outside the capture scope
    (DEAD_IFRAME, "document", "/player/regatta"),  # its host never answered
])
def test_pages_built_to_replay_badly_score_below_the_bar_and_say_why(checked, path, kind, missing):
    verdict = checked.verdicts[path]
    assert verdict["ok"] is False and verdict["score"] < 0.9, verdict
    assert [m["type"] for m in verdict["missing"]] == [kind] and missing in verdict["missing"][0]["url"]
    assert f"missing from the archive: 1 {kind}" in verdict["reasons"]


def test_scores_separate_the_good_pages_from_the_bad(checked):
    assert min(checked.verdicts[p]["score"] for p in GOOD) > max(checked.verdicts[p]["score"] for p in BAD)


def test_json_output_is_one_line_per_page_and_nothing_else(checked):
    assert checked.json_run.returncode == 0, checked.json_run.stderr
    lines = [json.loads(line) for line in checked.json_run.stdout.splitlines()]
    assert len(lines) == 1 + len(GOOD) + len(BAD)  # the start page, the articles; not the iframe's document
    for line in lines:
        assert isinstance(line["url"], str) and 0 <= line["score"] <= 1 and isinstance(line["ok"], bool)
    assert "3 below 0.9" in checked.json_run.stderr


def test_the_replay_comes_from_the_archive_alone(checked):
    assert checked.site_requests_during_qa == 0  # the site was up, and never asked


def test_crawl_with_qa_prints_the_verdicts_and_writes_a_report(checked):
    assert f"qa              {1 + len(GOOD) + len(BAD)} checked" in checked.crawl_stdout
    worst = [line for line in checked.crawl_stdout.splitlines() if line.startswith("worst")]
    assert len(worst) == len(BAD) and all("missing from the archive" in line for line in worst)
    reports = sorted((checked.archive / "qa").glob("*-qa.jsonl"))
    assert len(reports) == 2  # the crawl's and the --json run's
    first = [json.loads(line) for line in reports[0].read_text(encoding="utf-8").splitlines()]
    assert {v["url"]: v["ok"] for v in first} == {checked.url + p: v["ok"] for p, v in checked.verdicts.items()}


def test_the_reading_room_shows_each_articles_verdict(checked):
    from starlette.testclient import TestClient

    from archiver.reading.app import create_app
    from archiver.reading.index import record_key_of

    keys = {json.loads(line)["url"][len(checked.url):]: record_key_of(json.loads(line)["id"])
            for path in (checked.archive / "articles").glob("*.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines()}
    with TestClient(create_app(checked.archive)) as client:
        good = client.get(f"/records/{keys[GOOD[0]]}").text
        bad = client.get(f"/records/{keys[DEAD_IFRAME]}").text
        api = client.get(f"/api/records/{keys[DEAD_IFRAME]}").json()
    assert "Replay QA 1.00" in good and "replays as it was captured" in good
    assert "Replay QA 0.80" in bad and "may not replay as it was captured" in bad and "/player/regatta" in bad
    assert api["qa"]["ok"] is False and api["qa"]["score"] == 0.8


def test_a_sample_and_an_unknown_crawl(checked):
    sample = run_archiver("qa", "--archive", str(checked.archive), "--sample", "1", "--workers", "1", "--json")
    assert sample.returncode == 0 and len(sample.stdout.splitlines()) == 1, sample.stderr
    unknown = run_archiver("qa", "--archive", str(checked.archive), "--crawl", "20000101T000000Z-1")
    assert unknown.returncode == 1 and len(unknown.stderr.strip().splitlines()) == 1
    assert "no crawl '20000101T000000Z-1'" in unknown.stderr
