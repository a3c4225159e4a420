"""The crawl's Chromium: started on first use, and started again when it crashes or hangs.

Playwright reports a crashed Chromium (the pipe closed: ``is_connected()`` is false) but
cannot stop one that hangs, and a Chromium that stopped answering does not exit when its
driver does. So the process is known by its id from the moment it starts (the Chromium
that appeared among this process's descendants), and a hung one is killed by that id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Any

from archiver.browser.render import LAUNCH_ARGS

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0  # seconds for a browser to close; then its process is killed


class Chromium:
    """One browser process at a time; ``restart(browser)`` replaces the one given, once however many ask."""

    def __init__(self, executable: str, launch_args: list[str] | None = None) -> None:
        self.executable = executable
        self.launch_args = launch_args or LAUNCH_ARGS
        self.restarts = 0
        self._playwright: Any = None
        self._browser: Any = None
        self._pid: int | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Any:
        """The running browser, started (again) if there is none or it has exited."""
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self._browser is not None:  # exited between pages
                await self._discard(self._browser)
                self.restarts += 1
            return await self._launch()

    async def restart(self, browser: Any, reason: str, hung: bool = False) -> None:
        """``browser`` crashed, or ``hung``: it is closed, or killed at once; the next ``get`` starts another."""
        async with self._lock:
            if browser is not self._browser:
                return  # another page had it started again already
            logger.warning("Chromium %s: starting it again", reason)
            self.restarts += 1
            if hung:
                self._kill()
            await self._discard(browser)

    async def close(self) -> None:
        async with self._lock:
            if self._browser is not None:
                await self._discard(self._browser)
            if self._playwright is not None:
                try:
                    await asyncio.wait_for(self._playwright.stop(), timeout=CLOSE_TIMEOUT * 2)
                except Exception as error:  # noqa: BLE001 - the driver is gone already
                    logger.debug("Stopping Playwright failed: %s", error)
                self._playwright = None

    async def _launch(self) -> Any:
        if self._playwright is None:
            from playwright.async_api import async_playwright

            self._playwright = await async_playwright().start()
        before = chromium_processes(self.executable)
        self._browser = await self._playwright.chromium.launch(executable_path=self.executable,
                                                               args=self.launch_args, headless=True)
        started = chromium_processes(self.executable) - before
        self._pid = started.pop() if len(started) == 1 else None
        return self._browser

    async def _discard(self, browser: Any) -> None:
        """Close the browser; kill its process when it does not close in time (it hangs) or lingers."""
        pid, self._browser, self._pid = self._pid, None, None
        try:
            await asyncio.wait_for(browser.close(), timeout=CLOSE_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - hung or gone: its process is killed below
            logger.debug("Closing Chromium failed: %s", error)
        self._kill(pid)

    def _kill(self, pid: int | None = None) -> None:
        pid = pid or self._pid
        if pid is not None and pid in chromium_processes(self.executable):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def chromium_processes(executable: str) -> set[int]:
    """Ids of the Chromium browser processes (not their renderers) among this process's descendants (Linux)."""
    children: dict[int, list[int]] = {}
    commands: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().decode("utf-8", "replace").split("\0")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = set(), list(children.get(os.getpid(), []))
    names = {Path(executable).name, Path(os.path.realpath(executable)).name}
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        command = commands.get(pid) or [""]
        if Path(command[0]).name in names and not any(arg.startswith("--type=") for arg in command):
            found.add(pid)
    return found
