"""Batches on a Dask cluster (--cluster): photos sent as bytes, results journaled as they come.

One LocalCluster (two single-threaded worker processes) serves the module through its
scheduler's tcp:// address, as a remote cluster would; one test starts its own through
`--cluster local`. Without the distributed package these skip, naming what to install.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import crashers
import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from cardscan import run
from cardscan.cli import cli
from cardscan.config import Settings
from cardscan.errors import ClusterError
from cardscan.reading import cluster, pipeline
from cardscan.run import JOURNAL_NAME, run_scan

INSTALL = "pip install 'cardscan[cluster]'"
needs_distributed = pytest.mark.skipif(
    find_spec("distributed") is None, reason=f"distributed not installed ({INSTALL})"
)


class Stopped(Exception):
    """The parent stopped part-way (as by Ctrl-C), after some photos were stored."""


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a running cluster, shared by the module (a start costs seconds)."""
    distributed = pytest.importorskip(
        "distributed", reason=f"distributed not installed ({INSTALL})"
    )
    import dask

    # What --cluster local sets up: one photo per worker at a time, one retry of a photo
    # whose worker died.
    config = {
        "distributed.scheduler.worker-saturation": 1.0,
        "distributed.scheduler.allowed-failures": 1,
    }
    with dask.config.set(config):
        local = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # a free port: never "8787 is already in use"
            silence_logs=logging.ERROR,
        )
    try:
        yield local.scheduler_address
    finally:
        local.close()


