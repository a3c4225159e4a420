"""Browser profiles: `archiver browser-login` keeps a reader's login, a browser-mode crawl with it captures the
members-only article whole; without it, the teaser marked paywalled. The login never reaches the archive or a log."""

from __future__ import annotations

import gzip
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import run_archiver
from login_site import ARTICLE, HEADLINE, PARAGRAPHS, USER, LoginSite
from test_browser import chromium

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "--depth", "0", "--browser", "-s", "BROWSER_SCREENSHOT=False"]
ENV = {"QA_LOGIN_USER": USER}


@dataclass
class Logged:
    site: LoginSite
    profile: Path
    login: object
    with_profile: object
    without: object
    archive: Path


def records(archive: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> Logged:
    chromium()
    folder = tmp_path_factory.mktemp("profiles")
    with LoginSite() as site:
        env = {**os.environ, **ENV, "QA_LOGIN_PASSWORD": site.password}
        profile = folder / "reader-profile"
        profile.mkdir()  # a profile folder: the login goes to storage-state.json in it
        login = run_archiver("browser-login", site.url + "/login", "--profile", str(profile), "--field",
                             "username=QA_LOGIN_USER", "--field", "password=QA_LOGIN_PASSWORD", "--logged-in",
                             "#welcome", env=env)
        assert login.returncode == 0, login.stdout + login.stderr
        archive = folder / "archive"
        with_profile = run_archiver("crawl", site.url + ARTICLE, "--archive", str(archive), "--browser-profile",
                                    str(profile), *FAST)
        without = run_archiver("crawl", site.url + ARTICLE, "--archive", str(folder / "plain"), *FAST)
        yield Logged(site, profile, login, with_profile, without, archive)


def test_a_scripted_login_saves_a_profile_only_its_owner_can_read(logged):
    state_file = logged.profile / "storage-state.json"  # a folder was given
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    state = json.loads(state_file.read_text())
    assert [c["name"] for c in state["cookies"]] == ["session"] and state["cookies"][0]["httpOnly"]
    assert state["origins"][0]["localStorage"] == [{"name": "gazette-reader", "value": "subscriber"}]
    output = logged.login.stdout + logged.login.stderr
    assert logged.site.password not in output and logged.site.token not in output


def test_with_the_profile_the_record_has_the_whole_members_only_article(logged):
    assert logged.with_profile.returncode == 0, logged.with_profile.stdout + logged.with_profile.stderr[-2000:]
    [record] = records(logged.archive)
    assert record["headline"] == HEADLINE and record["body"].split("\n\n") == PARAGRAPHS
    assert record["paywalled"] is False and record["browser"]["profile"] is True


def test_without_it_the_record_has_the_teaser_marked_paywalled(logged):
    assert logged.without.returncode == 0, logged.without.stderr[-2000:]
    [record] = records(logged.archive.parent / "plain")
    assert record["body"] == PARAGRAPHS[0]
    assert record["paywalled"] is True and record["browser"]["profile"] is False


def test_the_login_is_in_no_warc_record_and_no_log_line(logged):
    warcs = list((logged.archive / "warc").glob("*.warc.gz"))
    assert warcs
    for path in warcs:
        data = gzip.decompress(path.read_bytes())
        assert logged.site.token.encode() not in data  # the session cookie, in no request record
        assert b"\r\nCookie:" not in data
    crawl_output = logged.with_profile.stdout + logged.with_profile.stderr
    assert logged.site.token not in crawl_output and "gazette-reader" not in crawl_output


def test_a_profile_inside_the_archive_is_refused_before_anything_is_crawled(logged, tmp_path):
    archive = tmp_path / "archive"
    inside = archive / "profiles" / "reader.json"
    inside.parent.mkdir(parents=True)
    inside.write_bytes((logged.profile / "storage-state.json").read_bytes())
    done = run_archiver("crawl", logged.site.url + ARTICLE, "--archive", str(archive), "--browser-profile",
                        str(inside), *FAST)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "inside the archive folder" in done.stderr and not (archive / "warc").exists()


@pytest.mark.parametrize("problem, args, says", [
    ("no variable", ["--field", "password=QA_LOGIN_NOT_SET"], "QA_LOGIN_NOT_SET is not set"),
    ("no value", ["--field", "password"], "--field takes NAME=ENV_VAR"),
])
def test_browser_login_refuses_a_field_it_cannot_fill_in_one_line(problem, args, says, tmp_path):
    done = run_archiver("browser-login", "http://127.0.0.1:9/login", "--profile", str(tmp_path / "p.json"), *args,
                        env={k: v for k, v in os.environ.items() if k != "QA_LOGIN_NOT_SET"})
    assert done.returncode == 1 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.json").exists()
