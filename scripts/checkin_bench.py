"""Time event check-in at the door: one card photo at a time, after start-up.

Builds a throwaway store with an event whose roster holds about two thirds of the people
on the cards in FOLDER (from their ``*.expected.json``), then checks every photo in, one
by one, as a door would: read the card (OCR), find the attendee, mark the arrival. Prints
the time per card (total, and the store's share) and whether each person was recognised
as registered or added as a walk-in.

    python scripts/checkin_bench.py samples
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cardscan.book.events import check_in, create_event, import_roster
from cardscan.book.ingest import Ingester
from cardscan.book.store import now_iso, open_store
from cardscan.config import Settings
from cardscan.reading.ocr import check_tesseract
from cardscan.reading.pipeline import collect_images, process_image
from cardscan.run import file_digest


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="card photos with NAME.expected.json beside")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)

    photos, _ = collect_images([args.folder])
    truth = {}
    for p in photos:
        expected = p.with_suffix("").with_name(p.stem + ".expected.json")
        if expected.exists():
            truth[p] = json.loads(expected.read_text(encoding="utf-8"))
    if not truth:
        print(f"no *.expected.json beside the photos in {args.folder}", file=sys.stderr)
        return 2
    photos = [p for p in photos if p in truth]
    registered = {p for i, p in enumerate(photos) if i % 3 != 2}

    start = time.perf_counter()
    settings = Settings(region=args.region, jobs=1)
    info = check_tesseract(settings.tesseract_cmd, settings.lang)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "contacts.db")
        ingester = Ingester(store)
        event = create_event(store, "Bench gala")
        roster = Path(tmp) / "roster.csv"
        with roster.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["Name", "Email", "Company"])
            for p in sorted(registered):
                rec = truth[p]
                writer.writerow([rec["name"], (rec["emails"] or [""])[0], rec["company"] or ""])
        import_roster(ingester, event, roster, region=args.region)
        startup = time.perf_counter() - start

        totals, store_part, cpu = [], [], []
        right = 0
        for p in photos:
            c0 = _cpu_seconds()
            t0 = time.perf_counter()
            results = process_image(p, settings, info)
            digest = file_digest(p) or ""
            t1 = time.perf_counter()
            status = "failed"
            for result in results:
                if result.ok:
                    done = check_in(
                        ingester, event, result.contact, "bench", now_iso(), card=(result, digest)
                    )
                    status = done.status
            t2 = time.perf_counter()
            cpu.append(_cpu_seconds() - c0)
            totals.append(t2 - t0)
            store_part.append(t2 - t1)
            want = "arrived" if p in registered else "walk-in"
            right += status == want
            line = f"{p.name:<32} {status:<8} (expected {want:<7}) {t2 - t0:5.2f} s"
            print(line, file=sys.stderr)
        stats = store.event_stats(event.id)
        store.close()

    print(f"start-up (Tesseract probe, store, roster of {len(registered)}): {startup:.2f} s\n")
    print(
        "| cards | mean s/card | median | max | CPU s/card (with Tesseract) | store share "
        "| recognised right | load average |"
    )
    print("|---|---|---|---|---|---|---|---|")
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"
    print(
        f"| {len(photos)} | {statistics.mean(totals):.2f} | {statistics.median(totals):.2f} | "
        f"{max(totals):.2f} | {statistics.mean(cpu):.2f} | "
        f"{statistics.mean(store_part) * 1000:.0f} ms | {right}/{len(photos)} | {load} |"
    )
    print(
        f"\nstats: registered {stats.registered}, arrived {stats.arrived}, walk-ins "
        f"{stats.walk_ins}, no-shows {stats.no_shows}, cards scanned {stats.cards_scanned}"
    )
    return 0


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the Tesseract runs).

    On a machine shared with other work, wall time says more about the neighbours than
    about cardscan; CPU time is what a card costs on an idle machine of this speed.
    """
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


if __name__ == "__main__":
    sys.exit(main())
