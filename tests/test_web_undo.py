"""Failed photos under undo, the region a typed number is read in, the duplicates page.

Every store test here runs on SQLite and on PostgreSQL (``db_url``); no browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import dump
from webserver import running

from cardscan.book.corrections import (
    CorrectionError,
    Edit,
    Region,
    Typed,
    apply_edit,
    clean_phone,
    dismiss_failed,
    failed_card,
    photo_region,
    restore_failed,
    type_in,
)
from cardscan.book.ingest import Ingester
from cardscan.book.store import Store, open_store
from cardscan.cli import cli
from cardscan.config import Settings
from cardscan.errors import StoreError
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType
from cardscan.web import app as app_module
from cardscan.web.app import AppState
from cardscan.web.review import build_queue


def good(source: str, name: str, email: str, phone: str = "+14155550142") -> CardResult:
    return CardResult(
        source,
        contact=Contact(
            name=Field(name, 0.95),
            emails=(Field(email, 0.9),),
            phones=(Field(Phone(phone, phone, PhoneType.WORK, True), 0.9),),
        ),
    )


def bad(source: str) -> CardResult:
    return CardResult(
        source, status=CardStatus.FAILED, error=f"{source}: no text found on the card — retake"
    )


@pytest.fixture
def store(db_url: str):
    s = open_store(db_url)
    yield s
    s.close()


def state(store: Store) -> dict[str, list[tuple]]:
    """Every table but the audit log (which an undo adds to), for before/after checks."""
    return {t: rows for t, rows in dump(store).items() if t != "audit"}


def one_failed(store: Store, **kw) -> int:
    Ingester(store).add_photo([bad("blank.jpg")], "sha-blank", **kw)
    (card,) = store.failed_cards()
    return card.id


# -- 1. dismissing and restoring are audited; undo reverts them exactly ---------------------


def test_dismiss_and_restore_are_changes_undo_reverts_exactly(store) -> None:
    card_id = one_failed(store)
    fresh = state(store)
    dismissed = dismiss_failed(store, card_id)
    gone = state(store)
    assert failed_card(store, card_id).record["dismissed"]["who"] == store.who
    entry = store.audit_entry(dismissed)
    assert (entry.action, entry.contacts) == ("dismiss", ())
    assert f"failed photo {card_id}" in entry.summary
    store.undo(dismissed)
    assert state(store) == fresh
    assert "dismissed" not in failed_card(store, card_id).record
    # Dismissed again, then brought back: the restore is undone the same way.
    again = dismiss_failed(store, card_id)
    dismissed_again = state(store)
    restored = restore_failed(store, card_id)
    assert store.audit_entry(restored).action == "restore"
    # The dismissal cannot be undone while the restore built on it stands: named.
    with pytest.raises(StoreError) as refused:
        store.undo(again)
    assert f"undo the later changes first: {restored}" in (refused.value.hint or "")
    store.undo(restored)
    assert state(store) == dismissed_again
    store.undo(again)
    assert state(store) == fresh
    assert gone != fresh  # the dismissal did change the row


def test_restoring_a_photo_not_dismissed_is_refused(store) -> None:
    card_id = one_failed(store)
    with pytest.raises(CorrectionError, match="was not dismissed"):
        restore_failed(store, card_id)


def test_undoing_a_dismissal_of_a_photo_scanned_again_since_is_refused(store) -> None:
    card_id = one_failed(store)
    dismissed = dismiss_failed(store, card_id)
    # The same photo fails again in a later scan: its row is brought up to date.
    store.clock = lambda: "2030-01-01T00:00:00+00:00"
    Ingester(store).add_photo([bad("blank.jpg")], "sha-blank")
    with pytest.raises(StoreError, match=f"photo {card_id} changed after it") as refused:
        store.undo(dismissed)
    assert "scanned again" in (refused.value.hint or "")


def test_cli_failed_prints_the_undo_id_and_undo_reverts_the_dismissal(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with open_store(db) as s:
        card_id = one_failed(s)
    runner = CliRunner()
    out = runner.invoke(cli, ["failed", "--dismiss", str(card_id), "--db", str(db)])
    assert out.exit_code == 0, out.output
    audit_id = int(out.output.split("cardscan undo ")[1].split(",")[0])
    assert "No failed photos waiting." in runner.invoke(cli, ["failed", "--db", str(db)]).output
    undone = runner.invoke(cli, ["undo", str(audit_id), "--db", str(db)])
    assert undone.exit_code == 0 and f"undone dismiss {audit_id}" in undone.output
    assert "no text found" in runner.invoke(cli, ["failed", "--db", str(db)]).output
    assert "`cardscan undo ID` reverts" in runner.invoke(cli, ["failed", "--help"]).output
    assert "typed in" in runner.invoke(cli, ["undo", "--help"]).output


# -- 2. undoing a type-in puts the photo back as it was -----------------------------------


def test_undoing_a_type_in_takes_the_contact_out_and_the_photo_waits_again(store) -> None:
    ing = Ingester(store)
    ev = store.create_event("Harbour mixer", None, None)
    known = ing.add_card(good("ada.jpg", "Ada Quill", "ada@example.com"), "sha-ada")
    assert known is not None
    store.link_met(ev.id, known.contact_id, known.card_id, None)
    ing.add_photo([bad("blur.jpg")], "sha-blur", event_id=ev.id, note="met at the bar", tags=["x"])
    (card,) = store.failed_cards()
    before = state(store)
    queue_before = build_queue(store, 0.6, "Harbour mixer")
    # Looks like Ada: a review is queued with the new contact; all in one change.
    done = type_in(
        ing,
        card.id,
        Typed(name="Ada Quill", emails=["ada@example.com"], phones=["415 555 0199"]),
    )
    assert done.review_id is not None and store.failed_cards() == []
    entry = store.audit_entry(done.audit_id)
    assert (entry.action, entry.contacts) == ("typein", (done.contact_id,))
    store.undo(done.audit_id)
    assert state(store) == before
    assert [(f.id, f.record) for f in store.failed_cards()] == [(card.id, card.record)]
    assert build_queue(store, 0.6, "Harbour mixer") == queue_before
    assert not any(i.reasons == ("no name", "no way to reach") for i in queue_before.items)
    # Typed in again: a fresh contact, and the photo is done with again.
    again = type_in(ing, card.id, Typed(name="Dee Marsh"))
    assert store.card_contact(card.id) == again.contact_id


def test_a_type_in_that_later_changes_build_on_is_not_undone(store) -> None:
    ing = Ingester(store)
    ing.add_photo([bad("blur.jpg")], "sha-blur")
    (card,) = store.failed_cards()
    done = type_in(ing, card.id, Typed(name="Dee Marsh", emails=["dee@example.com"]))
    edited = apply_edit(store, done.contact_id, Edit(title="Buyer"))
    assert edited is not None
    with pytest.raises(StoreError):
        store.undo(done.audit_id)
    store.undo(edited)
    # A note added since (not an audited change) would be left without its contact.
    store.add_note(done.contact_id, "call back")
    with pytest.raises(StoreError, match="changed after it"):
        store.undo(done.audit_id)
    assert store.card_contact(card.id) == done.contact_id  # nothing was half-undone


# -- 4. the region a number typed without +country code is read in --------------------------


def test_a_typed_number_is_read_in_the_scans_region_then_the_events_then_the_default(
    store,
) -> None:
    ing = Ingester(store)
    ev = store.create_event("Harbour mixer", None, None)
    # The event's contacts: two numbers in GB, one in the US.
    for n, (phone, sha) in enumerate(
        (("+442079460011", "a"), ("+442079460012", "b"), ("+14155550142", "c"))
    ):
        found = ing.add_card(good(f"{sha}.jpg", f"Person {sha}", f"p{n}@example.com", phone), sha)
        assert found is not None
        store.link_met(ev.id, found.contact_id, found.card_id, None)
    scanned = store.start_run("scan", {"region": "de"})
    ing.add_photo([bad("one.jpg")], "sha-one", event_id=ev.id, run_id=scanned)
    ing.add_photo([bad("two.jpg")], "sha-two", event_id=ev.id)
    ing.add_photo([bad("three.jpg")], "sha-three")
    one, two, three = (failed_card(store, c.id) for c in store.failed_cards())
    assert photo_region(store, one, "FR").code == "DE"
    assert photo_region(store, two, "FR") == Region(
        "GB", "where most numbers of Harbour mixer's contacts are"
    )
    assert photo_region(store, three, "fr").code == "FR"
    assert photo_region(store, three, None).code is None
    # Typed without +44: read in GB; a number that is not valid there says so.
    done = type_in(ing, two.id, Typed(name="Dee Marsh", phones=["020 7946 0019"]))
    assert [v.value for v in store.contact(done.contact_id).of_kind("phone")] == ["+442079460019"]
    with pytest.raises(CorrectionError) as wrong:
        type_in(ing, three.id, Typed(name="Eli Stone", phones=["06 12 34"]), default_region="FR")
    assert "read as a number in FR, your default region" in wrong.value.message
    with pytest.raises(CorrectionError, match="country code"):
        type_in(ing, three.id, Typed(name="Eli Stone", phones=["020 7946 0019"]))


def test_an_edited_number_without_code_falls_back_to_the_default_region(store) -> None:
    created = store.add_contact(Contact(name=Field("Fay Lund", 1.0)), "test")
    with pytest.raises(CorrectionError, match="country code"):
        apply_edit(store, created, Edit(add_phones=["030 901820"]))
    apply_edit(store, created, Edit(add_phones=["030 901820"]), "DE")
    assert [v.value for v in store.contact(created).of_kind("phone")] == ["+4930901820"]
    with pytest.raises(CorrectionError, match=r"read as a number in GB, as said"):
        clean_phone("1", Region("GB", "as said"))


def test_the_app_reads_a_typed_number_in_its_default_region_and_says_so(store) -> None:
    card_id = one_failed(store)
    with running(AppState(store, "secret-token", Settings(region="GB"))) as app:
        wrong = app.json("POST", f"/api/failed/{card_id}/type", {"name": "Ivy", "phones": "12"})
        assert not wrong["ok"]
        assert "read as a number in GB, your default region" in wrong["problems"]["phone"]
        done = app.json(
            "POST", f"/api/failed/{card_id}/type", {"name": "Ivy Dale", "phones": "020 7946 0019"}
        )
        assert done["ok"]
        gone = app.json("POST", f"/api/undo/{done['audit']}", {})
        assert gone["ok"] and "typed in Ivy Dale" in gone["summary"]
        _status, _h, body = app.request("GET", "/")
        assert f'href="/failed/{card_id}"' in body.decode() and "0 of 1 checked" in body.decode()
    assert store.count_contacts() == 0


def test_the_scan_records_its_region_for_the_photos_it_could_not_read(
    tmp_path: Path, stand_in_reader
) -> None:
    stand_in_reader(lambda path: [bad(str(path))])
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "blank.jpg").write_bytes(b"\xff\xd8 nothing readable")
    db = tmp_path / "c.db"
    args = ["scan", str(folder), "--out", str(tmp_path / "out"), "--region", "gb", "--db", str(db)]
    CliRunner().invoke(cli, args)
    with open_store(db) as s:
        (card,) = s.failed_cards()
        assert photo_region(s, card).code == "GB"


# -- 5. the duplicates page reads, a decision writes -------------------------------------------


def test_the_duplicates_page_writes_nothing_and_reads_entries_once(store, monkeypatch) -> None:
    ing = Ingester(store)
    ids = []
    for n, name in enumerate(("Ann Alder", "Bo Birch", "Cy Cedar", "Di Elm")):
        phone = f"+1415555011{n}"
        found = ing.add_card(good(f"{n}.jpg", name, f"p{n}@example{n}.com", phone), f"sha-{n}")
        assert found is not None
        ids.append(found.contact_id)
    assert store.reviews("open") == []
    first = store.queue_review(ids[0], ids[1], 0.7, ["similar"])
    second = store.queue_review(ids[2], ids[3], 0.7, ["similar"])
    settled = store.queue_review(ids[0], ids[2], 0.7, ["similar"])
    ing.merge(ids[2], ids[0])  # both sides of ``settled`` are now one contact
    calls = []
    real = app_module.select_entries
    monkeypatch.setattr(
        app_module, "select_entries", lambda *a, **k: calls.append(k) or real(*a, **k)
    )
    with running(AppState(store, "secret-token", Settings())) as app:
        marked = dump(store)
        status, _h, body = app.request("GET", "/duplicates")
        assert status == 200
        assert dump(store) == marked  # a GET writes nothing
        assert len(calls) == 1
        page = body.decode()
        assert f'data-review="{settled}"' not in page and f'data-review="{first}"' in page
        assert page.count('class="pair"') == 2
        assert [r.id for r in store.reviews("open")] == [first, second, settled]
        # A decision posted closes the settled pair first, then decides its own.
        reply = app.json("POST", f"/api/review/{settled}/apart", {})
        assert reply == {"ok": True, "audit": None, "settled": True}
    assert {r.id for r in store.reviews("merged")} >= {settled}


def test_the_desk_checks_a_roster_pick_in_through_events_check_in(store) -> None:
    ev = store.create_event("Harbour mixer", None, None)
    person = store.add_contact(Contact(name=Field("Gil Park", 1.0)), "roster")
    store.register(ev.id, person, "roster")
    walk = store.add_contact(Contact(name=Field("Hal Moss", 1.0)), "test")
    with running(AppState(store, "secret-token", Settings(), ev)) as app:
        first = app.json("POST", "/api/checkin", {"id": person})
        assert (first["ok"], first["status"], first["id"]) == (True, "arrived", person)
        assert app.json("POST", "/api/checkin", {"id": person})["status"] == "already"
        assert app.json("POST", "/api/checkin", {"id": walk})["status"] == "walk-in"
    arrivals = [e for e in store.audit_entries() if e.action == "checkin"]
    assert [e.contacts for e in arrivals] == [(walk,), (person,)]
    store.undo(arrivals[0].id)
    assert store.attendance(ev.id, walk) is None
