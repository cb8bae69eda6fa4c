"""Reading one card: orientation, weak lines read again, the card's language, junk dropped."""

from __future__ import annotations

import dataclasses
import logging
import random

import cv2
import numpy as np
import pytest
from conftest import load_script, words_result

from cardscan.config import Settings
from cardscan.models import Box, OcrResult, Word
from cardscan.reading import imaging, read
from cardscan.reading.ocr import TesseractInfo, check_tesseract

# --------------------------------------------------------------------------- orientation


def _fake_ocr(good_rotation: int, calls: list[int]):
    def fake(image: np.ndarray, info, *, lang="eng", psm=3, timeout=60.0, rotation=0) -> OcrResult:
        calls.append(rotation)
        if rotation == good_rotation:
            r = words_result(["Jane Doe", "Head of Sales", "jane@doe.com"], conf=0.93)
        else:
            r = words_result(["~ ,;", "iI l1"], conf=0.35)
        return OcrResult(r.words, r.width, r.height, rotation)

    return fake


def _prepared(gray: np.ndarray, candidates=(0, 180, 90, 270)) -> imaging.PreparedCard:
    return imaging.PreparedCard(gray, tuple(candidates), gray, 0.0, 1.0)


@pytest.mark.parametrize("good", [0, 90, 180, 270])
def test_read_card_keeps_the_orientation_that_reads_best(monkeypatch, fake_info, good) -> None:
    calls: list[int] = []
    monkeypatch.setattr(read, "ocr_image", _fake_ocr(good, calls))
    card = np.full((300, 500, 3), 255, np.uint8)
    result = read.read_card(card, fake_info, Settings())
    assert result.rotation == good
    assert "jane@doe.com" in result.text
    assert calls.count(good) == 1 and len(calls) == len(set(calls))


def test_read_card_stops_after_a_confident_first_pass(monkeypatch, fake_info) -> None:
    calls: list[int] = []
    monkeypatch.setattr(read, "ocr_image", _fake_ocr(0, calls))
    monkeypatch.setattr(read.imaging, "prepare_card", lambda card: _prepared(card[:, :, 0]))
    read.read_card(np.full((300, 500, 3), 255, np.uint8), fake_info, Settings())
    # A good card costs one pass: no weak line, no other language, nothing read again.
    assert calls == [0]


def _columns(result: OcrResult) -> OcrResult:
    """The same words with their boxes stood on end: lines read running down the image."""
    words = tuple(
        dataclasses.replace(w, box=Box(40 + 60 * w.par, w.box.left, w.box.height, w.box.width))
        for w in result.words
    )
    return OcrResult(words, result.width, result.height, result.rotation)


def test_read_card_tries_the_other_axis_when_the_lines_run_down_the_image(
    monkeypatch, fake_info
) -> None:
    # A card a quarter turn off: Tesseract reads its lines confidently in columns, each
    # word's box taller than wide. The other axis reads them upright, and wins.
    calls: list[int] = []
    upright = words_result(["Jane Doe", "Head of Sales", "jane@doe.com"], conf=0.93)

    def fake(image, info, *, lang="eng", psm=3, timeout=60.0, rotation=0) -> OcrResult:
        calls.append(rotation)
        result = dataclasses.replace(upright, rotation=rotation)
        return result if rotation == 90 else _columns(result)

    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(
        read.imaging, "prepare_card", lambda c: _prepared(c[:, :, 0], (0, 180, 90, 270))
    )
    result = read.read_card(np.full((300, 500, 3), 255, np.uint8), fake_info, Settings(lang="eng"))
    assert result.rotation == 90
    assert 90 in calls and calls[0] == 0


def test_sideways_words_are_tall_boxes_of_three_characters_or_more() -> None:
    assert read.sideways(Word("founder", 0.9, Box(0, 0, 40, 300), 1, 1, 1))
    assert not read.sideways(Word("founder", 0.9, Box(0, 0, 300, 40), 1, 1, 1))
    assert not read.sideways(Word("I", 0.9, Box(0, 0, 10, 40), 1, 1, 1))  # one letter: tall anyway
    assert not read.sideways(Word("&", 0.9, Box(0, 0, 10, 40), 1, 1, 1))


# --------------------------------------------------------------------------- weak lines


