"""Worker processes for a batch of photos: results as they finish, workers that die with the run.

- :func:`stream` keeps only a few photos in flight (``2 × jobs``), so memory stays flat on
  10,000 photos, and yields each photo's results the moment it is done, so the caller can
  journal and store it at once: a run interrupted late keeps everything finished.
- A worker never outlives the run. It ignores Ctrl-C (the parent decides what to do and
  stops it), exits on SIGTERM taking its Tesseract child with it, and watches the parent:
  when the parent dies, even by ``kill -9``, the worker follows within a moment. With
  no worker left, multiprocessing's forkserver and resource tracker exit too.
- What a worker logs is returned with its results, tagged with the photo
  (``record.photo``), and handed to the parent's loggers, so the command line can say it
  once, above the progress bar, naming the photos.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import select
import signal
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from cardscan.config import Settings
from cardscan.models import CardResult, CardStatus
from cardscan.reading.ocr import TesseractInfo

log = logging.getLogger(__name__)


class Worker(Protocol):
    """The per-photo function a batch runs (``pipeline.process_image`` or a stand-in).

    Module-level, so worker processes can import it. ``data`` is the photo's content when
    the caller read it (a cluster: workers need not share the disk); ``info`` None lets the
    worker find its own Tesseract (a cluster's machines each have their own).
    """

    def __call__(
        self,
        path: str | Path,
        settings: Settings,
        info: TesseractInfo | None = None,
        *,
        data: bytes | None = None,
    ) -> list[CardResult]:
        """Every card on the photo at ``path``, failures as failed results."""
        ...


#: What reading a photo that kills its worker process gives, and what to do about it.
CRASH_HINT = "the file may be damaged: open it in an image viewer, re-export it, or leave it out"


@dataclass(frozen=True)
class Done:
    """One photo's results and what was logged while reading it."""

    results: list[CardResult]
    records: list[logging.LogRecord]


class InOrder:
    """Hands results on as they finish, or (``ordered``) in input order.

    A photo done behind an earlier one still in flight waits here until that one is done.
    """

    def __init__(self, ordered: bool) -> None:
        self.ordered = ordered
        #: Done, behind an earlier photo still in flight.
        self.waiting: dict[int, Done] = {}
        self._next = 0

    def deliver(self, index: int, done: Done) -> Iterator[tuple[int, Done]]:
        """``(index, done)`` and any results it was holding up, in order."""
        if not self.ordered:
            yield index, done
            return
        self.waiting[index] = done
        while self._next in self.waiting:
            yield self._next, self.waiting.pop(self._next)
            self._next += 1


def open_regular(path: str | Path) -> contextlib.AbstractContextManager[Any] | None:
    """The file opened for reading if it is a regular file, else None (never blocks).

    A FIFO or a device (``/dev/zero``) is never read: it could block or never end. It is
    opened non-blocking, as opening a FIFO with no writer would otherwise wait forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    f = os.fdopen(fd, "rb")
    try:
        regular = stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except OSError:
        regular = False
    if not regular:
        f.close()
        return None
    return f


class _Capture(logging.Handler):
    def __init__(self, photo: str) -> None:
        super().__init__()
        self.photo = photo
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Formatted here: the record crosses a process boundary, its args may not.
        record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.photo = self.photo
        self.records.append(record)


def run_task(
    worker: Worker,
    path: str | Path,
    settings: Settings,
    info: TesseractInfo | None,
    data: bytes | None = None,
) -> Done:
    """Read one photo with ``worker``, keeping what cardscan logs meanwhile for the caller.

    Runs in a worker process or in the caller's; either way the records come back with
    the results and are passed on by :func:`emit`. ``data`` is the photo's content when
    the caller read it (see :class:`Worker`).
    """
    from cardscan.reading import read

    # read.py says a missing language once per process; a batch says it once per run
    # with every photo it concerns, so each photo gets to say it.
    read._WARNED.clear()
    capture = _Capture(str(path))
    package = logging.getLogger("cardscan")
    propagate = package.propagate
    package.addHandler(capture)
    package.propagate = False
    try:
        if data is None:
            results = worker(path, settings, info)
        else:
            results = worker(path, settings, info, data=data)
    finally:
        package.removeHandler(capture)
        package.propagate = propagate
    return Done(results, capture.records)


def emit(records: Sequence[logging.LogRecord]) -> None:
    """Hand a photo's log records to this process's loggers (and so to the CLI's handler)."""
    for record in records:
        logging.getLogger(record.name).handle(record)


# -- worker processes ------------------------------------------------------------------


def _init_worker(parent: int, level: int, setup: Callable[[], None] | None) -> None:
    """Make a worker process die with its parent, quiet on Ctrl-C, logging at ``level``."""
    # Ctrl-C reaches the whole process group; the parent stops the workers itself, so a
    # worker must not die mid-photo with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_term)
    _set_parent_death_signal()
    _watch_parent(parent)
    logging.getLogger("cardscan").setLevel(level)
    if setup is not None:
        setup()


def _on_term(signum: int, frame: FrameType | None) -> None:
    _die(128 + signum)


def _die(code: int) -> None:
    """Exit now, taking this worker's own children (a running Tesseract) along."""
    for child in _children():
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    os._exit(code)


def _children() -> list[int]:
    """Process ids of this process's children (Linux; elsewhere none are known)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError):
                text = (task / "children").read_text()
                found += [int(pid) for pid in text.split()]
    return found


def _set_parent_death_signal() -> None:
    """Linux: SIGTERM this process when its parent dies (the forkserver, or the run itself)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def _watch_parent(parent: int) -> None:
    """Exit when the run's process ``parent`` ends, however it ends.

    A worker started through the forkserver is the forkserver's child, not the run's, so
    the parent-death signal alone does not cover a run killed outright: a thread waits
    on the run's process (a pidfd on Linux; polling elsewhere).
    """

    def wait_for_parent() -> None:
        try:
            fd = os.pidfd_open(parent)  # type: ignore[attr-defined,unused-ignore]
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])
        elif os.name == "nt":
            process = multiprocessing.parent_process()
            if process is not None:
                multiprocessing.connection.wait([process.sentinel])
        else:
            while _alive(parent):
                time.sleep(0.5)
        _die(1)

    threading.Thread(target=wait_for_parent, name="cardscan-lifeline", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _context() -> multiprocessing.context.BaseContext:
    """How worker processes start.

    Not plain fork: forking a process that may hold threads (OpenCV's, a caller's) can
    deadlock. A forkserver that has already imported the pipeline forks ready workers
    in milliseconds; spawn (Windows) starts each from scratch, which costs a few tenths
    of a second per worker.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["cardscan.reading.pipeline"])
        return context
    return multiprocessing.get_context("spawn")


def new_pool(workers: int, setup: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that die with this one (``setup`` runs in each)."""
    level = logging.getLogger("cardscan").getEffectiveLevel()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(os.getpid(), level, setup),
    )


