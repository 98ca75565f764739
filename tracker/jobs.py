"""Batch jobs: one interface, two engines (``local`` and ``dask``).

A job is a pure function ``fn(shared, payload) -> result`` mapped over items. Items are
``(key, payload)`` pairs of plain, picklable values (text or bytes, a pack's path and
hash); a payload may be a zero-argument loader, called on the driver just before the
item is sent, so a job over a hundred thousand files never holds them all in memory.
``shared`` is sent once (Dask: scattered to every worker), not once per item.

Only the driver sees results, through ``on_result(key, result)``, in completion order:
it alone writes to the store (one writer), in batches. A failing item becomes a
``JobFailure`` with a one-line reason and the job goes on. A worker that dies mid-job
costs time, not results: Dask reschedules its tasks and each item's result arrives
exactly once.

    >>> from tracker.jobs import run_job
    >>> got = {}
    >>> summary = run_job("square", _square, [(str(i), i) for i in range(4)], on_result=got.__setitem__, progress=False)
    >>> sorted(got.items()), summary.done, summary.failures
    ([('0', 0), ('1', 1), ('2', 4), ('3', 9)], 4, ())

No home-made scheduler, queue or pool: the ``local`` engine is a loop in this process
(spaCy batches within an item), the ``dask`` engine is ``dask.distributed``.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Sequence

from tracker.errors import BadInput, TrackerError
from tracker.models import ENGINES, JobFailure, JobSummary

__all__ = ["DaskEngine", "LocalEngine", "engine", "run_job"]

Task = Callable[[Any, Any], Any]
Item = tuple[str, Any]
Outcome = tuple[str, bool, Any]

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a ``--scheduler`` to answer."""
DASK_CHUNK = 32
"""Items per Dask task: enough that the scheduler's per-task cost (about a millisecond)
is small against the work, few enough that a killed worker loses little."""


def _square(shared: Any, x: int) -> int:
    return x * x


def one_line(e: BaseException) -> str:
    """A failure's reason on one line (typed errors keep their what/cause/fix)."""
    if isinstance(e, TrackerError):
        return e.one_line()
    text = " ".join(str(e).split()) or type(e).__name__
    return f"{type(e).__name__}: {text}"[:500]


def attempt(fn: Task, shared: Any, chunk: Sequence[Item]) -> list[Outcome]:
    """Run ``fn`` over a chunk of loaded items; a failure is an outcome, not an exception."""
    out: list[Outcome] = []
    for key, payload in chunk:
        try:
            out.append((key, True, fn(shared, payload)))
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the job
            out.append((key, False, one_line(e)))
    return out


def _chunks(items: Iterable[Item], size: int, failures: list[JobFailure]) -> Iterator[list[Item]]:
    """Load lazy payloads on the driver, ``size`` items at a time; a loader that fails
    (an unreadable file) is a failure of its item."""
    it = iter(items)
    while True:
        raw = list(islice(it, size))
        if not raw:
            return
        chunk: list[Item] = []
        for key, payload in raw:
            if callable(payload):
                try:
                    payload = payload()
                except Exception as e:  # noqa: BLE001
                    failures.append(JobFailure(key, one_line(e)))
                    continue
            chunk.append((key, payload))
        if chunk:
            yield chunk


class LocalEngine:
    """Items one after another in this process (the default)."""

    name = "local"

    def __init__(self) -> None:
        self.workers = 1

    def map(self, fn: Task, items: Iterable[Item], shared: Any, failures: list[JobFailure], chunk: int = 1) -> Iterator[Outcome]:
        for ch in _chunks(items, chunk, failures):
            yield from attempt(fn, shared, ch)

    def close(self) -> None:
        pass


