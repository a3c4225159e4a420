"""Run independent tasks (a range of a WARC file, a shard of records) in this process, a local pool, or a Dask cluster.

Every runner yields results in task order, so what is assembled from them is the
same whatever the number of workers. Tasks write their output to files of their
own (renamed into place only when whole) and return small results; the caller
concatenates. A local pool whose worker dies (killed, out of memory) is rebuilt
and the unfinished tasks run again, once; a second death fails the job with
``WorkerDied``. Ctrl-C stops the workers at once and raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

TICK = 0.2  # seconds between progress redraws while waiting on workers
POOL_RETRIES = 1
CONNECT_TIMEOUT = "10s"  # a scheduler that does not answer by then is reported, not waited for
MIB = 1024**2
MIN_TASK_BYTES = 1 * MIB  # smaller tasks cost more in start-up than they spread
MAX_TASK_BYTES = 64 * MIB
TASKS_PER_WORKER = 8  # enough that the last tasks do not leave a worker idle for long
# A Dask task costs a round trip through the scheduler (tens of ms on a busy machine): fewer, larger
# ones (the taper still cuts the end of the input finer).
DASK_TASKS_PER_WORKER = 2
TAPER = 2  # near the end of a job, a task takes at most 1 / (TAPER * workers) of the input left
TAPER_FLOOR = 4  # ... and at least 1 / TAPER_FLOOR of the usual task


class WorkerDied(Exception):
    """A worker process died twice in one job; the message is meant for the user."""


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class TaskSizes:
    """Bytes of input per task along a job's input (its files one after the other): ``target`` each, and for
    several workers smaller and smaller tasks near the end (``at(done)``), down to ``target / TAPER_FLOOR``,
    so the workers finish together instead of one working through a last whole task while the others idle.

    Only where the cuts fall depends on it, never what a job makes (tasks are assembled in input order).
    """

    target: int
    total: int = 0  # bytes of the whole input; 0: no taper
    workers: int = 1

    @property
    def tapers(self) -> bool:
        return self.workers > 1 and self.total > 0

    def at(self, done: int) -> int:
        """The size of the task that starts ``done`` bytes into the input."""
        if not self.tapers:
            return self.target
        floor = max(1, self.target // TAPER_FLOOR)
        return max(floor, min(self.target, (self.total - done) // (TAPER * self.workers)))

    def bounds(self, start: int, size: int) -> list[int]:
        """Where tasks would start in a file of ``size`` bytes that begins ``start`` bytes into the input,
        were every offset a possible cut (0 left out), in the file's own offsets."""
        found, offset = [], 0
        while True:
            offset += self.at(start + offset)
            if offset >= size or self.joins(start + offset, size - offset):
                return found
            found.append(offset)

    def joins(self, done: int, rest: int) -> bool:
        """Whether the ``rest`` bytes left of a file, ``done`` bytes into the input, are too few for a task of
        their own (under half of one, when tapering) and go with the task before."""
        return self.tapers and rest < self.at(done) // 2


def sizes_of(target: int | TaskSizes) -> TaskSizes:
    return target if isinstance(target, TaskSizes) else TaskSizes(max(1, target))


def task_bytes(total: int, workers: int | Runner, wanted: int | None = None) -> TaskSizes:
    """Bytes of input per task: ``wanted`` when given (``--task-size``, every task alike), else enough tasks
    for every worker (a number, or a runner: its ``tasks_per_worker``), tapering at the end of the input."""
    if wanted:
        return TaskSizes(max(1, wanted))
    per_worker = TASKS_PER_WORKER
    if not isinstance(workers, int):
        per_worker = getattr(workers, "tasks_per_worker", TASKS_PER_WORKER)
        workers = workers.workers
    target = min(max(total // max(1, workers * per_worker), MIN_TASK_BYTES), MAX_TASK_BYTES)
    return TaskSizes(target, total, workers)


def range_bytes(total: int, runner: Runner, wanted: int | None = None) -> TaskSizes | None:
    """Bytes of WARC data per task; None (files whole) for one worker, where cutting them gains nothing."""
    if wanted is None and runner.workers <= 1:
        return None
    return task_bytes(total, runner, wanted)


class Tally:
    """Bytes read and items made so far, summed over workers (shared memory in a local pool)."""

    def __init__(self, shared: bool = False) -> None:
        self.values: Any = multiprocessing.get_context("fork").Array("q", 2) if shared else [0, 0]

    def add(self, done_bytes: int, items: int) -> None:
        values = self.values
        if hasattr(values, "get_lock"):
            with values.get_lock():
                values[0] += done_bytes
                values[1] += items
        else:
            values[0] += done_bytes
            values[1] += items

    def renew(self) -> None:
        """A new lock for a new pool: a worker killed while adding may have died holding the old one,
        and every later add (and this process's reads, were they locked) would wait for it forever."""
        if hasattr(self.values, "get_obj"):
            done_bytes, items = self.done_bytes, self.items
            self.values = multiprocessing.get_context("fork").Array("q", [done_bytes, items])

    def _raw(self) -> Any:
        # Read without the lock (a whole 64-bit word, written by one add at a time): the progress bar
        # must not wait on a lock a killed worker holds.
        return self.values.get_obj() if hasattr(self.values, "get_obj") else self.values

    @property
    def done_bytes(self) -> int:
        return int(self._raw()[0])

    @property
    def items(self) -> int:
        return int(self._raw()[1])


def shared_tally(runner: Runner) -> Tally:
    """A tally the runner's tasks report to: in shared memory for a local pool's processes."""
    return runner.tally() if isinstance(runner, PoolRunner) else Tally()


# The tally a task in this process reports to (None on a cluster worker: the runner counts at the end).
_tally: Tally | None = None


def report(done_bytes: int, items: int = 0) -> None:
    """Called by tasks as they go, for the progress bar."""
    if _tally is not None:
        _tally.add(done_bytes, items)


def _init_worker(tally: Tally) -> None:
    global _tally
    _tally = tally
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


class Runner(Protocol):
    workers: int

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any], tally: Tally,
            tick: Callable[[], None]) -> Iterator[Any]: ...


