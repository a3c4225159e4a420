"""``archiver serve --archive DIR``: the reading room (search, articles, versions, browse, JSON API) and replay."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from archiver.reading.access import TOKEN_ENV

if TYPE_CHECKING:
    from archiver.reading.access import AccessRule
    from archiver.reading.replay import Replay


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="search, read and compare the archive's articles in a web browser",
        description="Serve the reading room over an archive on 127.0.0.1, with pywb's replay of every page under "
                    "the same address (pywb is installed in an environment of its own the first time, or taken from "
                    "$ARCHIVER_PYWB_VENV). Read-only: nothing it serves writes.")
    parser.add_argument("--archive", default="archive", type=Path, help="archive folder (default: ./archive)")
    parser.add_argument("--port", type=int, default=8090, help="port (default 8090; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only); any other address needs "
                             "an access rule (--auth, a token) or --public")
    parser.add_argument("--auth", type=Path, metavar="FILE",
                        help="let in the users of this htpasswd file (bcrypt: htpasswd -B -c FILE NAME)")
    parser.add_argument("--token-file", type=Path, metavar="FILE",
                        help=f"let in whoever gives the token on this file's first line (or in ${TOKEN_ENV}); as "
                             "the password of any user name, or as Authorization: Bearer TOKEN")
    parser.add_argument("--public", action="store_true",
                        help="serve a non-loopback --host without any login: anyone who reaches it reads everything")
    parser.add_argument("--no-replay", action="store_true", help="don't start pywb (nor install it)")
    parser.add_argument("--reindex", action="store_true", help="rebuild the search index from the records first")
    parser.set_defaults(func=run)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def access_rule(args: argparse.Namespace) -> AccessRule | None:
    """The rule from --auth, --token-file or $ARCHIVER_SERVE_TOKEN (None: none given); exits 2 with one line when
    it is unusable or missing off loopback."""
    from archiver.reading.access import AccessError, AccessRule, is_loopback, read_token, readable_by_others

    try:
        token = read_token(args.token_file)
        rule = AccessRule(token, args.auth) if token or args.auth else None
    except AccessError as error:
        usage_error(str(error))
    if rule is not None and args.public:
        usage_error("--public serves without a login; it cannot go with --auth, --token-file or "
                    f"${TOKEN_ENV}")
    if rule is None and not args.public and not is_loopback(args.host):
        usage_error(f"--host {args.host} opens the reading room to the network: give an access rule (--auth FILE, "
                    f"--token-file FILE or ${TOKEN_ENV}), or --public to let anyone who reaches it read everything")
    for path in filter(None, (args.auth, args.token_file)):
        if readable_by_others(path):
            print(f"archiver serve: warning: {path} can be read by other users of this machine (chmod 600 {path})",
                  file=sys.stderr)
    return rule


def replay_environment(replay: Replay) -> Path | None:
    """pywb's environment, installed the first time (one line before, one after); None, with the reason on
    ``replay``, when it cannot be had (the reading room then serves without replay)."""
    import subprocess

    from archiver.warc.replay import ReplayError, find_env

    try:
        return find_env(install=True, log=lambda line: print(f"replay          {line}", flush=True))
    except (ReplayError, OSError, subprocess.CalledProcessError) as error:
        replay.reason = str(error)
        return None


def usage_error(message: str) -> NoReturn:
    print(f"archiver serve: {message}", file=sys.stderr)
    raise SystemExit(2)


def run(args: argparse.Namespace) -> int:
    import logging
    import signal

    try:
        import uvicorn

        from archiver.reading.app import create_app
    except ImportError as error:
        print(f"archiver serve: {error.name or error} is missing: install archiver again (pip install archiver, "
              "or pip install . in a checkout); its base install includes the reading room", file=sys.stderr)
        return 1
    from archiver.reading.index import build, index_path, is_current
    from archiver.reading.replay import Replay
    from archiver.warc.replay import free_port

    logging.basicConfig(format="archiver serve: %(message)s", level=logging.WARNING)
    access = access_rule(args)  # before anything starts: a door that cannot be locked keeps it closed
    archive: Path = args.archive
    if not archive.is_dir():
        print(f"archiver serve: no such archive folder: {archive}", file=sys.stderr)
        return 1
    index = index_path(archive)
    earlier = index.is_file() and not is_current(index)  # made by an earlier archiver: rebuilt from the records
    if args.reindex or earlier or not index.is_file():
        if not (archive / "articles").is_dir():
            print(f"archiver serve: no articles folder in {archive}", file=sys.stderr)
            return 1
        indexed, _skipped = build(archive)
        print(f"indexed         {indexed:,} records into {index}"
              + (" (its earlier format lacked what pages now show)" if earlier else ""))
    # SIGTERM stops the server as Ctrl-C does, so pywb is stopped below (uvicorn handles it while serving,
    # then raises it again with this handler back).
    signal.signal(signal.SIGTERM, _stop)
    replay = Replay()
    stops = {signal.SIGTERM, signal.SIGINT}
    try:
        env = None
        if args.no_replay:
            replay.reason = "started with --no-replay"
        elif not (archive / "warc").is_dir():
            replay.reason = f"no WARC folder in {archive}"
        else:
            env = replay_environment(replay)  # installs pywb the first time (a stop request stops that too)
        if env is not None:
            # Held back while pywb starts, so a stop request finds it started (and stops it), never half-way.
            signal.pthread_sigmask(signal.SIG_BLOCK, stops)
            try:
                replay.start(archive, env)
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
    except KeyboardInterrupt:
        replay.stop()
        return 0
    port = args.port or free_port()
    host_in_url = f"[{args.host}]" if ":" in args.host else args.host
    print(f"reading room    http://{host_in_url}:{port}/")
    print("access          " + (f"{access.describe()} (HTTP Basic, or Bearer for the token)" if access else
                                "anyone who reaches it (--public)" if args.public else "this machine only, no login"))
    print("replay          " + ("pywb, proxied under /archive/" if replay.running else f"off ({replay.reason})"))
    print("serving", flush=True)
    try:
        # Open requests get half a second to finish when a stop is asked: the whole stop stays under 2 s.
        uvicorn.run(create_app(archive, replay, access), host=args.host, port=port, log_level="warning",
                    access_log=False, server_header=False, timeout_graceful_shutdown=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        replay.stop()
    return 0