def stop(executor: ProcessPoolExecutor) -> None:
    """Stop a pool now: the photos in flight are dropped, the workers end at once."""
    # Terminate first: shutdown() alone would wait for every running photo to finish.
    processes: dict[int, Any] = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)


# -- the batch -------------------------------------------------------------------------


def stream(
    paths: Sequence[str | Path],
    settings: Settings,
    info: TesseractInfo,
    worker: Worker,
    *,
    ordered: bool = False,
    setup: Callable[[], None] | None = None,
) -> Iterator[tuple[int, Done]]:
    """Read ``paths`` in ``settings.jobs`` worker processes; yield ``(index, Done)`` per photo.

    Unordered (the default), each photo comes out the moment it is done, and the biggest
    files go first (the last photo of a batch runs alone while the other cores idle, so
    it should be a small one). ``ordered`` keeps input order, reading in that order with
    at most ``2 × jobs`` photos finished or in flight ahead of the next one out.

    A worker that dies (a decoder crash, the kernel's out-of-memory killer) breaks the
    pool and every photo in flight with it: each of those is then read again alone, so
    the one that kills its worker again becomes a failed record, and the rest of the
    batch goes on in a new pool.
    """
    limit = 2 * settings.jobs
    queue = deque(range(len(paths)))
    if not ordered:
        queue = deque(sorted(queue, key=lambda i: -_file_size(paths[i])))
    pending: dict[Future[Done], int] = {}
    order = InOrder(ordered)
    waiting, deliver = order.waiting, order.deliver
    executor: ProcessPoolExecutor | None = None

    try:
        while queue or pending:
            if executor is None:
                executor = new_pool(min(settings.jobs, len(queue) + len(pending)), setup)
            while queue and len(pending) + len(waiting) < limit:
                index = queue.popleft()
                future = executor.submit(run_task, worker, paths[index], settings, info)
                pending[future] = index
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken: list[int] = []
            for future in sorted(finished, key=lambda f: pending[f]):
                index = pending.pop(future)
                try:
                    done = future.result()
                except BrokenProcessPool:
                    broken.append(index)
                    continue
                yield from deliver(index, done)
            if broken:
                broken += pending.values()  # every photo in flight went down with the pool
                pending.clear()
                stop(executor)
                executor = None
                for index in sorted(broken):
                    log.warning("a worker process died; reading %s again on its own", paths[index])
                    yield from deliver(index, _read_alone(paths[index], settings, info, worker))
    finally:
        # On Ctrl-C, SIGTERM or an early stop by the caller: drop the photos in flight.
        if executor is not None:
            if pending:
                stop(executor)
            else:
                executor.shutdown(wait=True)


def _file_size(path: str | Path) -> int:
    """Bytes on disk, a cheap stand-in for how long a photo takes (0 if unreadable)."""
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _read_alone(path: str | Path, settings: Settings, info: TesseractInfo, worker: Worker) -> Done:
    """Read one photo in a pool of its own, to learn whether it is what kills workers."""
    start = time.perf_counter()
    alone = new_pool(1)
    try:
        return alone.submit(run_task, worker, path, settings, info).result()
    except BrokenProcessPool:
        message = f"{path}: reading this photo crashed the worker process — {CRASH_HINT}"
        seconds = time.perf_counter() - start
        return Done(
            [CardResult(str(path), status=CardStatus.FAILED, error=message, seconds=seconds)], []
        )
    finally:
        stop(alone)