class DaskEngine:
    """Items as tasks on ``dask.distributed``: a ``LocalCluster`` of worker processes by
    default, or an existing cluster at ``scheduler`` (``tcp://HOST:PORT``).

    Raises:
        BadInput: dask is not installed, or the scheduler does not answer in time.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BadInput("the dask engine is not installed", "dask.distributed cannot be imported",
                           "install the scale extra (pip install 'guidance-tracker[scale]') or use --engine local") from None
        self.cluster = None
        if scheduler:
            if "://" not in scheduler:
                scheduler = f"tcp://{scheduler}"
            try:
                self.client = Client(scheduler, timeout=f"{connect_timeout}s")
            except (OSError, TimeoutError) as e:
                raise BadInput(f"the Dask scheduler {scheduler} does not answer",
                               f"no connection within {connect_timeout:g} s ({type(e).__name__})",
                               "start it (dask scheduler) or check --scheduler HOST:PORT") from None
            except Exception as e:  # noqa: BLE001 - something answered, but not a Dask scheduler
                raise BadInput(f"{scheduler} is not a Dask scheduler", one_line(e),
                               "check --scheduler HOST:PORT (the scheduler's port, 8786 by default)") from None
        else:
            n = workers or max(1, os.cpu_count() or 1)
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", worker_dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.workers = len(self.client.scheduler_info().get("workers", {})) or (workers or 1)

    def map(self, fn: Task, items: Iterable[Item], shared: Any, failures: list[JobFailure], chunk: int = DASK_CHUNK) -> Iterator[Outcome]:
        from distributed import as_completed

        client = self.client
        shared_f = client.scatter(shared, broadcast=True, hash=False) if shared is not None else None
        chunks = _chunks(items, chunk, failures)
        keys_of: dict[Any, list[str]] = {}
        window = max(4, self.workers * 4)
        queue = as_completed()

        def submit() -> bool:
            ch = next(chunks, None)
            if ch is None:
                return False
            fut = client.submit(attempt, fn, shared_f, ch, pure=False)
            keys_of[fut.key] = [k for k, _ in ch]
            queue.add(fut)
            return True

        for _ in range(window):
            if not submit():
                break
        for fut in queue:
            keys = keys_of.pop(fut.key)
            try:
                outcomes = fut.result()
            except Exception as e:  # noqa: BLE001 - e.g. KilledWorker after repeated worker deaths
                outcomes = [(k, False, one_line(e)) for k in keys]
            fut.release()
            yield from outcomes
            submit()

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


@contextmanager
def engine(name: str = "local", *, scheduler: str | None = None, workers: int | None = None,
           connect_timeout: float = CONNECT_TIMEOUT) -> Iterator[LocalEngine | DaskEngine]:
    """The engine called ``name``, closed on exit.

    Raises:
        BadInput: unknown engine, a scheduler given to the local engine, or dask unavailable.
    """
    if name not in ENGINES:
        raise BadInput(f"unknown engine {name!r}", None, f"use one of {', '.join(ENGINES)}")
    if name == "local" and scheduler:
        raise BadInput("--scheduler needs the dask engine", None, "add --engine dask")
    eng: LocalEngine | DaskEngine = LocalEngine() if name == "local" else DaskEngine(scheduler, workers, connect_timeout)
    try:
        yield eng
    finally:
        eng.close()


def run_job(job: str, fn: Task, items: Iterable[Item], *, shared: Any = None, on_result: Callable[[str, Any], None] | None = None,
            eng: LocalEngine | DaskEngine | None = None, total: int | None = None, progress: bool = True,
            chunk: int | None = None, skipped: int = 0) -> JobSummary:
    """Map ``fn(shared, payload)`` over ``items`` on ``eng`` (default: local), calling
    ``on_result(key, result)`` on the driver for each success, with a progress bar.

    ``fn`` must be a module-level function (workers import it by name).
    """
    eng = eng or LocalEngine()
    if total is None and isinstance(items, Sequence):
        total = len(items)
    failures: list[JobFailure] = []
    done = 0
    start = time.perf_counter()
    size = chunk or (1 if eng.name == "local" else DASK_CHUNK)
    with _progress(progress, f"{job} ({eng.name}, {eng.workers} worker{'s' if eng.workers != 1 else ''})", total) as advance:
        shown = 0
        for key, ok, value in eng.map(fn, items, shared, failures, size):
            if ok:
                if on_result is not None:
                    on_result(key, value)
                done += 1
            else:
                failures.append(JobFailure(key, value))
            advance(done + len(failures) - shown)  # loader failures count too
            shown = done + len(failures)
    return JobSummary(job=job, engine=eng.name, workers=eng.workers, items=(total if total is not None else done + len(failures)),
                      done=done, failures=tuple(failures), seconds=time.perf_counter() - start, skipped=skipped)


@contextmanager
def _progress(show: bool, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def summary_lines(s: JobSummary) -> list[str]:
    """The end-of-job summary: items, failures (one line each), throughput."""
    lines = [f"{s.job}: {s.done} done, {len(s.failures)} failed"
             + (f", {s.skipped} already done" if s.skipped else "")
             + f" of {s.items} on {s.engine} ({s.workers} worker{'s' if s.workers != 1 else ''}) "
             f"in {s.seconds:.1f} s, {s.per_second:.1f} items/s"]
    lines += [f"  failed: {f.item}: {f.message}" for f in s.failures]
    return lines
