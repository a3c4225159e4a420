"""``--workers``, ``--dask`` and ``--task-size``: the options every archive-wide command shares.

Not a command itself (``archiver.cli.COMMANDS`` does not list it).
"""

from __future__ import annotations

import argparse


def add_worker_options(parser: argparse.ArgumentParser, *, dask: bool = True, task_size: str | None = None) -> None:
    """The options; ``task_size`` says what one task covers (None: no --task-size)."""
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="processes to run on (default: this machine's cores); the output is the same for any N")
    if dask:
        parser.add_argument("--dask", metavar="ADDRESS",
                            help="run on a Dask distributed cluster instead, e.g. tcp://scheduler:8786 (needs "
                                 "archiver[cluster]; the archive and the output must be on storage every worker "
                                 "sees)")
    if task_size is not None:
        parser.add_argument("--task-size", type=size_or_auto, default=None, metavar="SIZE",
                            help=f"{task_size} each task takes (default: auto, enough tasks to keep every worker "
                                 "busy, 1MB to 64MB); the output is the same for any size")


def size_or_auto(text: str) -> int | None:
    """``auto`` -> None; ``16MB`` -> bytes."""
    from archiver.datasets.export import parse_size

    if text.strip().lower() == "auto":
        return None
    try:
        size = parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if size < 1:
        raise argparse.ArgumentTypeError("must be more than 0 bytes")
    return size


def make_runner(args: argparse.Namespace):
    """The runner ``--workers``/``--dask`` ask for; raises ``WorkerDied`` (a message) when it cannot start."""
    from archiver.datasets.workers import WorkerDied, make_runner as make

    if args.workers is not None and args.workers < 1:
        raise WorkerDied("--workers must be 1 or more")
    dask = getattr(args, "dask", None)
    try:
        return make(args.workers, dask)
    except OSError as error:  # Dask could not reach the scheduler
        raise WorkerDied(f"cannot reach the Dask scheduler at {dask}: {error}") from None
