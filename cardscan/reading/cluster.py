"""A batch on a Dask distributed cluster (``--cluster``): the owner of ``distributed``.

The per-photo worker is pure, so any machine with cardscan installed can read a photo.
:func:`stream` is :func:`cardscan.reading.pool.stream` on a cluster instead of this
machine's processes:

- The parent reads each photo and submits its **bytes**: workers need not share the disk.
  A photo the parent cannot read (gone, a FIFO, no permission) is failed here, naming it.
- At most ``3 × workers`` photos are in flight, so the parent's memory stays flat in the
  number of photos; each photo's results come back the moment it is done, for the caller
  to journal and store, so a lost worker, a lost scheduler or a Ctrl-C loses nothing
  finished.
- A worker that dies mid-photo (a decoder crash, the out-of-memory killer, a machine
  gone) has its photo read again elsewhere by the scheduler (``allowed-failures``; once on
  a ``local`` cluster); a photo that kills its worker every time becomes a failed record,
  and the batch goes on.
- ``local`` starts a ``LocalCluster`` of ``settings.jobs`` worker processes, one thread
  each; they read one photo at a time, use the parent's Tesseract and die with the run.
  On a remote cluster each worker finds its own Tesseract.

``distributed`` is optional (``pip install 'cardscan[cluster]'``); without it ``--cluster``
fails with that hint and nothing else changes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from cardscan._version import __version__
from cardscan.config import Settings
from cardscan.errors import ClusterError, MissingDependencyError
from cardscan.models import CardResult, CardStatus
from cardscan.reading import pool
from cardscan.reading.ocr import TesseractInfo

log = logging.getLogger(__name__)

#: Photos in flight per worker: enough that no worker waits for its next photo, few
#: enough that the parent holds only a handful of photos' bytes at a time.
WINDOW = 3
#: Seconds to reach a scheduler, and to wait for its first worker.
CONNECT_SECONDS = 10.0
WORKER_WAIT_SECONDS = 30.0
#: What to install where ``distributed`` is missing.
INSTALL_HINT = "pip install 'cardscan[cluster]'"

#: One photo at a time per worker process: reading a photo captures the package's log
#: records for it, which threads of one process would mix. Workers of a remote cluster
#: should be started with one thread each (``dask worker ADDRESS --nthreads 1``).
_ONE_AT_A_TIME = threading.Lock()
_READY = False


def require_distributed() -> ModuleType:
    """The ``distributed`` package.

    Raises:
        MissingDependencyError: it is not installed.
    """
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError(
            "--cluster needs the Dask distributed package, which is not installed",
            INSTALL_HINT,
        ) from None
    return distributed


def stream(
    paths: Sequence[str | Path],
    settings: Settings,
    info: TesseractInfo | None,
    worker: pool.Worker,
    *,
    ordered: bool = False,
    setup: Callable[[], None] | None = None,
) -> Iterator[tuple[int, pool.Done]]:
    """Read ``paths`` on the cluster ``settings.cluster``; yield ``(index, Done)`` per photo.

    As :func:`cardscan.reading.pool.stream`: unordered (the default), each photo comes out
    the moment it is done, biggest files first; ``ordered`` keeps input order with at
    most ``3 × workers`` photos done or in flight ahead of the next one out. ``info`` is
    this machine's Tesseract, used by a ``local`` cluster's workers (None: each worker
    finds its own); ``setup`` runs once in each worker process before its first photo.

    Raises:
        MissingDependencyError: ``distributed`` is not installed, or a worker has no
            usable Tesseract.
        ClusterError: the scheduler cannot be reached, has no workers, or was lost.
    """
    address = settings.cluster or "local"
    local = address == "local"
    with _connected(address, settings.jobs) as (client, workers):
        distributed = require_distributed()
        limit = max(2, WINDOW * workers)
        queue = deque(range(len(paths)))
        if not ordered:
            queue = deque(sorted(queue, key=lambda i: -pool._file_size(paths[i])))
        pending: dict[Any, int] = {}
        order = pool.InOrder(ordered)
        waiting, deliver = order.waiting, order.deliver
        level = logging.getLogger("cardscan").getEffectiveLevel()
        parent = os.getpid() if local else None

        try:
            while queue or pending:
                while queue and len(pending) + len(waiting) < limit:
                    index = queue.popleft()
                    data = read_bytes(paths[index])
                    if data is None:
                        # Read here, where the file is: it fails at once, naming the file
                        # and why (gone, not a regular file, no permission).
                        done = pool.run_task(worker, paths[index], settings, info)
                        yield from deliver(index, done)
                        continue
                    future = client.submit(
                        _read,
                        worker,
                        str(paths[index]),
                        data,
                        settings,
                        info,
                        (level, parent, setup),
                        pure=False,
                    )
                    pending[future] = index
                if not pending:
                    continue
                try:
                    with client.as_current():  # the client wait() uses; not made the default
                        finished = distributed.wait(list(pending), return_when="FIRST_COMPLETED")
                except (asyncio.CancelledError, concurrent.futures.CancelledError, OSError):
                    raise _lost(address) from None
                for future in sorted(finished.done, key=lambda f: pending[f]):
                    index = pending.pop(future)
                    yield from deliver(index, _outcome(future, paths[index], address))
        finally:
            # On Ctrl-C, SIGTERM, a lost scheduler or an early stop: drop the photos in flight.
            if pending:
                with contextlib.suppress(Exception):
                    client.cancel(list(pending), force=True)


def read_bytes(path: str | Path) -> bytes | None:
    """A photo's content, or None if it is not a readable regular file (never blocks)."""
    opened = pool.open_regular(path)
    if opened is None:
        return None
    try:
        with opened as f:
            data: bytes = f.read()
            return data
    except OSError:
        return None