class InlineRunner:
    """One worker: the tasks run here, one after the other."""

    workers = 1

    def map(self, fn, tasks, tally, tick):
        global _tally
        _tally = tally
        try:
            for task in tasks:
                result = fn(task)
                tick()
                yield result
        finally:
            _tally = None


class PoolRunner:
    """``workers`` forked processes; at most two tasks per worker in flight, so results stay few.

    The processes stay up from one ``map`` to the next (the passes of one command fork them once);
    ``close`` ends them. They are forked when the first ``map`` starts: what the tasks need from this
    process must be set up before it.
    """

    def __init__(self, workers: int, retries: int = POOL_RETRIES) -> None:
        self.workers = max(1, workers)
        self.retries = retries
        self._executor: ProcessPoolExecutor | None = None
        self._tally: Tally | None = None  # the tally the processes were forked with (they report to it)

    def tally(self) -> Tally:
        """A tally at zero for the next ``map``: the one the running processes report to, when they run."""
        if self._tally is None:
            self._tally = Tally(shared=True)
        else:
            counts = self._tally._raw()  # no task is in flight between two maps: no lock needed
            counts[0] = counts[1] = 0
        return self._tally

    def _pool(self, tally: Tally) -> ProcessPoolExecutor:
        """The running pool, or a new one (none yet, another tally, or a worker died since the last map)."""
        if self._executor is not None and self._tally is tally and not getattr(self._executor, "_broken", False):
            return self._executor
        self._discard()
        _warm_up()
        self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_init_worker, initargs=(tally,))
        self._tally = tally
        return self._executor

    def _discard(self) -> None:
        if self._executor is not None:
            _stop(self._executor)
            self._executor = None

    def map(self, fn, tasks, tally, tick):
        retries = self.retries
        pool = self._pool(tally)
        source = enumerate(tasks)  # read lazily: only the tasks in flight are held
        again: list[tuple[int, Any]] = []  # tasks of a dead pool, to run again (next one last)
        running: dict[Future, tuple[int, Any]] = {}
        results: dict[int, Any] = {}
        following, exhausted = 0, False
        try:
            while not (exhausted and not again and not running and not results):
                broken = False
                while len(running) < 2 * self.workers:
                    if again:
                        number, task = again.pop()
                    else:
                        number, task = next(source, (None, None))
                        if number is None:
                            exhausted = True
                            break
                    try:
                        running[pool.submit(fn, task)] = (number, task)
                    except BrokenProcessPool:  # a worker died since the last look
                        again.append((number, task))
                        broken = True
                        break
                if running and not broken:
                    done, _ = wait(running, timeout=TICK, return_when=FIRST_COMPLETED)
                else:
                    done = set()
                tick()
                for future in done:
                    number, task = running.pop(future)
                    try:
                        results[number] = future.result()
                    except BrokenProcessPool:
                        broken = True
                        again.append((number, task))
                if broken:
                    if retries <= 0:
                        raise WorkerDied("a worker process died twice (killed, or out of memory?); "
                                         "nothing was written")
                    retries -= 1
                    again.extend(running.values())
                    again.sort(key=lambda item: item[0], reverse=True)
                    running.clear()
                    self._discard()
                    tally.renew()
                    pool = self._pool(tally)
                while following in results:
                    yield results.pop(following)
                    following += 1
        except BaseException:
            self._discard()
            raise

    def close(self) -> None:
        """End the processes (they wait for the next map until then)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


def _warm_up() -> None:
    """Build here, once, what every task reading records would build on first use (the schema checks):
    the forked workers inherit it instead of each building its own."""
    from archiver.record.reader import load_checks

    load_checks()


def _stop(pool: ProcessPoolExecutor) -> None:
    """End a pool's processes now (a dead or interrupted job's half-done tasks are thrown away)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way to reach them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


class DaskRunner:
    """Tasks on a Dask distributed cluster (``tcp://host:8786``); files must be on storage every worker sees.

    Dask itself runs a task again elsewhere when its worker dies.
    """

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise WorkerDied("--dask needs Dask distributed: pip install 'archiver[cluster]'") from None
        self.client = Client(address, timeout=CONNECT_TIMEOUT)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self.tasks_per_worker = DASK_TASKS_PER_WORKER

    def map(self, fn, tasks, tally, tick):
        from collections import deque

        window = 4 * self.workers  # tasks submitted ahead; results come back in order
        running: deque = deque()
        source = iter(tasks)
        try:
            while True:
                while len(running) < window:
                    task = next(source, None)
                    if task is None:
                        break
                    running.append(self.client.submit(fn, task, pure=False))
                if not running:
                    return
                result = running.popleft().result()
                tally.add(getattr(result, "done_bytes", 0), getattr(result, "items", 0))
                tick()
                yield result
        except BaseException:
            self.client.cancel(list(running))
            raise

    def close(self) -> None:
        self.client.close()


def make_runner(workers: int | None = None, dask: str | None = None) -> Runner:
    if dask:
        return DaskRunner(dask)
    workers = workers or default_workers()
    return InlineRunner() if workers <= 1 else PoolRunner(workers)


def close_runner(runner: Runner) -> None:
    close = getattr(runner, "close", None)
    if close is not None:
        close()
