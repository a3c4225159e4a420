"""Serve an archive with pywb, which lives in its own virtual environment (never the crawler's).

pywb depends on brotlipy, whose ``brotli`` module shadows the Brotli package
Scrapy decodes with, so the two cannot share one environment. The replay
environment is the one named by ``ARCHIVER_PYWB_VENV``, or one created on
first use in the user's cache folder from ``replay-requirements.txt``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import platformdirs

from archiver.warc.cdxj import index_dir

ENV_VARIABLE = "ARCHIVER_PYWB_VENV"
COLLECTION = "archive"
STARTUP_TIMEOUT = 60.0
READY_MARKER = ".archiver-ready"


class ReplayError(Exception):
    """pywb cannot be found, installed or started; the message says what to do."""


def requirements() -> str:
    return files("archiver.warc").joinpath("replay-requirements.txt").read_text(encoding="utf-8")


def default_env_dir() -> Path:
    """A cache folder per set of pinned requirements, so a new pin gets a fresh environment."""
    pins = hashlib.sha256(requirements().encode()).hexdigest()[:10]
    return Path(platformdirs.user_cache_dir("archiver")) / f"pywb-{pins}"


def tool(env: Path, name: str) -> Path:
    return env / "bin" / name


def find_env(install: bool = True, log: Callable[[str], object] = print) -> Path:
    """The replay environment: ``$ARCHIVER_PYWB_VENV``, else the cache one (created when ``install``)."""
    named = os.environ.get(ENV_VARIABLE)
    if named:
        env = Path(named)
        if not tool(env, "wayback").exists():
            raise ReplayError(f"{ENV_VARIABLE}={named} has no bin/wayback: "
                              f"create it with `python3 -m venv {named} && {named}/bin/pip install pywb`")
        return env
    env = default_env_dir()
    if (env / READY_MARKER).exists():
        return env
    if not install:
        raise ReplayError(f"no pywb environment at {env}; run `archiver replay --setup` or set {ENV_VARIABLE}")
    create_env(env, log)
    return env


def create_env(env: Path, log: Callable[[str], object] = print) -> None:
    """``python -m venv`` plus the pinned requirements; marked ready only once pip succeeded.

    ``log`` gets a line when it starts and one when it is done; on a terminal, one line in between
    counts the packages pip has collected (it takes half a minute or more, once)."""
    started = time.monotonic()
    log(f"installing pywb into {env} (once, a minute or two: its own environment, apart from the crawler's)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(env)], check=True)
    pins = env / "replay-requirements.txt"
    pins.write_text(requirements(), encoding="utf-8")
    pip = subprocess.Popen([str(tool(env, "pip")), "install", "--progress-bar", "off", "--disable-pip-version-check",
                            "-r", str(pins)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace")
    assert pip.stdout is not None
    collected, last = 0, ""
    live = sys.stdout.isatty()
    try:
        for line in pip.stdout:
            line = line.strip()
            last = line or last
            if line.startswith("Collecting "):
                collected += 1
                if live:
                    print(f"\r  {collected} packages collected, last {line.split()[1][:40]:<40}", end="", flush=True)
        pip.wait()
    finally:
        if pip.poll() is None:  # stopped (Ctrl-C): pip goes too; the environment stays unmarked, made again next time
            pip.kill()
            pip.wait()
        if live and collected:
            print("\r" + " " * 80 + "\r", end="", flush=True)
    if pip.returncode:
        raise ReplayError(f"pip could not install pywb into {env} ({last[:200]}); run `archiver replay --setup` "
                          f"where the package index can be reached, or set {ENV_VARIABLE} to a venv with pywb")
    (env / READY_MARKER).write_text("ok\n", encoding="utf-8")
    log(f"pywb installed in {time.monotonic() - started:.0f} s")


# pywb's inline banner, replaced by an empty template in frameless mode.
EMPTY_BANNER = "no_banner.html"


def write_config(archive: Path, folder: Path, *, frameless: bool = False) -> Path:
    """A pywb config with one collection, ``archive``, the WARC folder and its index folder.

    pywb reads every ``.cdxj`` and ZipNum ``.idx`` of the index folder as one index.

    ``frameless``: pages replay at their own address, without pywb's top frame or banner (for
    screenshots of a replayed page, and for readers who want the page alone).
    """
    warc_dir = (archive / "warc").resolve()
    index_dir(warc_dir).mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    text = ("collections:\n"
            f"  {COLLECTION}:\n"
            f"    index_paths: {index_dir(warc_dir)}/\n"
            f"    archive_paths: {warc_dir}/\n")
    if frameless:
        (folder / "templates").mkdir(exist_ok=True)
        (folder / "templates" / EMPTY_BANNER).write_text("", encoding="utf-8")
        text += f"framed_replay: false\ncustom_banner_html: {EMPTY_BANNER}\n"
    config.write_text(text, encoding="utf-8")
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unblock_signals() -> None:
    """In the child, before pywb runs: no signal blocked. A child inherits its parent's signal mask, and
    `archiver serve` holds SIGTERM back while it starts pywb: pywb then ignored the SIGTERM that stops it,
    and was killed 10 seconds later."""
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def start_pywb(env: Path, config_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """Start pywb's ``wayback`` on 127.0.0.1:``port``; return once it accepts connections."""
    log = open(config_dir / "pywb.log", "wb")
    process = subprocess.Popen([str(tool(env, "wayback")), "--bind", "127.0.0.1", "--port", str(port)],
                               cwd=config_dir, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_unblock_signals)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ReplayError(f"pywb exited with code {process.returncode}; see {config_dir / 'pywb.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise ReplayError(f"pywb did not listen on port {port} within {STARTUP_TIMEOUT:.0f} s")


def replay_url(base: str, url: str, warc_date: str | None, mode: str = "") -> str:
    """``<base>/<14-digit timestamp><mode>/<url>``, the address of one capture in pywb."""
    stamp = "".join(ch for ch in (warc_date or "") if ch.isdigit())[:14]
    return f"{base}/{stamp}{mode}/{url}"
