"""Scrapyd as docs/scale/scrapyd.md sets it up: a host with the project's dependencies but not the project.

The Scrapyd under test runs from its own venv (``ARCHIVER_SCRAPYD_VENV``, made by ``.ci/run``
with ``pip install -r requirements-scrapyd.txt``), in a folder of its own, so the only copy
of archiver it can import is the deployed egg: each deploy takes effect.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from archiver.crawl.components import DEPENDENCIES
from conftest import IN_CI, REPO
from fixture_site import FixtureSite
from sched_helpers import path_of, read_records, warc_records, write_sites_file

PROJECT_FILES = ("archiver", "spiders", "pipelines", "scrapy.cfg", "pyproject.toml", "setup.py", "README.md")
CONTACT = "mailto:archivist@example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=60) as response:
        return json.loads(response.read())


def requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_scrapyd_requirements_are_the_crawls_dependencies_and_scrapyd():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    scrapyd = [r for r in project["optional-dependencies"]["scrapyd"] if Requirement(r).name == "scrapyd"]
    # The crawl's dependencies are those a deploy checks for (archiver.crawl.components); the base install adds the
    # reading room's and the exports' (the README's tour), which a Scrapyd host does without.
    crawl = set(DEPENDENCIES.values()) | {"tomli"}
    assert crawl <= {Requirement(r).name for r in project["dependencies"]}
    wanted = {str(Requirement(r)) for r in project["dependencies"] + scrapyd
              if Requirement(r).name in crawl | {"scrapyd"}}
    assert {str(Requirement(r)) for r in requirement_lines(REPO / "requirements-scrapyd.txt")} == wanted
    assert not any(Requirement(r).name == "archiver" for r in requirement_lines(REPO / "requirements-scrapyd.txt"))


@pytest.fixture(scope="module")
def scrapyd_python() -> Path:
    venv = os.environ.get("ARCHIVER_SCRAPYD_VENV")
    if not venv:
        reason = "ARCHIVER_SCRAPYD_VENV is not set (a venv with pip install -r requirements-scrapyd.txt; .ci/run makes one)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    python = Path(venv) / "bin" / "python"
    # The point of the setup: the project itself is not installed there.
    probe = subprocess.run([str(python), "-c", "import archiver"], cwd="/", capture_output=True, text=True)
    assert probe.returncode != 0, f"{venv} has archiver installed: deploys would be shadowed by it"
    return python


@pytest.fixture
def scrapyd(scrapyd_python, tmp_path):
    """A real scrapyd on 127.0.0.1 from its own venv, its eggs, logs and database under tmp_path."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\nmax_proc = 1\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    process = subprocess.Popen([str(scrapyd_python), "-m", "scrapyd"], cwd=home, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
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


def copy_project(base: str, project: Path) -> Path:
    project.mkdir()
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(source, project / name)
    # The project's own [deploy] target, pointed at this scrapyd's port.
    cfg = (project / "scrapy.cfg").read_text().replace("http://127.0.0.1:6800/", base + "/")
    (project / "scrapy.cfg").write_text(cfg)
    return project


def deploy(project: Path, version: str) -> subprocess.CompletedProcess:
    """scrapyd-deploy as a user runs it, on the deploying machine (this venv: the scrapyd extra)."""
    return subprocess.run([str(Path(sys.executable).with_name("scrapyd-deploy")), "--version", version], cwd=project,
                          capture_output=True, text=True, timeout=300)


def run_job(base: str, home: Path, sites: Path, archive: Path) -> str:
    job = api(base, "schedule.json", [
        ("project", "archiver"), ("spider", "news"), ("sites", str(sites)),
        ("setting", f"ARCHIVE_DIR={archive}"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
        ("setting", f"ARCHIVER_CONTACT={CONTACT}")])
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        jobs = api(base, "listjobs.json?project=archiver")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the scrapyd job did not finish: {jobs}")
    log = next((home / "logs").rglob(f"{job['jobid']}.log")).read_text()
    assert "ERROR" not in log and "Traceback" not in log, log[-3000:]
    assert "Spider closed (finished)" in log
    return log


def test_each_deploy_takes_effect_on_a_scrapyd_without_the_project_installed(scrapyd, tmp_path):
    base, home = scrapyd
    project = copy_project(base, tmp_path / "project")
    first = deploy(project, "v1")
    assert first.returncode == 0 and '"status": "ok"' in first.stdout, first.stdout + first.stderr
    assert api(base, "listspiders.json?project=archiver")["spiders"] == ["news"]

    with FixtureSite("news-sitemap", articles=3) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        log_v1 = run_job(base, home, sites, tmp_path / "archive-v1")
        # A changed setting, redeployed: the next job runs the new egg.
        settings = project / "archiver" / "settings.py"
        text = settings.read_text()
        assert re.search(r'^BOT_NAME = "archiver"$', text, re.M)
        settings.write_text(re.sub(r'^BOT_NAME = "archiver"$', 'BOT_NAME = "archiver-redeployed"', text, flags=re.M))
        second = deploy(project, "v2")
        assert second.returncode == 0 and '"status": "ok"' in second.stdout, second.stdout + second.stderr
        log_v2 = run_job(base, home, sites, tmp_path / "archive-v2")
        user_agents = set(site.user_agents)

    assert "(bot: archiver)" in log_v1
    assert "(bot: archiver-redeployed)" in log_v2, log_v2[:2000]
    assert api(base, "listversions.json?project=archiver")["versions"] == ["v1", "v2"]
    for archive in (tmp_path / "archive-v1", tmp_path / "archive-v2"):
        assert sorted(path_of(r["url"]) for r in read_records(archive)) == sorted(s.path for s in site.stories)
        assert warc_records(archive, "response")
    assert user_agents == {f"archiver/0.1.0 (+https://github.com/archiver-news/archiver; {CONTACT})"}


def test_a_deploy_whose_dependencies_the_host_lacks_fails_at_deploy_time(scrapyd, tmp_path):
    base, home = scrapyd
    project = copy_project(base, tmp_path / "project")
    # The project gains a dependency the host was not given (as warcio was missing before).
    components = project / "archiver" / "crawl" / "components.py"
    text = components.read_text()
    assert '    "tldextract": "tldextract",\n' in text
    components.write_text(text.replace('    "tldextract": "tldextract",\n', '    "tldextract": "tldextract",\n'
                                       '    "archiver_absent_dependency": "archiver-absent-dependency",\n'))
    done = deploy(project, "broken")
    output = done.stdout + done.stderr
    assert '"status": "error"' in output and '"status": "ok"' not in output, output  # scrapyd-deploy exits 0 anyway
    assert "archiver-absent-dependency" in output and "requirements-scrapyd.txt" in output, output
    # Scrapyd keeps the uploaded egg, but nothing runs it: listing and scheduling fail with the reason.
    listed = api_error(base, "listspiders.json?project=archiver")
    assert listed["status"] == "error" and "archiver-absent-dependency" in listed["message"], listed
    scheduled = api_error(base, "schedule.json", [("project", "archiver"), ("spider", "news")])
    assert scheduled["status"] == "error", scheduled
    assert api(base, "listjobs.json?project=archiver")["pending"] == []


def api_error(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    """The JSON of a Scrapyd answer, also when it comes with an HTTP error status."""
    try:
        return api(base, endpoint, data)
    except urllib.error.HTTPError as error:
        return json.loads(error.read())
