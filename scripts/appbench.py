#!/usr/bin/env python3
"""Time the review app on a store of invented contacts: the queue, the next card, its image.

    python scripts/appbench.py --contacts 500

Builds a private temporary store of N invented people (Faker), each read from a card (a
third with a doubtful e-mail, some duplicate pairs), whose photos are the generated
samples/; serves the app on a free loopback port and times real HTTP requests, as the
browser makes them. Prints a Markdown table; nothing is asserted (targets are in the
README: queue under 1 s, next card under 150 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from faker import Faker

from cardscan.book.ingest import Ingester
from cardscan.book.store import Store, open_store
from cardscan.config import Settings
from cardscan.models import CardResult, Contact, Field, Phone, PhoneType
from cardscan.web.app import AppState

ROOT = Path(__file__).resolve().parent.parent


def build(store: Store, n: int, seed: int) -> None:
    fake = Faker("en_US")
    Faker.seed(seed)
    rng = random.Random(seed)
    photos = sorted((ROOT / "samples").glob("*.jpg"))
    ingester = Ingester(store)
    with store.transaction():
        for i in range(n):
            first, last = fake.first_name(), fake.last_name()
            company = fake.company()
            domain = "".join(ch for ch in company.lower() if ch.isalnum())[:14] + ".example"
            contact = Contact(
                name=Field(f"{first} {last}", rng.uniform(0.7, 1.0)),
                given_name=first,
                family_name=last,
                title=Field(fake.job(), rng.uniform(0.5, 1.0)),
                company=Field(company, rng.uniform(0.6, 1.0)),
                emails=(Field(f"{first}.{last}@{domain}".lower(), rng.choice((0.4, 0.9, 0.95))),),
                phones=(
                    Field(
                        Phone(f"+1 415 555 {i:04d}", f"+1415555{i:04d}", PhoneType.WORK, True),
                        0.9,
                    ),
                ),
            )
            result = CardResult(str(photos[i % len(photos)]), contact=contact)
            ingester.add_card(result, f"bench-{seed}-{i}")
    ids = store.contact_ids()
    for a, b in zip(ids[::25], ids[1::25], strict=False):
        store.queue_review(a, b, 0.7, ["bench pair"])


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.0f} ms (max {max(seconds) * 1000:.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--cards", type=int, default=20, help="cards opened one after another")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from webserver import running  # type: ignore[import-not-found]  # tests/, on sys.path

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.db") as store:
        t = time.perf_counter()
        build(store, args.contacts, args.seed)
        built = time.perf_counter() - t
        with running(AppState(store, "bench", Settings())) as app:
            queue = []
            for _ in range(5):
                t = time.perf_counter()
                status, _h, body = app.request("GET", "/")
                queue.append(time.perf_counter() - t)
                assert status == 200, body[:200]
            order = [int(x.split('"')[0]) for x in body.decode().split('data-href="/card/')[1:]]
            cards, images, nexts = [], [], []
            for contact_id in order[: args.cards]:
                t = time.perf_counter()
                status, _h, page = app.request("GET", f"/card/{contact_id}")
                cards.append(time.perf_counter() - t)
                card_id = int(page.decode().split('src="/img/card/')[1].split(".jpg")[0])
                t = time.perf_counter()
                status, _h, _img = app.request("GET", f"/img/card/{card_id}.jpg")
                images.append(time.perf_counter() - t)
            # As a person works: accept the card (one key), the next one opens.
            contact_id = order[0]
            for _ in range(args.cards):
                t = time.perf_counter()
                reply = app.json("POST", f"/api/contact/{contact_id}/edit", {"accept": True})
                status, _h, page = app.request("GET", reply["next"])  # "/card/ID"
                nexts.append(time.perf_counter() - t)
                contact_id = int(reply["next"].rsplit("/", 1)[1])
    print(f"Review app, {args.contacts} contacts with cards (store built in {built:.1f} s):\n")
    print("| step | median (max) | target |")
    print("|---|---|---|")
    first = f"{queue[0] * 1000:.0f} ms first, then {ms(queue[1:])}"
    print(f"| open the queue (`GET /`) | {first} | < 1 s |")
    print(f"| open a card (`GET /card/ID`) | {ms(cards)} | < 150 ms |")
    print(f"| accept it and open the next (`a`: POST, then GET) | {ms(nexts)} | < 150 ms |")
    print(f"| its straightened image, asked right after the page | {ms(images)} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
