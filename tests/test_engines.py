"""The OCR seam: --engine choices, RapidOCR's readings in the parser's records, fallbacks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import words_result

from cardscan import cli as cli_module
from cardscan.cli import cli
from cardscan.config import Settings
from cardscan.errors import ConfigError, MissingDependencyError, OcrError
from cardscan.models import Box, OcrResult, Word
from cardscan.reading import imaging, ocr, read
from cardscan.reading.ocr import rapid

# --------------------------------------------------------------------------- choosing


def test_settings_refuse_an_unknown_engine() -> None:
    with pytest.raises(ConfigError, match="not one of auto, tesseract, rapidocr"):
        Settings(engine="easyocr")


@pytest.mark.parametrize(
    ("engine", "installed", "expected"),
    [
        ("tesseract", True, ocr.TESSERACT),
        ("tesseract", False, ocr.TESSERACT),
        ("auto", True, ocr.BOTH),
        ("auto", False, ocr.TESSERACT),
        ("rapidocr", True, ocr.RAPIDOCR),
    ],
)
def test_the_seam_picks_the_engine(monkeypatch, engine, installed, expected) -> None:
    monkeypatch.setattr(rapid, "available", lambda: installed)
    if installed:
        monkeypatch.setattr(rapid, "check_rapid", lambda: None)
    assert ocr.resolve_engine(engine) == expected


def test_rapidocr_asked_for_and_missing_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setattr(rapid, "available", lambda: False)
    rapid.check_rapid.cache_clear()
    try:
        with pytest.raises(MissingDependencyError) as caught:
            ocr.resolve_engine("rapidocr")
    finally:
        rapid.check_rapid.cache_clear()
    assert "pip install rapidocr onnxruntime" in caught.value.hint


# --------------------------------------------------------------------------- reading


def _card(lines: list[tuple[str, int]]) -> tuple[np.ndarray, list[Word]]:
    """A gray card with each (text, top) line drawn, and Tesseract-like words for it."""
    card = np.full((420, 900), 255, np.uint8)
    words: list[Word] = []
    for n, (text, top) in enumerate(lines, 1):
        x = 40
        for token in text.split():
            (w, h), _ = cv2.getTextSize(token, cv2.FONT_HERSHEY_SIMPLEX, 1.2, 2)
            cv2.putText(card, token, (x, top + h), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
            words.append(Word(token, 0.9, Box(x, top, w, h + 6), 1, 1, n))
            x += w + 20
    return card, words


class _FakeRapid:
    """Stands in for rapid.recognize: each crop read as the next of ``answers``."""

    def __init__(self, answers: list[tuple[str, float]]) -> None:
        self.answers = answers
        self.crops: list[np.ndarray] = []

    def __call__(self, crops):
        self.crops += list(crops)
        return self.answers[: len(crops)]


def _tesseract_of(words: list[Word]):
    def fake(image, info, *, lang="eng", psm=3, timeout=60.0, rotation=0) -> OcrResult:
        return OcrResult(tuple(words), image.shape[1], image.shape[0], rotation)

    return fake


def _prepared(card: np.ndarray) -> imaging.PreparedCard:
    return imaging.PreparedCard(card, (0,), card, 0.0, 1.0)


def _with_fakes(monkeypatch, card, words, answers, installed=True) -> _FakeRapid:
    monkeypatch.setattr(read, "ocr_image", _tesseract_of(words))
    monkeypatch.setattr(read.imaging, "prepare_card", lambda c: _prepared(card))
    monkeypatch.setattr(rapid, "available", lambda: installed)
    fake = _FakeRapid(answers)
    monkeypatch.setattr(rapid, "recognize", fake)
    return fake


def test_auto_reads_each_line_again_and_keeps_the_place(monkeypatch, fake_info) -> None:
    card, words = _card([("Jane Doe", 40), ("jane@doe.example", 140), ("Sales", 240)])
    # Tesseract lost the @; RapidOCR reads the line right; the other two agree.
    words = [Word("jane(doe.example", 0.9, w.box, 1, 1, 2) if w.line == 2 else w for w in words]
    fake = _with_fakes(
        monkeypatch,
        card,
        words,
        [("Jane Doe", 0.99), ("jane@doe.example", 0.97), ("Sales", 0.99)],
    )
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    assert len(fake.crops) == 3
    # Each crop is the line's band: its ink, not its neighbours'.
    assert all(c.shape[0] < 80 and (c < 128).any() for c in fake.crops)
    assert result.text.splitlines() == ["Jane Doe", "jane@doe.example", "Sales"]
    new = next(w for w in result.words if "@" in w.text)
    old = next(w for w in words if w.line == 2)
    assert new.line_key == old.line_key
    assert new.box.left == old.box.left and new.box.top == old.box.top
    assert abs(new.box.right - old.box.right) <= 2


def test_a_doubtful_second_reading_is_not_taken(monkeypatch, fake_info) -> None:
    card, words = _card([("Jane Doe", 40), ("Sales", 140)])
    _with_fakes(monkeypatch, card, words, [("Jare Dce", 0.55), ("", 0.0)])
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    assert result.text.splitlines() == ["Jane Doe", "Sales"]


def test_tesseract_engine_and_missing_rapidocr_never_call_it(monkeypatch, fake_info) -> None:
    card, words = _card([("Jane Doe", 40)])
    for engine, installed in (("tesseract", True), ("auto", False)):
        fake = _with_fakes(monkeypatch, card, words, [("Other", 0.99)], installed)
        result = read.read_card(np.dstack([card] * 3), fake_info, Settings(engine=engine))
        assert fake.crops == [] and result.text == "Jane Doe"


def test_a_failed_second_reading_keeps_tesseracts(monkeypatch, fake_info) -> None:
    card, words = _card([("Jane Doe", 40)])
    _with_fakes(monkeypatch, card, words, [])

    def boom(crops):
        raise OcrError("runtime failed")

    monkeypatch.setattr(rapid, "recognize", boom)
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings())
    assert result.text == "Jane Doe"


def test_rapidocr_engine_reads_the_card_in_tesseracts_orientation(monkeypatch, fake_info) -> None:
    card, words = _card([("Jane Doe", 40)])
    _with_fakes(monkeypatch, card, words, [])
    monkeypatch.setattr(rapid, "check_rapid", lambda: None)
    seen: list[tuple[tuple[int, ...], int]] = []

    def whole(image, rotation=0):
        seen.append((image.shape, rotation))
        return words_result(["Jane Doe", "jane@doe.example"])

    monkeypatch.setattr(rapid, "read_image", whole)
    result = read.read_card(np.dstack([card] * 3), fake_info, Settings(engine="rapidocr"))
    assert seen == [(card.shape, 0)]
    assert "jane@doe.example" in result.text


@pytest.mark.parametrize(
    ("tokens", "text", "score", "expected"),
    [
        # A slip Tesseract made is mended.
        (["jxne(doe.example"], "jane@doe.example", 0.95, "jane@doe.example"),
        # Spaces the recognizer ran together come back where Tesseract had them.
        (["10115", "-", "Berlln", "e-mail:", "a@b.example"], "10115-Berline-mail: a@b.example",
         0.97, "10115 - Berlin e-mail: a@b.example"),
        # Unsure, much shorter (an icon read as a letter), an @ or digits lost: refused.
        (["Jane", "Doe"], "Jare Dce", 0.6, None),
        (["ada@quill.example", ">"], "X", 0.9, None),
        (["ada@quill.example"], "ada.quill.example", 0.99, None),
        (["+1", "555", "0100"], "+1 555 01O0", 0.99, None),
        (["Ada", "Quill", "|", "@adaquill"], "Ada Quill @adaquill", 0.98, None),
        # A doubled dot is the recognizer's, not the card's.
        (["ADA", "QUILL", "MSc."], "ADA QUILL M.Sc..", 0.99, "ADA QUILL M.Sc."),
        # Only an accent differs: the reading with the accent wins, either way.
        (["José", "Núñez"], "Jose Núñez", 0.99, None),
        (["Jose", "Nunez"], "José Núñez", 0.99, "José Núñez"),
        # As many accents but others: the sure recognizer's (Tesseract's English model
        # hardly knows them); an unsure one changes nothing.
        (["Thibault", "Riviére"], "Thibault Rivière", 0.97, "Thibault Rivière"),
        (["Thibault", "Riviére"], "Thibault Rivière", 0.85, None),
        # The same reading changes nothing.
        (["Head", "of", "Sales"], "Head of Sales", 0.99, None),
    ],
)  # fmt: skip
def test_merge_reading(tokens, text, score, expected) -> None:
    assert read.merge_reading(tokens, text, score) == expected


def test_a_line_is_read_in_segments_split_at_column_gaps(monkeypatch, fake_info) -> None:
    card, words = _card([("Jane Doe", 40)])
    far = Word("Berlin", 0.9, Box(600, 40, 120, 34), 1, 1, 1)
    fake = _with_fakes(monkeypatch, card, [*words, far], [("Jane Doe", 0.99), ("Berlin", 0.99)])
    read.read_card(np.dstack([card] * 3), fake_info, Settings(lang="eng"))
    # Two crops: the name, and the word beyond the gap, each as wide as its own words.
    assert len(fake.crops) == 2 and fake.crops[1].shape[1] < 200


def test_spread_words_lays_a_line_over_its_box() -> None:
    words = rapid.spread_words("Tel +1 555", 0.9, Box(100, 50, 200, 30))
    assert [w.text for w in words] == ["Tel", "+1", "555"]
    assert words[0].box.left == 100 and words[-1].box.right == pytest.approx(300, abs=2)
    assert all(w.box.top == 50 and w.box.height == 30 and w.conf == 0.9 for w in words)
    assert words[0].box.right < words[1].box.left < words[1].box.right < words[2].box.left


# --------------------------------------------------------------------------- the real engine


@pytest.mark.rapidocr
def test_rapidocr_returns_words_with_boxes_where_they_are_printed() -> None:
    card, printed = _card([("Jane Doe", 60), ("jane@doe.example", 200), ("555 0100", 320)])
    result = rapid.read_image(card)
    assert (result.width, result.height) == (900, 420)
    by_text = {w.text: w for w in result.words}
    for w in printed:
        got = by_text.get(w.text)
        assert got is not None, f"{w.text!r} not in {list(by_text)}"
        # Same place as it was drawn, within a few pixels of the drawn glyphs.
        assert abs(got.box.cx - w.box.cx) <= 12 and abs(got.box.cy - w.box.cy) <= 12
        assert 0.5 <= got.conf <= 1.0
    # One line id per printed line, in reading order.
    assert [line.text for line in result.lines] == ["Jane Doe", "jane@doe.example", "555 0100"]


@pytest.mark.rapidocr
def test_rapidocr_recognizes_line_crops() -> None:
    card, _ = _card([("Nordlicht Werke", 60), ("info@nordlicht.example", 200)])
    crops = [card[40:120, 20:600], card[180:260, 20:600]]
    got = rapid.recognize(crops)
    assert [text for text, _ in got] == ["Nordlicht Werke", "info@nordlicht.example"]
    assert all(score > 0.8 for _, score in got)


@pytest.mark.rapidocr
def test_rapidocr_runs_on_one_thread_from_the_wheels_models() -> None:
    engine = rapid._engine()
    info = rapid.check_rapid()
    assert str(info.models) in str(engine.cfg.Det.model_path)
    assert engine.cfg.EngineConfig.onnxruntime.intra_op_num_threads == 1
    assert engine.cfg.EngineConfig.onnxruntime.inter_op_num_threads == 1


# --------------------------------------------------------------------------- the CLI


def test_engine_option_offers_the_three_engines() -> None:
    result = CliRunner().invoke(cli, ["extract", "--engine", "easyocr", "x.jpg"])
    assert result.exit_code == 2
    assert "'auto', 'tesseract', 'rapidocr'" in result.output


def test_extract_with_a_missing_rapidocr_exits_3_before_reading(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(rapid, "available", lambda: False)
    rapid.check_rapid.cache_clear()
    photo = tmp_path / "card.jpg"
    photo.write_bytes(b"not read")
    try:
        result = CliRunner().invoke(cli, ["extract", "--engine", "rapidocr", str(photo)])
    finally:
        rapid.check_rapid.cache_clear()
    assert result.exit_code == 3
    assert "RapidOCR is not installed" in result.output and "pip install" in result.output


@pytest.mark.parametrize("installed", [True, False])
def test_doctor_says_what_reads_each_script(monkeypatch, fake_info, installed) -> None:
    monkeypatch.setattr(cli_module, "check_tesseract", lambda *a, **k: fake_info)
    monkeypatch.setattr(rapid, "available", lambda: installed)
    monkeypatch.setattr(
        cli_module, "check_rapid", lambda: rapid.RapidInfo("3.10.0", "1.32.0", rapid.Path("/m"))
    )
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = {line.split("  ")[1].strip(): line for line in result.output.splitlines()
             if line.startswith("  ") and "  " in line[2:]}  # fmt: skip
    assert "Japanese" in result.output and "Korean (Hangul)" in result.output
    if installed:
        assert "engine         auto: tesseract+rapidocr" in result.output
        assert "RapidOCR" in lines["Japanese"]
    else:
        assert "engine         auto: tesseract" in result.output
        assert "not read" in lines["Japanese"]
        assert "RapidOCR is not installed" in result.output
    assert "not read" in lines["Korean (Hangul)"]
    assert "tesseract-ocr-kor" in result.output and "CARDSCAN_TESSDATA" in result.output
