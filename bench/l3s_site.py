"""The l3s-dev pages as one local site, crawled end to end: what a user's crawl records of real 2008 pages.

    python bench/l3s_site.py                        # every page, served with "charset=utf-8"
    python bench/l3s_site.py --charset none          # no charset in Content-Type: the page's own <meta> decides
    python bench/l3s_site.py --limit 60 --misses 10
    python bench/l3s_site.py --paths ids            # each page at /pages/<id>.html: URLs that say nothing

Each page of ``../shared/bench/l3s-dev`` is served on 127.0.0.1 at its original path and query; the
home page links them all. ``archiver crawl`` runs in a child process (page requisites off: their
hosts are the original sites, out of reach here; depth 1: the pages' own links lead to pages this
site does not have). The records it writes are read back and scored as ``bench/pagekind.py`` scores
``analyze_page`` on the same files: share of pages recorded as articles, headline exact match on
pages with a labelled headline and a ``<title>``, body F1 (extract_eval.py). The two figures side by
side show what the crawl path (HTTP, charset, the host being 127.0.0.1 rather than the site's own)
changes. The corpus stays in ../shared: nothing of it is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVER_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO / "bench"))

from extract import load_scorer  # noqa: E402  (bench/extract.py)


def local_path(url: str) -> str:
    """The page's path and query on the local site (its original ones)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class CorpusSite:
    """``with CorpusSite(pages, charset) as site:`` serves {path: html bytes} and a home page linking them."""

    def __init__(self, pages: dict[str, bytes], charset: str | None) -> None:
        self.pages = dict(pages)
        links = "".join(f'<li><a href="{path.replace("&", "&amp;")}">page {i}</a></li>'
                        for i, path in enumerate(sorted(pages)))
        self.pages["/"] = f"<html><head><title>Corpus</title></head><body><ul>{links}</ul></body></html>".encode()
        self.content_type = "text/html" + (f"; charset={charset}" if charset else "")

    def __enter__(self) -> CorpusSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

            def do_GET(self) -> None:  # noqa: N802
                body = site.pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", site.content_type)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True
        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "bench" / "l3s-dev")
    parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "extract_eval.py")
    parser.add_argument("--charset", default="utf-8", help='charset the server names, or "none"')
    parser.add_argument("--paths", choices=["original", "ids"], default="original",
                        help="serve each page at its original path and query, or at /pages/<id>.html")
    parser.add_argument("--limit", type=int, default=0, help="serve only the first N pages (0: all)")
    parser.add_argument("--misses", type=int, default=0, help="list this many pages not recorded as articles")
    parser.add_argument("--headline-misses", type=int, default=0, help="list this many headlines that miss their label")
    args = parser.parse_args()
    scorer = load_scorer(args.scorer)
    truth = json.loads((args.data / "ground-truth.json").read_text())
    ids = sorted(truth)[: args.limit or None]
    pages, by_path = {}, {}
    for page_id in ids:
        path = local_path(truth[page_id]["url"]) if args.paths == "original" else f"/pages/{page_id}.html"
        if path in pages:
            continue  # two pages of one URL: the first is served
        pages[path] = gzip.decompress((args.data / "html" / f"{page_id}.html.gz").read_bytes())
        by_path[path] = page_id

    with tempfile.TemporaryDirectory() as folder, CorpusSite(pages, None if args.charset == "none" else args.charset) as site:
        archive = Path(folder) / "archive"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "archiver", "crawl", f"{site.url}/", "--archive", str(archive), "--depth", "1",
             "-s", "REQUISITES_ENABLED=False", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "ROBOTSTXT_OBEY=False"],
            capture_output=True, text=True, cwd=REPO)
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):
            sys.exit(f"l3s_site: the crawl failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
        records = [json.loads(line) for file in sorted((archive / "articles").glob("*.jsonl"))
                   for line in file.read_text(encoding="utf-8").splitlines()]

    recorded = {local_path(r["url"]): r for r in records}
    scores, headline_hits, headline_pages, wrong_headlines = [], 0, 0, []
    for path, page_id in by_path.items():
        record, labels = recorded.get(path), truth[page_id]
        scores.append(scorer.score_page(labels["articleBody"], record["body"] if record else ""))
        has_title = labels.get("titleTagInHtml", b"<title" in pages[path][:20000].lower())
        if labels.get("headline") and has_title:
            headline_pages += 1
            hit = bool(record) and scorer.words(record.get("headline") or "") == scorer.words(labels["headline"])
            headline_hits += hit
            if not hit:
                wrong_headlines.append((page_id, labels["headline"], (record or {}).get("headline")))
    figures = scorer.aggregate(scores)
    articles = sum(path in recorded for path in by_path)
    print(f"l3s-dev as a local site ({args.data}), {args.paths} paths, served with Content-Type "
          f"{site.content_type!r}, crawled in {seconds:.0f} s")
    print(f"  articles        {articles}/{len(by_path)} = {articles / len(by_path):.3f}  (pages with a record)")
    print(f"  headline exact  {headline_hits}/{headline_pages} = {headline_hits / headline_pages:.3f}"
          f"  (pages with a labelled headline and a <title>)")
    print(f"  body F1         {figures['f1']:.3f} (precision {figures['precision']:.3f}, recall {figures['recall']:.3f};"
          f" a page without a record has an empty body)")
    missing = [path for path in by_path if path not in recorded]
    for path in missing[: args.misses]:
        print(f"    no record: {by_path[path]} {path}")
    for page_id, label, got in wrong_headlines[: args.headline_misses]:
        print(f"    headline: {page_id}\n      label {label!r}\n      got   {got!r}")


if __name__ == "__main__":
    main()
