"""contacts.csv: columns, spreadsheet safety, quoting."""

from __future__ import annotations

import csv
import io

import pytest

from cardscan.export import CONTACT_COLUMNS, safe_cell, write_contacts_csv
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType


def _result(**contact: object) -> CardResult:
    return CardResult(source="a.jpg", contact=Contact(**contact))  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["=1+2", "+1 555", "-2", "@SUM(A1)", "\t=x", "\r=x"])
def test_formula_prefixes_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Jane", "", "1+2", "a=b", None])
def test_ordinary_values_are_untouched(value: str | None) -> None:
    assert safe_cell(value) == (value or "")


def test_rows_split_phones_by_type_and_quote_safely() -> None:
    phones = (
        Field(Phone("(415) 555-0100", "+14155550100", PhoneType.WORK, True), 0.9),
        Field(Phone("415 555 0199", "+14155550199", PhoneType.MOBILE, True), 0.9),
        Field(Phone("415 555 0101", "+14155550101", PhoneType.FAX, True), 0.9),
        Field(Phone("415 555 0102", "+14155550102", PhoneType.WORK, True), 0.9),
    )
    result = _result(
        name=Field('=HYPERLINK("http://x")', 0.4),
        company=Field('Doe, "Smith" & Sons\nLtd', 0.9),
        emails=(Field("jane@doe.com", 0.99), Field("j@doe.com", 0.99)),
        phones=phones,
    )
    failed = CardResult(source="b.jpg", status=CardStatus.FAILED, error="not an image")
    buffer = io.StringIO(newline="")
    assert write_contacts_csv([result, failed], buffer, threshold=0.6) == 2
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert list(rows[0]) == list(CONTACT_COLUMNS)
    row = rows[0]
    assert row["name"].startswith("'=")
    assert row["company"] == 'Doe, "Smith" & Sons\nLtd'
    assert row["email"] == "jane@doe.com" and row["other_emails"] == "j@doe.com"
    assert row["work_phone"] == "'+14155550100"
    assert row["mobile_phone"] == "'+14155550199"
    assert row["fax"] == "'+14155550101"
    assert row["other_phones"] == "'+14155550102"
    assert row["needs_check"] == "name"
    assert rows[1]["status"] == "failed" and rows[1]["error"] == "not an image"


def test_phone_extensions_are_kept() -> None:
    phone = Phone("(415) 555-0123 x204", "+14155550123", PhoneType.WORK, True, "204")
    buffer = io.StringIO(newline="")
    write_contacts_csv([_result(phones=(Field(phone, 0.9),))], buffer)
    row = next(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert row["work_phone"] == "'+14155550123 x204"
