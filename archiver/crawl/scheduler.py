"""Running the sites of a sites file when each is due: state, locks and one crawl process per site.

Each site's crawl is a child ``archiver crawl --sites FILE --site NAME`` with its own job
directory (``<archive>/jobs/<site>``), so a crawl that was stopped or killed resumes the
next time the site is due, and with ``DISCOVERY_ADAPTIVE`` on, so its feeds and sitemaps
back off while unchanged. A lock file per site keeps two schedulers (two cron runs that
overlap) from crawling the same site at once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from archiver.system.secrets import REDIS_URL_ENV
from archiver.crawl.sites import Site
from archiver.storage.space import EXIT_NO_SPACE, Shortfall, SpaceRule

logger = logging.getLogger(__name__)


@dataclass
class SiteState:
    last_start: float = 0.0
    last_end: float = 0.0
    last_exit: int | None = None


class ScheduleState:
    """When each site was last crawled, in ``<archive>/state/schedule.json``."""

    def __init__(self, archive: Path) -> None:
        self.path = archive / "state" / "schedule.json"

    def load(self) -> dict[str, SiteState]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            logger.warning("Unreadable %s: every site counts as due", self.path)
            return {}
        return {name: SiteState(**state) for name, state in data.items()}

    def update(self, name: str, **changes: float | int | None) -> None:
        states = self.load()  # re-read: another scheduler may have written meanwhile
        state = states.setdefault(name, SiteState())
        for key, value in changes.items():
            setattr(state, key, value)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({n: s.__dict__ for n, s in states.items()}, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)


def due_sites(sites: list[Site], states: dict[str, SiteState], now: float) -> list[Site]:
    """Sites whose interval has passed since their last crawl started, longest-waiting first; and sites whose
    last crawl stopped for want of space (exit 5), to resume as soon as there is space again."""
    def due(site: Site) -> bool:
        state = states.get(site.name, SiteState())
        return state.last_exit == EXIT_NO_SPACE or now >= state.last_start + site.interval.total_seconds()

    return sorted(filter(due, sites), key=lambda s: states.get(s.name, SiteState()).last_start)


def next_due(sites: list[Site], states: dict[str, SiteState]) -> float:
    return min(states.get(s.name, SiteState()).last_start + s.interval.total_seconds() for s in sites)


@dataclass
class SiteCrawl:
    """A running crawl of one site."""

    site: Site
    process: subprocess.Popen[bytes]
    lock: IO[bytes]
    log_path: Path
    started: float = field(default_factory=time.time)


class Scheduler:
    """Starts due sites' crawls (at most ``jobs`` at once) and records how they ended."""

    def __init__(self, sites_file: Path, archive: Path, crawl_args: list[str], jobs: int = 2,
                 redis_url: str | None = None, space_rule: SpaceRule | None = None) -> None:
        self.sites_file = sites_file
        self.redis_url = redis_url  # distributed mode: given to each crawl in its environment, never its argv
        self.archive = archive
        self.crawl_args = crawl_args  # passed through to every `archiver crawl`
        self.jobs = max(1, jobs)
        self.state = ScheduleState(archive)
        self.running: dict[str, SiteCrawl] = {}
        self.locked: set[str] = set()  # sites another scheduler was crawling when last tried
        self.space_rule = space_rule  # below it no crawl starts (DISKSPACE_*)
        self.short_of_space: Shortfall | None = None  # while space is low
        self.skipped_for_space: set[str] = set()  # due sites not started for want of space

    def start_due(self, sites: list[Site], now: float | None = None) -> list[str]:
        """Start every due site there is room for (none while free space is low); return their names."""
        due = [s for s in due_sites(sites, self.state.load(), time.time() if now is None else now)
               if s.name not in self.running]
        if not due or not self._enough_space([s.name for s in due]):
            return []
        started = []
        for site in due:
            if len(self.running) >= self.jobs:
                break
            if self._start(site):
                started.append(site.name)
        return started

    def _enough_space(self, due: list[str]) -> bool:
        """Whether the archive's file system has the free space crawls need; says so when that changes."""
        shortfall = self.space_rule.check(self.archive) if self.space_rule is not None else None
        if shortfall is None:
            if self.short_of_space is not None:
                logger.info("free space is back above the minimum: due sites are crawled again")
            self.short_of_space = None
            return True
        if self.short_of_space is None or not set(due) <= self.skipped_for_space:
            logger.warning("%s: due, not started: %s", ", ".join(due), shortfall)
        self.short_of_space = shortfall
        self.skipped_for_space.update(due)
        return False

    def _start(self, site: Site) -> bool:
        lock_path = self.archive / "state" / f"{site.name}.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_path, "wb")  # noqa: SIM115 - held for the crawl's lifetime
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            self.locked.add(site.name)
            logger.info("%s: another scheduler is crawling it; skipped", site.name)
            return False
        self.locked.discard(site.name)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        log_path = self.archive / "logs" / site.name / f"{stamp}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command, env = self.crawl_command(site)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        self.state.update(site.name, last_start=time.time())
        self.running[site.name] = SiteCrawl(site, process, lock, log_path)
        logger.info("%s: crawl started (pid %d, log %s)", site.name, process.pid, log_path)
        return True

    def crawl_command(self, site: Site) -> tuple[list[str], dict[str, str]]:
        """The command line and environment of ``site``'s crawl; a Redis URL is in the environment only."""
        command = [sys.executable, "-m", "archiver", "crawl", "--sites", str(self.sites_file), "--site", site.name,
                   "--archive", str(self.archive), "-s", "DISCOVERY_ADAPTIVE=True", *self.crawl_args]
        env = dict(os.environ)
        env.pop(REDIS_URL_ENV, None)
        if self.redis_url:
            # A worker of a shared crawl: leases, not a job directory, bring back a killed crawl's requests.
            env[REDIS_URL_ENV] = self.redis_url
        else:
            command[command.index("-s"):command.index("-s")] = ["--jobdir", str(self.archive / "jobs" / site.name)]
        return command, env

    def reap(self) -> list[tuple[str, int]]:
        """Collect finished crawls: record their end, release their locks; return (name, exit code)."""
        done = []
        for name, crawl in list(self.running.items()):
            code = crawl.process.poll()
            if code is None:
                continue
            del self.running[name]
            self.state.update(name, last_end=time.time(), last_exit=code)
            crawl.lock.close()
            logger.info("%s: crawl ended with exit code %d after %.1f s: %s", name, code,
                        time.time() - crawl.started, summary_of(crawl.log_path))
            done.append((name, code))
        return done

    def stop(self, timeout: float = 60.0) -> None:
        """Ask running crawls to stop gracefully (they resume next time), then wait for them."""
        for crawl in self.running.values():
            if crawl.process.poll() is None:
                crawl.process.terminate()
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.2)


def summary_of(log_path: Path) -> str:
    """The figures of a crawl, from the summary ``archiver crawl`` prints at the end of its log."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log"
    wanted = ("pages fetched", "articles", "already held", "errors")
    picked = [" ".join(line.split()) for line in lines if line.startswith(wanted)]
    return "; ".join(picked[-4:]) or "no summary (see the log)"
