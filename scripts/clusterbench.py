"""`cardscan scan --cluster local` against `--jobs N` on the same generated photos.

Usage::

    python scripts/clusterbench.py [--n 1000] [--workers 2] [--cache DIR] [--seed 7]

Generates N invented card photos once (scripts/make_samples.py's generator) into a cache
folder, then runs the real command line on them twice, each into a fresh output folder
and store: ``--jobs W`` (this machine's process pool) and ``--cluster local --jobs W``
(a Dask LocalCluster of W single-threaded workers, each photo sent to it as bytes).
Prints a Markdown table: wall time (the whole command: start, reading, journal, store,
outputs, cluster stop), photos/s, the cluster's overhead over the pool, and the parent
process's peak RSS (VmHWM, the scheduler and the nannies of a LocalCluster included:
they live in it) when 10%, 50% and 100% of the photos are journaled, to show the
parent's memory flat in the number of photos, and the parent's CPU seconds (what the
scheduler and the client take from the workers on a shared machine). The load average
is printed with it: the runs share the cores with whatever else runs. The issue's yardstick
(issue 14): overhead at most 10% on 1,000 photos with 2 workers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))
sys.path.insert(0, str(_REPO / "scripts"))

from cardscan.run import JOURNAL_NAME  # noqa: E402

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "cardscan-clusterbench"


def photos(cache: Path, n: int, seed: int) -> Path:
    """A folder of the first ``n`` samples for ``seed``, generated once and kept."""
    import make_samples

    root = cache / f"seed{seed}"
    root.mkdir(parents=True, exist_ok=True)
    index = root / "index.txt"
    lines = index.read_text().splitlines() if index.exists() else []
    names = [line for line in lines if line != "-"]
    if len(names) < n:
        print(f"generating {n - len(names)} photos into {root} (once)…", file=sys.stderr)
        with index.open("a") as f:
            i = len(lines)  # each line an index of the generator, "-" where it gave none
            while len(names) < n:
                try:
                    name = make_samples.make_sample(root / "all", i, seed).image.name
                    names.append(name)
                except (UnboundLocalError, ValueError):
                    # make_sample gives up on a person no layout fits: take the next.
                    name = "-"
                f.write(name + "\n")
                f.flush()
                i += 1
    chosen = root / f"first{n}"
    if not chosen.exists():
        tmp = root / f".first{n}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name in names[:n]:
            (tmp / name).symlink_to(root / "all" / name)
        tmp.rename(chosen)
    return chosen


def _journaled(out: Path) -> int:
    path = out / JOURNAL_NAME
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(folder: Path, n: int, workers: int, cluster: bool) -> dict[str, object]:
    """One timed `cardscan scan`, with the parent's peak RSS at 10%, 50% and 100%."""
    with tempfile.TemporaryDirectory(prefix="clusterbench-") as tmp:
        out, db = Path(tmp) / "out", Path(tmp) / "c.db"
        args = ["scan", str(folder), "--out", str(out), "--db", str(db), "-q"]
        args += ["--jobs", str(workers)] + (["--cluster", "local"] if cluster else [])
        marks = {max(1, n // 10): None, max(1, n // 2): None, n: None}
        load = os.getloadavg()[0]
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cardscan", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        peak: dict[int, float | None] = dict(marks)
        cpu = 0.0
        while proc.poll() is None:
            done = _journaled(out)
            rss = _peak_rss_mib(proc.pid)
            cpu = _cpu_seconds(proc.pid) or cpu
            for mark in peak:
                if peak[mark] is None and done >= mark and rss is not None:
                    peak[mark] = rss
            time.sleep(0.1)
        wall = time.perf_counter() - start
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode not in (0, 6):
            raise SystemExit(f"cardscan {' '.join(args)} failed ({proc.returncode}):\n{err}")
        return {
            "mode": f"--cluster local --jobs {workers}" if cluster else f"--jobs {workers}",
            "photos": _journaled(out),
            "wall": wall,
            "peak": peak,
            "load": (load + os.getloadavg()[0]) / 2,
            "cpu": cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="photos (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="workers and --jobs (default 2)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where photos are kept")
    a = parser.parse_args()
    folder = photos(a.cache, a.n, a.seed)
    rows = [run(folder, a.n, a.workers, cluster) for cluster in (False, True)]
    base = float(rows[0]["wall"])  # type: ignore[arg-type]
    marks = list(rows[0]["peak"])  # type: ignore[call-overload]
    print(f"{a.n} generated photos (seed {a.seed}), {os.cpu_count()} cores")
    print()
    head = " | ".join(f"peak RSS at {m} (MiB)" for m in marks)
    print(f"| mode | wall (s) | photos/s | overhead | parent CPU (s) | {head} | load avg |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(marks) + "---:|")
    for row in rows:
        wall = float(row["wall"])  # type: ignore[arg-type]
        peaks = row["peak"]
        assert isinstance(peaks, dict)
        cells = " | ".join("–" if peaks[m] is None else f"{peaks[m]:.0f}" for m in marks)
        overhead = "" if row is rows[0] else f"{100 * (wall - base) / base:+.1f}%"
        print(
            f"| {row['mode']} | {wall:.1f} | {a.n / wall:.2f} | {overhead} | {row['cpu']:.0f} | "
            f"{cells} | "
            f"{row['load']:.2f} |"
        )


if __name__ == "__main__":
    main()
