"""Merging readings of one card (QR code, two sides) and pairing photos into cards."""

from __future__ import annotations

from pathlib import Path

import pytest
from crashers import sides_by_name

from cardscan.config import Settings
from cardscan.errors import ConfigError
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType
from cardscan.reading.combine import combine_sides, merge_contacts, pair_photos, results_for
from cardscan.reading.pipeline import scan_batch


def _phone(e164: str, kind: PhoneType = PhoneType.WORK, ext: str | None = None) -> Phone:
    return Phone(raw=e164, e164=e164, type=kind, valid=True, extension=ext)


def test_qr_values_win_and_the_misread_twin_is_dropped() -> None:
    ocr = Contact(
        name=Field("Jane Dae", 0.7),
        emails=(Field("jane@exarnple.com", 0.6),),
        phones=(Field(_phone("+14155550123", PhoneType.MOBILE, "12"), 0.8),),
        websites=(Field("www.example.com", 0.9),),
    )
    qr = Contact(
        name=Field("Jane Doe", 0.99, "qr"),
        given_name="Jane",
        family_name="Doe",
        emails=(Field("jane@example.com", 0.99, "qr"), Field("sales@example.com", 0.99, "qr")),
        phones=(Field(_phone("+14155550123"), 0.99, "qr"),),
        websites=(Field("https://example.com/", 0.99, "qr"),),
    )
    merged = merge_contacts(ocr, qr, prefer_extra=True)
    assert merged.name is not None and merged.name.value == "Jane Doe"
    assert (merged.given_name, merged.family_name) == ("Jane", "Doe")
    assert [f.value for f in merged.emails] == ["jane@example.com", "sales@example.com"]
    assert [f.value for f in merged.websites] == ["https://example.com/"]
    (phone,) = merged.phones
    # The QR's number, but the printed label's type and extension.
    assert phone.source == "qr"
    assert (phone.value.type, phone.value.extension) == (PhoneType.MOBILE, "12")
    assert merged.provenance()["emails"] == "qr"


def test_a_printed_form_that_says_more_than_the_qr_code_is_kept() -> None:
    ocr = Contact(name=Field("Jane Doe, MBA", 0.7), company=Field("Acme Widgets", 0.8))
    qr = Contact(name=Field("Jane Doe", 0.99, "qr"), company=Field("Acme Widgets Inc.", 0.99, "qr"))
    merged = merge_contacts(ocr, qr, prefer_extra=True)
    assert merged.name == Field("Jane Doe, MBA", 0.99)
    assert merged.company is not None and merged.company.value == "Acme Widgets Inc."


def test_back_side_adds_values_without_replacing_the_front() -> None:
    front = Contact(
        name=Field("Jane Doe", 0.9),
        company=Field("Front Co", 0.9),
        emails=(Field("jane@example.com", 0.9),),
    )
    back = Contact(
        name=Field("ジェーン", 0.5),
        company=Field("Back Co", 0.95),
        emails=(Field("jane@example.com", 0.8),),
        websites=(Field("example.com", 0.9),),
        address=Field("1 Main St", 0.8),
    )
    merged = merge_contacts(front, back, source="back")
    assert merged.name is not None and merged.name.value == "Jane Doe"
    assert merged.company is not None and merged.company.value == "Front Co"
    assert [f.value for f in merged.emails] == ["jane@example.com"]
    assert merged.emails[0].source == "ocr"  # the more confident front reading is kept
    assert merged.address is not None and merged.address.source == "back"
    assert merged.provenance()["websites"] == "back"


def test_two_ocr_readings_keep_values_that_differ_by_more_than_a_glyph() -> None:
    front = Contact(
        emails=(Field("sales@acme-us.com", 0.9), Field("jane@exarnple.com", 0.6)),
        websites=(Field("acme-us.com", 0.9),),
    )
    back = Contact(
        emails=(Field("sale@acme-us.com", 0.9), Field("jane@example.com", 0.9)),
        websites=(Field("acme-uk.com", 0.9),),
    )
    merged = merge_contacts(front, back, source="back")
    # Only the rn/m slip is one value read twice; the rest may be real second values.
    assert [f.value for f in merged.emails] == [
        "sales@acme-us.com",
        "jane@example.com",
        "sale@acme-us.com",
    ]
    assert [f.value for f in merged.websites] == ["acme-us.com", "acme-uk.com"]


def test_distinct_similar_values_are_both_kept() -> None:
    a = Contact(
        emails=(Field("ana@example.com", 0.9),), phones=(Field(_phone("+441234567890"), 0.9),)
    )
    b = Contact(
        emails=(Field("ian@example.com", 0.9),), phones=(Field(_phone("+441234567999"), 0.9),)
    )
    merged = merge_contacts(a, b, prefer_extra=True)
    assert len(merged.emails) == 2 and len(merged.phones) == 2
    # One switchboard number, two desks: both extensions stay.
    desk = Contact(phones=(Field(_phone("+441234567890", ext="204"), 0.9),))
    other_desk = Contact(phones=(Field(_phone("+441234567890", ext="310"), 0.99, "qr"),))
    merged = merge_contacts(desk, other_desk, prefer_extra=True)
    assert [p.value.extension for p in merged.phones] == ["204", "310"]


