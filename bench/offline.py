"""Benches that crawl real pages run in a network namespace with the loopback interface alone.

Real pages (../shared/bench/l3s-dev, aeb, modern-dev) name hosts on the internet in their links and
requisites. ``ensure_offline()`` re-runs the calling script through ``.ci/offline`` (``unshare
--net``, loopback up) unless it already runs in such a namespace, so nothing the crawl asks for
can leave the machine: every host but 127.0.0.1 is unreachable at once.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRIED = "ARCHIVER_BENCH_OFFLINE"


def offline() -> bool:
    """Whether this process's network namespace has the loopback interface alone."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def ensure_offline() -> None:
    if offline():
        return
    if os.environ.get(TRIED):
        sys.exit("bench: .ci/offline ran, but the network namespace still has more than loopback")
    os.environ[TRIED] = "1"
    script = REPO / ".ci" / "offline"
    print("bench: re-running in a loopback-only network namespace (.ci/offline)", file=sys.stderr, flush=True)
    os.execv(script, [str(script), sys.executable, *sys.argv])