def _read(
    worker: pool.Worker,
    name: str,
    data: bytes,
    settings: Settings,
    info: TesseractInfo | None,
    setup: tuple[int, int | None, Callable[[], None] | None],
) -> pool.Done:
    """The task a cluster worker runs: one photo, from its bytes."""
    global _READY
    with _ONE_AT_A_TIME:
        if not _READY:
            level, parent, prepare = setup
            logging.getLogger("cardscan").setLevel(level)
            if prepare is not None:
                prepare()
            if parent is not None:
                # A local cluster's worker ends when the run does, however it ends, and
                # takes a running Tesseract with it.
                pool._watch_parent(parent)
            _READY = True
        return pool.run_task(worker, name, settings, info, data)


def _outcome(future: Any, path: str | Path, address: str) -> pool.Done:
    """A finished future's Done; a photo that killed its workers becomes a failed one."""
    distributed = require_distributed()
    try:
        done: pool.Done = future.result()
        return done
    except distributed.KilledWorker:
        message = (
            f"{path}: reading this photo crashed the cluster's worker process each time it "
            f"was tried — {pool.CRASH_HINT}"
        )
        return pool.Done([CardResult(str(path), status=CardStatus.FAILED, error=message)], [])
    except MissingDependencyError as e:
        raise MissingDependencyError(
            f"a worker of the cluster {address}: {e.message}",
            "install Tesseract and its languages on every worker machine "
            "(`cardscan doctor` there says what is missing)",
        ) from None
    except (asyncio.CancelledError, concurrent.futures.CancelledError, OSError):
        raise _lost(address) from None
    except ImportError as e:
        raise ClusterError(
            f"the workers of {address} cannot run cardscan ({e})",
            f"install cardscan {__version__} on every worker machine ({INSTALL_HINT})",
        ) from None
    except Exception as e:  # one photo's odd failure must not cost the rest of the batch
        message = f"{path}: unexpected error on the cluster ({type(e).__name__}: {e})"
        log.warning("%s", message)
        return pool.Done([CardResult(str(path), status=CardStatus.FAILED, error=message)], [])


