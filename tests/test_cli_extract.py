"""`archiver extract`: the seed page, as the project was asked to get it right, and bad input."""

from __future__ import annotations

import json

import pytest

from conftest import SHARED, run_archiver, site_page

SEED_PATH = "/world/2021/09/06/taliban-gains-control-of-panjshir-valley/"
SEED_URL = "https://www.example.com" + SEED_PATH


def seed_text_lines() -> list[str]:
    path = SHARED / "seed" / "panjshir-article.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def seed_record(tmp_path_factory):
    page = tmp_path_factory.mktemp("seed") / "seed.html"
    page.write_bytes(site_page(SEED_PATH, "https://www.example.com"))
    done = run_archiver("extract", str(page), "--url", SEED_URL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_seed_body_is_every_article_paragraph_and_nothing_else(seed_record):
    lines = seed_text_lines()
    start, end = lines.index("[Leer en español]") + 1, lines.index("Leave a Reply") - 1
    expected = [line for line in lines[start:end] if not line.endswith("(EFE)")]
    assert seed_record["body"].split("\n\n") == expected


@pytest.mark.parametrize("furniture", ["fbpx", "Skip to content", "Leer en Español", "Leer en español",
                                       "Valle de Panjshir", "Leave a Reply", "Total", "Share",
                                       "Economist, writer and liberal", "(EFE)"])
def test_seed_body_has_no_furniture(seed_record, furniture):
    assert furniture not in seed_record["body"]


def test_seed_metadata(seed_record):
    lines = seed_text_lines()
    assert seed_record["headline"] == lines[lines.index("Skip to content") + 1]
    assert [c["credit"] for c in seed_record["captions"]] == ["EFE", "EFE"]
    assert [c["text"] + " (EFE)" for c in seed_record["captions"]] == [line for line in lines if line.endswith("(EFE)")]
    assert all(c["image_url"].startswith("https://www.example.com/") for c in seed_record["captions"])
    assert len({c["image_url"] for c in seed_record["captions"]}) == 2
    assert seed_record["authors"] == ["Martín Echeverri Salas"]
    assert seed_record["published"].startswith("2021-09-06T10:21:00")
    assert seed_record["language"] == "en"
    assert seed_record["translations"] == [
        {"language": "es", "url": "https://www.example.com/es/mundo/2021/09/06/valle-de-panjshir-esta-a-punto-de-caer/"}]
    assert "warc" not in seed_record


def test_reads_standard_input():
    done = run_archiver("extract", "-", "--url", SEED_URL, input=site_page(SEED_PATH).decode("utf-8"))
    assert done.returncode == 0
    assert json.loads(done.stdout)["authors"] == ["Martín Echeverri Salas"]


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"])
def test_unreadable_input_exits_1_with_one_line(tmp_path, content):
    page = tmp_path / "page.bin"
    page.write_bytes(content)
    done = run_archiver("extract", str(page), "--url", "https://example.com/")
    assert done.returncode == 1
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1


def test_missing_file_exits_1(tmp_path):
    done = run_archiver("extract", str(tmp_path / "nope.html"), "--url", "https://example.com/")
    assert done.returncode == 1 and "cannot read" in done.stderr and len(done.stderr.strip().splitlines()) == 1
