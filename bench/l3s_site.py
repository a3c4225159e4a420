"""The l3s-dev pages as one local site, crawled end to end: what a user's crawl records of real 2008 pages,
and how fast, with page requisites off and on.

    python bench/l3s_site.py                        # every page, served with "charset=utf-8"
    python bench/l3s_site.py --charset none          # no charset in Content-Type: the page's own <meta> decides
    python bench/l3s_site.py --limit 60 --misses 10
    python bench/l3s_site.py --paths ids            # each page at /pages/<id>.html: URLs that say nothing
    python bench/l3s_site.py --crawls off           # one crawl, requisites off (the scores only)

Each page of ``../shared/bench/l3s-dev`` is served on 127.0.0.1 at its original path and query; the
home page links them all. The script runs itself in a network namespace with the loopback interface
alone (bench/offline.py, ``.ci/offline``): the pages' requisites name their original sites, ad
servers and CDNs, and none of them may be reached; every one fails at once. Four crawls of the same
site, each ``archiver crawl`` in a child process (depth 1: the pages' own links lead to pages this
site does not have), one after the other in this run:

- ``off``: page requisites off;
- ``on``: requisites on (the default settings): the pages' own assets answer 404 on the local site,
  every other host is unreachable;
- ``blackhole``: as ``on``, and every page also names an image on a local port that accepts
  connections and never answers (a host that swallows requests);
- ``dead-only``: as ``on``, with the local site's own requisites out of scope (``--scope
  requisite_deny=...``). Its 404 answers to the pages' own assets are real exchanges, each archived;
  without them what is left is the cost of the dead third-party hosts alone.

Each prints pages/s (pages fetched over the crawl's time, as its summary says) and its ratio to
``off``, the CPU seconds the crawl used (with its analysis processes) and the site's server used
(on a machine with few cores the two share them: a crawl that makes more exchanges cannot go as
fast when ``off`` already keeps every core busy); the blackholed port says how many connections it got. The records of the ``off`` crawl are
read back and scored as ``bench/pagekind.py`` scores ``analyze_page`` on the same files: share of
pages recorded as articles, headline exact match on pages with a labelled headline and a
``<title>``, body F1 (extract_eval.py). The corpus stays in ../shared: nothing of it is written
outside a temporary folder.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
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
sys.path.insert(0, str(REPO / "tests"))

from extract import load_scorer  # noqa: E402  (bench/extract.py)
from offline import ensure_offline  # noqa: E402  (bench/offline.py)

# Crawls of the same site: name -> (settings, whether every page also names the blackholed port).
CRAWLS = {
    "off": (["-s", "REQUISITES_ENABLED=False"], False),
    "on": ([], False),
    "blackhole": ([], True),
    # As ``on`` with the site's own requisites out of scope: the local server answers each of them 404,
    # real exchanges that are archived (most of ``on``'s cost); left are the third-party hosts, all dead.
    "dead-only": (["--scope", r"requisite_deny=^http://127\.0\.0\.1[:/]"], False),
}
LOCAL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "ROBOTSTXT_OBEY=False"]


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
        self.served = dict(self.pages)  # what is served now (with_image() adds to the pages)

    def __enter__(self) -> CorpusSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

            def do_GET(self) -> None:  # noqa: N802
                body = site.served.get(self.path)
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

    def with_image(self, base: str | None) -> None:
        """Serve every page with one more image, ``<base>/<n>.gif`` (None: the pages as they are)."""
        self.served = dict(self.pages)
        if base:
            for n, (path, body) in enumerate(self.pages.items()):
                self.served[path] = body.replace(b"<body", f'<img src="{base}/{n}.gif"><body'.encode(), 1) \
                    if b"<body" in body else f'<img src="{base}/{n}.gif">'.encode() + body


def _cpu() -> tuple[float, float]:
    """CPU seconds of the crawls run so far (with their analysis processes) and of this process (the site's
    server threads, while a crawl runs)."""
    children, own = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return children.ru_utime + children.ru_stime, own.ru_utime + own.ru_stime


def crawl(site: CorpusSite, archive: Path, settings: list[str]) -> tuple[dict, str]:
    """One ``archiver crawl`` of the site: its figures (pages, pages/s, seconds) and its summary."""
    started, before = time.perf_counter(), _cpu()
    done = subprocess.run([sys.executable, "-m", "archiver", "crawl", f"{site.url}/", "--archive", str(archive),
                           "--depth", "1", *LOCAL, *settings], capture_output=True, text=True, cwd=REPO)
    wall, after = time.perf_counter() - started, _cpu()
    if done.returncode not in (0, 1):
        sys.exit(f"l3s_site: the crawl failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    summary = done.stdout
    pages = re.search(r"^pages fetched\s+(\d+)", summary, re.M)
    seconds = re.search(r"^time\s+([\d.]+) s", summary, re.M)
    figures = {"pages": int(pages.group(1)) if pages else 0, "seconds": float(seconds.group(1)) if seconds else wall,
               "wall": wall, "crawl_cpu": after[0] - before[0], "server_cpu": after[1] - before[1]}
    figures["rate"] = figures["pages"] / figures["seconds"] if figures["seconds"] else 0.0
    return figures, summary


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
    parser.add_argument("--crawls", default="off,on,blackhole,dead-only",
                        help="crawls to run, comma-separated, of: " + ", ".join(CRAWLS) + " (the first is scored)")
    args = parser.parse_args()
    crawls = [name.strip() for name in args.crawls.split(",") if name.strip()]
    if not crawls or set(crawls) - set(CRAWLS):
        parser.error(f"--crawls: choose from {', '.join(CRAWLS)}")
    ensure_offline()
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

    from requisites_site import Blackhole  # tests/requisites_site.py

    results: dict[str, tuple[dict, str]] = {}
    with tempfile.TemporaryDirectory() as folder, CorpusSite(pages, None if args.charset == "none" else args.charset) as site:
        for name in crawls:
            settings, blackholed = CRAWLS[name]
            blackhole = Blackhole() if blackholed else None
            site.with_image(blackhole.url if blackhole else None)
            try:
                results[name] = crawl(site, Path(folder) / name, settings)
            finally:
                if blackhole is not None:
                    blackhole.close()
                    results[name][0]["connections"] = blackhole.connections
        archive = Path(folder) / crawls[0]
        records = [json.loads(line) for file in sorted((archive / "articles").glob("*.jsonl"))
                   for line in file.read_text(encoding="utf-8").splitlines()]
        seconds = results[crawls[0]][0]["wall"]

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
          f"{site.content_type!r}, in a loopback-only network namespace; load {os.getloadavg()[0]:.2f}")
    base = results[crawls[0]][0]["rate"]
    print(f"  {'crawl':<11} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'ratio':>6} {'CPU s':>6} {'server':>6}  requisites")
    for name, (crawled, summary) in results.items():
        line = re.search(r"^requisites\s+(.*)$", summary, re.M)
        extra = f"; the blackholed port got {crawled['connections']} connection(s)" if "connections" in crawled else ""
        print(f"  {name:<11} {crawled['pages']:>6} {crawled['seconds']:>8.1f} {crawled['rate']:>8.1f} "
              f"{crawled['rate'] / base if base else 0:>6.2f} {crawled['crawl_cpu']:>6.1f} {crawled['server_cpu']:>6.1f}  {line.group(1) if line else 'off'}{extra}")
    print(f"  scores of the {crawls[0]!r} crawl ({seconds:.0f} s):")
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