def test_pair_photos_by_name_and_by_order(tmp_path: Path) -> None:
    names = ["a_front.jpg", "b.jpg", "a_back.jpg", "c-BACK.png", "d front.jpg", "e_back.jpg"]
    names.append("e_front.jpg")  # a folder walk sorts the back before the front
    groups = pair_photos([tmp_path / n for n in names])
    got = [(g.front.name, g.back.name if g.back else None) for g in groups]
    assert got == [
        ("a_front.jpg", "a_back.jpg"),
        ("b.jpg", None),
        ("c-BACK.png", None),  # a back without its front is still read
        ("d front.jpg", None),
        ("e_front.jpg", "e_back.jpg"),
    ]
    other = tmp_path / "other"
    assert pair_photos([tmp_path / "x_front.jpg", other / "x_back.jpg"])[0].back is None
    ordered = pair_photos([tmp_path / n for n in ("1.jpg", "2.jpg", "3.jpg", "4.jpg")], True)
    assert [(g.front.name, g.back and g.back.name) for g in ordered] == [
        ("1.jpg", "2.jpg"),
        ("3.jpg", "4.jpg"),
    ]
    with pytest.raises(ConfigError, match="3 photos"):
        pair_photos([tmp_path / n for n in ("1.jpg", "2.jpg", "3.jpg")], True)


def test_combine_sides_keeps_a_card_whose_back_reads_nothing() -> None:
    front = [CardResult("f.jpg", contact=Contact(name=Field("Jane", 0.9)), text="Jane")]
    blank = [CardResult("b.jpg", status=CardStatus.FAILED, error="b.jpg: no text")]
    (one,) = combine_sides(front, blank)
    assert one.ok and one.back == "b.jpg" and one.source == "f.jpg"
    # Only the back could be read: the card is the back's reading, filed under the front.
    failed_front = [CardResult("f.jpg", status=CardStatus.FAILED, error="f.jpg: blurred")]
    back = [CardResult("b.jpg", contact=Contact(websites=(Field("x.org", 0.9),)))]
    (only_back,) = combine_sides(failed_front, back)
    assert only_back.ok and only_back.source == "f.jpg" and only_back.back == "b.jpg"
    assert only_back.contact.provenance()["websites"] == "back"  # not read on the front
    (neither,) = combine_sides(failed_front, blank)
    assert not neither.ok and neither.error == "f.jpg: blurred" and neither.back == "b.jpg"


def test_results_for_merges_sides_in_photo_order(tmp_path: Path) -> None:
    groups = pair_photos([Path("a_front.jpg"), Path("a_back.jpg"), Path("z.jpg")])
    by_photo = {
        "a_front.jpg": [CardResult("a_front.jpg", contact=Contact(name=Field("A", 0.9)))],
        "a_back.jpg": [CardResult("a_back.jpg", contact=Contact(websites=(Field("a.org", 0.9),)))],
        "z.jpg": [CardResult("z.jpg", contact=Contact(name=Field("Z", 0.9)))],
    }
    out = results_for(groups, by_photo)
    assert [(r.source, r.back) for r in out] == [("a_front.jpg", "a_back.jpg"), ("z.jpg", None)]
    assert [f.value for f in out[0].contact.websites] == ["a.org"]


def test_scan_batch_merges_sides_named_and_paired(tmp_path: Path) -> None:
    paths = [tmp_path / n for n in ("jo_front.jpg", "jo_back.jpg", "solo.jpg", "ann_front.jpg")]
    for p in paths:
        p.write_bytes(b"x")
    records = [r.to_record() for r in scan_batch(paths, Settings(), worker=sides_by_name)]
    assert [(Path(r["source"]).name, r["back"] and Path(r["back"]).name) for r in records] == [
        ("jo_front.jpg", "jo_back.jpg"),
        ("solo.jpg", None),
        ("ann_front.jpg", None),
    ]
    assert records[0]["websites"] == ["example.org"]
    assert records[0]["provenance"] == {"name": "ocr", "emails": "ocr", "websites": "back"}
    logo = tmp_path / "logo.jpg"
    logo.write_bytes(b"x")
    (paired,) = scan_batch([paths[2], logo], Settings(), pair=True, worker=sides_by_name)
    assert paired.ok and paired.back == str(logo)


def test_scan_pair_with_an_odd_count_stops_before_writing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cardscan.cli import cli

    for n in ("1.jpg", "2.jpg", "3.jpg"):
        (tmp_path / n).write_bytes(b"x")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--out", str(out), "--pair"])
    assert result.exit_code == 2, result.output
    assert "3 photos" in result.output and "x_front.jpg" in result.output
    assert not out.exists()
