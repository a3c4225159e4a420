"""What a worker process of the analysis pool runs: ``python -m archiver.analysis.work LOG_LEVEL``.

Pages come in on stdin and results go out on file descriptor ``RESULTS_FD`` (stdout stays
the crawl's), each a pickle after its length. The analysis is the call the spider makes in
its own thread (``archiver.extract.analyze_page``, and the page's requisites read off the
parsed tree), so records are identical either way. What the analysis logs (a page that
extraction failed on, say) is sent back with the result and logged by the crawl, so it
reaches the crawl's log and counts as before.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
from dataclasses import dataclass
from typing import Any, BinaryIO

from archiver.capture.requisites import Requisite, page_requisites
from archiver.extract import PageAnalysis, analyze_page
from archiver.record.items import Article

HEADER = 4  # bytes of the big-endian length before each pickle
RESULTS_FD = 3


ALTERNATE_LINKS = "//link[@rel='alternate'][@href]"  # where the spider looks for a page's feeds


@dataclass
class Analysed:
    analysis: PageAnalysis
    requisites: list[Requisite] | None  # None: not looked for, or the page was not parsed
    logs: list[tuple[str, int, str]]  # (logger, level, message) of what the analysis logged
    # The page's <link rel="alternate"> as (type, absolute URL), read as the spider reads them; None: not read.
    alternates: list[tuple[str, str]] | None = None


def lost(url: str) -> Analysed:
    """A page whose analysis could not be made: not an article, as ``analyze_page`` says of a page it fails on."""
    return Analysed(PageAnalysis(kind="other", article=Article(url=url)), None, [])


def alternate_links(body: bytes, url: str, encoding: str) -> list[tuple[str, str]]:
    """The page's ``<link rel="alternate" href>`` as (type, absolute URL): Scrapy's own response, selector and
    urljoin on the body decoded as the crawl's response decodes it (its ``encoding``), so the same links."""
    from scrapy.http import HtmlResponse

    response = HtmlResponse(url, body=body, encoding=encoding)
    return [(link.attrib.get("type") or "", response.urljoin(link.attrib["href"]))
            for link in response.xpath(ALTERNATE_LINKS)]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append((record.name, record.levelno, text))


def analyse(body: bytes, url: str, encoding: str | None, requisites_limit: int | None,
            response_encoding: str | None = None, *, collect_logs: bool = True) -> Analysed:
    """``analyze_page`` on one page; with ``requisites_limit``, its requisites too (from the same parse);
    with ``response_encoding`` (the crawl's response's), its alternate links too.

    ``collect_logs``: what the analysis logs is returned (in a worker) rather than left to this process.
    """
    found: list[list[Requisite]] = []
    read_tree: Any = None
    if requisites_limit is not None:
        def read_tree(tree) -> None:
            found.append(page_requisites(tree, url, requisites_limit))

    collect = _Collect()
    root = logging.getLogger("archiver")
    if collect_logs:
        root.addHandler(collect)
    try:
        analysis = analyze_page(body, url, encoding=encoding, read_tree=read_tree)
    finally:
        root.removeHandler(collect)
    alternates = alternate_links(body, url, response_encoding) if response_encoding else None
    return Analysed(analysis, found[0] if found else None, collect.records, alternates)


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None  # the crawl closed the pipe: it is done with us
        data += chunk
    return data


def main(log_level: int) -> None:
    # Ctrl-C in the terminal is the crawl's to handle: it finishes the pages it has, then closes our pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger("archiver")
    root.propagate = False  # what the analysis logs goes back to the crawl, not to this process's stderr
    root.setLevel(log_level)
    pages = sys.stdin.buffer
    results = os.fdopen(RESULTS_FD, "wb")
    while (header := _read(pages, HEADER)) is not None:
        payload = _read(pages, int.from_bytes(header, "big"))
        if payload is None:
            return
        number, args = pickle.loads(payload)
        try:
            done = analyse(*args)
        except Exception as error:  # noqa: BLE001 - the requisites reader, say: the page is lost, not the worker
            done = lost(args[1])
            done.logs.append(("archiver.analysis", logging.WARNING, f"Page analysis of {args[1]} failed: {error!r}"))
        answer = pickle.dumps((number, done), protocol=pickle.HIGHEST_PROTOCOL)
        results.write(len(answer).to_bytes(HEADER, "big") + answer)
        results.flush()


if __name__ == "__main__":
    # Run as the module's importable name, so results pickle as archiver.analysis.work.Analysed.
    from archiver.analysis import work

    work.main(int(sys.argv[1]) if len(sys.argv) > 1 else logging.WARNING)
