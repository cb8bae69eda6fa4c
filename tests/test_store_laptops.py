"""Two laptops on one store: issue 14's "nothing doubled or lost", through the real CLI.

The organiser loads the registration list; then two processes, each under another OS user
name (``USER``/``LOGNAME``, what the audit log records), run the same evening at the same
time against one store: both scan the same card photos (real Tesseract) into the event,
one imports its own list of the same invented people with their phones, both check the
same people in at the door, and both plan the follow-up. Afterwards every person is
one contact with every value, one arrival each, one plan (no task twice), and the audit
log names both users. Runs on SQLite and, where a server is available, on PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import SAMPLES, sql

from cardscan.book.store import open_store

pytestmark = pytest.mark.tesseract

#: Invented people on the imported list; the second laptop's file also knows their phones.
PEOPLE = [
    ("Maren Oyelaran", "maren@oyelaran.example", "+1 415 555 0161"),
    ("Tobias Ferreira-Lind", "tobias@ferreira-lind.example", "+1 415 555 0162"),
    ("Ilka Santangelo", "ilka@santangelo.example", "+1 415 555 0163"),
    ("Wendel Abara", "wendel@abara.example", "+1 415 555 0164"),
]
PHOTOS = ("us-classic-01.jpg", "de-band-22.jpg", "au-band-10.jpg")


def _write_list(path: Path, with_phones: bool) -> Path:
    rows = [["Name", "Email", *(["Phone"] if with_phones else [])]]
    rows += [[name, email, *([phone] if with_phones else [])] for name, email, phone in PEOPLE]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _laptop_script(tmp: Path, who: str, db: str) -> list[list[str]]:
    """The commands one laptop runs during the evening, in order."""
    # Bob also brings his own list of the same people, with their phones.
    listing = _write_list(tmp / f"{who}.csv", with_phones=True)
    cmds = [["scan", str(tmp / "photos"), "--event", "Gala", "--out", str(tmp / f"out-{who}")]]
    if who == "bob":
        cmds.append(["import", str(listing), "--map", "Name=name,Email=email,Phone=phone"])
    cmds += [["checkin", "Gala", "--name", name] for name, _e, _p in PEOPLE]
    cmds.append(["followup", "--event", "Gala", "--out", str(tmp / f"plan-{who}")])
    return [[*c, "--db", db] for c in cmds]


def test_two_laptops_share_one_store_nothing_doubled_or_lost(db_url: str, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in PHOTOS:
        if not (SAMPLES / name).is_file():
            pytest.skip(f"samples/{name} is missing")
        shutil.copy(SAMPLES / name, photos / name)
    with open_store(db_url) as s:
        s.create_event("Gala", "2026-11-18", None)
    # Before the doors open, the organiser loads the registration list (no phones on it).
    roster = _write_list(tmp_path / "roster.csv", with_phones=False)
    loaded = subprocess.run(
        [sys.executable, "-m", "cardscan", "event", "roster", "Gala", str(roster), "--db", db_url],
        capture_output=True,
        text=True,
        env={**os.environ, "USER": "alice", "LOGNAME": "alice"},
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    go = tmp_path / "go"
    driver = (
        "import subprocess, sys, time, pathlib\n"
        "go = pathlib.Path(sys.argv[1])\n"
        "while not go.exists(): time.sleep(0.01)\n"
        "import json\n"
        "for cmd in json.loads(sys.argv[2]):\n"
        "    r = subprocess.run([sys.executable, '-m', 'cardscan', *cmd], capture_output=True,"
        " text=True)\n"
        "    if r.returncode not in (0, 6):\n"
        "        sys.exit(f'{cmd}: exit {r.returncode}\\n{r.stdout}\\n{r.stderr}')\n"
    )
    procs = []
    for who in ("alice", "bob"):
        env = {
            **os.environ,
            "USER": who,
            "LOGNAME": who,
            "CARDSCAN_ENGINE": "tesseract",
            "CARDSCAN_REGION": "US",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        env.pop("CARDSCAN_USER", None)
        script = _laptop_script(tmp_path, who, db_url)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", driver, str(go), json.dumps(script)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    time.sleep(0.5)
    go.touch()
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]

    with open_store(db_url) as s:
        live = s.contacts()
        names = Counter(c.name for c in live)
        doubled = {n: k for n, k in names.items() if k > 1}
        assert not doubled, f"doubled: {doubled}"
        by_name = {c.name: c for c in live}
        for name, email, phone in PEOPLE:
            person = by_name[name]
            assert {v.value for v in person.of_kind("email")} == {email}
            # Only bob's list had the phones: his values were added, none lost.
            digits = "".join(ch for ch in phone if ch.isdigit())
            assert any(v.value.endswith(digits[-7:]) for v in person.of_kind("phone")), name
        # Each photo's card read once, by whichever laptop came first.
        assert s.count_cards() == len(PHOTOS)
        event = s.event("Gala")
        arrivals = Counter(a.contact_id for a in s.attendees(event.id) if a.arrived_at)
        assert sorted(arrivals.values()) == [1] * len(arrivals)
        assert {by_name[name].id for name, _e, _p in PEOPLE} <= set(arrivals)
        # One plan: planning twice at the same time makes no task twice.
        tasks = Counter((t.contact_id, t.kind, t.due) for t in s.tasks(status=None))
        assert tasks and max(tasks.values()) == 1, tasks.most_common(3)
        # Both users are on record: the audit log and the runs name who did what.
        assert {r[0] for r in sql(s, "SELECT who FROM runs")} == {"alice", "bob"}
        assert {e.who for e in s.audit_entries(limit=1000)} <= {"alice", "bob"}
