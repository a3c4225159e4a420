"""Stopping the child processes archiver starts (pywb, the demo site): politely, then for sure."""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL: a child never outlives its owner."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
