"""Export → ``cardscan import`` round trips: every CRM CSV layout and vCard give back the contacts.

The people are invented (Faker with a fixed seed, plus hand-made hard cases); each export is
read back by :func:`cardscan.book.importers.read_contacts`, which must recognise the layout by its
headers alone, and compared field by field.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import vobject  # type: ignore[import-untyped]
from faker import Faker

from cardscan.book.entries import Entry
from cardscan.book.importers import ImportedContact, read_contacts
from cardscan.book.store import Event, Meeting, StoredContact, StoredValue
from cardscan.crm import UNKNOWN_COMPANY
from cardscan.outputs.export import CSV_FORMATS, export_entries
from cardscan.vcard import read_vcards

CRM_FORMATS = ("hubspot", "salesforce", "google", "outlook", "zoho", "pipedrive")

_EVENT = Event(1, "Harbour Tech Night", "2026-03-12", "Porto", "2026-03-01T09:00:00")


def value(kind: str, value: str, type_: str | None = None, ext: str | None = None) -> StoredValue:
    """A stored value as the store keeps it (phones: E.164)."""
    return StoredValue(0, kind, value, value, type_, ext, 0.9, "ocr", "2026-03-12", "2026-03-12")


def entry(
    cid: int,
    name: str,
    given: str | None,
    family: str | None,
    *,
    title: str | None = None,
    company: str | None = None,
    address: str | None = None,
    values: tuple[StoredValue, ...] = (),
    notes: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> Entry:
    """An Entry for a contact met at one event."""
    contact = StoredContact(
        cid,
        name,
        given,
        family,
        title,
        company,
        address,
        "ocr",
        "2026-03-12T20:00:00",
        "2026-03-12T20:00:00",
        None,
        values=values,
        notes=notes,
        tags=tags,
    )
    return Entry(contact, meetings=(Meeting(_EVENT, "2026-03-12", cid, f"card{cid}.jpg"),))


def hard_entries() -> list[Entry]:
    """Several values of every kind, unicode names, and values that look like formulas."""
    return [
        entry(
            1,
            "Élodie Marchetti-Dubois",
            "Élodie",
            "Marchetti-Dubois",
            title="@risk manager",
            company='=HYPERLINK("http://evil.example","click")',
            address="12 Quai des Tanneurs, 69002 Lyon, France",
            values=(
                value("email", "elodie@tanneurs.example"),
                value("email", "e.marchetti@tanneurs.example"),
                value("email", "elodie.perso@mailbox.example"),
                value("email", "press@tanneurs.example"),
                value("phone", "+33478123456", "work", "204"),
                value("phone", "+33478123457", "work"),
                value("phone", "+33612345678", "mobile"),
                value("phone", "+33478123499", "fax"),
                value("phone", "+33478123498", "fax"),
                value("phone", "+18003569377", "toll-free"),
                value("phone", "+33478123400", "other"),
                value("website", "tanneurs.example"),
                value("website", "atelier.example/fr"),
                value("social", "linkedin.com/in/elodie-marchetti"),
            ),
            notes=(
                '- wants samples, "urgent", by Friday',
                "Second line, with a comma\nand a line break",
            ),
            tags=("hot", "opt-in"),
        ),
        entry(
            2,
            "山田 太郎",
            "太郎",
            "山田",
            title="営業部長",
            company="株式会社サンプル",
            values=(
                value("email", "taro.yamada@sample.example"),
                value("phone", "+81312345678", "work"),
                value("phone", "+819012345678", "mobile"),
            ),
        ),
        entry(
            3,
            "Ana O'Neil",
            "Ana",
            "O'Neil",
            values=(value("email", "ana@oneil.example"),),
            notes=("+1 call back =SUM(A1)",),
        ),
    ]


def faker_entries(count: int = 5) -> list[Entry]:
    """Ordinary invented people (fixed seed: the same every run)."""
    fake = Faker("en_US")
    Faker.seed(5)
    out = []
    for i in range(count):
        given, family = fake.first_name(), fake.last_name()
        domain = f"{fake.domain_word()}.example"
        out.append(
            entry(
                100 + i,
                f"{given} {family}",
                given,
                family,
                title=fake.job(),
                company=fake.company(),
                values=(
                    value("email", f"{given}.{family}@{domain}".lower()),
                    value("phone", f"+1415555{i:04d}", "work"),
                    value("phone", f"+1628555{i:04d}", "mobile"),
                    value("website", domain),
                ),
                notes=(fake.sentence(),),
            )
        )
    return out


def export_to(tmp_path: Path, fmt: str, entries: list[Entry], **kwargs: object) -> Path:
    buffer = io.BytesIO()
    assert export_entries(entries, fmt, buffer, **kwargs) == len(entries)  # type: ignore[arg-type]
    path = tmp_path / ("out.vcf" if fmt == "vcard" else f"{fmt}.csv")
    path.write_bytes(buffer.getvalue())
    return path


def expected_note(e: Entry) -> str:
    """What comes back as the note: the description without its tags line, and the source."""
    lines = [x for x in e.description().splitlines() if not x.startswith("Tags: ")]
    return "\n".join([*lines, f"Lead source: {e.lead_source}"])


#: Layouts with a full-name column. The others rebuild the name given-first, as the CRM shows
#: it ("太郎 山田" for 山田 太郎): the order a card printed is not theirs to keep.
FULL_NAME = ("pipedrive", "vcard")


def assert_same(e: Entry, got: ImportedContact, fmt: str) -> None:
    """The imported contact holds every value of the exported one."""
    c, s = got.contact, e.contact
    name = s.name if fmt in FULL_NAME else f"{s.given_name} {s.family_name}"
    assert c.name is not None and c.name.value == name
    assert (c.given_name, c.family_name) == (s.given_name, s.family_name)
    assert (c.title.value if c.title else None) == s.title
    assert (c.company.value if c.company else None) == s.company
    assert (c.address.value if c.address else None) == s.address
    assert sorted(f.value for f in c.emails) == sorted(v.value for v in s.of_kind("email"))
    phones = sorted((p.value.e164, p.value.type.value, p.value.extension) for p in c.phones)
    assert phones == sorted((v.value, v.type, v.ext) for v in s.of_kind("phone"))
    assert sorted(f.value for f in c.websites) == sorted(v.value for v in s.of_kind("website"))
    assert sorted(f.value for f in c.social) == sorted(v.value for v in s.of_kind("social"))
    assert got.note == expected_note(e)
    assert set(got.tags) >= set(s.tags)


@pytest.mark.parametrize("fmt", CRM_FORMATS)
def test_crm_csv_reads_back_to_the_same_contacts(tmp_path: Path, fmt: str) -> None:
    entries = hard_entries() + faker_entries()
    result = read_contacts(export_to(tmp_path, fmt, entries, bom=True))
    assert result.format == fmt  # recognised by its headers alone
    assert result.errors == () and result.warnings == ()
    assert len(result.entries) == len(entries)
    for e, got in zip(entries, result.entries, strict=True):
        assert_same(e, got, fmt)


@pytest.mark.parametrize("fmt", ["salesforce", "zoho"])
def test_required_company_placeholder_is_no_company_on_import(tmp_path: Path, fmt: str) -> None:
    e = entry(7, "Noor Haddad", "Noor", "Haddad", values=(value("email", "noor@x.example"),))
    path = export_to(tmp_path, fmt, [e])
    assert UNKNOWN_COMPANY in path.read_text(encoding="utf-8")
    (got,) = read_contacts(path).entries
    assert got.contact.company is None


@pytest.mark.parametrize("version", ["4.0", "3.0"])
def test_vcard_reads_back_with_vobject_cardscan_and_the_importer(
    tmp_path: Path, version: str
) -> None:
    entries = hard_entries() + faker_entries()
    path = export_to(tmp_path, "vcard", entries, vcard_version=version)
    text = path.read_bytes().decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    # A real vCard library parses every card, with the version asked for.
    cards = list(vobject.readComponents(text))
    assert [c.version.value for c in cards] == [version] * len(entries)
    assert cards[1].fn.value == "山田 太郎"
    assert [t.value for t in cards[0].contents["categories"]] == [["hot", "opt-in"]]
    # cardscan's own reader and the import path give back the same contacts.
    assert len(read_vcards(text).entries) == len(entries)
    result = read_contacts(path)
    assert result.format == "vcard" and result.errors == ()
    for e, got in zip(entries, result.entries, strict=True):
        assert_same(e, got, "vcard")
        assert got.tags == e.contact.tags


@pytest.mark.parametrize("fmt", sorted(CSV_FORMATS - {"csv"}))
def test_formula_neutralisation_is_undone_on_import(tmp_path: Path, fmt: str) -> None:
    path = export_to(tmp_path, fmt, hard_entries()[:1])
    raw = path.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in raw and "'@risk manager" in raw
    (got,) = read_contacts(path).entries
    assert got.contact.company is not None
    assert got.contact.company.value.startswith("=HYPERLINK(")
    assert got.contact.title is not None and got.contact.title.value == "@risk manager"


def test_zoho_and_pipedrive_exports_written_by_hand_are_recognised(tmp_path: Path) -> None:
    zoho = tmp_path / "zoho.csv"
    zoho.write_text(
        "Lead Owner,First Name,Last Name,Company,Designation,Email,Secondary Email,Mobile,"
        "Zip Code,Twitter,Email Opt Out\n"
        "Sam,Ines,Carvalho,Ondamar,CTO,ines@ondamar.example,ic@home.example,+49 1512 3456789,"
        "10115,@inesc,1\n",
        encoding="utf-8",
    )
    r = read_contacts(zoho)
    assert r.format == "zoho"
    (got,) = r.entries
    assert [f.value for f in got.contact.emails] == ["ines@ondamar.example", "ic@home.example"]
    assert got.contact.title is not None and got.contact.title.value == "CTO"
    assert [f.value for f in got.contact.social] == ["x.com/inesc"]
    assert got.tags == ("opt-out",)
    pipedrive = tmp_path / "people.csv"
    pipedrive.write_text(
        "Person - ID,Person - Name,Person - Organization,Person - Email - Work,"
        "Person - Phone - Mobile,Person - Labels,Person - Marketing status\n"
        "7,Teodor Quill,Pelican Freight,teodor@pelican.example,+1 212 555 0199,"
        '"Customer, VIP",Subscribed\n',
        encoding="utf-8",
    )
    r = read_contacts(pipedrive)
    assert r.format == "pipedrive"
    (got,) = r.entries
    assert got.contact.company is not None and got.contact.company.value == "Pelican Freight"
    assert got.contact.phones[0].value.e164 == "+12125550199"
    assert got.tags == ("Customer", "VIP", "opt-in")


@pytest.mark.parametrize(
    ("header", "cell", "tag"),
    [
        ("Email Opt-in", "yes", "opt-in"),
        ("Marketing consent", "TRUE", "opt-in"),
        ("Email Opt Out", "1", "opt-out"),
        ("Email Opt-in", "no", None),
        ("Email Opt Out", "0", None),
    ],
)
def test_consent_columns_become_tags(
    tmp_path: Path, header: str, cell: str, tag: str | None
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(f"Name,Email,{header}\nAda Byte,ada@byte.example,{cell}\n", encoding="utf-8")
    (got,) = read_contacts(path).entries
    assert got.tags == ((tag,) if tag else ())
