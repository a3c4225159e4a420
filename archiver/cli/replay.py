"""``archiver replay [--archive DIR] [--port N]``: serve the archive with pywb on 127.0.0.1."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("replay", help="serve the archive with pywb and list the archived articles")
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0: any free)")
    parser.add_argument("--frameless", action="store_true",
                        help="replay pages at their own address, without pywb's frame and banner")
    parser.add_argument("--setup", action="store_true",
                        help="only create the pywb environment (in the cache folder, or $ARCHIVER_PYWB_VENV)")
    parser.set_defaults(func=run)


def articles(archive) -> list[dict]:
    from archiver.record.reader import iter_records, record_files

    # Malformed lines (a killed crawl's cut last line, say) are skipped with one warning each.
    return [line.record for line in iter_records(record_files(archive / "articles"))]


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops pywb as Ctrl-C does


def run(args: argparse.Namespace) -> int:
    import signal
    import tempfile
    from pathlib import Path

    from archiver.warc.cdxj import update_index
    from archiver.warc.replay import COLLECTION, ReplayError, find_env, free_port, replay_url, start_pywb, \
        write_config

    try:
        env = find_env(install=True)
    except ReplayError as error:
        print(f"archiver replay: {error}")
        return 1
    if args.setup:
        print(f"pywb environment {env}")
        return 0
    archive = Path(args.archive)
    if not (archive / "warc").is_dir():
        print(f"archiver replay: no WARC folder in {archive}")
        return 1
    update_index(archive / "warc")  # files of a killed crawl, if any, become replayable too
    port = args.port or free_port()
    signal.signal(signal.SIGTERM, _stop)
    with tempfile.TemporaryDirectory(prefix="archiver-pywb-") as folder:
        write_config(archive, Path(folder), frameless=args.frameless)
        try:
            process = start_pywb(env, Path(folder), port)
        except ReplayError as error:
            print(f"archiver replay: {error}")
            return 1
        base = f"http://127.0.0.1:{port}/{COLLECTION}"
        print(f"replay          {base}/  (pywb from {env}; Ctrl-C stops it)")
        for record in articles(archive):
            print(f"{replay_url(base, record['url'], record.get('fetched_at'))}  {record.get('headline') or ''}")
        print("serving", flush=True)
        try:
            process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0
