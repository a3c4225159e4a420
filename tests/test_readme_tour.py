"""The README's first hour, as a new user lives it: `archiver demo`, then every command of the README's tour, as
written, each exiting 0; the servers among them (serve, replay, the demo site alone) stopped with Ctrl-C. In the
reading room `archiver serve` opens, a reader searches, reads the corrected article, opens its replay and its diff.

The commands run from the installed `archiver` script (this environment's, or ``ARCHIVER_TOUR_BIN``: the bin folder
of another install, e.g. a fresh clone's ``pip install .``), in a new folder, on the ports the README names."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import IN_CI, REPO
from reading_helpers import browser, pywb_env

TOUR = "## A tour of the commands"
PORTS = {"demo site": 8111, "reading room": 8090, "pywb": 8080}  # the README's addresses
CORRECTED = "Harbor strike enters second week as state mediator is called in"


def tour_commands() -> list[str]:
    """The README tour's commands, comments cut off."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split(TOUR, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def runs_until_stopped(command: str) -> bool:
    words = command.split()
    return words[1] in ("serve", "replay") or "--serve-only" in words


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def environment() -> dict[str, str]:
    scripts = Path(os.environ.get("ARCHIVER_TOUR_BIN") or Path(sys.executable).parent)
    if not (scripts / "archiver").exists():
        skip_or_fail(f"no `archiver` script in {scripts} (pip install the project, or set ARCHIVER_TOUR_BIN)")
    pywb = pywb_env()  # `archiver serve` would otherwise install pywb from the package index
    if pywb is None:
        pytest.skip("no pywb environment (set ARCHIVER_PYWB_VENV; .ci/run makes one)")
    for name, port in PORTS.items():
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                skip_or_fail(f"port {port} (the README's {name}) is taken on this machine")
    return {**pywb, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}


class Server:
    """A command that runs until Ctrl-C: started, read up to its "serving" line, stopped with SIGINT."""

    def __init__(self, command: str, folder: Path, env: dict[str, str]) -> None:
        self.command = command
        self.process = subprocess.Popen(shlex.split(command), cwd=folder, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.printed: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.printed.append(line.rstrip("\n"))
            if line.startswith("serving"):
                break
        assert self.process.poll() is None, "\n".join(self.printed)

    def stop(self) -> int:
        """Ctrl-C; the exit code, once the process (and pywb, its child) is gone; what it printed meanwhile is kept."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.printed += self.process.communicate(timeout=30)[0].splitlines()
            return self.process.returncode
        finally:
            if self.process.poll() is None:
                self.process.kill()


def read_in_the_reading_room(base: str) -> None:
    """Search, the corrected article, its replay (pywb, under the same address) and what changed."""
    with browser(javascript=True) as page:  # pywb's replay frame is a script
        page.goto(base + "/")
        page.fill("input[name=q]", "mediator")
        page.press("input[name=q]", "Enter")
        page.locator(".result h2 a", has_text=CORRECTED).click()
        page.wait_for_selector("article h1")
        assert CORRECTED in page.inner_text("article h1") and "version 2 of 2" in page.inner_text("article")
        article = page.url
        page.locator("a.replay").click()
        page.wait_for_url("**/archive/**")
        frame = page.frame_locator("iframe").first
        assert CORRECTED in frame.locator("h1").first.inner_text(timeout=30_000)
        page.goto(article)
        page.click("text=what changed since version 1")
        page.wait_for_selector(".field.body td.after")
        assert "7" in page.locator(".field.body td.after ins").all_inner_texts()
        assert "9" in page.locator(".field.body td.before del").all_inner_texts()


def test_every_command_of_the_readme_tour_exits_0(environment, tmp_path):
    commands = tour_commands()
    assert commands[0].startswith("archiver demo") and any(c.startswith("archiver crawl") for c in commands)
    first = subprocess.run(["archiver", "demo"], cwd=tmp_path, env=environment, capture_output=True, text=True,
                           timeout=300)  # the README's install line ends with it
    assert first.returncode == 0, first.stdout + first.stderr
    assert "next            archiver serve" in first.stdout
    alongside: list[Server] = []  # the demo site served alone, while the command after it crawls it
    for command in commands:
        if not runs_until_stopped(command):
            done = subprocess.run(shlex.split(command), cwd=tmp_path, env=environment, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, (command, done.stdout[-3000:] + done.stderr[-3000:])
            continue
        server = Server(command, tmp_path, environment)
        if "--serve-only" in command:
            alongside.append(server)
            continue
        try:
            if command.split()[1] == "serve":
                assert any("pywb, proxied under /archive/" in line for line in server.printed), server.printed
                read_in_the_reading_room(f"http://127.0.0.1:{PORTS['reading room']}")
            else:  # replay: pywb answers the replay address it prints for each article
                [listed] = [line.split()[0] for line in server.printed if CORRECTED in line]
                assert re.match(rf"http://127\.0\.0\.1:{PORTS['pywb']}/archive/\d{{14}}/", listed)
                with urllib.request.urlopen(listed, timeout=60) as response:
                    assert response.status == 200
        finally:
            assert server.stop() == 0, (command, server.printed)
            assert not any("did not stop" in line for line in server.printed), server.printed  # pywb stopped in time
    for server in alongside:
        assert server.stop() == 0, (server.command, server.printed)
    assert (tmp_path / "news.parquet").is_file() and list((tmp_path / "archive" / "wacz").glob("*.wacz"))
