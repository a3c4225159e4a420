"""How long `archiver serve` takes to stop on SIGTERM and on Ctrl-C (SIGINT), with pywb and without.

    ARCHIVER_PYWB_VENV=/path/to/pywb-venv python bench/serve_stop.py [--runs 5]

Crawls the demo site into a temporary archive, then starts `archiver serve` over it again and
again; each time a reader's browser has done its work (a search, a replayed page through pywb)
and left its keep-alive connections open, then the signal is sent and the time until the process
has exited (pywb and all) is measured. `--no-replay` (no pywb) is the baseline of the same run.
"""

from __future__ import annotations

import argparse
import http.client
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = "/world/2021/09/06/taliban-gains-control-of-panjshir-valley/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_stop(archive: Path, sig: signal.Signals, replay: bool, demo_url: str) -> tuple[float, int]:
    port = free_port()
    command = [sys.executable, "-m", "archiver", "serve", "--archive", str(archive), "--port", str(port)]
    serve = subprocess.Popen(command + ([] if replay else ["--no-replay"]), cwd=REPO, stdout=subprocess.PIPE,
                             text=True)
    for line in serve.stdout:
        if line.startswith("serving"):
            break
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    kept = []  # a browser's connections, left open after their requests
    for path in ("/?q=panjshir", f"/archive/2/{demo_url}{SEED}" if replay else "/browse"):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", path)
        connection.getresponse().read()
        kept.append(connection)
    started = time.monotonic()
    serve.send_signal(sig)
    code = serve.wait(timeout=60)
    seconds = time.monotonic() - started
    for connection in kept:
        connection.close()
    serve.stdout.close()
    return seconds, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="stops of each kind (default 5)")
    args = parser.parse_args()
    print(f"load average {open('/proc/loadavg').read().split()[:3]} (2 cores shared with other work)")
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "archive"
        done = subprocess.run([sys.executable, "-m", "archiver", "demo", "--archive", str(archive), "--port", "0"],
                              cwd=REPO, capture_output=True, text=True, check=True)
        demo_url = done.stdout.split("demo site", 1)[1].split()[0].rstrip("/")
        for replay in (False, True):
            for sig in (signal.SIGTERM, signal.SIGINT):
                runs = [one_stop(archive, sig, replay, demo_url) for _ in range(args.runs)]
                times = sorted(seconds for seconds, _code in runs)
                codes = sorted({code for _seconds, code in runs})
                label = "with pywb  " if replay else "no replay  "
                print(f"{label} {sig.name:<7} stop in median {statistics.median(times):.2f} s, max {times[-1]:.2f} s"
                      f" ({args.runs} runs; exit codes {codes})")
    print(f"load average {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
