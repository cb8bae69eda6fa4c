"""A person's corrections: stored with who/when/before/after, undoable, never overwritten."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import sql

from cardscan.book.corrections import CorrectionError, Edit, apply_edit
from cardscan.book.entries import select_entries
from cardscan.book.ingest import Ingester
from cardscan.book.store import open_store
from cardscan.cli import cli
from cardscan.models import CardResult, Contact, Field, Phone, PhoneType
from cardscan.outputs.export import export_entries


def card(source: str, email: str, *, name: str = "Ada Quill", title: str = "Buyer") -> CardResult:
    return CardResult(
        source,
        contact=Contact(
            name=Field(name, 0.95),
            title=Field(title, 0.4),
            company=Field("Quillworks", 0.9),
            emails=(Field(email, 0.45),),
            phones=(Field(Phone("+1 415 555 0142", "+14155550142", PhoneType.WORK, True), 0.9),),
        ),
    )


@pytest.fixture
def store(db_url: str):
    """A store on each database (SQLite, PostgreSQL)."""
    with open_store(db_url) as s:
        yield s


def scan(store, result: CardResult, sha: str) -> int:
    outcome = Ingester(store).add_card(result, sha)
    assert outcome is not None
    return outcome.contact_id


def test_a_fixed_email_is_the_users_and_survives_a_rescan_a_reimport_and_a_merge(
    store, tmp_path: Path
) -> None:
    cid = scan(store, card("a.jpg", "ada@quil1works.com"), "sha-a")
    audit_id = apply_edit(
        store,
        cid,
        Edit(emails=[("ada@quil1works.com", "Ada@Quillworks.com")], title="Head of Buying"),
    )
    assert audit_id is not None
    c = store.contact(cid)
    (email,) = c.of_kind("email")
    assert (email.value, email.source, email.confidence) == ("ada@quillworks.com", "user", 1.0)
    assert c.title == "Head of Buying"
    rows = store.corrections_of(cid)
    assert [(r.field, r.before, r.after) for r in rows] == [
        ("title", "Buyer", "Head of Buying"),
        ("email", "ada@quil1works.com", "ada@quillworks.com"),
    ]
    assert rows[0].who == store.who
    entry = store.audit_entry(audit_id)
    assert entry.action == "edit" and "email" in entry.summary

    # The same photo again: nothing comes back. Another photo of the same card, read with the
    # same slip, merges into the contact: the typed values win, the old one stays out.
    assert scan(store, card("a.jpg", "ada@quil1works.com"), "sha-a") == cid
    assert scan(store, card("a2.jpg", "ada@quil1works.com"), "sha-a2") == cid
    c = store.contact(cid)
    assert [v.value for v in c.of_kind("email")] == ["ada@quillworks.com"]
    assert c.title == "Head of Buying"
    # A CRM row with the old title, merged by the same e-mail, does not change it either.
    Ingester(store).add(
        Contact(
            name=Field("Ada Quill", 1.0),
            title=Field("Buyer", 1.0),
            emails=(Field("ada@quillworks.com", 1.0),),
        ),
        "import:csv crm.csv",
    )
    assert store.contact(cid).title == "Head of Buying"
    assert store.live_id(cid) == cid and store.count_contacts() == 1


def test_undo_reverts_an_edit_exactly(store) -> None:
    cid = scan(store, card("a.jpg", "ada@quil1works.com"), "sha-a")
    before = store.contact(cid)
    audit_id = apply_edit(
        store,
        cid,
        Edit(name="Ada B. Quill", add_phones=["+44 20 7946 0000"], remove=["+14155550142"]),
    )
    after = store.contact(cid)
    assert after.name == "Ada B. Quill" and after.family_name == "Quill"
    assert [v.value for v in after.of_kind("phone")] == ["+442079460000"]
    assert audit_id is not None
    store.undo(audit_id)
    assert store.contact(cid) == before
    assert store.corrections_of(cid) == []


def test_bad_values_are_refused_with_the_reason_and_nothing_changes(store) -> None:
    cid = scan(store, card("a.jpg", "ada@quil1works.com"), "sha-a")
    with pytest.raises(CorrectionError, match="not-an-address"):
        apply_edit(store, cid, Edit(emails=[("ada@quil1works.com", "not-an-address")]))
    with pytest.raises(CorrectionError, match=r"not a valid number|not a phone"):
        apply_edit(store, cid, Edit(add_phones=["+1 000"], title="X"))
    with pytest.raises(CorrectionError, match="no value"):
        apply_edit(store, cid, Edit(remove=["nobody@example.com"]))
    assert store.contact(cid).title == "Buyer"
    assert store.audit_entries(cid) == []


def test_a_phone_without_country_code_is_read_in_the_contacts_country(store) -> None:
    cid = scan(store, card("a.jpg", "ada@quillworks.com"), "sha-a")
    apply_edit(store, cid, Edit(add_phones=["(415) 555-0199"], phone_types={"+14155550142": "fax"}))
    phones = {v.value: v.type for v in store.contact(cid).of_kind("phone")}
    assert phones == {"+14155550142": "fax", "+14155550199": "work"}


def test_exports_and_the_checklist_use_the_fix_at_once(store) -> None:
    cid = scan(store, card("a.jpg", "ada@quil1works.com"), "sha-a")
    (entry,) = select_entries(store)
    assert set(entry.low_confidence(0.6)) == {"title", "emails"}
    apply_edit(store, cid, Edit(emails=[("ada@quil1works.com", "ada@quillworks.com")]))
    (entry,) = select_entries(store)
    assert set(entry.low_confidence(0.6)) == {"title"}
    buffer = io.BytesIO()
    export_entries([entry], "hubspot", buffer)
    (row,) = csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8")))
    assert row["Email"] == "ada@quillworks.com"
    apply_edit(store, cid, Edit(accept=True))
    (entry,) = select_entries(store)
    assert entry.checked and entry.low_confidence(0.6) == {}


def test_truth_export_writes_checked_cards_in_the_benchs_format(store, tmp_path: Path) -> None:
    from conftest import load_script

    photo = tmp_path / "ada.jpg"
    photo.write_bytes(b"not read here")
    cid = scan(store, card(str(photo), "ada@quil1works.com"), "sha-a")
    scan(store, card(str(tmp_path / "bo.jpg"), "bo@quillworks.com", name="Bo Lind"), "sha-b")
    apply_edit(store, cid, Edit(emails=[("ada@quil1works.com", "ada@quillworks.com")], accept=True))
    buffer = io.BytesIO()
    assert export_entries(select_entries(store), "truth", buffer) == 1
    out = tmp_path / "truth.jsonl"
    out.write_bytes(buffer.getvalue())
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["emails"] == ["ada@quillworks.com"] and row["phones"] == ["+14155550142"]
    bench = load_script("bench")
    (truth,) = bench.load_truth_jsonl(out)
    assert truth.image == photo.absolute() and truth.emails == ("ada@quillworks.com",)


def test_edit_command_fixes_accepts_and_undo_reverts(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with open_store(db) as s:
        cid = scan(s, card("a.jpg", "ada@quil1works.com"), "sha-a")
    runner = CliRunner()
    fixed = runner.invoke(
        cli,
        [
            *("edit", str(cid), "--email", "ada@quil1works.com=ada@quillworks.com"),
            *("--accept", "--db", str(db)),
        ],
    )
    assert fixed.exit_code == 0, fixed.output
    assert "ada@quillworks.com" in fixed.output and "user" in fixed.output
    assert "checked   by " in fixed.output
    audit_id = fixed.output.split("cardscan undo ")[1].split(")")[0]
    bad = runner.invoke(cli, ["edit", str(cid), "--add-email", "x@y", "--db", str(db)])
    assert bad.exit_code == 2 and "x@y" in bad.output and "Traceback" not in bad.output
    nothing = runner.invoke(cli, ["edit", str(cid), "--db", str(db)])
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
    assert runner.invoke(cli, ["undo", audit_id, "--db", str(db)]).exit_code == 0
    with open_store(db) as s:
        assert [v.value for v in s.contact(cid).of_kind("email")] == ["ada@quil1works.com"]
        assert s.checked() == {}


def test_report_shows_each_card_straightened_from_its_stored_geometry(store) -> None:
    from cardscan.outputs.report import render_report, straightened_cards

    sample = Path(__file__).resolve().parent.parent / "samples" / "us-classic-01.jpg"
    result = card(str(sample), "ada@quillworks.com")
    outcome = Ingester(store).add_card(
        dataclasses.replace(result, geometry={"quad": None, "rotation": 90, "size": [1, 1]}),
        "sha-s",
    )
    assert outcome is not None and outcome.card_id is not None
    view = straightened_cards(store, max_side=200)
    uri = view(outcome.card_id)
    assert uri is not None and uri.startswith("data:image/jpeg;base64,")
    page = render_report(
        select_entries(store), None, title="t", threshold=0.6, generated="now", straightened=view
    )
    assert 'class="straight"' in page and "straightened" in page
    # A card stored without geometry, or a stand-in handing back a URL, embeds nothing.
    other = scan(store, card("b.jpg", "bo@quillworks.com", name="Bo Lind"), "sha-b")
    assert view(store.cards_of([other])[other][0].id) is None
    page = render_report(
        select_entries(store), None, title="t", threshold=0.6, generated="now",
        straightened=lambda _id: "https://example.com/x.jpg",
    )  # fmt: skip
    assert 'class="straight"' not in page


def test_geometry_names_the_words_each_field_was_read_from() -> None:
    from conftest import card_result as ocr_of

    from cardscan.reading.pipeline import card_geometry

    ocr = ocr_of("Ada Quill", "Head of Buying", "E: ada@quillworks.com", "T: +1 415 555 0142")
    contact = Contact(
        name=Field("Ada Quill", 0.9),
        title=Field("Head of Buying", 0.9),
        emails=(Field("ada@quillworks.com", 0.9),),
        phones=(Field(Phone("+1 415 555 0142", "+14155550142"), 0.9),),
    )
    quad = ((10.0, 12.0), (900.0, 20.0), (880.0, 500.0), (5.0, 490.0))
    geometry = card_geometry(quad, ocr, contact)
    words = [w[0] for w in geometry["words"]]
    assert geometry["quad"] == [list(p) for p in quad] and geometry["rotation"] == 0
    assert geometry["size"] == [ocr.width, ocr.height]

    def text(key: str) -> list[str]:
        return [words[i] for i in geometry["fields"][key]]

    assert text("name") == ["Ada", "Quill"]
    assert text("title") == ["Head", "of", "Buying"]
    assert text("email:ada@quillworks.com") == ["ada@quillworks.com"]
    assert text("phone:+14155550142") == ["+1", "415", "555", "0142"]


def test_an_audit_entry_from_before_schema_3_still_undoes(store) -> None:
    a = scan(store, card("a.jpg", "ada@quillworks.com"), "sha-a")
    b = scan(store, card("b.jpg", "bo@lind.example", name="Bo Lind", title="Owner"), "sha-b")
    audit_id = Ingester(store).merge(a, b)
    # Written by an older cardscan: the snapshots know nothing of the new tables.
    ((before, after),) = sql(store, "SELECT before, after FROM audit WHERE id = :id", id=audit_id)
    old = [json.loads(before), json.loads(after)]
    for snap in old:
        del snap["corrections"], snap["checked"]
    sql(
        store,
        "UPDATE audit SET before = :b, after = :a WHERE id = :id",
        b=json.dumps(old[0]),
        a=json.dumps(old[1]),
        id=audit_id,
    )
    store.undo(audit_id)
    assert store.count_contacts() == 2 and store.live_id(b) == b
