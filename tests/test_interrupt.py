"""Interrupting a scan, with real processes and signals: nothing finished lost, nobody left.

Ctrl-C in a terminal sends SIGINT to the whole process group; ``kill`` sends SIGTERM or
SIGKILL to the main process only. Each run here starts in a session of its own, so every
process it made (worker processes, multiprocessing's forkserver and resource tracker,
a worker's child) can be found afterwards by its session id.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from procinfo import alive_in_session, journaled

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds processes through /proc"
)

#: ``cardscan`` with a stand-in worker (tests/crashers.py) in the real worker pool.
DRIVER = """
import functools, sys
sys.path.insert(0, {tests!r})
import crashers
from cardscan import run
from cardscan.reading import pipeline
pipeline.check_tesseract = lambda *a, **k: crashers.FAKE_INFO
run.read_photos = functools.partial(pipeline.read_photos, worker=crashers.slow_card)
from cardscan.cli import main
sys.argv = ["cardscan", *sys.argv[1:]]
main()
"""


def _start(args: list[str], *, stand_in: bool, env: dict[str, str] | None = None):
    code = ["-c", DRIVER.format(tests=str(ROOT / "tests"))] if stand_in else ["-m", "cardscan"]
    return subprocess.Popen(
        [sys.executable, *code, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )


def _left_after(proc: subprocess.Popen, seconds: float = 10.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := alive_in_session(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _wait_for(condition, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _stand_in_photos(folder: Path, n: int) -> None:
    """n photos; the first in input order takes a minute, the rest a moment each."""
    folder.mkdir()
    (folder / "00-slow.jpg").write_bytes(b"slow")
    for i in range(1, n):
        (folder / f"{i:02d}-card.jpg").write_bytes(f"card {i}".encode())


def test_ctrl_c_keeps_every_photo_finished_though_the_first_is_not(tmp_path: Path) -> None:
    photos, out, db = tmp_path / "photos", tmp_path / "out", tmp_path / "c.db"
    _stand_in_photos(photos, 12)
    args = ["scan", str(photos), "--out", str(out), "--db", str(db), "--jobs", "2", "-q"]
    proc = _start(args, stand_in=True)
    try:
        # Every photo but the slow first one is done, long before the first is: before,
        # none of them was journaled until it was (results came out in input order).
        _wait_for(lambda: journaled(out) >= 11 or proc.poll() is not None, seconds=40)
        os.killpg(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err.decode()
    assert "Interrupted; every photo finished is kept" in err.decode()
    assert "Traceback" not in err.decode()
    assert _left_after(proc) == []
    assert journaled(out) == 11
    (photos / "00-slow.jpg").rename(photos / "00-quick.jpg")  # the rerun reads only it
    proc = _start(args[:-1], stand_in=True)
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert "12 photo(s), 11 from the earlier run" in stdout.decode()
    records = [json.loads(x) for x in (out / "contacts.jsonl").read_text().splitlines()]
    assert [Path(r["source"]).name for r in records] == sorted(p.name for p in photos.iterdir())


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_workers_and_their_children_die_with_the_run(tmp_path: Path, how: int) -> None:
    photos, out, db = tmp_path / "photos", tmp_path / "out", tmp_path / "c.db"
    _stand_in_photos(photos, 12)
    args = ["scan", str(photos), "--out", str(out), "--db", str(db), "--jobs", "2", "-q"]
    proc = _start(args, stand_in=True, env={"CARD_DELAY": "0.5"})
    try:
        _wait_for(lambda: journaled(out) >= 3 or proc.poll() is not None)
        assert len(alive_in_session(proc.pid)) >= 4  # main, forkserver, workers, a child
        proc.send_signal(how)  # the main process only, as `kill` does
        _out, err = proc.communicate(timeout=60)
        left = _left_after(proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left, so no test leaves processes
    assert left == []
    assert journaled(out) >= 3
    if how == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM, err.decode()
        assert "Interrupted" in err.decode() and "Traceback" not in err.decode()


def test_alive_in_session_reads_stat_past_a_command_name_with_parentheses(tmp_path: Path) -> None:
    for pid, name, state, sid in [
        ("11", "python (x) y", "S", 7),
        ("12", "worker", "Z", 7),  # a zombie: dead, only not yet reaped
        ("13", "other", "R", 8),
    ]:
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "stat").write_text(f"{pid} ({name}) {state} 1 7 {sid} 0 -1\n")
        (tmp_path / pid / "cmdline").write_bytes(name.encode() + b"\0--jobs\0002\0")
    (tmp_path / "self").mkdir()
    assert alive_in_session(7, proc=tmp_path) == ["11 python (x) y --jobs 2 "]


def test_alive_in_session_finds_a_live_process_and_not_an_ended_one() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    try:
        assert [x.split()[0] for x in alive_in_session(child.pid)] == [str(child.pid)]
    finally:
        child.kill()
        child.wait()
    assert alive_in_session(child.pid) == []
