"""Several processes scanning the same people into one store at once: time and correctness.

Usage::

    python scripts/teambench.py [--db URL] [--procs 1 4] [--people 200]

Each process stores one card per invented person (the same name and e-mail in every
process, plus a website only that process saw), all processes released at the same
moment, through :meth:`cardscan.book.ingest.Ingester.add_card`, the path ``scan`` takes.
Without ``--db`` a fresh SQLite file is used; give a PostgreSQL URL (an empty database or
schema: every table is emptied first) to run on a server. Reported per process count:
seconds until the last process finished, cards per second, live contacts (must equal
the people), people doubled, and values lost (websites missing from the merged
contact). Markdown on stdout.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from cardscan.book.store import open_store

WORKER = """
import hashlib, sys, time
from pathlib import Path
from cardscan.book.ingest import Ingester
from cardscan.book.store import open_store
from cardscan.models import CardResult, Contact, Field
from teambench import names

url, n, people, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
store = open_store(url, user=f"scanner-{n}")
ingester = Ingester(store)
while not go.exists():
    time.sleep(0.002)
for p, name in enumerate(names(people)):
    local = name.lower().replace(" ", ".")
    contact = Contact(
        name=Field(name, 0.95, "card"),
        emails=(Field(f"{local}@example.com", 0.95, "card"),),
        websites=(Field(f"person{p}-{n}.example", 0.9, "card"),),
    )
    sha = hashlib.sha256(f"{p}/{n}".encode()).hexdigest()
    ingester.add_card(CardResult(f"photos/{p}-{n}.jpg", contact=contact), sha)
store.close()
"""


def names(count: int) -> list[str]:
    """``count`` invented people (Faker, fixed seed), no name twice."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(14)
    found: dict[str, None] = {}
    while len(found) < count:
        found[f"{fake.first_name()} {fake.last_name()}"] = None
    return list(found)


def empty(url: str) -> None:
    """Make the store and empty every table (a fresh run on a server)."""
    with open_store(url) as store, store.transaction():
        from cardscan.book.store.schema import metadata

        for table in reversed(metadata.sorted_tables):
            store._q(f"DELETE FROM {table.name}")


def run(url: str, procs: int, people: int, folder: Path) -> dict[str, float]:
    empty(url)
    go = folder / f"go-{procs}"
    code = textwrap.dedent(WORKER)
    here = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": f"{here.parent}{os.pathsep}{here}"}
    workers = [
        subprocess.Popen([sys.executable, "-c", code, url, str(n), str(people), str(go)], env=env)
        for n in range(procs)
    ]
    time.sleep(2.0)  # every worker has imported cardscan and opened the store
    start = time.perf_counter()
    go.touch()
    codes = [w.wait() for w in workers]
    seconds = time.perf_counter() - start
    if any(codes):
        raise SystemExit(f"a worker failed: exit codes {codes}")
    with open_store(url) as store:
        live = store.contacts()
        seen = [c.name for c in live]
        doubled = len(seen) - len(set(seen))
        lost = 0
        index = {name: p for p, name in enumerate(names(people))}
        for c in live:
            p = index[c.name or ""]
            want = {f"person{p}-{n}.example" for n in range(procs)}
            lost += len(want - {v.value for v in c.of_kind("website")})
    return {
        "seconds": seconds,
        "cards": procs * people,
        "live": len(live),
        "doubled": doubled,
        "lost": lost,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="store URL (default: a fresh SQLite file)")
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--people", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or str(Path(tmp) / "team.db")
        backend = "postgresql" if url.startswith("postgres") else "sqlite"
        print(f"backend: {backend}; {args.people} people; load {os.getloadavg()[0]:.1f}\n")
        print("| processes | cards | seconds | cards/s | live contacts | doubled | values lost |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for procs in args.procs:
            r = run(url, procs, args.people, Path(tmp))
            print(
                f"| {procs} | {r['cards']} | {r['seconds']:.1f} | {r['cards'] / r['seconds']:.0f}"
                f" | {r['live']} | {r['doubled']} | {r['lost']} |"
            )


if __name__ == "__main__":
    main()