def _lost(address: str) -> ClusterError:
    return ClusterError(
        f"lost the Dask scheduler at {address} (every photo finished is kept)",
        "run the same command again once the scheduler is back; only the rest is read",
    )


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Keep Dask's own log lines (a lost connection, a restarted worker) out of the output.

    What they mean for the batch is said by cardscan, once. Dask sets levels on some of
    its loggers (``distributed.client``), so each is quietened, and restored after.
    """
    names = ["distributed"] + [
        name for name in logging.root.manager.loggerDict if name.startswith("distributed.")
    ]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _connected(address: str, jobs: int) -> Iterator[tuple[Any, int]]:
    """A client of the cluster at ``address``, and its number of worker processes.

    ``local``: a new LocalCluster of ``jobs`` workers. The client is closed (and the
    LocalCluster stopped) on the way out.
    """
    distributed = require_distributed()
    import dask

    with contextlib.ExitStack() as stack:
        config = {
            # A photo is sent inside its task, so the scheduler can give it to another
            # worker if the first one dies; a 12 MB photo is not the "large graph" dask
            # warns about.
            "distributed.admin.large-graph-warning-threshold": "1GiB",
            # Dask keeps the last messages sent on each connection (1,000 by default) for
            # debugging; each holds a photo, which would hold this process's memory at
            # a thousand photos' bytes per connection.
            "distributed.admin.low-level-log-length": 4,
        }
        if address == "local":
            config |= {
                # One photo per worker at a time: a worker that dies then takes only the
                # photo that killed it, and no other photo is counted against.
                "distributed.scheduler.worker-saturation": 1.0,
                # A photo whose worker dies is tried once more, then failed.
                "distributed.scheduler.allowed-failures": 1,
                # With one photo per worker there is nothing to steal, and sampling each
                # worker's stack a hundred times a second takes CPU from the reading.
                "distributed.scheduler.work-stealing": False,
                "distributed.worker.profile.enabled": False,
                # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which hands every
                # freed image buffer back to the system and faults it in again for the
                # next: photos were read 1.5 times slower than in --jobs workers. One
                # thread per library, as Dask sets it, is kept.
                "distributed.nanny.pre-spawn-environ": {
                    "OMP_NUM_THREADS": 1,
                    "MKL_NUM_THREADS": 1,
                    "OPENBLAS_NUM_THREADS": 1,
                },
            }
        # Kept for the whole run: workers restarted after a crash start with it too.
        stack.enter_context(dask.config.set(config))
        stack.enter_context(_quiet_dask())
        if address == "local":
            client = stack.enter_context(_local_client(distributed, jobs))
            yield client, jobs
            return
        try:
            client = distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address} ({_one_line(e)})",
                f"start it there with `dask scheduler` and workers with `dask worker {address} "
                "--nthreads 1`, check the address and port (8786 by default), "
                "or use --cluster local to read on this machine",
            ) from None
        stack.callback(client.close)
        yield client, _workers(client, address)


@contextlib.contextmanager
def _local_client(distributed: ModuleType, jobs: int) -> Iterator[Any]:
    """A LocalCluster of ``jobs`` single-threaded worker processes, and its client."""
    cluster = distributed.LocalCluster(
        n_workers=jobs,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",  # nothing outside this machine can reach it
        dashboard_address=":0",  # a free port: never "8787 is already in use"
        silence_logs=logging.CRITICAL,
        # Each worker runs this module's dask_setup as it starts (restarts included).
        preload=[__name__],
    )
    try:
        client = distributed.Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _workers(client: Any, address: str) -> int:
    """The cluster's worker processes (waiting a while for a first one).

    Raises:
        ClusterError: no worker joined, or the workers run another cardscan.
    """
    if not client.scheduler_info(n_workers=-1)["workers"]:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except (TimeoutError, OSError):
            raise ClusterError(
                f"the Dask scheduler at {address} has no workers",
                f"start some on machines with cardscan installed: `dask worker {address} "
                "--nthreads 1` (add --nworkers N for N cores)",
            ) from None
    try:
        versions: dict[str, str] = client.run(_version)
    except Exception as e:
        raise ClusterError(
            f"the workers of {address} cannot run cardscan ({_one_line(e)})",
            f"install cardscan {__version__} on every worker machine ({INSTALL_HINT})",
        ) from None
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        raise ClusterError(
            f"workers of {address} run another cardscan: "
            + ", ".join(f"{w} has {v}" for w, v in sorted(other.items())),
            f"install cardscan {__version__} on them: a batch must be read by one version",
        )
    workers = client.scheduler_info(n_workers=-1)["workers"]
    threaded = sorted(w for w, about in workers.items() if about.get("nthreads", 1) > 1)
    if threaded:
        log.warning(
            "workers %s have several threads but read one photo at a time: start them "
            "with `dask worker %s --nthreads 1 --nworkers N` to use every core",
            ", ".join(threaded),
            address,
        )
    return max(1, len(workers))


def dask_setup(worker: Any) -> None:
    """Prepare a ``local`` cluster's worker process (Dask runs this as the worker starts).

    Ctrl-C reaches every process of the terminal's process group; the run stops its
    cluster itself, so a worker must not die mid-photo printing a traceback of its own.
    """
    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _version() -> str:
    """The cardscan version a worker runs (run on each worker)."""
    from cardscan._version import __version__ as version

    return version


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__
