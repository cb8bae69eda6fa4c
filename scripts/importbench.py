"""Time ``cardscan import`` of CSV files whose rows share a name, as a CRM export can.

Usage::

    python scripts/importbench.py [--rows 1000 2000 10000] [--keep DIR]

Each size writes a CSV of invented people "Big Person0", "Big Person1", … (one e-mail each)
and imports it with :func:`cardscan.book.ingest.import_contacts` into a fresh store, the
path ``cardscan import`` takes. Every row shares its given name and the sound of its family
name with every other, so the name blocking keys are as common as they get: the time per
row must stay flat as the file grows (a shared key must never turn a row into a scan of
all earlier rows). Reported per size: seconds, rows per second, the most stored contacts a
row was compared with, and the store's size with its write-ahead log. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from cardscan.book.ingest import Ingester, import_contacts
from cardscan.book.store import open_store


def write_rows(path: Path, rows: int) -> None:
    """A Google-style CSV of ``rows`` people who share a name but for a number."""
    lines = ["Name,E-mail 1 - Value,Organization Name"]
    lines += [f"Big Person{i},big.person{i}@example.com,Bigco" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def one_size(folder: Path, rows: int) -> dict[str, float]:
    csv_path = folder / f"big{rows}.csv"
    db = folder / f"big{rows}.db"
    write_rows(csv_path, rows)
    with open_store(db) as store:
        ingester = Ingester(store)
        start = time.perf_counter()
        done = import_contacts(ingester, csv_path)
        seconds = time.perf_counter() - start
    wal = Path(str(db) + "-wal")
    size = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    assert len(done.outcomes) == rows
    return {
        "rows": rows,
        "seconds": seconds,
        "per_second": rows / seconds,
        "most_compared": ingester.most_compared,
        "mb": size / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1000, 2000, 10000])
    ap.add_argument("--keep", type=Path, help="write the CSVs and stores here (default: temp)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"Import of rows sharing a name ({platform.python_version()}, {platform.machine()})")
        print()
        print("| rows | seconds | rows/s | most compared per row | store + WAL (MB) |")
        print("|---:|---:|---:|---:|---:|")
        for rows in args.rows:
            r = one_size(folder, rows)
            print(
                f"| {rows} | {r['seconds']:.1f} | {r['per_second']:.0f} |"
                f" {r['most_compared']:.0f} | {r['mb']:.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
