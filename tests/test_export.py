"""contacts.csv and the address-book exports: columns, spreadsheet safety, quoting."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from cardscan.book.entries import Entry
from cardscan.book.store import Event, Meeting, StoredContact, StoredValue
from cardscan.errors import ConfigError
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType
from cardscan.outputs.export import (
    CONTACT_COLUMNS,
    CSV_COLUMNS,
    CSV_FORMATS,
    EXPORT_FORMATS,
    FORMULA_PREFIXES,
    UNKNOWN_COMPANY,
    export_entries,
    phone_text,
    safe_cell,
    safe_phone_cell,
    write_contacts_csv,
)


def _result(**contact: object) -> CardResult:
    return CardResult(source="a.jpg", contact=Contact(**contact))  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["=1+2", "+1 555", "-2", "@SUM(A1)", "\t=x", "\r=x", " =x"])
def test_formula_prefixes_are_neutralised(value: str) -> None:
    # Tab and CR are control characters, taken out (tab as a space, CR as a line break).
    assert safe_cell(value) == "'" + value.replace("\t", " ").replace("\r", "\n")


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
    # Written as every export writes a valid number (text in a spreadsheet, no apostrophe).
    assert row["work_phone"] == "+1 4155550100"
    assert row["mobile_phone"] == "+1 4155550199"
    assert row["fax"] == "+1 4155550101"
    assert row["other_phones"] == "+1 4155550102"
    assert row["needs_check"] == "name"
    assert rows[1]["status"] == "failed" and rows[1]["error"] == "not an image"


def test_phone_extensions_are_kept() -> None:
    phone = Phone("(415) 555-0123 x204", "+14155550123", PhoneType.WORK, True, "204")
    buffer = io.StringIO(newline="")
    write_contacts_csv([_result(phones=(Field(phone, 0.9),))], buffer)
    row = next(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert row["work_phone"] == "+1 4155550123 x204"


# --- address-book exports (export_entries) ------------------------------------------------------

# Each importer's documented columns, transcribed from the source named (not imported from
# cardscan.outputs.export, so that a typo there fails here).

#: Salesforce Help, "Field Mapping for Importing Leads" (Data Import Wizard labels).
SALESFORCE_DOCUMENTED = {
    "Annual Revenue", "City", "Company", "Country", "Currency ISO Code", "Description",
    "Email", "Email Opt Out", "No. of Employees", "Fax", "Full Name", "First Name",
    "Last Name", "Industry", "Lead Division", "Lead ID", "Lead Source", "Lead Status",
    "Mobile Phone", "Phone", "Postal Code", "Rating", "Record Owner", "Salutation",
    "State/Province", "Street", "Title", "Website",
}  # fmt: skip
#: Microsoft Support, "Create or edit .csv files to import into Outlook" (sample header).
OUTLOOK_DOCUMENTED = {
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business Street 3", "Business City",
    "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
    "Home City", "Home State", "Home Postal Code", "Home Country/Region", "Other Street",
    "Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Callback",
    "Car Phone", "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN",
    "Mobile Phone", "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone",
    "TTY/TDD Phone", "Telex", "Anniversary", "Birthday", "Categories", "E-mail Address",
    "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
    "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Notes", "Web Page",
}  # fmt: skip
#: Zoho CRM Help, "Standard Fields in Leads".
ZOHO_DOCUMENTED = {
    "Lead Owner", "Salutation", "First Name", "Title", "Last Name", "Company", "Lead Source",
    "Industry", "Annual Revenue", "Phone", "Mobile", "Fax", "Email", "Secondary Email",
    "Skype ID", "Website", "Lead Status", "Rating", "No. of Employees", "Email Opt Out",
    "Street", "City", "State", "Zip Code", "Country", "Description", "Twitter",
}  # fmt: skip
#: HubSpot default contact property labels (Knowledge Base, "Set up your import files";
#: "Lead Source" and "Notes" are the custom properties the export asks the wizard to create).
HUBSPOT_DOCUMENTED = {
    "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Fax Number",
    "Job Title", "Company Name", "Website URL", "Street Address", "City", "State/Region",
    "Postal Code", "Country/Region", "Lifecycle Stage", "Lead Status", "Contact owner",
}  # fmt: skip
HUBSPOT_CUSTOM = {"Lead Source", "Notes"}
#: Pipedrive's people export / import field names ("Person - …", "Organization - …", "Note - …").
PIPEDRIVE_DOCUMENTED = {
    "Person - Name", "Person - First name", "Person - Last name", "Person - Job title",
    "Person - Email - Work", "Person - Email - Home", "Person - Email - Other",
    "Person - Phone - Work", "Person - Phone - Mobile", "Person - Phone - Home",
    "Person - Phone - Other", "Person - Postal address", "Person - Labels",
    "Organization - Name", "Note - Content",
}  # fmt: skip
#: Google Contacts export header: fixed columns, then numbered "X n - Label/Value" pairs.
GOOGLE_DOCUMENTED = {
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
    "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As",
    "Organization Name", "Organization Title", "Organization Department", "Birthday",
    "Notes", "Photo", "Labels",
}  # fmt: skip
GOOGLE_NUMBERED = re.compile(
    r"^(E-mail|Phone|Website) \d+ - (Label|Value)$|^Address \d+ - (Label|Formatted)$"
)

DOCUMENTED = {
    "salesforce": SALESFORCE_DOCUMENTED,
    "outlook": OUTLOOK_DOCUMENTED,
    "zoho": ZOHO_DOCUMENTED,
    "hubspot": HUBSPOT_DOCUMENTED | HUBSPOT_CUSTOM,
    "pipedrive": PIPEDRIVE_DOCUMENTED,
}


def _value(kind: str, value: str, type_: str | None = None, ext: str | None = None) -> StoredValue:
    return StoredValue(0, kind, value, value, type_, ext, 0.9, "ocr", "2026-01-02", "2026-01-02")


def _entry(cid: int = 1, **fields: object) -> Entry:
    base: dict[str, object] = {
        "name": "Maren Lindqvist",
        "given_name": "Maren",
        "family_name": "Lindqvist",
        "title": "Head of Sales",
        "company": "Brightwater Ltd",
        "address": None,
    }
    base.update(fields)
    values = base.pop("values", ())
    tags = base.pop("tags", ())
    notes = base.pop("notes", ())
    contact = StoredContact(
        cid, source="ocr", created_at="2026-01-02", seen_at="2026-01-02", merged_into=None,
        values=values, tags=tags, notes=notes, **base,  # type: ignore[arg-type]
    )  # fmt: skip
    event = Event(3, "Founders Mixer", "2026-01-02", "Lisbon", "2026-01-01")
    return Entry(contact, meetings=(Meeting(event, "2026-01-02", 1, "a.jpg"),))


def _export(entries: list[Entry], fmt: str, **kwargs: object) -> tuple[bytes, list[dict[str, str]]]:
    buffer = io.BytesIO()
    assert export_entries(entries, fmt, buffer, **kwargs) == len(entries)  # type: ignore[arg-type]
    data = buffer.getvalue()
    text = data.decode("utf-8-sig")
    return data, list(csv.DictReader(io.StringIO(text, newline="")))


FULL = _entry(
    values=(
        _value("email", "maren@brightwater.example"),
        _value("email", "m.l@brightwater.example"),
        _value("email", "ml@home.example"),
        _value("email", "sales@brightwater.example"),
        _value("phone", "+14155550100", "work", "204"),
        _value("phone", "+14155550101", "work"),
        _value("phone", "+14155550102", "work"),
        _value("phone", "+14155550199", "mobile"),
        _value("phone", "+14155550110", "fax"),
        _value("phone", "+18003569377", "toll-free"),
        _value("phone", "+14155550120", "other"),
        _value("website", "brightwater.example"),
        _value("website", "blog.brightwater.example"),
        _value("social", "linkedin.com/in/marenl"),
    ),
    tags=("hot",),
)


@pytest.mark.parametrize("fmt", sorted(DOCUMENTED))
def test_headers_are_the_importers_documented_columns(fmt: str) -> None:
    _, rows = _export([FULL], fmt)
    assert set(rows[0]) <= DOCUMENTED[fmt]


def test_google_header_is_its_fixed_and_numbered_columns() -> None:
    _, rows = _export([FULL], "google")
    header = list(rows[0])
    assert all(h in GOOGLE_DOCUMENTED or GOOGLE_NUMBERED.match(h) for h in header)
    # Enough numbered columns for every value of the fullest contact.
    assert "E-mail 4 - Value" in header and "Phone 7 - Value" in header
    assert "Website 3 - Value" in header


@pytest.mark.parametrize("fmt", ["salesforce", "zoho"])
def test_required_lead_fields_are_filled(fmt: str) -> None:
    nameless = _entry(
        2, name=None, given_name=None, family_name=None, company=None,
        values=(_value("email", "info@anon.example"),),
    )  # fmt: skip
    _, rows = _export([FULL, nameless], fmt)
    assert all(r["Last Name"] and r["Company"] for r in rows)
    assert rows[1]["Company"] == UNKNOWN_COMPANY
    assert rows[1]["Last Name"] == "info@anon.example"


def test_hubspot_rows_have_email_or_both_names() -> None:
    _, rows = _export([FULL, _entry(2, values=())], "hubspot")
    assert all(r["Email"] or (r["First Name"] and r["Last Name"]) for r in rows)
    assert rows[0]["Lifecycle Stage"] == "Lead"
    assert rows[0]["Lead Source"] == "Business card: Founders Mixer"


@pytest.mark.parametrize("fmt", ["hubspot", "salesforce", "google", "outlook", "zoho", "pipedrive"])
def test_no_value_is_lost(fmt: str) -> None:
    """Every value is in a column of its own or on a line of the note."""
    _, rows = _export([FULL], fmt)
    text = "\n".join(rows[0].values())
    for v in FULL.contact.values:
        shown = v.value if v.kind != "phone" else phone_text(v)
        assert shown in text, (fmt, v)
    assert "Met at Founders Mixer (Lisbon) on 2026-01-02." in text
    assert "Business card: Founders Mixer" in text  # the lead source


def test_values_without_a_column_go_to_the_note_with_their_type() -> None:
    _, rows = _export([FULL], "salesforce")
    row = rows[0]
    assert row["Email"] == "maren@brightwater.example"
    assert (row["Phone"], row["Mobile Phone"], row["Fax"]) == (
        "+1 4155550100 x204",
        "+1 4155550199",
        "+1 4155550110",
    )
    lines = row["Description"].splitlines()
    assert "E-mail: m.l@brightwater.example" in lines
    assert "Phone (work): +1 4155550101" in lines
    assert "Phone (toll-free): +1 8003569377" in lines
    assert "Social: linkedin.com/in/marenl" in lines


@pytest.mark.parametrize(
    ("e164", "ext", "written"),
    [
        ("+14155550100", None, "+1 4155550100"),
        ("+14155550100", "204", "+1 4155550100 x204"),
        ("+442079460958", None, "+44 2079460958"),
        ("+819012345678", None, "+81 9012345678"),
    ],
)
def test_phones_are_written_as_text_no_spreadsheet_evaluates(
    e164: str, ext: str | None, written: str
) -> None:
    value = _value("phone", e164, "work", ext)
    assert phone_text(value) == written
    # Importable as is: no apostrophe a CRM would keep in the number.
    assert safe_phone_cell(written) == written


@pytest.mark.parametrize("text", ["+1+1", "+HYPERLINK(1)", "=1+1", "-2", "+14155550100", "@x"])
def test_anything_else_in_a_phone_column_is_neutralised(text: str) -> None:
    assert safe_phone_cell(text) == "'" + text


def test_an_invalid_phone_is_written_as_printed_and_neutralised() -> None:
    odd = _entry(values=(StoredValue(0, "phone", "5550100", "+555-0100", "work", None, 0.5,
                                     "ocr", "2026-01-02", "2026-01-02"),))  # fmt: skip
    _, rows = _export([odd], "hubspot")
    assert rows[0]["Phone Number"] == "'+555-0100"


@pytest.mark.parametrize("fmt", sorted(CSV_FORMATS))
def test_csv_is_utf8_crlf_quoted_and_optionally_bom(fmt: str) -> None:
    tricky = _entry(
        name="Zoë O'Brien", given_name="Zoë", family_name="O'Brien", company='Doe, "Smith"\nLtd',
        notes=("=cmd|' /C calc'!A0",), values=(_value("email", "zoe@doe.example"),),
    )  # fmt: skip
    data, rows = _export([tricky], fmt)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.split(b"\r\n", 1)[0].count(b"\n") == 0  # CRLF row ends
    assert "Zoë".encode() in data
    assert 'Doe, "Smith"\nLtd' in rows[0].values()
    with_bom, rows_bom = _export([tricky], fmt, bom=True)
    assert with_bom == b"\xef\xbb\xbf" + data and rows_bom == rows
    # No cell of any row starts with a formula character.
    assert not any(c.startswith(FORMULA_PREFIXES) for r in rows for c in r.values())


def test_everything_csv_has_one_row_per_contact_with_all_values() -> None:
    _, rows = _export([FULL, _entry(2)], "csv")
    assert len(rows) == 2 and list(rows[0]) == list(CSV_COLUMNS)
    row = rows[0]
    assert row["emails"].split("; ")[0] == "maren@brightwater.example"
    assert "work: +1 4155550100 x204" in row["phones"].split("; ")
    assert row["tags"] == "hot" and row["lead_source"] == "Business card: Founders Mixer"
    assert row["first_met"] == "2026-01-02 Founders Mixer"


def test_jsonl_has_everything_one_object_per_line() -> None:
    buffer = io.BytesIO()
    assert export_entries([FULL, _entry(2)], "jsonl", buffer) == 2
    lines = buffer.getvalue().decode("utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["id"] == 1 and first["lead_source"] == "Business card: Founders Mixer"
    assert len(first["values"]) == len(FULL.contact.values)
    assert first["values"][4]["ext"] == "204" and first["values"][4]["type"] == "work"
    assert first["meetings"][0]["event"]["name"] == "Founders Mixer"


@pytest.mark.parametrize(
    ("fmt", "kwargs", "words"),
    [
        ("excel", {}, "unknown export format"),
        ("vcard", {"vcard_version": "2.1"}, "not supported"),
        ("vcard", {"bom": True}, "CSV exports"),
        ("jsonl", {"bom": True}, "CSV exports"),
    ],
)
def test_bad_options_are_config_errors_with_a_hint(
    fmt: str, kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError, match=words) as info:
        export_entries([FULL], fmt, io.BytesIO(), **kwargs)  # type: ignore[arg-type]
    assert info.value.hint


def test_export_formats_are_the_documented_list() -> None:
    assert EXPORT_FORMATS == (
        "hubspot", "salesforce", "google", "outlook", "zoho", "pipedrive", "vcard", "jsonl", "csv",
        "truth",
    )  # fmt: skip
