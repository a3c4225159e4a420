"""archiver crawl's exit codes (docs/crawling/exit-codes.md), one test per row, on real local servers."""

from __future__ import annotations

import socket
import threading

import pytest

from conftest import run_archiver
from fixture_site import FixtureSite


class FailingSite(FixtureSite):
    """The fixture site with some article pages answering 500."""

    def __init__(self, failing: int, **kwargs) -> None:
        super().__init__("sections", **kwargs)
        self.failing = {story.path for story in self.stories[:failing]}

    def resource(self, raw_path: str):
        if raw_path.partition("?")[0] in self.failing:
            return 500, "text/plain", b"internal error", None
        return super().resource(raw_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HangUp:
    """A server on 127.0.0.1 that accepts every connection and closes it without a word."""

    def __enter__(self) -> HangUp:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            connection.close()

    def __exit__(self, *exc_info: object) -> None:
        self.socket.close()


def crawl(*args: str) -> tuple[int, str, str]:
    done = run_archiver("crawl", *args, timeout=240)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def test_0_a_finished_crawl_with_a_500_page_among_good_ones(tmp_path):
    with FailingSite(failing=1, articles=6) as site:
        code, out, _ = crawl(f"{site.url}/", "--archive", str(tmp_path / "archive"))
    assert code == 0, out
    assert "articles        5" in out
    assert "errors          1 of 10 fetches (10%): 0 failed, 1 answered 5xx/429" in out
    assert "outcome" not in out


def test_3_an_unreachable_start_url_is_one_line_and_no_records_file(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/"  # nothing listens there: connection refused
    code, out, err = crawl(url, "--archive", str(tmp_path / "archive"))
    assert code == 3
    verdict = [line for line in err.splitlines() if line.startswith("archiver crawl:")]
    assert verdict == [f"archiver crawl: no start URL reachable, e.g. {url}: Connection was refused by other "
                       "side: 111: Connection refused."]
    assert "records         none (no article recorded)" in out
    assert not (tmp_path / "archive" / "articles").exists()
    assert not list((tmp_path / "archive").rglob("*.lock"))


def test_3_every_fetch_failed(tmp_path):
    with HangUp() as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "silent"\nfeeds = ["{server.url}/feed.xml"]\n', encoding="utf-8")
        # No retries: a dropped connection is retried after backoff pauses, which this test need not wait for.
        code, out, err = crawl("--sites", str(sites), "--archive", str(tmp_path / "archive"), "-s", "RETRY_TIMES=0")
    assert code == 3, out
    assert "archiver crawl: every fetch failed (2)" in err  # robots.txt and the feed
    assert not (tmp_path / "archive" / "articles").exists()


def test_4_an_error_share_above_max_error_rate(tmp_path):
    with FailingSite(failing=3, articles=6) as site:
        code, out, err = crawl(f"{site.url}/", "--archive", str(tmp_path / "archive"), "--max-error-rate", "0.2")
    assert code == 4, out
    assert "outcome         exit 4: 30% of fetches failed (3 of 10), above --max-error-rate 0.2" in out
    assert "articles        3" in out  # what could be archived, was


def test_1_a_crawl_that_could_not_run(tmp_path):
    # A crash is a bug: its traceback is in the log, and the last line says what ended the crawl.
    done = run_archiver("crawl", "http://127.0.0.1:9/", "--archive", str(tmp_path / "a"),
                        "-s", "SEEN_STORE=archiver.no.Store")
    code, err = done.returncode, done.stderr
    assert code == 1
    assert "archiver crawl: the crawl did not finish (ModuleNotFoundError: No module named 'archiver.no')" in err


@pytest.mark.parametrize("args, message", [
    (["not-a-url"], "not an http(s) URL: 'not-a-url'"),
    (["http://127.0.0.1:notaport/"], "not an http(s) URL: 'http://127.0.0.1:notaport/'"),
    (["ftp://example.org/"], "not an http(s) URL: 'ftp://example.org/'"),
    (["http://127.0.0.1/", "--site", "x"], "--site needs --sites FILE"),
    ([], "give start URLs or --sites FILE"),
    (["http://127.0.0.1/", "--set", "NOEQUALS"], "--set takes NAME=VALUE"),
    (["http://127.0.0.1/", "--max-error-rate", "2"], "not a share between 0 and 1"),
])
def test_2_usage_errors_are_one_line_and_create_nothing(tmp_path, args, message):
    done = run_archiver("crawl", *args, "--archive", str(tmp_path / "archive"), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()  # argparse's own errors come after its usage text
    assert message in lines[-1] and sum("archiver crawl:" in line for line in lines) == 1, done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_crawl_with_nothing_new_leaves_no_records_file_and_its_wacz_holds_its_pages(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=3) as site:
        first, out, _ = crawl(f"{site.url}/", "--archive", str(archive))
        again, out_again, _ = crawl(f"{site.url}/", "--archive", str(archive))
    assert first == again == 0
    assert len(list((archive / "articles").iterdir())) == 1  # the first crawl's; the second recorded nothing
    assert "records         none (no article recorded)" in out_again
    assert not (archive / "warc" / ".index.lock").exists()
    done = run_archiver("wacz", "--archive", str(archive))  # the pages it fetched again, no article among them
    assert done.returncode == 0, done.stdout
    assert "(0 articles)" in done.stdout
    crawls = run_archiver("wacz", "--archive", str(archive), "--list").stdout.splitlines()
    first_crawl = crawls[0].split()[0]
    done = run_archiver("wacz", "--archive", str(archive), "--crawl", first_crawl)
    assert done.returncode == 0, done.stdout
    assert "(3 articles)" in done.stdout


def test_wacz_of_an_archive_without_warc_files_says_so(tmp_path):
    done = run_archiver("wacz", "--archive", str(tmp_path))
    assert done.returncode == 1 and "no WARC files" in done.stdout
