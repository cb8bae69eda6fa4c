"""scripts/ocr_coverage.py: which true values are in an OCR text, with invented cards."""

from __future__ import annotations

from conftest import load_script

cov = load_script("ocr_coverage")

TEXT = """Ada Quill
Head of Research
NORTHWIND LABS, INC.
T +1 (415) 555-0134
ada.quill@northwind.example | www.northwind.example/about"""


def _value(kind: str, *forms: str):
    return cov.values_of({kind: list(forms)})[0]


def test_values_are_found_however_they_are_spaced_and_cased() -> None:
    assert cov.present(_value("emails", "ada.quill@northwind.example"), TEXT)
    assert cov.present(_value("websites", "https://www.northwind.example"), TEXT)
    assert cov.present(_value("phones", "+14155550134"), TEXT)
    assert cov.present(_value("name", "Quill Ada"), TEXT)  # any word order
    assert cov.present(_value("company", "Northwind Labs Inc", "Northwind"), TEXT)


def test_values_missing_or_misread_are_not_found() -> None:
    assert not cov.present(_value("emails", "bo.lind@eastgate.example"), TEXT)
    assert not cov.present(_value("phones", "+14155550199"), TEXT)
    # Accents count: a name printed with one is not found in a text without it.
    assert not cov.present(_value("name", "Adá Quill"), TEXT)
    # Digits split over two lines are not one number.
    assert not cov.present(_value("phones", "+14155550134"), "T +1 (415)\n555-0134")


def test_generated_truth_phones_are_records() -> None:
    values = cov.values_of({"phones": [{"e164": "+4930901820", "raw": "030 901820"}]})
    assert values[0].forms == ("30901820",)
