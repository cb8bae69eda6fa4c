"""Events: roster import (broken rows by line), check-in by card/name/e-mail, walk-ins, stats."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store import contact

from cardscan.book.events import check_in, contact_from, create_event, event_stats, import_roster
from cardscan.book.ingest import Ingester
from cardscan.book.store import Event, Store, open_store
from cardscan.errors import StoreError
from cardscan.models import CardResult

AT = "2026-05-14T17:58:00+00:00"
LATER = "2026-05-14T18:20:00+00:00"

ROSTER = (
    "Name,Email,Company\n"
    "Ada Quill,ada@northwind.example,Northwind\n"
    'Bo Lindqvist,bo@eastgate.example,"Eastgate\n'  # unbalanced quote: lines 3-4 broken
    "\n"
    "Cy Okafor,cy@okafor.example,Okafor & Sons\n"
    ",,\n"
    "Dee Marsh,dee@marsh.example,Marsh Ltd,extra,cells\n"
    "Eli Brandt,eli@brandt.example,Brandt GmbH\n"
)


@pytest.fixture
def store(db_url: str) -> Store:
    """A store on each database (SQLite, PostgreSQL)."""
    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture
def event(store: Store) -> Event:
    return create_event(store, "Harbour mixer", "2026-05-14", "Pier 4")


def roster_file(tmp_path: Path, text: str = ROSTER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_event_needs_a_name(store: Store) -> None:
    with pytest.raises(StoreError, match="needs a name"):
        create_event(store, "  ")


def test_roster_reports_broken_rows_by_line_and_imports_the_rest(
    store: Store, event: Event, tmp_path: Path
) -> None:
    ing = Ingester(store)
    # Someone already known from a CRM: the roster line merges into them.
    known = ing.add(contact("Eli Brandt", title="Buyer", emails=("eli@brandt.example",)), "crm")
    done = import_roster(ing, event, roster_file(tmp_path))
    assert [e.line for e in done.errors] == [3, 7]
    names = {store.contact(a.contact_id).name for a in store.attendees(event.id)}
    assert names == {"Ada Quill", "Cy Okafor", "Eli Brandt"}
    assert done.registered == 3
    assert done.tally.merged == 1
    eli = store.contact(known.contact_id)
    assert eli.title == "Buyer" and eli.company == "Brandt GmbH"
    assert store.attendance(event.id, known.contact_id) is not None
    # Importing the same list again registers nobody twice.
    again = import_roster(ing, event, roster_file(tmp_path))
    assert again.registered == 0 and again.already == done.registered
    assert event_stats(store, event).registered == done.registered


def test_check_in_flow_from_roster_to_stats(store: Store, event: Event, tmp_path: Path) -> None:
    ing = Ingester(store)
    import_roster(ing, event, roster_file(tmp_path))
    registered = event_stats(store, event).registered

    # A card photo of a registered attendee.
    ada_card = CardResult(
        "door/1.jpg",
        contact=contact("Ada Quill", company="Northwind", emails=("ada@northwind.example",)),
    )
    first = check_in(ing, event, ada_card.contact, "door", AT, card=(ada_card, "1" * 64))
    assert (first.status, first.label, first.arrived_at) == ("arrived", "Ada Quill", AT)
    # The same photo again, later: already in, at the first time; nothing doubled.
    again = check_in(ing, event, ada_card.contact, "door", LATER, card=(ada_card, "1" * 64))
    assert (again.status, again.arrived_at, again.contact_id) == ("already", AT, first.contact_id)

    by_email = check_in(ing, event, contact_from(None, "CY@okafor.example"), "typed", AT)
    assert by_email.status == "arrived" and by_email.label == "Cy Okafor"
    by_name = check_in(ing, event, contact_from("eli  brandt", None), "typed", LATER)
    assert by_name.status == "arrived" and by_name.label == "Eli Brandt"

    walk_in = check_in(ing, event, contact_from("Fen Harrow", "fen@harrow.example"), "typed", LATER)
    assert walk_in.status == "walk-in"
    stats = event_stats(store, event)
    # Everyone checked in arrived, the walk-in too; no-shows are the registered who did not.
    assert (stats.registered, stats.arrived, stats.walk_ins) == (registered, 4, 1)
    assert stats.no_shows == registered - 3
    assert stats.cards_scanned == 1


def test_two_registered_namesakes_need_an_email(store: Store, event: Event) -> None:
    ing = Ingester(store)
    for email in ("ada@one.example", "ada@two.example"):
        person = store.add_contact(contact("Ada Quill", emails=(email,)), "roster")
        store.register(event.id, person, "roster")
    with pytest.raises(StoreError, match="2 people named") as info:
        check_in(ing, event, contact_from("Ada Quill", None), "typed", AT)
    assert "--email" in (info.value.hint or "")
    done = check_in(ing, event, contact_from(None, "ada@two.example"), "typed", AT)
    assert done.status == "arrived"


def test_an_uncertain_card_checks_in_the_attendee_and_asks_for_review(
    store: Store, event: Event
) -> None:
    ing = Ingester(store)
    person = store.add_contact(
        contact("Robert Fenwick", company="Acme Inc"),
        "roster",
        keys=set(),
    )
    from cardscan.book.ingest import keys_of

    store.set_keys(person, keys_of(store.contact(person)))
    store.register(event.id, person, "roster")
    card = CardResult("door/2.jpg", contact=contact("Bob Fenwick", company="Globex"))
    done = check_in(ing, event, card.contact, "door", AT, card=(card, "2" * 64))
    assert done.contact_id == person and done.status == "arrived" and done.uncertain
    assert len(store.reviews()) == 1


def test_a_wrong_check_in_can_be_undone(store: Store, event: Event) -> None:
    ing = Ingester(store)
    person = store.add_contact(contact("Ada Quill", emails=("ada@x.example",)), "roster")
    store.register(event.id, person, "roster")
    check_in(ing, event, contact_from(None, "ada@x.example"), "typed", AT)
    (entry,) = [e for e in store.audit_entries() if e.action == "checkin"]
    store.undo(entry.id)
    attendance = store.attendance(event.id, person)
    assert attendance is not None and attendance.arrived_at is None
    assert event_stats(store, event).arrived == 0


def test_a_card_check_in_that_merged_can_be_undone_step_by_step(store: Store, event: Event) -> None:
    ing = Ingester(store)
    registered = ing.add(
        contact("Ada Quill", company="Northwind", emails=("ada@northwind.example",)), "roster"
    )
    store.register(event.id, registered.contact_id, "roster")
    card = CardResult(
        "door/1.jpg",
        contact=contact("Ada Quill", title="CTO", emails=("ada@northwind.example",)),
    )
    done = check_in(ing, event, card.contact, "door", AT, card=(card, "1" * 64))
    assert done.status == "arrived" and done.outcome is not None
    merge_id = done.outcome.merge_id
    assert merge_id is not None
    (checkin,) = [e for e in store.audit_entries() if e.action == "checkin"]
    store.undo(checkin.id)
    store.undo(merge_id)
    ing.forget()
    card_contact = store.contact(done.outcome.created)
    assert card_contact.merged_into is None and card_contact.title == "CTO"
    assert [e.name for e in store.met_at(card_contact.id)] == ["Harbour mixer"]
    stats = event_stats(store, event)
    assert (stats.registered, stats.arrived, stats.cards_scanned) == (1, 0, 1)


def test_a_walk_in_typed_again_by_name_is_found_not_added_twice(store: Store, event: Event) -> None:
    ing = Ingester(store)
    first = check_in(ing, event, contact_from("Oona Brightwater", None), "door", AT)
    assert first.status == "walk-in"
    # The same name typed again (at this desk or the other one): the walk-in who came.
    again = check_in(ing, event, contact_from("oona brightwater", None), "door", LATER)
    assert (again.status, again.contact_id) == ("already", first.contact_id)
    assert [c.name for c in store.contacts()] == ["Oona Brightwater"]
