"""Importer tests on invented files laid out like each CRM's export (see importers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardscan.book.importers import (
    ImportFileError,
    detect_format,
    parse_mapping,
    read_contacts,
    read_roster,
)
from cardscan.errors import ConfigError
from cardscan.models import PhoneType


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,"
    "Job Title,Website URL,Contact owner,Lifecycle Stage\n"
    "101,Odile,Marmot,odile@brasswick.example,(212) 555-0142,,Brasswick Inc.,CTO,"
    "https://brasswick.example/,Sam Owner,lead\n"
    "102,Teodor,Quill,TEODOR.Quill@Pelican.example,,+1 212 555 0199,Pelican Freight,"
    "Buyer,,Sam Owner,customer\n"
)


def test_hubspot_export_with_bom(tmp_path):
    p = write(tmp_path, "hubspot.csv", "\ufeff" + HUBSPOT)
    r = read_contacts(p)
    assert r.format == "hubspot"
    assert r.errors == ()
    assert r.encoding == "utf-8"
    a, b = r.contacts
    assert a.name is not None and a.name.value == "Odile Marmot"
    assert (a.given_name, a.family_name) == ("Odile", "Marmot")
    assert a.company is not None and a.company.value == "Brasswick Inc."
    assert a.title is not None and a.title.value == "CTO"
    assert [f.value for f in a.emails] == ["odile@brasswick.example"]
    assert [(f.value.e164, f.value.type) for f in a.phones] == [("+12125550142", PhoneType.WORK)]
    assert [f.value for f in a.websites] == ["brasswick.example"]
    assert {f.source for f in (a.name, a.company, *a.emails, *a.phones)} == {"import:hubspot"}
    assert [f.value for f in b.emails] == ["teodor.quill@pelican.example"]
    assert b.phones[0].value.type is PhoneType.MOBILE
    assert [e.line for e in r.entries] == [2, 3]


def test_salesforce_api_names(tmp_path):
    text = (
        "Id,FirstName,LastName,Title,Email,Phone,MobilePhone,Account.Name,MailingCity,"
        "MailingCountry,Description\n"
        "0031x,Ines,Carvalho,Head of Sales,ines@ondamar.example,+49 30 901820,,Ondamar GmbH,"
        'Berlin,Germany,"Met at the fair.\nWants a demo."\n'
    )
    r = read_contacts(write(tmp_path, "sf.csv", text))
    assert r.format == "salesforce"
    (c,) = r.contacts
    assert c.company is not None and c.company.value == "Ondamar GmbH"
    assert c.phones[0].value.e164 == "+4930901820"
    assert c.address is not None and c.address.value == "Berlin, Germany"
    assert r.entries[0].note == "Met at the fair.\nWants a demo."


def test_salesforce_report_labels_are_not_taken_for_hubspot():
    headers = ["Contact ID", "First Name", "Last Name", "Account Name", "Email", "Mobile"]
    assert detect_format(headers) == "salesforce"


def test_google_contacts_export(tmp_path):
    text = (
        "First Name,Middle Name,Last Name,Organization Name,Organization Title,Notes,Labels,"
        "E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,"
        "Phone 2 - Label,Phone 2 - Value,Website 1 - Label,Website 1 - Value\n"
        'Aurelio,,Nardi,Talvero Ltd,Founder,"Likes sailing",* myContacts ::: Suppliers,'
        "* Work,aurelio@talvero.example ::: a.nardi@mailbox.example,Mobile,+44 20 7946 0321,"
        "Work Fax,+44 20 7946 0322,,www.talvero.example\n"
    )
    r = read_contacts(write(tmp_path, "google.csv", text))
    assert r.format == "google"
    (c,) = r.contacts
    assert [f.value for f in c.emails] == ["aurelio@talvero.example", "a.nardi@mailbox.example"]
    assert [(f.value.e164, f.value.type) for f in c.phones] == [
        ("+442079460321", PhoneType.MOBILE),
        ("+442079460322", PhoneType.FAX),
    ]
    assert c.title is not None and c.title.value == "Founder"
    assert r.entries[0].tags == ("Suppliers",)
    assert r.entries[0].note == "Likes sailing"


def test_outlook_export_in_windows_1252_with_semicolons(tmp_path):
    text = (
        '"Title";"First Name";"Last Name";"Company";"Job Title";"E-mail Address";'
        '"Business Phone";"Mobile Phone";"Categories"\n'
        '"Dr.";"Zoë";"Brûlé";"Quillfeather SARL";"Directrice";"zoe@quillfeather.example";'
        '"+49 30 901820";"";"Press;VIP"\n'
    )
    r = read_contacts(write(tmp_path, "outlook.csv", text, "cp1252"))
    assert r.format == "outlook"
    assert r.encoding == "cp1252"
    (c,) = r.contacts
    assert c.name is not None and c.name.value == "Zoë Brûlé"  # "Dr." is the honorific
    assert c.title is not None and c.title.value == "Directrice"
    assert r.entries[0].tags == ("Press", "VIP")


def test_unknown_layout_needs_a_mapping(tmp_path):
    text = "Who,Reach at,Works for\nNadia Fenwick,nadia@fenwick.example,Fenwick & Sons\n"
    p = write(tmp_path, "odd.csv", text)
    with pytest.raises(ImportFileError, match="--map"):
        read_contacts(p)
    r = read_contacts(p, parse_mapping("Who=name,Reach at=email,Works for=company"))
    assert r.format == "csv"
    (c,) = r.contacts
    assert (c.given_name, c.family_name) == ("Nadia", "Fenwick")
    assert [f.source for f in c.emails] == ["import:csv"]


def test_a_mapped_column_the_file_lacks_is_a_usage_error(tmp_path):
    path = write(tmp_path, "odd.csv", "Person,Mail\nLena Voss,lena@voss.example\n")
    with pytest.raises(ConfigError, match="'Persn'") as info:
        read_contacts(path, parse_mapping("Persn=name,Mail=email"))
    assert info.value.exit_code == 2 and "Person, Mail" in (info.value.hint or "")


def test_parse_mapping_rejects_unknown_fields():
    mapping = parse_mapping("Full Name=name, E-mail = email")
    assert mapping == {"Full Name": "name", "E-mail": "email"}
    with pytest.raises(ConfigError):
        parse_mapping("Full Name=fullname")
    with pytest.raises(ConfigError):
        parse_mapping("Full Name")


def test_invalid_values_are_left_out_with_a_warning(tmp_path):
    text = "Name,Email,Phone\nLena Voss,lena@@voss,555-0142\n"
    r = read_contacts(write(tmp_path, "plain.csv", text))
    (c,) = r.contacts
    assert c.emails == ()
    assert c.phones[0].value.e164 is None  # kept as printed, flagged
    assert [w.line for w in r.warnings] == [2, 2]
    assert "lena@@voss" in str(r.warnings[0])


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(ImportFileError, match="no such file"):
        read_contacts(tmp_path / "nope.csv")
    with pytest.raises(ImportFileError, match="empty"):
        read_contacts(write(tmp_path, "empty.csv", "\n\n"))


def test_a_binary_file_is_refused_as_not_text(tmp_path):
    sheet = tmp_path / "contacts.xlsx"
    sheet.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4)
    with pytest.raises(ImportFileError, match="not a text file") as info:
        read_contacts(sheet)
    assert "CSV" in (info.value.hint or "")


def test_a_phone_with_its_country_code_is_not_blamed_on_the_region(tmp_path):
    r = read_contacts(write(tmp_path, "p.csv", "Name,Phone\nLena Voss,+44 7700 00\n"))
    assert [w.message for w in r.warnings] == ["phone '+44 7700 00' is not a valid number"]


def test_a_vcard_without_the_vcard_reader_is_an_import_error(tmp_path, monkeypatch):
    import importlib

    real = importlib.import_module

    def no_vcard(name, *args):
        if name == "cardscan.vcard":
            raise ModuleNotFoundError("No module named 'cardscan.vcard'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_vcard)
    path = write(tmp_path, "people.vcf", "BEGIN:VCARD\r\nFN:Ines\r\nEND:VCARD\r\n")
    with pytest.raises(ImportFileError, match="cannot read vCard") as info:
        read_contacts(path)
    assert info.value.exit_code == 4


ROSTER = (
    "Name,Email,Company\n"  # 1
    "Mirela Dobos,mirela@pelican.example,Pelican Freight\n"  # 2
    "Jonas Ek,jonas@talvero.example,Talvero, Ltd\n"  # 3: unquoted comma
    'Priya Raman,priya@brasswick.example,"Brasswick\n'  # 4: quote never closed
    "Hugo Lenz,hugo@ondamar.example,Ondamar\n"  # 5
    ",,Nobody Inc\n"  # 6: no name, no e-mail
    "Carla Mendes,carla@@mendes,Mendes Lda\n"  # 7: broken e-mail
    "\n"  # 8: blank
    'Tomas Ruiz,tomas@quill.example,"Quill, Feather & Co"\n'  # 9
)


def test_roster_reports_broken_rows_by_line_and_imports_the_rest(tmp_path):
    r = read_roster(write(tmp_path, "roster.csv", ROSTER))
    assert r.format == "csv"
    names = [c.name.value for c in r.contacts if c.name]
    assert names == ["Mirela Dobos", "Hugo Lenz", "Tomas Ruiz"]
    assert [e.line for e in r.entries] == [2, 5, 9]
    assert [p.line for p in r.errors] == [3, 4, 6, 7]
    assert r.contacts[2].company is not None
    assert r.contacts[2].company.value == "Quill, Feather & Co"


def test_eventbrite_attendee_export(tmp_path):
    text = (
        "Order #,Order Date,First Name,Last Name,Email,Quantity,Ticket Type,Attendee #,"
        "Attendee Status,Company,Job Title,Cell Phone\n"
        "9001,2026-03-01,Ada,Kowal,ada@kowal.example,1,Early bird,1,Attending,Kowal AG,CEO,"
        "+49 30 901820\n"
        "9002,2026-03-02,Ben,Stroud,ben@stroud.example,1,General,2,Refunded,,,\n"
        "9003,2026-03-02,Cleo,,,1,General,3,Attending,,,\n"
    )
    r = read_roster(write(tmp_path, "eventbrite.csv", text))
    assert r.format == "eventbrite"
    assert [c.name.value for c in r.contacts if c.name] == ["Ada Kowal", "Cleo"]
    assert r.entries[0].tags == ("ticket:Early bird",)  # a tag that says it was a ticket type
    assert r.contacts[0].phones[0].value.type is PhoneType.MOBILE
    assert [s.line for s in r.skipped] == [3]
    assert r.errors == ()


def test_roster_without_name_or_email_columns_is_refused(tmp_path):
    with pytest.raises(ImportFileError, match="no column"):
        read_roster(write(tmp_path, "r.csv", "Ticket,Seat\nA,1\n"))


def test_vcard_file_goes_through_vcard_module(tmp_path):
    pytest.importorskip("cardscan.vcard")
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ines Carvalho\r\nN:Carvalho;Ines;;;\r\n"
        "ORG:Ondamar\r\nEMAIL;TYPE=work:ines@ondamar.example\r\nNOTE:met in Lisbon\r\n"
        "CATEGORIES:press\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Hugo Lenz\r\nEMAIL:hugo@lenz.example\r\nEND:VCARD\r\n"
    )
    r = read_contacts(write(tmp_path, "people.vcf", text))
    assert r.format == "vcard"
    assert [c.name.value for c in r.contacts if c.name] == ["Ines Carvalho", "Hugo Lenz"]
    assert r.contacts[0].emails[0].source == "import:vcard"
    assert r.entries[0].note == "met in Lisbon"
    assert r.entries[0].tags == ("press",)
