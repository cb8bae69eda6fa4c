"""The Tesseract wrapper: binary discovery, error translation, TSV → words."""

from __future__ import annotations

import numpy as np
import pytest

from cardscan import ocr
from cardscan.errors import MissingDependencyError, OcrError, OcrTimeoutError
from cardscan.ocr import check_tesseract, ocr_image, result_from_data

TSV = {
    "level": [1, 5, 5, 5, 4],
    "block_num": [0, 1, 1, 2, 2],
    "par_num": [0, 1, 1, 1, 1],
    "line_num": [0, 1, 1, 1, 1],
    "text": ["", "Jane", "Doe", "  ", "x"],
    "conf": [-1, 96.5, 91, 50, -1],
    "left": [0, 10, 80, 5, 0],
    "top": [0, 20, 21, 90, 0],
    "width": [640, 60, 50, 5, 0],
    "height": [480, 20, 19, 5, 0],
}


def test_result_from_data_keeps_only_real_words() -> None:
    result = result_from_data(TSV, 640, 480)
    assert [w.text for w in result.words] == ["Jane", "Doe"]
    assert result.words[0].conf == pytest.approx(0.965)
    assert result.words[1].box.left == 80
    assert result.text == "Jane Doe"


def test_result_roundtrips_through_dict() -> None:
    result = result_from_data(TSV, 640, 480, rotation=90)
    again = type(result).from_dict(result.to_dict())
    assert again == result


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("tesseract 5.5.2-23-g397887\n leptonica-1.88.0", (5, 5, 2)),
        ("tesseract v5.0.0-alpha.20210811\n", (5, 0, 0)),
        ("tesseract 4.1.1\n", (4, 1, 1)),
        ("garbage", ()),
    ],
)
def test_parse_version(version: str, expected: tuple[int, ...]) -> None:
    assert ocr._parse_version(version) == expected


def test_missing_binary_names_the_fix(tmp_path, monkeypatch) -> None:
    check_tesseract.cache_clear()
    monkeypatch.delenv("CARDSCAN_TESSERACT", raising=False)
    with pytest.raises(MissingDependencyError) as info:
        check_tesseract(str(tmp_path / "no-such-tesseract"))
    assert "not found" in info.value.message
    assert "apt-get install tesseract-ocr" in (info.value.hint or "")
    assert info.value.exit_code == 3
    check_tesseract.cache_clear()


def test_too_old_binary_is_refused(tmp_path) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\necho 'tesseract 3.05.02'\n")
    fake.chmod(0o755)
    check_tesseract.cache_clear()
    with pytest.raises(MissingDependencyError, match="too old"):
        check_tesseract(str(fake))
    check_tesseract.cache_clear()


def test_missing_language_says_how_to_add_it(tmp_path) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n'
        "echo 'List of available languages in \"/x/\" (1):'\necho eng\n"
    )
    fake.chmod(0o755)
    check_tesseract.cache_clear()
    info = check_tesseract(str(fake), "eng")
    assert info.languages == ("eng",)
    with pytest.raises(MissingDependencyError) as err:
        check_tesseract(str(fake), "eng+fra")
    assert "fra" in err.value.message
    assert "fra.traineddata" in (err.value.hint or "")
    check_tesseract.cache_clear()


class _Boom:
    """Stands in for pytesseract with a chosen failure."""

    Output = ocr.pytesseract.Output
    TesseractError = ocr.pytesseract.TesseractError
    TesseractNotFoundError = ocr.pytesseract.TesseractNotFoundError

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
        self.pytesseract = type("P", (), {"tesseract_cmd": ""})()

    def image_to_data(self, *args: object, **kwargs: object) -> dict[str, list[object]]:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RuntimeError("Tesseract process timeout"), OcrTimeoutError),
        (ocr.pytesseract.TesseractError(1, "Error in pixReadMem"), OcrError),
        (ocr.pytesseract.TesseractNotFoundError(), MissingDependencyError),
        (SystemExit("Invalid tesseract version"), MissingDependencyError),
    ],
)
def test_failures_become_named_errors(monkeypatch, fake_info, exc, expected) -> None:
    monkeypatch.setattr(ocr, "pytesseract", _Boom(exc))
    with pytest.raises(expected):
        ocr_image(np.full((40, 40), 255, np.uint8), fake_info, timeout=1)


def test_empty_page_is_an_empty_result_not_an_error(monkeypatch, fake_info) -> None:
    monkeypatch.setattr(
        ocr, "pytesseract", _Boom(ocr.pytesseract.TesseractError(1, "Empty page!!"))
    )
    result = ocr_image(np.full((40, 50), 255, np.uint8), fake_info)
    assert result.words == () and (result.width, result.height) == (50, 40)


@pytest.mark.tesseract
def test_real_tesseract_reads_rendered_text() -> None:
    import cv2

    image = np.full((160, 900), 255, np.uint8)
    cv2.putText(image, "hello cardscan 2026", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 4)
    info = check_tesseract()
    result = ocr_image(image, info, psm=7, timeout=30)
    text = result.text.lower()
    assert "hello" in text and "cardscan" in text
    assert all(0 <= w.conf <= 1 for w in result.words)