@pytest.fixture
def from_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans read photos with crashers.from_bytes: a card named by the bytes it was sent."""
    reader = functools.partial(pipeline.read_photos, worker=crashers.from_bytes)
    monkeypatch.setattr(run, "read_photos", reader)


def _photos(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.jpg"
        path.write_bytes(name.replace("-", " ").encode())
        paths.append(path)
    return paths


def _records(out: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (out / "contacts.jsonl").read_text().splitlines()]


def _journaled(out: Path) -> int:
    return (out / JOURNAL_NAME).read_bytes().count(b"\n")


@needs_distributed
@pytest.mark.usefixtures("from_bytes")
def test_workers_read_the_bytes_sent_and_results_are_stored_as_they_come(
    tmp_path: Path, scheduler: str
) -> None:
    names = [f"ada-{n:02d}" for n in range(7)]
    _photos(tmp_path / "photos", names)
    stored: list[str] = []
    summary = run_scan(
        [tmp_path / "photos"],
        tmp_path / "out",
        Settings(cluster=scheduler),
        on_card=lambda key, results: stored.append(results[0].contact.name.value),
    )
    assert summary.cards == 7 and summary.failed == 0
    # The names came from the bytes the parent sent, not from the file names.
    assert sorted(stored) == [n.replace("-", " ").title() for n in names]
    assert [r["name"] for r in _records(tmp_path / "out")] == sorted(stored)
    assert _journaled(tmp_path / "out") == 7


@needs_distributed
@pytest.mark.usefixtures("from_bytes")
def test_a_run_stopped_part_way_resumes_without_reading_again(
    tmp_path: Path, scheduler: str
) -> None:
    photos, out = tmp_path / "photos", tmp_path / "out"
    _photos(photos, [f"bo-{n:02d}" for n in range(10)])
    stored: list[str] = []

    def stop_after_three(key: str, results: object) -> None:
        stored.append(key)
        if len(stored) == 3:
            raise Stopped

    with pytest.raises(Stopped):
        run_scan([photos], out, Settings(cluster=scheduler), on_card=stop_after_three)
    assert _journaled(out) == 3  # the photos in flight were dropped, the finished kept
    assert not (out / "contacts.jsonl").exists()

    summary = run_scan([photos], out, Settings(cluster=scheduler))
    assert summary.reused == 3 and summary.cards == 10
    assert _journaled(out) == 10  # no photo read (and journaled) twice
    assert [r["name"] for r in _records(out)] == [f"Bo {n:02d}" for n in range(10)]


@needs_distributed
@pytest.mark.usefixtures("from_bytes")
def test_a_photo_that_kills_its_worker_or_fails_does_not_stop_the_batch(
    tmp_path: Path, scheduler: str
) -> None:
    photos = tmp_path / "photos"
    _photos(photos, ["cy-01", "cy-02", "cy-03-poison", "cy-04-broken", "cy-05", "cy-06"])
    os.mkfifo(photos / "cy-07-pipe.jpg")  # the parent cannot send it: it fails here
    summary = run_scan([photos], tmp_path / "out", Settings(cluster=scheduler))
    by_name = {Path(r.source).stem: r for r in summary.results}
    assert {n for n, r in by_name.items() if r.ok} == {"cy-01", "cy-02", "cy-05", "cy-06"}
    assert "crashed the cluster's worker process" in str(by_name["cy-03-poison"].error)
    assert "not an image" in str(by_name["cy-04-broken"].error)
    assert "not a regular file" in str(by_name["cy-07-pipe"].error)
    # The failed photos are not journaled: a rerun tries them again.
    assert _journaled(tmp_path / "out") == 4


@needs_distributed
def test_input_order_is_kept_when_asked(tmp_path: Path, scheduler: str) -> None:
    paths = _photos(tmp_path / "photos", [f"di-{n:02d}" for n in range(9)])
    got = list(
        pipeline.read_photos(
            paths, Settings(cluster=scheduler), worker=crashers.from_bytes, ordered=True
        )
    )
    assert [index for index, _cards in got] == list(range(9))
    assert [cards[0].contact.name.value for _i, cards in got] == [f"Di {n:02d}" for n in range(9)]


@needs_distributed
@pytest.mark.tesseract
def test_local_cluster_reads_the_same_contacts_as_one_job(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    # A JPEG with EXIF orientation, a PNG scan and a HEIC: each decoded from its bytes.
    for pattern in ("us-*exif*.jpg", "*.png", "*.heic", "us-classic-*.jpg"):
        shutil.copy(sorted(SAMPLES.glob(pattern))[0], photos)
    runner = CliRunner()
    one = runner.invoke(cli, ["scan", str(photos), "--out", str(tmp_path / "one"), "-j", "1"])
    assert one.exit_code == 0, one.output
    many = runner.invoke(
        cli,
        ["scan", str(photos), "--out", str(tmp_path / "dask"), "--cluster", "local", "-j", "2"],
    )
    assert many.exit_code == 0, many.output

    def contacts(out: Path) -> list[dict[str, object]]:
        return [
            {k: v for k, v in r.items() if k not in ("seconds", "timings")} for r in _records(out)
        ]

    assert len(contacts(tmp_path / "one")) == 4
    assert contacts(tmp_path / "dask") == contacts(tmp_path / "one")


@needs_distributed
def test_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1.0)
    photo = _photos(tmp_path, ["ed"])[0]
    result = CliRunner().invoke(
        cli, ["scan", str(photo), "--out", str(tmp_path / "out"), "--cluster", "tcp://127.0.0.1:1"]
    )
    assert result.exit_code == 1, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in result.output
    assert "dask scheduler" in result.output and "--cluster local" in result.output
    assert "Traceback" not in result.output


def test_without_distributed_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    photo = _photos(tmp_path, ["fay"])[0]
    result = CliRunner().invoke(
        cli, ["scan", str(photo), "--out", str(tmp_path / "out"), "--cluster", "local"]
    )
    assert result.exit_code == 3, result.output
    assert f"Hint: {INSTALL}" in result.output
    assert not (tmp_path / "out").exists()  # refused before anything was written


#: ``cardscan`` whose batches are read by crashers.slow_from_bytes.
DRIVER = """
import functools, sys
sys.path.insert(0, {tests!r})
import crashers
from cardscan import run
from cardscan.reading import pipeline
pipeline.check_tesseract = lambda *a, **k: crashers.FAKE_INFO
run.read_photos = functools.partial(pipeline.read_photos, worker=crashers.slow_from_bytes)
from cardscan.cli import main
sys.argv = ["cardscan", *sys.argv[1:]]
main()
"""


def _alive_in_session(sid: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append(f"{entry.name} {cmdline[:120]}")
    return found


@needs_distributed
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds processes through /proc")
@pytest.mark.usefixtures("from_bytes")
def test_ctrl_c_on_a_local_cluster_keeps_what_is_finished_and_leaves_nothing(
    tmp_path: Path, scheduler: str
) -> None:
    photos, out = tmp_path / "photos", tmp_path / "out"
    _photos(photos, [f"gus-{n:02d}" for n in range(30)])
    args = ["scan", str(photos), "--out", str(out), "--db", str(tmp_path / "c.db")]
    more = ["--cluster", "local", "-j", "2", "-q"]
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER.format(tests=str(Path(__file__).parent)), *args, *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )
    try:
        deadline = time.monotonic() + 120
        while not ((out / JOURNAL_NAME).exists() and _journaled(out) >= 3):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _out, err = proc.communicate(timeout=60)
        deadline = time.monotonic() + 10
        while (left := _alive_in_session(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err.decode()
    assert "Interrupted; every photo finished is kept" in err.decode()
    assert "Traceback" not in err.decode()  # the workers did not die of the Ctrl-C
    assert left == []
    kept = _journaled(out)
    assert 3 <= kept < 30
    summary = run_scan([photos], out, Settings(cluster=scheduler))  # the rest, elsewhere
    assert summary.reused == kept and summary.cards == 30


@needs_distributed
def test_a_lost_scheduler_is_a_clear_error_and_keeps_what_is_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1.0)  # how long the client tries again
    monkeypatch.setenv("CARD_DELAY", "0.3")  # photos still in flight when it goes
    reader = functools.partial(pipeline.read_photos, worker=crashers.slow_from_bytes)
    monkeypatch.setattr(run, "read_photos", reader)
    photos, out = tmp_path / "photos", tmp_path / "out"
    _photos(photos, [f"hal-{n:02d}" for n in range(12)])
    doomed = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )
    stored: list[str] = []

    def lose_it(key: str, results: object) -> None:
        stored.append(key)
        if len(stored) == 2:
            doomed.close()  # the scheduler and its worker go, mid-batch

    try:
        with pytest.raises(ClusterError, match="lost the Dask scheduler") as lost:
            run_scan([photos], out, Settings(cluster=doomed.scheduler_address), on_card=lose_it)
    finally:
        doomed.close()
    assert "run the same command again" in str(lost.value.hint)
    assert _journaled(out) == 2


@pytest.mark.parametrize("pattern", ["us-*exif*.jpg", "*.png", "*.heic"])
def test_a_photo_decodes_the_same_from_its_bytes(pattern: str) -> None:
    from cardscan.reading.imaging import load_image

    photo = sorted(SAMPLES.glob(pattern))[0]
    from_file = load_image(photo, 120_000_000, 100)
    # The name need not exist: a cluster worker has the bytes, not the file.
    from_bytes = load_image("/elsewhere/" + photo.name, 120_000_000, 100, data=photo.read_bytes())
    assert (from_bytes == from_file).all()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "is empty (0 bytes)"),
        (b"plain text, not a photo", "not an image"),
        ((SAMPLES / "us-classic-01.jpg").read_bytes()[:200], "damaged or truncated"),
    ],
    ids=["empty", "not-an-image", "truncated"],
)
def test_bad_bytes_fail_naming_the_photo(data: bytes, says: str) -> None:
    from cardscan.errors import InputImageError
    from cardscan.reading.imaging import load_image

    with pytest.raises(InputImageError, match=r"/elsewhere/card\.jpg") as bad:
        load_image("/elsewhere/card.jpg", 120_000_000, 100, data=data)
    assert says in bad.value.message
