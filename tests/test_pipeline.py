"""The per-photo worker and the batch runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, words_result

from cardscan.config import Settings
from cardscan.errors import MissingDependencyError
from cardscan.models import OcrResult
from cardscan.reading import imaging, pipeline
from cardscan.reading.pipeline import collect_images, process_image, scan_batch


def test_collect_images_walks_folders_and_keeps_named_files(tmp_path: Path) -> None:
    (tmp_path / "b.jpg").write_bytes(b"x")
    (tmp_path / "a.HEIC").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.jpg").write_bytes(b"x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = elsewhere / "named.txt"
    named.write_text("x")
    photos, skipped = collect_images([tmp_path / "a.HEIC", tmp_path, named, tmp_path / "b.jpg"])
    # Named files are always taken (a non-image then fails with a clear record); a file
    # named and also found by walking is read once.
    assert [p.name for p in photos] == ["a.HEIC", "b.jpg", "named.txt"]
    assert skipped == 2  # notes.txt and elsewhere/named.txt, seen while walking


def test_a_bug_on_one_photo_becomes_a_failed_record(monkeypatch, fake_info, tmp_path) -> None:
    def broken(*args, **kwargs):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(pipeline, "read_photo", broken)
    [result] = process_image(tmp_path / "x.jpg", Settings(), fake_info)
    assert result.status.value == "failed"
    assert "ZeroDivisionError" in (result.error or "") and "report" in (result.error or "")


def test_missing_tesseract_stops_the_batch(monkeypatch, fake_info, tmp_path) -> None:
    def gone(*args, **kwargs):
        raise MissingDependencyError("Tesseract was not found")

    monkeypatch.setattr(pipeline, "read_photo", gone)
    with pytest.raises(MissingDependencyError):
        process_image(tmp_path / "x.jpg", Settings(), fake_info)


@pytest.mark.tesseract
@pytest.mark.slow
def test_two_jobs_give_the_same_records_as_one() -> None:
    photos = sorted(SAMPLES.glob("*.jpg"))[:4]
    assert len(photos) == 4
    one = [r.to_record() for r in scan_batch(photos, Settings(jobs=1))]
    two = [r.to_record() for r in scan_batch(photos, Settings(jobs=2))]
    assert one == two
    assert [r["source"] for r in one] == [str(p) for p in photos]
    assert all(r["status"] == "ok" for r in one)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], "no text found on the card"),
        (["~ ."], "no text found on the card"),
        (["Thank you for shopping with us today", "Receipt 2026 total paid"], "no name, company"),
    ],
)
def test_a_photo_without_a_readable_card_fails_with_a_retake_hint(
    monkeypatch, fake_info, tmp_path, lines, expected
) -> None:
    monkeypatch.setattr(pipeline, "read_photo", lambda *a, **k: _read(lines))
    [result] = process_image(tmp_path / "x.jpg", Settings(), fake_info)
    assert result.status.value == "failed"
    assert expected in (result.error or "") and "retake the photo" in (result.error or "")


def test_a_card_with_contact_details_is_ok(monkeypatch, fake_info, tmp_path) -> None:
    lines = ["Jane Doe", "Head of Sales", "jane.doe@larkfield.com"]
    monkeypatch.setattr(pipeline, "read_photo", lambda *a, **k: _read(lines))
    [result] = process_image(tmp_path / "x.jpg", Settings(), fake_info)
    assert result.ok and result.error is None
    assert result.to_record()["emails"] == ["jane.doe@larkfield.com"]


def _read(*cards: list[str]) -> list[tuple[imaging.Card, OcrResult]]:
    """What read_photo gives for blank cards on which OCR read ``cards``' lines."""
    blank = np.full((300, 500, 3), 255, np.uint8)
    return [(imaging.Card(blank, None, 0.0), words_result(lines)) for lines in cards]


def test_a_qr_code_alone_makes_a_contact_and_wins_over_ocr(monkeypatch, fake_info, tmp_path):
    qr = imaging.QrCode("MECARD:N:Doe,Jane;TEL:+14155550123;EMAIL:jane.doe@larkfield.com;;", ())
    monkeypatch.setattr(imaging, "decode_qr", lambda image: [qr])
    misread = ["Jane Doe", "Head of Sales", "jane.doe@larkfie1d.com"]
    monkeypatch.setattr(pipeline, "read_photo", lambda *a, **k: _read([], misread))
    unreadable, printed = process_image(tmp_path / "x.jpg", Settings(), fake_info)
    for result in (unreadable, printed):
        record = result.to_record()
        assert result.ok, result.error
        assert record["emails"] == ["jane.doe@larkfield.com"]
        assert record["provenance"]["emails"] == "qr"
        assert [p["e164"] for p in record["phones"]] == ["+14155550123"]
    assert (unreadable.card, printed.card) == (0, 1)
    assert printed.to_record()["title"] == "Head of Sales"  # what only the print had stays


def test_a_photo_that_kills_its_worker_fails_alone_and_the_batch_goes_on(
    monkeypatch, fake_info
) -> None:
    from crashers import crash_on_poison

    monkeypatch.setattr(pipeline, "check_tesseract", lambda *a, **k: fake_info)
    paths = ["a.jpg", "b.jpg", "poison.jpg", "c.jpg", "d.jpg", "e.jpg"]
    batches = list(pipeline.scan_photos(paths, Settings(jobs=2), worker=crash_on_poison))
    assert [b[0].source for b in batches] == paths
    statuses = {b[0].source: b[0].status.value for b in batches}
    assert statuses.pop("poison.jpg") == "failed"
    assert set(statuses.values()) == {"ok"}
    poison = batches[2][0]
    assert "poison.jpg: reading this photo crashed the worker process" in (poison.error or "")
