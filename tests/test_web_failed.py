"""Failed photos in the store and the review queue, websites edited in place (no browser)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import sql
from webserver import running

from cardscan import run
from cardscan.book.corrections import (
    CorrectionError,
    Edit,
    Typed,
    apply_edit,
    clean_website,
    dismiss_failed,
    restore_failed,
    type_in,
)
from cardscan.book.ingest import Ingester, failure_record
from cardscan.book.store import open_store
from cardscan.cli import cli
from cardscan.config import Settings
from cardscan.errors import ExitCode
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType
from cardscan.reading import validate
from cardscan.web.app import AppState
from cardscan.web.review import build_queue

RETAKE = "retake the photo with the card filling most of the frame, in focus and evenly lit"


def good(source: str, name: str, email: str, conf: float = 0.9) -> CardResult:
    return CardResult(
        source,
        contact=Contact(
            name=Field(name, 0.95),
            company=Field("Quillworks", 0.9),
            emails=(Field(email, conf),),
            phones=(Field(Phone("+1 415 555 0142", "+14155550142", PhoneType.WORK, True), 0.9),),
            websites=(Field("quillworks.example.com", 0.9),),
        ),
    )


def bad(
    source: str, why: str = "no text found on the card", hint: str | None = RETAKE, card: int = 0
) -> CardResult:
    error = f"{source}: {why}" + (f" — {hint}" if hint else "")
    return CardResult(source, card=card, status=CardStatus.FAILED, error=error)


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "c.db") as s:
        yield s


def test_a_failed_photo_is_kept_with_its_error_hint_and_stage(store) -> None:
    ing = Ingester(store)
    ev = store.create_event("Harbour mixer", None, None)
    assert ing.add_photo([bad("blank.jpg")], "sha-blank", event_id=ev.id, tags=["x"]) == []
    (kept,) = store.failed_cards()
    failure = kept.record["failure"]
    assert kept.path == str(Path("blank.jpg").absolute()) and kept.card == 0
    assert failure["error"] == "no text found on the card"
    assert failure["hint"] == RETAKE and failure["stage"] == "ocr"
    assert failure["event_id"] == ev.id and failure["tags"] == ["x"]
    assert store.card_contact(kept.id) is None
    # Read again, failed again: one row, brought up to date; a dismissal stays.
    dismiss_failed(store, kept.id)
    ing.add_photo([bad("blank.jpg", "no card found in the photo", None)], "sha-blank")
    (again,) = store.failed_cards()
    assert again.id == kept.id and again.record["failure"]["stage"] == "find"
    assert again.record["failure"]["hint"] is None and again.record["dismissed"]
    restore_failed(store, kept.id)
    assert "dismissed" not in store.failed_cards()[0].record


@pytest.mark.parametrize(
    ("error", "stage"),
    [
        ("a.jpg: no card found in the photo", "find"),
        ("a.jpg: no name, company or contact details found in the text read — retake", "parse"),
        ("a.jpg: unexpected error (ValueError: x); please report it", "bug"),
        ("a.jpg: cannot open the file: permission denied — check the file", "open"),
    ],
)
def test_the_stage_is_named_from_the_error(error: str, stage: str) -> None:
    record = failure_record(CardResult("a.jpg", status=CardStatus.FAILED, error=error))
    assert record["failure"]["stage"] == stage
    assert " — " not in record["failure"]["error"]


def test_a_later_successful_scan_of_the_photo_clears_its_failure(store) -> None:
    ing = Ingester(store)
    ing.add_photo([bad("ada.jpg")], "sha-ada")
    assert len(store.failed_cards()) == 1
    (outcome,) = ing.add_photo([good("ada.jpg", "Ada Quill", "ada@example.com")], "sha-ada")
    assert store.failed_cards() == []
    assert store.card_contact(outcome.card_id) == outcome.contact_id
    # Another copy of the photo (other bytes, same file name): cleared by its path too.
    ing.add_photo([bad("bo.jpg")], "sha-bo-1")
    ing.add_photo([good("bo.jpg", "Bo Lind", "bo@example.com")], "sha-bo-2")
    assert store.failed_cards() == []
    # A photo with one card read and one not: the read one is stored, the other waits.
    ing.add_photo([good("two.jpg", "Cy Moss", "cy@example.com"), bad("two.jpg", card=1)], "sha-two")
    assert [(c.path, c.card) for c in store.failed_cards()] == [
        (str(Path("two.jpg").absolute()), 1)
    ]


def test_typing_a_failed_photo_in_makes_a_checked_contact_of_the_persons_values(store) -> None:
    ing = Ingester(store)
    ev = store.create_event("Harbour mixer", None, None)
    ing.add_photo([bad("blank.jpg")], "sha-blank", event_id=ev.id, note="met at the bar")
    (kept,) = store.failed_cards()
    with pytest.raises(CorrectionError, match="e-mail"):
        type_in(ing, kept.id, Typed(name="Dee Marsh", emails=["dee@marsh"]))
    with pytest.raises(CorrectionError, match="type at least"):
        type_in(ing, kept.id, Typed())
    assert store.count_contacts() == 0  # nothing written while a value is not valid
    done = type_in(
        ing,
        kept.id,
        Typed(
            name="Dee Marsh",
            company="Marsh & Co",
            title="Buyer",
            emails=["Dee@Marsh.example.com"],
            phones=["+1 415 555 0199"],
            websites=["https://marsh.example.com"],
        ),
    )
    c = store.contact(done.contact_id)
    assert (c.name, c.company, c.title) == ("Dee Marsh", "Marsh & Co", "Buyer")
    assert {(v.kind, v.value, v.source) for v in c.values} == {
        ("email", "dee@marsh.example.com", "user"),
        ("phone", "+14155550199", "user"),
        ("website", "marsh.example.com", "user"),
    }
    assert done.contact_id in store.checked()
    assert store.typed_fields(done.contact_id)["name"] == "Dee Marsh"
    assert store.card_contact(kept.id) == done.contact_id and store.failed_cards() == []
    assert [e.name for e in store.met_at(done.contact_id)] == ["Harbour mixer"]
    assert c.notes == ("met at the bar",)
    # Counted as checked in the event's queue; a rescan of the photo adds nothing.
    queue = build_queue(store, 0.6, "Harbour mixer")
    assert [(i.contact_id, i.checked) for i in queue.items] == [(done.contact_id, True)]
    ing.add_photo([good("blank.jpg", "Someone Else", "else@example.com")], "sha-blank")
    assert store.count_contacts() == 1
    with pytest.raises(CorrectionError, match="no failed photo"):
        type_in(ing, kept.id, Typed(name="Again"))


def test_a_typed_in_person_who_looks_known_waits_for_review_not_merged(store) -> None:
    ing = Ingester(store)
    known = ing.add_card(good("ada.jpg", "Ada Quill", "ada@example.com"), "sha-ada")
    assert known is not None
    ing.add_photo([bad("blur.jpg")], "sha-blur")
    done = type_in(
        ing, store.failed_cards()[0].id, Typed(name="Ada Quill", emails=["ada@example.com"])
    )
    assert done.review_id is not None
    assert store.live_id(done.contact_id) == done.contact_id  # not merged by itself
    assert [(r.a_id, r.b_id) for r in store.reviews("open")] == [
        (known.contact_id, done.contact_id)
    ]


def test_the_queue_puts_failed_photos_after_doubtful_values_before_duplicates(store) -> None:
    ing = Ingester(store)
    fine = ing.add_card(good("fine.jpg", "Fine Person", "fine@example.com"), "sha-1")
    low = ing.add_card(good("low.jpg", "Low Person", "low@example.com", 0.3), "sha-2")
    dup = ing.add_card(good("dup.jpg", "Dup Person", "dup@example.com"), "sha-3")
    other = ing.add_card(good("oth.jpg", "Other Person", "oth@example.com"), "sha-4")
    assert fine and low and dup and other
    store.queue_review(dup.contact_id, other.contact_id, 0.7, ["similar"])
    ing.add_photo([bad("blank.jpg")], "sha-5")
    nameless = ing.add_card(
        CardResult("n.jpg", contact=Contact(company=Field("Nameless Co", 0.9))), "sha-6"
    )
    assert nameless is not None
    queue = build_queue(store, 0.6)
    keys = [i.key for i in queue.items]
    failed = next(i for i in queue.items if i.failed is not None)
    assert keys.index(f"c{low.contact_id}") < keys.index(f"c{nameless.contact_id}")
    assert keys.index(f"c{nameless.contact_id}") < keys.index(failed.key)
    assert keys.index(failed.key) < keys.index(f"c{dup.contact_id}")
    assert keys[-1] == f"c{fine.contact_id}"
    assert failed.hint == RETAKE and failed.label == "blank.jpg" and failed.href.startswith("/f")
    dismiss_failed(store, failed.failed or 0)
    queue = build_queue(store, 0.6)
    assert queue.items[-1].key == failed.key and queue.items[-1].checked
    assert queue.checked == 1


def test_website_checks() -> None:
    assert clean_website(" https://www.example.com/team ") == "https://www.example.com/team"
    assert validate.website_error("https://www.example.com/team") == ""
    assert validate.website_error("bücher.example.de:8080/x?y#z") == ""
    assert "port" in validate.website_error("example.com:web")
    assert "empty" in validate.website_error("  ")
    for text, why in (
        ("exa mple.com", "no spaces"),
        ("ada@example.com", "e-mail"),
        ("example.con", ".con does not exist"),
        ("example", "whole domain"),
        ("ftp://example.com", "http"),
        ("ex_ample.com", "not a valid part"),
    ):
        with pytest.raises(CorrectionError, match=why):
            clean_website(text)


def test_a_website_is_edited_in_place_audited_and_undone(store, tmp_path: Path) -> None:
    found = Ingester(store).add_card(good("a.jpg", "Ada Quill", "ada@example.com"), "sha-a")
    assert found is not None
    cid = found.contact_id
    with pytest.raises(CorrectionError, match="does not exist"):
        apply_edit(store, cid, Edit(websites=[("quillworks.example.com", "quillworks.con")]))
    audit_id = apply_edit(
        store,
        cid,
        Edit(
            websites=[("quillworks.example.com", "www.quillworks.example.org")],
            add_websites=["blog.example.org"],
        ),
    )
    sites = {(v.value, v.display, v.source) for v in store.contact(cid).of_kind("website")}
    assert sites == {
        ("quillworks.example.org", "www.quillworks.example.org", "user"),
        ("blog.example.org", "blog.example.org", "user"),
    }
    rows = [(r.field, r.before, r.after) for r in store.corrections_of(cid)]
    assert ("website", "quillworks.example.com", "quillworks.example.org") in rows
    assert audit_id is not None
    store.undo(audit_id)
    assert [v.value for v in store.contact(cid).of_kind("website")] == ["quillworks.example.com"]


def test_cli_edit_website_and_failed_list_dismiss_restore(store, tmp_path: Path) -> None:
    ing = Ingester(store)
    found = ing.add_card(good("a.jpg", "Ada Quill", "ada@example.com"), "sha-a")
    assert found is not None
    ing.add_photo([bad("blank.jpg")], "sha-blank")
    (kept,) = store.failed_cards()
    db = str(Path(store.location))
    run = CliRunner()

    def go(*args: str) -> str:
        result = run.invoke(cli, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.output

    out = go(
        "edit",
        str(found.contact_id),
        "--website",
        "quillworks.example.com=quillworks.example.net",
        "--add-website",
        "example.org/team",
    )
    assert "quillworks.example.net" in out and "example.org/team" in out
    bad_site = run.invoke(cli, ["edit", str(found.contact_id), "--add-website", "x y", "--db", db])
    assert bad_site.exit_code != 0 and "no spaces" in bad_site.output
    listed = go("failed")
    assert f"{kept.id:>6}" in listed and "no text found" in listed and "fix: retake" in listed
    assert "could not be read" in go("review")
    assert "dismissed failed photo" in go("failed", "--dismiss", str(kept.id))
    assert "No failed photos waiting." in go("failed")
    assert "dismissed by" in go("failed", "--all")
    go("failed", "--restore", str(kept.id))
    assert "no text found" in go("failed")
    missing = run.invoke(cli, ["failed", "--dismiss", "999", "--db", db])
    assert missing.exit_code != 0 and "no failed photo 999" in missing.output


def test_app_failed_photo_page_type_in_and_dismiss_over_http(store, tmp_path: Path) -> None:
    ing = Ingester(store)
    ing.add_card(good("a.jpg", "Ada Quill", "ada@example.com"), "sha-a")
    ing.add_photo([bad("blank.jpg")], "sha-blank")
    ing.add_photo([bad("<i>odd.jpg")], "sha-odd")
    one, two = store.failed_cards()
    with running(AppState(store, "secret-token", Settings())) as app:
        status, _h, body = app.request("GET", "/")
        text = body.decode()
        assert status == 200 and "0 of 3 checked" in text
        assert f'href="/failed/{one.id}"' in text and RETAKE in text
        assert "&lt;i&gt;odd.jpg" in text and "<i>odd" not in text
        status, _h, body = app.request("GET", f"/failed/{one.id}")
        assert status == 200 and "no text found on the card" in body.decode()
        # The photo is not there: the page says so in words and asks for no image.
        assert f"/img/card/{one.id}.jpg" not in body.decode()
        assert "This photo cannot be shown" in body.decode()
        status, _h, _b = app.request("GET", f"/img/card/{one.id}.jpg")
        assert status == 404
        wrong = app.json("POST", f"/api/failed/{one.id}/type", {"name": "Dee", "phones": "12"})
        assert not wrong["ok"] and "phone" in wrong["problems"]
        done = app.json(
            "POST",
            f"/api/failed/{one.id}/type",
            {"name": "Dee Marsh", "emails": "dee@example.com, dee2@example.com"},
        )
        assert done["ok"] and done["next"] is not None
        c = store.contact(done["contact"])
        assert [v.value for v in c.of_kind("email")] == ["dee@example.com", "dee2@example.com"]
        status, headers, _b = app.request("GET", f"/failed/{one.id}")
        assert status == 303 and headers["location"] == f"/card/{done['contact']}"
        gone = app.json("POST", f"/api/failed/{two.id}/dismiss", {})
        assert gone["ok"]
        status, _h, body = app.request("GET", "/")
        assert "2 of 3 checked" in body.decode() and "dismissed" in body.decode()
        assert app.json("POST", f"/api/failed/{two.id}/restore", {})["ok"]
        status, _h, body = app.request("GET", "/")
        assert "1 of 3 checked" in body.decode()
        site = app.json(
            "POST",
            "/api/contact/1/edit",
            {"field": "website", "before": "quillworks.example.com", "after": "example.org"},
        )
        assert site["ok"]
    out = tmp_path / "hubspot.csv"
    result = CliRunner().invoke(
        cli, ["export", "--format", "hubspot", "-o", str(out), "--db", str(store.location)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert "dee@example.com" in [r["Email"] for r in rows]
    assert "example.org" in out.read_text(encoding="utf-8")


def test_a_number_the_plan_refuses_can_be_kept_as_printed(store) -> None:
    found = Ingester(store).add_card(good("a.jpg", "Ada Quill", "ada@example.com"), "sha-a")
    assert found is not None
    cid = found.contact_id
    with pytest.raises(CorrectionError) as refused:
        apply_edit(store, cid, Edit(add_phones=["+1 011 555 0100"]))
    assert "as printed" in (refused.value.hint or "")
    with pytest.raises(CorrectionError) as hopeless:  # too short to be any number
        apply_edit(store, cid, Edit(add_phones=["+1 2"], as_printed=True))
    assert "as printed" not in (hopeless.value.hint or "")
    apply_edit(store, cid, Edit(add_phones=["+1 011 555 0100"], as_printed=True))
    kept = {v.value: v.source for v in store.contact(cid).of_kind("phone")}
    assert kept["+10115550100"] == "user"
    with running(AppState(store, "secret-token", Settings())) as app:
        body = {"field": "phone", "after": "+1 011 555 0101"}
        first = app.json("POST", f"/api/contact/{cid}/edit", body)
        assert not first["ok"] and first["as_printed"]
        assert app.json("POST", f"/api/contact/{cid}/edit", {**body, "as_printed": True})["ok"]
    assert "+10115550101" in {v.value for v in store.contact(cid).of_kind("phone")}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_scan_keeps_a_photo_it_cannot_even_open_and_a_later_read_clears_it(
    tmp_path: Path, stand_in_reader
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    os.mkfifo(folder / "pipe.jpg")  # no content to hash: kept under its path
    (folder / "blank.jpg").write_bytes(b"\xff\xd8 a photo with nothing on it")
    readable = {"now": False}

    def read(path: Path) -> CardResult:
        if path.name == "blank.jpg" and readable["now"]:
            return good(str(path), "Eve Tarn", "eve@example.com")
        return bad(str(path))

    stand_in_reader(read)
    db = tmp_path / "c.db"
    args = ["scan", str(folder), "--out", str(tmp_path / "out"), "--db", str(db)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == ExitCode.SOME_CARDS_FAILED, first.output
    assert "2 failed photo(s) wait in the review queue" in first.output
    with open_store(db) as store:
        kept = {Path(c.path).name: c for c in store.failed_cards()}
        assert sorted(kept) == ["blank.jpg", "pipe.jpg"]
        assert store.card_seen(run._path_digest(folder / "pipe.jpg"), 0) is None
        (seen,) = sql(store, "SELECT sha256 FROM cards WHERE id = :id", id=kept["pipe.jpg"].id)
        assert seen[0].startswith("path:")
    readable["now"] = True
    CliRunner().invoke(cli, [*args, "--fresh"])
    with open_store(db) as store:
        assert [Path(c.path).name for c in store.failed_cards()] == ["pipe.jpg"]
        assert store.search("Eve Tarn")


def test_failed_photos_are_listed_per_event_and_shown_in_the_report(store, tmp_path: Path) -> None:
    from cardscan.book.entries import failed_photos
    from cardscan.outputs.report import render_report

    ing = Ingester(store)
    ev = store.create_event("Harbour mixer", None, None)
    ing.add_photo([bad("blank.jpg")], "sha-blank", event_id=ev.id)
    ing.add_photo([bad("other.jpg", "no card found in the photo", None)], "sha-other")
    assert [p.label for p in failed_photos(store)] == ["blank.jpg", "other.jpg"]
    (mine,) = failed_photos(store, ev.id)
    assert (mine.error, mine.hint, mine.dismissed_by) == ("no text found on the card", RETAKE, None)
    dismiss_failed(store, mine.card_id)
    assert failed_photos(store, ev.id) == []
    (dismissed,) = failed_photos(store, ev.id, dismissed=True)
    assert dismissed.dismissed_by
    page = render_report(
        [], None, title="t", threshold=0.6, generated="now", failed=failed_photos(store)
    )
    assert "<b>1</b> photos not read" in page and 'id="failed"' in page
    assert "no card found in the photo" in page and "other.jpg" in page
    assert "blank.jpg" not in page  # dismissed: set aside, not listed
    # Markup in an error stays text.
    ing.add_photo([bad("<b>x</b>.jpg", "<script>alert(1)</script>", None)], "sha-x")
    page = render_report(
        [], None, title="t", threshold=0.6, generated="now", failed=failed_photos(store)
    )
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
