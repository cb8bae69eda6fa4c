"""Interrupt a real `cardscan scan --jobs 2` with Ctrl-C and count what the rerun keeps.

Usage::

    python scripts/interruptbench.py PHOTO_DIR [--at 0.6] [--jobs 2] [--limit 15]

Runs the scan once uninterrupted to time it, then again in a session of its own and
sends SIGINT to its process group (what Ctrl-C in a terminal does) at ``--at`` of that
time. Prints a Markdown table: photos, full run, when interrupted, photos kept for the
rerun (journaled), processes of the run still alive a few seconds later, and whether
the resumed run writes the same contacts as the uninterrupted one. The issue's yardstick
(issue 13): at 60% of a 15-photo --jobs 2 run, at least a third kept, no process left.
Timing-dependent by nature, so it is a benchmark, not a test; the suite checks the
mechanism deterministically (tests/test_interrupt.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))
sys.path.insert(0, str(_REPO / "tests"))  # procinfo, shared with tests/test_interrupt.py

from procinfo import alive_in_session, journaled  # type: ignore[import-not-found]  # noqa: E402

from cardscan.config import IMAGE_SUFFIXES  # noqa: E402


def _scan(photos: Path, out: Path, db: Path, jobs: int) -> subprocess.Popen[bytes]:
    args = ["scan", str(photos), "--out", str(out), "--db", str(db), "--jobs", str(jobs), "-q"]
    return subprocess.Popen(
        [sys.executable, "-m", "cardscan", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _records(out: Path) -> list[dict[str, object]]:
    lines = (out / "contacts.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(x).items() if k != "seconds"} for x in lines]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", type=Path)
    parser.add_argument("--at", type=float, default=0.6, help="share of the full run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=15)
    opts = parser.parse_args()
    if not sys.platform.startswith("linux"):
        sys.exit("interruptbench finds the run's processes through /proc (Linux only)")
    with tempfile.TemporaryDirectory(prefix="cardscan-interrupt-") as tmp:
        work = Path(tmp)
        photos = work / "photos"
        photos.mkdir()
        chosen = sorted(p for p in opts.photos.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for path in chosen[: opts.limit]:
            shutil.copy(path, photos / path.name)
        n = len(list(photos.iterdir()))
        start = time.monotonic()
        full = _scan(photos, work / "full", work / "full.db", opts.jobs)
        full.communicate()
        full_s = time.monotonic() - start
        run = _scan(photos, work / "out", work / "c.db", opts.jobs)
        time.sleep(opts.at * full_s)
        os.killpg(run.pid, signal.SIGINT)
        run.communicate(timeout=300)
        time.sleep(3)
        left = len(alive_in_session(run.pid))
        kept = journaled(work / "out")
        rerun = _scan(photos, work / "out", work / "c.db", opts.jobs)
        rerun.communicate()
        same = _records(work / "out") == _records(work / "full")
    print(f"`python scripts/interruptbench.py {opts.photos} --at {opts.at} --jobs {opts.jobs}`")
    print()
    print(
        "| photos | full run s | Ctrl-C at s | exit | kept for the rerun | processes left |"
        " resumed = uninterrupted |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {n} | {full_s:.1f} | {opts.at * full_s:.1f} | {run.returncode} | {kept}/{n} "
        f"| {left} | {'yes' if same else 'no'} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
