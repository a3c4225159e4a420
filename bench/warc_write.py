"""WARC writing benchmark: the capture path's writer against a plain file copy of the same bytes, one run.

    python bench/warc_write.py --fetches 2000

A synthetic news crawl (HTML pages, a third gzip-encoded as servers send them,
and images) is written four ways into a temporary folder, flushing per fetch
and fsyncing at the end, as the crawler does: a plain copy of the HTTP bytes,
WARC records the old way (zlib level 6 for every record: the baseline), WARC
records with the default settings (ISA-L deflate, stored blocks for payloads
already compressed), and the same through the deduplicating store (payload
digest lookup and SQLite insert per fetch). Every record is one gzip member.
Throughput is HTTP payload megabytes (10^6 bytes) per second.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.warc.digests import SqliteDigestIndex  # noqa: E402
from archiver.warc.records import Exchange  # noqa: E402
from archiver.warc.store import WarcStore  # noqa: E402
from archiver.warc.writer import RotatingWarcWriter  # noqa: E402

WORDS = ("the council said on tuesday that the new plan would cut costs and bring services back to the "
         "valley where residents have waited years for a bridge school clinic market road").split()


def make_corpus(fetches: int, seed: int = 7) -> list[Exchange]:
    rng = random.Random(seed)
    corpus = []
    for n in range(fetches):
        kind = n % 4
        if kind == 3:
            body, content_type, encoding = rng.randbytes(rng.randint(20_000, 120_000)), "image/jpeg", None
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8_000, 16_000)))
            body = f"<html><body><article><p>{text}</p></article></body></html>".encode()
            content_type, encoding = "text/html; charset=utf-8", None
            if kind == 0:
                body, encoding = gzip.compress(body, 6), "gzip"
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   ("Server", "bench"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        corpus.append(Exchange(url=f"https://news.example/{n}", method="GET",
                               request_headers=[("Host", "news.example"), ("Accept", "*/*")], request_body=b"",
                               status=200, response_headers=headers, response_body=body,
                               ip_address="127.0.0.1"))
    return corpus


def http_bytes(exchange: Exchange) -> bytes:
    head = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in exchange.response_headers) + "\r\n"
    return head.encode("latin-1") + exchange.response_body


def plain_copy(corpus: list[Exchange], folder: Path) -> tuple[float, int, float]:
    messages = [http_bytes(e) for e in corpus]  # prepared outside the timing: a copy has nothing to build
    path = folder / "copy.bin"
    started, cpu = time.perf_counter(), time.process_time()
    with open(path, "wb") as out:
        for message in messages:
            out.write(message)
            out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - started, path.stat().st_size, time.process_time() - cpu


# The writer's settings before ISA-L and stored blocks (WARC_GZIP_ENGINE=zlib, WARC_GZIP_LEVEL=6,
# WARC_STORE_COMPRESSED=False): the baseline printed in the same run.
BEFORE = {"gzip_engine": "zlib", "gzip_level": 6, "store_compressed": False}


def warc_write(corpus: list[Exchange], folder: Path, dedup: bool, **writer_options: object) -> tuple[float, int, float]:
    writer = RotatingWarcWriter(folder / "warc", archive_root=folder, **writer_options)  # type: ignore[arg-type]
    digests = SqliteDigestIndex(folder / "digests.sqlite3") if dedup else None
    store = WarcStore(writer, digests)
    started, cpu = time.perf_counter(), time.process_time()
    for exchange in corpus:
        store.store(exchange)
    store.close()
    seconds = time.perf_counter() - started
    return seconds, sum(p.stat().st_size for p in writer.files_written), time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetches", type=int, default=2000, help="fetches in the synthetic crawl")
    args = parser.parse_args()
    corpus = make_corpus(args.fetches)
    payload = sum(len(e.response_body) for e in corpus)
    print(f"corpus: {len(corpus)} fetches, {payload / 1e6:.1f} MB of HTTP payload "
          f"(HTML, a third of it gzip-encoded, and images)")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, run in (("plain copy", lambda f: plain_copy(corpus, f)),
                          ("WARC zlib 6", lambda f: warc_write(corpus, f, dedup=False, **BEFORE)),
                          ("WARC", lambda f: warc_write(corpus, f, dedup=False)),
                          ("WARC + dedup", lambda f: warc_write(corpus, f, dedup=True))):
            folder = Path(tmp) / name.replace(" ", "-").replace("+", "")
            folder.mkdir()
            results[name] = run(folder)
    # CPU MB/s: payload per CPU second of this process, less swayed by other load on the machine.
    print(f"{'mode':<14} {'seconds':>8} {'MB/s':>8} {'CPU MB/s':>9} {'output MB':>10}")
    for name, (seconds, size, cpu) in results.items():
        print(f"{name:<14} {seconds:>8.2f} {payload / 1e6 / seconds:>8.1f} {payload / 1e6 / max(cpu, 1e-9):>9.1f} "
              f"{size / 1e6:>10.1f}")
    copy = payload / results["plain copy"][0]
    for name in ("WARC zlib 6", "WARC", "WARC + dedup"):
        print(f"{name} / plain copy throughput: {payload / results[name][0] / copy:.3f}")
    print(f"WARC / WARC zlib 6 (before) throughput: {results['WARC zlib 6'][0] / results['WARC'][0]:.1f}x")


if __name__ == "__main__":
    main()
