"""--revisit: unchanged articles become WARC revisit records, an edited one a new version of its record."""

from __future__ import annotations

import subprocess
import sys

from fixture_site import FixtureSite
from sched_helpers import crawl, path_of, read_records, warc_records, write_sites_file
from conftest import shared_tool

PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def test_revisit_records_unchanged_articles_and_versions_an_edited_one(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=4) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        assert crawl(sites, archive).returncode == 0
        first = {path_of(r["url"]): r for r in read_records(archive)}
        first_warcs = set((archive / "warc").glob("*.warc.gz"))
        edited = site.stories[1]
        site.edit(edited)
        site.clear_log()
        done = crawl(sites, archive, "--revisit", "7")
        assert done.returncode == 0, done.stderr[-3000:]
        assert "4 revisited (3 unchanged)" in done.stdout
        statuses = sorted(status for method, path, status in site.hits if path.startswith("/news/"))
        assert statuses == [200, 304, 304, 304]

    records = read_records(archive)
    new = [r for r in records if r["version"] == 2]
    assert [path_of(r["url"]) for r in new] == [edited.path]
    assert new[0]["previous_version_id"] == first[edited.path]["id"]
    assert new[0]["content_sha1"] != first[edited.path]["content_sha1"]
    assert "corrected after publication" in new[0]["body"]
    assert len(records) == 5

    # Unchanged listing pages refetched become identical-payload revisits; the articles'
    # 304s are the server-not-modified ones.
    revisits = [(headers, http) for path, headers, http in warc_records(archive, "revisit")
                if path not in first_warcs and headers.get_header("WARC-Profile") == PROFILE]
    assert sorted(path_of(h.get_header("WARC-Target-URI")) for h, _ in revisits) == sorted(
        s.path for s in site.stories if s is not edited)
    for headers, http in revisits:
        earlier = first[path_of(headers.get_header("WARC-Target-URI"))]
        assert headers.get_header("WARC-Profile") == PROFILE
        assert headers.get_header("WARC-Refers-To-Target-URI") == earlier["url"]
        assert headers.get_header("WARC-Refers-To-Date") == earlier["fetched_at"]
        assert headers.get_header("WARC-Refers-To") == earlier["id"]
        assert http.get_statuscode() == "304" and http.get_header("ETag")


def test_revisit_warcs_pass_the_strict_check(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=2) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        crawl(sites, archive)
        crawl(sites, archive, "--revisit", "7")
    assert warc_records(archive, "revisit")
    files = [str(p) for p in sorted((archive / "warc").glob("*.warc.gz"))]
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *files],
                            capture_output=True, text=True)
    assert strict.returncode == 0 and "STRICT: no problems" in strict.stdout, strict.stdout


def test_refetch_fetches_everything_again_but_writes_no_unchanged_record(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=3) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        crawl(sites, archive)
        site.clear_log()
        done = crawl(sites, archive, "--refetch")
        assert done.returncode == 0, done.stderr[-3000:]
        assert sorted(site.article_fetches()) == sorted(s.path for s in site.stories)
    assert len(read_records(archive)) == 3
