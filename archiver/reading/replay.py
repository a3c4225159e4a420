"""pywb behind the reading room: started with ``archiver serve``, reached through the same port.

pywb replays under ``/archive/`` (its collection) and loads its own scripts from
``/static/``; the reading room forwards exactly those two prefixes to it, so replayed
pages and the reading room share one address and pywb's own port stays private.
"""

from __future__ import annotations

import http.client
import logging
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from archiver.system.processes import stop_process
from archiver.warc.replay import COLLECTION, ReplayError, find_env, free_port, replay_url, start_pywb, write_config

PREFIXES = (f"/{COLLECTION}/", "/static/")
# Hop-by-hop headers (RFC 9110 7.6.1) and the ones http.client sets itself.
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "content-length"}
TIMEOUT = 60.0
# pywb stops within a fraction of a second of SIGTERM; `archiver serve` as a whole stops in under 2 s.
STOP_TIMEOUT = 1.0

logger = logging.getLogger(__name__)


class Replay:
    """A pywb child process over an archive's WARC files, or the reason there is none."""

    def __init__(self) -> None:
        self.port: int | None = None
        self.reason: str | None = "replay not started"
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: str | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, archive: Path, env: Path | None = None) -> None:
        """Start pywb over the archive, from ``env`` (default: the environment there is, never installing one)."""
        from archiver.warc.cdxj import update_index

        if not (archive / "warc").is_dir():
            self.reason = f"no WARC folder in {archive}"
            return
        try:
            env = env or find_env(install=False)
            update_index(archive / "warc")  # files of a killed crawl become replayable too
            self._folder = tempfile.mkdtemp(prefix="archiver-serve-pywb-")
            write_config(archive, Path(self._folder))
            self.port = free_port()
            self._process = start_pywb(env, Path(self._folder), self.port)
            self.reason = None
        except (ReplayError, OSError) as error:
            self.reason = str(error)
            self.stop()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=STOP_TIMEOUT)
            if process.returncode == -signal.SIGKILL:
                logger.warning("pywb did not stop within %.0f s of SIGTERM: killed (it only reads the archive)",
                               STOP_TIMEOUT)
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    @staticmethod
    def link(url: str, fetched_at: str | None) -> str:
        """The reading room's address of one capture's replay."""
        return replay_url(f"/{COLLECTION}", url, fetched_at)

    @staticmethod
    def image_link(url: str, fetched_at: str | None) -> str:
        """An archived image as it was captured (pywb's ``im_`` mode: the bytes, not rewritten), the capture
        nearest ``fetched_at``."""
        return replay_url(f"/{COLLECTION}", url, fetched_at, mode="im_")

    def forward(self, method: str, path_and_query: str, headers: list[tuple[str, str]],
                body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send one request to pywb (blocking: run it in a thread); its status, headers and body."""
        assert self.port is not None
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            sent = {k: v for k, v in headers if k.lower() not in _HOP and k.lower() != "accept-encoding"}
            connection.request(method, path_and_query, body=body or None, headers=sent)
            response = connection.getresponse()
            content = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP]
            return response.status, kept, content
        finally:
            connection.close()