def _ink_bands(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(left, top, width, height) of each horizontal band of dark pixels in a montage."""
    rows = np.flatnonzero((image < 128).any(axis=1))
    bands: list[tuple[int, int, int, int]] = []
    if rows.size == 0:
        return bands
    start = prev = int(rows[0])
    for r in [*map(int, rows[1:]), -1]:
        if r != prev + 1:
            cols = np.flatnonzero((image[start : prev + 1] < 128).any(axis=0))
            bands.append((int(cols[0]), start, int(cols[-1] - cols[0] + 1), prev + 1 - start))
            start = r
        prev = r
    return bands


class _Tesseract:
    """Stands in for ocr_image: a fixed first pass, and montage strips read as ``reread``."""

    def __init__(self, first: list[Word], reread: str | None, conf: float = 0.92) -> None:
        self.first = first
        self.reread = reread
        self.conf = conf
        self.calls: list[tuple[int, str, tuple[int, ...]]] = []
        self.montages: list[np.ndarray] = []

    def __call__(self, image, info, *, lang="eng", psm=3, timeout=60.0, rotation=0) -> OcrResult:
        self.calls.append((psm, lang, image.shape))
        h, w = image.shape[:2]
        if psm == 3:
            return OcrResult(tuple(self.first), w, h, rotation)
        self.montages.append(image)
        words = tuple(
            Word(self.reread, self.conf, Box(*band), 1, 1, i + 1)
            for i, band in enumerate(_ink_bands(image))
            if self.reread
        )
        return OcrResult(words, w, h, rotation)


def _card_of(words: list[Word]) -> np.ndarray:
    """A white card with a row of letter-like marks where each word is."""
    card = np.full((400, 800), 255, np.uint8)
    for w in words:
        b = w.box
        step = max(4, b.height * 2 // 3)
        for x in range(b.left, b.right - step // 2, step):
            card[b.top : b.bottom, x : min(b.right, x + step // 2)] = 0
    return card


GOOD = [
    Word("Jane", 0.95, Box(40, 40, 150, 30), 1, 1, 1),
    Word("Doe", 0.95, Box(210, 40, 110, 30), 1, 1, 1),
]
WEAK = Word("jxne@dce.com", 0.3, Box(40, 120, 300, 30), 1, 1, 2)
LAST = Word("Sales", 0.95, Box(40, 200, 180, 30), 1, 1, 3)


def test_a_weak_line_is_read_again_and_keeps_its_place(monkeypatch, fake_info) -> None:
    card = _card_of([*GOOD, WEAK, LAST])
    fake = _Tesseract([*GOOD, WEAK, LAST], "jane@doe.com")
    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    # One pass for the card, one for the montage of its weak line's variants.
    assert [c[0] for c in fake.calls] == [3, 6]
    assert [w.text for w in result.words] == ["Jane", "Doe", "jane@doe.com", "Sales"]
    new = result.words[2]
    assert new.line_key == WEAK.line_key
    assert new.conf == pytest.approx(0.92)
    # The box is back in the card's coordinates, where the line was printed.
    assert abs(new.box.left - 40) <= 3 and abs(new.box.top - 120) <= 3
    ink_right = int(np.flatnonzero((card[120:150] < 128).any(axis=0)).max()) + 1
    assert abs(new.box.right - ink_right) <= 3 and abs(new.box.bottom - 150) <= 3
    # Good lines are never sent again: the montage holds only the weak one (two variants).
    assert len(_ink_bands(fake.montages[0])) == 2


def test_a_rereading_that_is_no_better_leaves_the_line_alone(monkeypatch, fake_info) -> None:
    card = _card_of([*GOOD, WEAK, LAST])
    fake = _Tesseract([*GOOD, WEAK, LAST], "jxne@dce.com", conf=0.2)
    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    assert result.words[2] is WEAK


def test_a_rereading_that_loses_dots_or_digits_is_refused(monkeypatch, fake_info) -> None:
    weak = Word("www.larkspur.uk", 0.5, Box(40, 120, 300, 30), 1, 1, 2)
    card = _card_of([*GOOD, weak, LAST])
    # More confident, but the dots are gone: the host would no longer parse.
    fake = _Tesseract([*GOOD, weak, LAST], "wwwlarkspuruk", conf=0.95)
    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    assert result.words[2] is weak


def test_a_failed_rereading_keeps_the_first_pass(monkeypatch, fake_info) -> None:
    from cardscan.errors import OcrError

    card = _card_of([*GOOD, WEAK, LAST])
    first = _Tesseract([*GOOD, WEAK, LAST], None)

    def flaky(image, info, *, psm=3, **kwargs):
        if psm != 3:
            raise OcrError("Tesseract failed (exit 1): boom")
        return first(image, info, psm=psm, **kwargs)

    monkeypatch.setattr(read, "ocr_image", flaky)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    assert [w.text for w in result.words] == ["Jane", "Doe", "jxne@dce.com", "Sales"]


class _WordPerInkRun(_Tesseract):
    """Reads each run of ink in a montage strip (split at wide gaps) as one sure word."""

    def __call__(self, image, info, *, lang="eng", psm=3, timeout=60.0, rotation=0) -> OcrResult:
        if psm == 3:
            return super().__call__(image, info, psm=psm, rotation=rotation)
        words = []
        for left, top, width, height in _ink_bands(image):
            ink = image[top : top + height, left : left + width] < 128
            cols = np.flatnonzero(ink.any(axis=0))
            runs = np.split(cols, np.flatnonzero(np.diff(cols) > 15) + 1)
            for run in runs:
                rows = np.flatnonzero(ink[:, run[0] : run[-1] + 1].any(axis=1))
                box = Box(left + int(run[0]), top + int(rows[0]), len(run), len(rows))
                words.append(Word("Acme", 0.99, box, 1, 1, 1))
        return OcrResult(tuple(words), image.shape[1], image.shape[0], rotation)


def test_a_tall_weak_line_does_not_take_in_its_neighbours_words(monkeypatch, fake_info) -> None:
    # A logo and a mark beside it make a tall weak line; the band read again reaches down
    # into the company line, which must not come back a second time as the logo's words.
    tall = [
        Word("ML", 0.3, Box(40, 20, 120, 120), 1, 1, 1),
        Word("rae", 0.3, Box(600, 20, 60, 120), 1, 1, 1),
    ]
    company = [
        Word("Acme", 0.95, Box(260, 110, 120, 30), 2, 1, 1),
        Word("Ltd", 0.95, Box(400, 110, 80, 30), 2, 1, 1),
    ]
    card = _card_of([*tall, *company])
    fake = _WordPerInkRun([*tall, *company], None)
    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    reread = [w for w in result.words if w.line_key == tall[0].line_key]
    assert reread and all(w.conf == pytest.approx(0.99) for w in reread)  # it was read again
    for w in reread:
        assert not any(c.box.left <= w.box.cx <= c.box.right for c in company), w.box
    assert [w.text for w in result.words if w.line_key == company[0].line_key] == ["Acme", "Ltd"]


def test_low_confidence_marks_on_a_logo_are_dropped_but_weak_words_kept(
    monkeypatch, fake_info
) -> None:
    card = _card_of([*GOOD, LAST])
    cv2.circle(card, (650, 130), 60, 0, -1)  # a filled logo
    logo = Word("@®", 0.3, Box(590, 70, 120, 120), 2, 1, 1)
    # Separate letter-like marks: print Tesseract read badly, not a logo.
    faint = Word("Acme", 0.3, Box(40, 300, 138, 30), 3, 1, 1)
    card &= _card_of([faint])
    fake = _Tesseract([*GOOD, logo, LAST, faint], None)
    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    texts = [w.text for w in result.words]
    assert "@®" not in texts
    assert "Acme" in texts and "Jane" in texts


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe\nHead of Sales\njane@doe.com\n+1 212 555 0100", []),
        ("Felix Krebs\nVertrieb\nMusterstraße 4\nfelix@krebs.de", ["deu"]),
        ("Tél. 01 23 45 67 89\n12 rue de la Paix\nx@societe.fr", ["fra"]),
        ("Móvil +34 612 345 678\nCalle Mayor 5", ["spa"]),
        ("Via Roma 3\n+39 02 1234 5678", ["ita"]),
        ("Keizersgracht 12\nTelefoon 020 123 4567\ninfo@x.nl", ["nld"]),
        ("Rua Augusta 10\n+351 21 123 4567", ["por"]),
        # .co.jp is Japan's, not Colombia's; 00 in a postcode is no country code.
        ("t.kato@example.co.jp\n101-0054 Tokyo", []),
        ("x@example.co.uk", []),
        # One word alone is not enough evidence.
        ("Director of Sales\nPlaza Tower", []),
    ],
)
def test_card_language(text: str, expected: list[str]) -> None:
    assert read.card_language(text) == expected


def test_card_language_only_offers_installed_languages() -> None:
    assert read.card_language("x@y.fr\nrue de Rivoli", available=("deu",)) == []


def test_a_missing_language_is_said_once_and_the_card_read_in_english(
    monkeypatch, fake_info, caplog
) -> None:
    monkeypatch.setattr(read, "_WARNED", set())
    french = [
        Word("Tél.", 0.95, Box(40, 40, 80, 30), 1, 1, 1),
        Word("12", 0.95, Box(130, 40, 40, 30), 1, 1, 1),
        Word("rue", 0.95, Box(180, 40, 60, 30), 1, 1, 1),
        Word("x@societe.fr", 0.95, Box(40, 120, 300, 30), 1, 1, 2),
    ]
    card = _card_of(french)
    fake = _Tesseract(french, "jamais")
    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    with caplog.at_level(logging.WARNING, logger="cardscan.reading.read"):
        for _ in range(2):
            read.read_card(np.dstack([card] * 3), fake_info, Settings())
    warnings = [r for r in caplog.records if "fra.traineddata" in r.getMessage()]
    assert len(warnings) == 1
    assert "French" in warnings[0].getMessage() and "tesseract-ocr-fra" in warnings[0].getMessage()
    assert [c[0] for c in fake.calls] == [3, 3]  # English only, nothing read again


def test_an_installed_language_rereads_the_lines_of_words_with_it(monkeypatch) -> None:
    info = TesseractInfo("/nonexistent/tesseract", "5.5.0", "setting", None, ("eng", "fra"))
    french = [
        Word("Helene", 0.93, Box(40, 40, 200, 30), 1, 1, 1),
        Word("12", 0.95, Box(40, 120, 40, 30), 1, 1, 2),
        Word("rue", 0.95, Box(90, 120, 60, 30), 1, 1, 2),
        Word("x@societe.fr", 0.95, Box(40, 200, 300, 30), 1, 1, 3),
        Word("+33", 0.95, Box(40, 280, 60, 30), 1, 1, 4),
        Word("123", 0.95, Box(110, 280, 60, 30), 1, 1, 4),
    ]
    card = _card_of(french)
    fake = _Tesseract(french, "Hélène", conf=0.96)
    monkeypatch.setattr(read, "ocr_image", fake)
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card, (0,)))
    result = read.read_card(np.dstack([card] * 3), info, Settings())
    assert fake.calls[1][:2] == (6, "fra")
    # Lines of words went into the montage; the number-only line did not.
    assert len(_ink_bands(fake.montages[0])) == 3
    assert result.words[0].text == "Hélène"
    assert [w.text for w in result.words[-2:]] == ["+33", "123"]


# --------------------------------------------------------------------------- real Tesseract


def _render(locale: str, **printed: str) -> np.ndarray:
    """A flat card from the sample generator for an invented person, some fields set."""
    samples = load_script("make_samples")
    rng = random.Random(7)
    person = dataclasses.replace(samples.make_person(rng, locale), **printed)
    return samples.render_card(person, random.Random(3), "classic")


def _need_language(code: str) -> TesseractInfo:
    info = check_tesseract(None, "auto")
    if code not in info.languages:
        pytest.skip(
            f"{code}.traineddata is not installed (apt-get install tesseract-ocr-{code}, "
            "or put it in a folder named by CARDSCAN_TESSDATA)"
        )
    return info


@pytest.mark.tesseract
@pytest.mark.parametrize(
    ("locale", "code", "printed", "accented"),
    [
        (
            "fr_FR",
            "fra",
            {"name": "Hélène Bérard", "given": "Hélène", "family": "Bérard",
             "title": "Directrice générale", "company": "Crémerie Générale SARL"},
            ["Hélène", "Bérard", "générale"],
        ),
        (
            "es_ES",
            "spa",
            {"name": "Íñigo Muñoz", "given": "Íñigo", "family": "Muñoz",
             "title": "Jefe de Administración", "company": "Cerámica Ibáñez S.L."},
            ["Muñoz", "Administración", "Ibáñez"],
        ),
        (
            "de_DE",
            "deu",
            {"name": "Jürgen Größer", "given": "Jürgen", "family": "Größer",
             "title": "Geschäftsführer", "company": "Müller Bäckerei GmbH"},
            ["Jürgen", "Größer", "Geschäftsführer", "Müller"],
        ),
    ],
)  # fmt: skip
def test_accents_come_back_when_the_language_is_installed(
    locale: str, code: str, printed: dict[str, str], accented: list[str]
) -> None:
    info = _need_language(code)
    card = _render(locale, **printed)
    result = read.read_card(card, info, Settings(lang="auto"))
    words = set(result.text.replace(",", " ").split())
    found = [w for w in accented if w in words]
    # Tesseract's fast models may miss one; most accented words must come back right.
    assert len(found) >= len(accented) - 1, (found, result.text)
    # Boxes stay in the OCR image, where the parser's layout logic expects them.
    assert all(
        0 <= w.box.left < result.width and 0 <= w.box.top < result.height for w in result.words
    )
