"""Ingest: match against the store, then add, merge (no value lost) or queue for review."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from faker import Faker
from test_store import contact, dump

from cardscan.book import ingest
from cardscan.book.ingest import Ingester, Tally, import_contacts
from cardscan.book.match import Decision
from cardscan.book.store import Store, open_store
from cardscan.models import CardResult, CardStatus

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture
def store(db_url: str) -> Store:
    """A store on each database (SQLite, PostgreSQL)."""
    s = open_store(db_url)
    yield s
    s.close()


def card(c, source: str = "mixer/1.jpg", index: int = 0) -> CardResult:
    return CardResult(source, card=index, contact=c)


def test_new_same_and_review_decisions(store: Store) -> None:
    ing = Ingester(store)
    first = ing.add(
        contact(
            "Ada Quill",
            title="Analyst",
            company="Brightwater Ltd",
            emails=("ada.quill@brightwater.example",),
            phones=("+12025550143",),
        ),
        "import:hubspot crm.csv",
    )
    assert first.decision is Decision.NEW and first.contact_id == first.created

    moved = ing.add(
        contact(
            "Ada Quill",
            title="Head of Research",
            company="Northwind Labs",
            emails=("ada.quill@northwind.example",),
            phones=("+12025550143", "+12025550177"),
        ),
        "card mixer/1.jpg",
    )
    assert moved.decision is Decision.SAME
    assert moved.contact_id == first.contact_id and moved.merge_id is not None
    assert any("phone same" in r for r in moved.reasons)
    merged = store.contact(first.contact_id)
    assert {v.value for v in merged.of_kind("email")} == {
        "ada.quill@brightwater.example",
        "ada.quill@northwind.example",
    }
    assert {v.value for v in merged.of_kind("phone")} == {"+12025550143", "+12025550177"}
    assert merged.company == "Northwind Labs"
    assert [h.describe()[:32] for h in merged.history] == ["was Analyst at Brightwater Ltd ("]

    namesake = ing.add(contact("Ada Quill", company="Globex Foods"), "card mixer/9.jpg")
    assert namesake.decision is Decision.REVIEW
    assert namesake.contact_id == namesake.created != first.contact_id
    assert [(r.a_id, r.b_id) for r in store.reviews()] == [(first.contact_id, namesake.created)]
    assert store.count_contacts() == 2

    tally = Tally().add(first).add(moved).add(namesake)
    assert (tally.new, tally.merged, tally.review) == (1, 1, 1)


def test_undoing_an_automatic_merge_gives_the_card_back_as_it_came(store: Store) -> None:
    ing = Ingester(store)
    ing.add(contact("Ada Quill", emails=("ada@brightwater.example",)), "crm")
    before = dump(store)
    moved = ing.add(
        contact("Ada Quill", title="CTO", emails=("ada@brightwater.example", "ada@home.example")),
        "card x.jpg",
    )
    assert moved.decision is Decision.SAME and moved.merge_id is not None
    store.undo(moved.merge_id)
    ing.forget()
    separate = store.contact(moved.created)
    assert separate.merged_into is None and separate.title == "CTO"
    assert {v.value for v in separate.of_kind("email")} == {
        "ada@brightwater.example",
        "ada@home.example",
    }
    original = store.contact(moved.matched)
    assert original.title is None and len(original.values) == 1
    after = dump(store)
    # Only what the card itself brought is new: its contact, values and keys.
    assert len(after["contacts"]) == len(before["contacts"]) + 1


def test_matching_compares_only_what_blocking_finds(store: Store, monkeypatch) -> None:
    fake = Faker()
    fake.seed_instance(4)
    ing = Ingester(store)
    people = [(fake.unique.name(), fake.unique.email()) for _ in range(300)]
    for name, email in people:
        ing.add(contact(name, emails=(email,)), "crm")
    assert store.count_contacts() == 300
    calls = []
    real = ingest.compare

    def counting(a, b):
        calls.append(b)
        return real(a, b)

    monkeypatch.setattr(ingest, "compare", counting)
    name, email = people[7]
    out = ing.add(contact(name, emails=(email,)), "card")
    assert out.decision is Decision.SAME and out.contact_id == 8
    assert 1 <= len(calls) <= 5  # of 300 stored


def test_a_card_read_again_adds_nothing(store: Store) -> None:
    ing = Ingester(store)
    ada = contact("Ada Quill", emails=("ada@example.org",))
    first = ing.add_photo([card(ada)], SHA_A, note="met at the bar", tags=["mixer"])
    before = dump(store)
    again = ing.add_photo(
        [card(ada, source="copy/of/1.jpg")], SHA_A, note="met at the bar", tags=["mixer"]
    )
    assert [o.seen_before for o in again] == [True]
    assert again[0].contact_id == first[0].contact_id
    assert dump(store) == before


def test_two_cards_in_one_photo_are_two_cards(store: Store) -> None:
    ing = Ingester(store)
    results = [
        card(contact("Ada Quill", emails=("ada@example.org",)), index=0),
        card(contact("Bo Lindqvist", emails=("bo@example.net",)), index=1),
        CardResult("mixer/1.jpg", card=2, status=CardStatus.FAILED, error="blurred"),
    ]
    outcomes = ing.add_photo(results, SHA_A)
    assert [o.decision for o in outcomes] == [Decision.NEW, Decision.NEW]
    assert store.count_cards() == 2 and store.count_contacts() == 2
    assert store.card_seen(SHA_A, 1) is not None
    # The failed card waits for a person in the review queue, with no contact.
    failed = store.card_seen(SHA_A, 2)
    assert failed is not None and failed.contact_id is None
    assert [(c.card, c.record["failure"]["error"]) for c in store.failed_cards()] == [
        (2, "blurred")
    ]


def _add_a_photo_whose_second_card_fails(
    ing: Ingester, store: Store, monkeypatch
) -> list[CardResult]:
    """Store a two-card photo while the disk fills up on its second card; its results."""
    real = store.add_card
    calls = []

    def fail_on_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "add_card", fail_on_second)
    results = [
        card(contact("Ada Quill", emails=("ada@example.org",)), index=0),
        card(contact("Bo Lindqvist", emails=("bo@example.net",)), index=1),
    ]
    with pytest.raises(OSError):
        ing.add_photo(results, SHA_B)
    return results


def test_a_photo_is_stored_whole_or_not_at_all(store: Store, monkeypatch) -> None:
    ing = Ingester(store)
    before = dump(store)
    real = store.add_card
    results = _add_a_photo_whose_second_card_fails(ing, store, monkeypatch)
    assert dump(store) == before
    monkeypatch.setattr(store, "add_card", real)
    # The ingester's cache forgot the rolled-back contacts: the retry stores both afresh.
    assert [o.decision for o in ing.add_photo(results, SHA_B)] == [Decision.NEW, Decision.NEW]


def test_a_scan_run_links_cards_to_the_event_with_note_and_tags(store: Store) -> None:
    ing = Ingester(store)
    event = store.create_event("Harbour mixer", "2026-05-14", None)
    out = ing.add_photo(
        [card(contact("Ada Quill", emails=("ada@example.org",)))],
        SHA_A,
        event_id=event.id,
        note="wants the tide report",
        tags=["harbour", "follow-up"],
    )
    stored = store.contact(out[0].contact_id)
    assert stored.notes == ("wants the tide report",)
    assert stored.tags == ("follow-up", "harbour")
    assert [e.name for e in store.met_at(stored.id)] == ["Harbour mixer"]
    assert store.event_stats(event.id).cards_scanned == 1


def test_importing_a_crm_export_merges_with_scanned_cards(store: Store, tmp_path: Path) -> None:
    ing = Ingester(store)
    ing.add_photo(
        [card(contact("Ada Quill", company="Northwind", emails=("ada@northwind.example",)))],
        SHA_A,
    )
    crm = tmp_path / "hubspot.csv"
    crm.write_text(
        "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title\n"
        "101,Ada,Quill,ada@northwind.example,+1 202 555 0143,Northwind,CTO\n"
        "102,Bo,Lindqvist,bo@example.net,,Eastgate,Buyer\n",
        encoding="utf-8",
    )
    done = import_contacts(ing, crm)
    assert done.format == "hubspot"
    assert (done.tally.new, done.tally.merged) == (1, 1)
    assert store.count_contacts() == 2
    (ada,) = [c for c in store.contacts() if c.name == "Ada Quill"]
    assert ada.title == "CTO"
    assert {v.value for v in ada.values} == {"ada@northwind.example", "+12025550143"}


def test_an_old_crm_export_does_not_overwrite_a_newer_card(store: Store, tmp_path: Path) -> None:
    ing = Ingester(store)
    ing.add_photo(
        [card(contact("Ada Quill", title="CTO", company="Northwind", emails=("ada@nw.example",)))],
        SHA_A,
    )
    crm = tmp_path / "hubspot.csv"
    crm.write_text(
        "Record ID,First Name,Last Name,Email,Company Name,Job Title\n"
        "101,Ada,Quill,ada@nw.example,Northwind,Analyst\n",
        encoding="utf-8",
    )
    os.utime(crm, (1_600_000_000, 1_600_000_000))  # exported in September 2020
    done = import_contacts(ing, crm)
    assert done.tally.merged == 1
    (ada,) = store.contacts(full=True)
    assert ada.title == "CTO"
    assert [(h.title, h.until[:4]) for h in ada.history] == [("Analyst", ada.seen_at[:4])]
    assert ada.history[0].source.startswith("import:hubspot")


def test_undoing_a_merge_gives_the_card_back_its_event_note_and_tags(store: Store) -> None:
    ing = Ingester(store)
    event = store.create_event("Harbour mixer", None, None)
    (first,) = ing.add_photo([card(contact("Ada Quill", emails=("ada@x.example",)))], SHA_A)
    (again,) = ing.add_photo(
        [card(contact("Ada Quill", title="CTO", emails=("ada@x.example",)), "mixer/2.jpg")],
        SHA_B,
        event_id=event.id,
        note="wants the tide report",
        tags=["hot"],
    )
    assert again.decision is Decision.SAME and again.merge_id is not None
    kept = store.contact(first.contact_id)
    assert kept.tags == ("hot",) and kept.notes == ("wants the tide report",)

    store.undo(again.merge_id)
    back, kept = store.contact(again.created), store.contact(first.contact_id)
    assert back.merged_into is None
    assert back.tags == ("hot",) and back.notes == ("wants the tide report",)
    assert [e.name for e in store.met_at(back.id)] == ["Harbour mixer"]
    assert kept.tags == () and kept.notes == () and store.met_at(kept.id) == []
    assert store.event_stats(event.id).cards_scanned == 1


def test_a_company_written_with_its_legal_form_is_not_a_job_change(store: Store) -> None:
    ing = Ingester(store)
    first = ing.add(
        contact("Ada Quill", title="Director", company="Orchardway", emails=("ada@x.example",)),
        "crm",
    )
    again = ing.add(
        contact(
            "Ada Quill", title="Director", company="Orchardway Pty Ltd", emails=("ada@x.example",)
        ),
        "card",
    )
    assert again.decision is Decision.SAME
    merged = store.contact(first.contact_id)
    assert merged.history == ()
    assert merged.company == "Orchardway"
    assert [(c.field, c.other) for c in merged.conflicts] == [("company", "Orchardway Pty Ltd")]


def test_the_lean_candidate_rows_give_the_same_profile_as_the_full_contact(
    store: Store,
) -> None:
    from cardscan.book.ingest import row_profile
    from cardscan.book.match import profile_of
    from cardscan.models import Field, Phone, PhoneType

    c = contact(
        "Ada Quill",
        title="CTO",
        company="Northwind Labs GmbH",
        emails=("Ada@Northwind.example", "ada@gmail.com"),
        websites=("https://www.northwind.example/",),
    )
    phones = (
        Field(Phone("+49 30 1234567", "+49301234567", PhoneType.WORK, True), 0.9),
        Field(Phone("+49 30 1234599", "+49301234599", PhoneType.FAX, True), 0.9),
        Field(Phone("030 99", None, PhoneType.MOBILE, False), 0.9),
    )
    c = dataclasses.replace(c, phones=phones)
    ident = store.add_contact(c, "card")
    (row,) = store.match_rows([ident])
    lean = row_profile(row)
    assert lean == profile_of(store.contact(ident).to_contact())
    assert lean.phones == ("+49301234567",) and lean.domains == ("northwind.example",)


def test_a_failed_photo_leaves_no_stale_profile_behind(store: Store, monkeypatch) -> None:
    ing = Ingester(store)
    real = store.add_card
    _add_a_photo_whose_second_card_fails(ing, store, monkeypatch)
    monkeypatch.setattr(store, "add_card", real)
    # The rolled-back Ada's id goes to someone else, stored without the ingester.
    other = store.add_contact(contact("Cy Okafor", emails=("cy@example.com",)), "crm")
    assert ing._profiles_of([other])[other].name == "Cy Okafor"
