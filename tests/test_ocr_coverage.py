"""scripts/ocr_coverage.py: which true values are in an OCR text, with invented cards."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import load_script

cov = load_script("ocr_coverage")

TEXT = """Ada Quill
Head of Research
NORTHWIND LABS, INC.
T +1 (415) 555-0134
ada.quill@northwind.example | www.northwind.example/about"""


def _value(kind: str, *forms: str):
    return cov.values_of(cov.bench.Truth(image=Path("card.jpg"), **{kind: forms}))[0]


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


def test_truth_is_read_as_the_bench_reads_it(tmp_path: Path) -> None:
    # Generated truth (NAME.expected.json) gives each phone as a record with its E.164 form.
    (tmp_path / "c_1.jpg").write_bytes(b"")
    record = {"name": "Ada Quill", "phones": [{"e164": "+4930901820", "raw": "030 901820"}]}
    (tmp_path / "c_1.expected.json").write_text(json.dumps(record), encoding="utf-8")
    (truth,) = cov.bench.load_truths(tmp_path)
    values = {v.kind: v for v in cov.values_of(truth)}
    assert values["phones"].forms == ("30901820",)
    assert values["name"].forms == ("Ada Quill",)
