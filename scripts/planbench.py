#!/usr/bin/env python3
"""Time the follow-up plan, the exports and the report on a store of invented contacts.

    python scripts/planbench.py --contacts 2000

Builds a private temporary store: N invented people (Faker) whose cards were scanned at
one event, with a realistic spread of tags (hot, warm, later, needs:ROLE, no-followup,
opt-in), notes and job titles, and a roster with no-shows; then times each step and prints
a Markdown table. Nothing here is asserted: targets live in the README, figures here.
"""

from __future__ import annotations

import argparse
import functools
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faker import Faker

from cardscan.book.entries import select_entries
from cardscan.book.events import create_event
from cardscan.book.ingest import Ingester
from cardscan.book.store import Store, open_store
from cardscan.models import CardResult, Contact, Field, Phone, PhoneType
from cardscan.outputs.export import EXPORT_FORMATS, export_entries
from cardscan.outputs.followup import (
    complete_task,
    plan_markdown,
    refresh_plan,
    tasks_csv,
    tasks_ics,
)
from cardscan.outputs.report import render_report

TITLES = (
    "Founder",
    "CPA, Partner",
    "Tax Advisor",
    "Attorney at Law",
    "UX Designer",
    "Software Engineer",
    "Angel Investor",
    "Head of Marketing",
    "Recruiter",
    "Sales Director",
    "Photographer",
    "Operations Manager",
)
NEEDS = ("accountant", "lawyer", "designer", "investor", "developer", "recruiter")


def build(store: Store, n: int, seed: int) -> None:
    fake = Faker("en_US")
    Faker.seed(seed)
    rng = random.Random(seed)
    event = create_event(store, "Bench mixer", "2026-11-18", "Hall 1")
    ingester = Ingester(store)
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        domain = f"{fake.domain_word()}{i}.example"
        contact = Contact(
            name=Field(f"{first} {last}", 0.9),
            given_name=first,
            family_name=last,
            title=Field(rng.choice(TITLES), rng.choice((0.9, 0.9, 0.9, 0.4))),
            company=Field(fake.company(), 0.9),
            emails=(Field(f"{first}.{last}@{domain}".lower(), 0.95),),
            phones=(
                Field(
                    Phone("+1 202 555 0100", f"+1202555{i % 10000:04d}", PhoneType.WORK, True), 0.9
                ),
            ),
        )
        tags = []
        roll = rng.random()
        if roll < 0.05:
            tags.append("hot")
        elif roll < 0.15:
            tags.append("warm")
        elif roll < 0.20:
            tags.append("later")
        if rng.random() < 0.02:
            tags.append(f"needs:{rng.choice(NEEDS)}")
        if rng.random() < 0.01:
            tags.append("no-followup")
        if rng.random() < 0.3:
            tags.append("opt-in")
        note = fake.sentence(nb_words=6) if rng.random() < 0.3 else None
        result = CardResult(f"bench/{i}.jpg", contact=contact)
        ingester.add_photo([result], f"{i:064x}", event_id=event.id, note=note, tags=tags)


def timed(rows: list[tuple[str, float, str]], label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = fn()
    rows.append((label, time.perf_counter() - start, ""))
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows: list[tuple[str, float, str]] = []
    today = date(2026, 11, 20)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        timed(
            rows,
            f"store {args.contacts} scanned cards (matching included)",
            lambda: build(store, args.contacts, args.seed),
        )
        plan = timed(
            rows, "followup: first plan (creates tasks)", lambda: refresh_plan(store, today, top=50)
        )
        rows[-1] = (rows[-1][0], rows[-1][1], f"{len(plan.tasks)} tasks, {len(plan.checks)} checks")
        again = timed(rows, "followup: again, nothing new", lambda: refresh_plan(store, today))
        rows[-1] = (rows[-1][0], rows[-1][1], f"{len(again.new)} new")
        timed(
            rows,
            "followup.md + tasks.csv + followup.ics",
            lambda: (plan_markdown(plan), tasks_csv(plan), tasks_ics(plan)),
        )
        ids = [t.id for t in plan.tasks[:200]]
        timed(rows, f"task done x{len(ids)}", lambda: [complete_task(store, i, today) for i in ids])
        entries = timed(
            rows, "select every contact (exports, report)", lambda: select_entries(store)
        )
        for fmt in EXPORT_FORMATS:
            buffer = io.BytesIO()
            timed(
                rows,
                f"export --format {fmt}",
                functools.partial(export_entries, entries, fmt, buffer),
            )
            rows[-1] = (rows[-1][0], rows[-1][1], f"{len(buffer.getvalue()) // 1024} KiB")
        html = timed(
            rows,
            "report (no photos)",
            lambda: render_report(entries, plan, title="Bench", threshold=0.6, generated="bench"),
        )
        rows[-1] = (rows[-1][0], rows[-1][1], f"{len(html) // 1024} KiB")
        store.close()
    print(f"| step ({args.contacts} contacts) | seconds | ms per contact | |")
    print("|---|---|---|---|")
    for label, secs, extra in rows:
        print(f"| {label} | {secs:.2f} | {1000 * secs / args.contacts:.2f} | {extra} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
