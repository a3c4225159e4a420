"""Scrapyd as its users run it: scrapyd-deploy builds and uploads the egg, schedule.json runs the news spider."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO
from fixture_site import FixtureSite
from sched_helpers import path_of, read_records, warc_records, write_sites_file

PROJECT_FILES = ("archiver", "spiders", "pipelines", "scrapy.cfg", "pyproject.toml", "setup.py", "README.md")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A real scrapyd on 127.0.0.1, its eggs, logs and database under tmp_path."""
    pytest.importorskip("scrapyd")
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\nmax_proc = 1\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            api(base, "daemonstatus.json")
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("scrapyd did not start")
            time.sleep(0.2)
    yield base, home
    process.terminate()
    process.wait(timeout=30)


def test_scrapyd_deploy_and_schedule_json_run_a_crawl_of_a_sites_file(scrapyd, tmp_path):
    base, home = scrapyd
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    # The project's own [deploy] target, pointed at this scrapyd's port.
    cfg = (project / "scrapy.cfg").read_text().replace("http://127.0.0.1:6800/", base + "/")
    (project / "scrapy.cfg").write_text(cfg)
    deploy = subprocess.run([str(Path(sys.executable).with_name("scrapyd-deploy"))], cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout, deploy.stdout
    assert api(base, "listspiders.json?project=archiver")["spiders"] == ["news"]

    archive = tmp_path / "archive"
    with FixtureSite("news-sitemap", articles=3) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        job = api(base, "schedule.json", [
            ("project", "archiver"), ("spider", "news"), ("sites", str(sites)),
            ("setting", f"ARCHIVE_DIR={archive}"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
            ("setting", "ARCHIVER_CONTACT=mailto:archivist@example.org")])
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            jobs = api(base, "listjobs.json?project=archiver")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the scrapyd job did not finish: {jobs}")
        user_agents = {ua for ua in site.user_agents}

    log = next((home / "logs").rglob(f"{job['jobid']}.log")).read_text()
    assert "ERROR" not in log, log[-3000:]
    assert "Spider closed (finished)" in log
    assert sorted(path_of(r["url"]) for r in read_records(archive)) == sorted(s.path for s in site.stories)
    assert warc_records(archive, "response")
    assert user_agents == {"archiver/0.1.0 (+https://github.com/archiver-news/archiver; mailto:archivist@example.org)"}
