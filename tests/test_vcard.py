"""vCard text to contacts: cardscan.vcard.read_vcards (invented people only)."""

from __future__ import annotations

import pytest

from cardscan.models import PhoneType
from cardscan.vcard import VCardError, read_vcards, web_or_social

V3 = """BEGIN:VCARD
VERSION:3.0
N:Lindqvist;Maren;Q.;Dr.;PhD
FN:Dr. Maren Q. Lindqvist\\, PhD
ORG:Brightwater\\; Sons;Sales
TITLE:Head of Sales
EMAIL;TYPE=INTERNET,WORK:Maren.Lindqvist@Brightwater.example.com
TEL;TYPE=WORK,VOICE:+1 212 555 0100 x204
TEL;TYPE=CELL:+1 917 555 0101
TEL;TYPE=FAX:(212) 555-0102
TEL:1-800-356-9377
URL:https://www.brightwater.example.com/
ADR;TYPE=WORK:;;12 Harbor Rd;Springfield;IL;62701;USA
X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/marenlindqvist/
X-SOCIALPROFILE;TYPE=twitter:mlindqvist
NOTE:Met at the fair\\nask about pricing
CATEGORIES:client,fair
UID:urn:uuid:3f1c7a52-0000-4000-8000-000000000001
END:VCARD
"""

V21 = """BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller-Sch=C3=B6n;J=C3=BCrgen
TEL;WORK;VOICE:+49 30 12345678
TEL;CELL:+49 1512 3456789
EMAIL;INTERNET:juergen@feldstein.example.de
ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;Hauptstra=C3=9Fe 1;Berlin;;10115;Germany
END:VCARD
"""

V4 = """BEGIN:VCARD
VERSION:4.0
FN:Élodie Marchetti
N:Marchetti;Élodie;;;
TEL;VALUE=uri;TYPE="voice,cell":tel:+33-6-12-34-56-78
EMAIL;TYPE=work:elodie@atelier-marchetti.example.fr
URL:https://github.com/emarchetti
END:VCARD
"""


def test_version_3_card_with_every_field() -> None:
    result = read_vcards(V3)
    assert result.errors == ()
    (entry,) = result.entries
    c = entry.contact
    assert c.name is not None and c.name.value == "Dr. Maren Q. Lindqvist, PhD"
    assert (c.given_name, c.family_name) == ("Maren", "Lindqvist")
    assert c.title is not None and c.title.value == "Head of Sales"
    assert c.company is not None and c.company.value == "Brightwater; Sons"
    # Mail servers fold case; validate writes addresses in lower case.
    assert [e.value for e in c.emails] == ["maren.lindqvist@brightwater.example.com"]
    phones = [(p.value.e164, p.value.type, p.value.extension) for p in c.phones]
    assert phones == [
        ("+12125550100", PhoneType.WORK, "204"),
        ("+19175550101", PhoneType.MOBILE, None),
        ("+12125550102", PhoneType.FAX, None),
        ("+18003569377", PhoneType.TOLL_FREE, None),
    ]
    assert [w.value for w in c.websites] == ["www.brightwater.example.com"]
    assert [s.value for s in c.social] == ["linkedin.com/in/marenlindqvist", "x.com/mlindqvist"]
    assert c.address is not None
    assert c.address.value == "12 Harbor Rd, Springfield, IL 62701, USA"
    assert entry.note == "Met at the fair\nask about pricing"
    assert entry.categories == ("client", "fair")
    assert entry.uid == "urn:uuid:3f1c7a52-0000-4000-8000-000000000001"
    assert entry.version == "3.0"
    assert entry.line == 1
    assert c.issues == ()


def test_every_value_carries_the_callers_source_and_confidence() -> None:
    c = read_vcards(V3, source="qr", confidence=0.99).entries[0].contact
    fields = [c.name, c.title, c.company, c.address, *c.emails, *c.phones, *c.websites, *c.social]
    assert {f.source for f in fields if f is not None} == {"qr"}
    assert {f.confidence for f in fields if f is not None} == {0.99}
    assert set(c.provenance().values()) == {"qr"}


def test_version_2_1_quoted_printable_and_bare_types() -> None:
    (entry,) = read_vcards(V21).entries
    c = entry.contact
    assert c.name is not None and c.name.value == "Jürgen Müller-Schön"
    assert (c.given_name, c.family_name) == ("Jürgen", "Müller-Schön")
    assert [(p.value.e164, p.value.type) for p in c.phones] == [
        ("+493012345678", PhoneType.WORK),
        ("+4915123456789", PhoneType.MOBILE),
    ]
    assert c.address is not None and c.address.value == "Hauptstraße 1, Berlin, 10115, Germany"
    assert entry.version == "2.1"


def test_version_4_uri_values_and_quoted_type_lists() -> None:
    c = read_vcards(V4).entries[0].contact
    assert c.name is not None and c.name.value == "Élodie Marchetti"
    assert [(p.value.e164, p.value.type) for p in c.phones] == [("+33612345678", PhoneType.MOBILE)]
    assert [s.value for s in c.social] == ["github.com/emarchetti"]
    assert c.websites == ()


def test_many_cards_in_one_text_with_their_lines() -> None:
    text = "\r\n".join(["exported by an address book", V3, "", V21, V4]).replace("\n", "\r\n")
    result = read_vcards(text)
    lines = text.splitlines()
    assert [e.line for e in result.entries] == [
        i + 1 for i, line in enumerate(lines) if line == "BEGIN:VCARD"
    ]
    assert [e.contact.family_name for e in result.entries] == [
        "Lindqvist",
        "Müller-Schön",
        "Marchetti",
    ]


def test_bad_cards_are_reported_with_their_line_and_the_rest_kept() -> None:
    text = "\n".join(
        [
            V3.strip(),
            "BEGIN:VCARD",
            "VERSION:3.0",
            "NOTE:only a note",
            "END:VCARD",
            V4.strip(),
        ]
    )
    result = read_vcards(text)
    assert [e.contact.family_name for e in result.entries] == ["Lindqvist", "Marchetti"]
    first_bad = len(V3.strip().splitlines()) + 1
    assert result.errors == (VCardError(first_bad, "the vCard holds no name or contact details"),)


def test_an_unreadable_line_is_skipped_and_noted() -> None:
    text = "BEGIN:VCARD\nVERSION:3.0\nN:Okafor;Tunde\nTEL;TYPE=WORK\nPHOTO;ENCODING=b;TYPE=JPEG:!!\n x\nEMAIL:tunde@okafor.example.com\nEND:VCARD\n"  # noqa: E501
    result = read_vcards(text)
    assert result.errors == ()
    c = result.entries[0].contact
    assert [e.value for e in c.emails] == ["tunde@okafor.example.com"]
    assert c.issues == (
        "vCard line 4 (TEL) could not be read and was skipped",
        "vCard line 5 (PHOTO) could not be read and was skipped",
    )


def test_a_card_cut_off_before_its_end_is_still_read() -> None:
    text = "BEGIN:VCARD\nVERSION:3.0\nFN:Ines Arroyo\nTEL:+34 612 34 56 78\n"
    (entry,) = read_vcards(text + text).entries[:1]
    assert entry.contact.name is not None and entry.contact.name.value == "Ines Arroyo"
    assert len(read_vcards(text + text).entries) == 2


def test_invalid_values_are_kept_flagged_and_less_sure() -> None:
    text = "BEGIN:VCARD\nVERSION:3.0\nFN:Pia Holm\nEMAIL:pia.holm(at)example\nTEL:12\nEND:VCARD"
    c = read_vcards(text).entries[0].contact
    assert [e.value for e in c.emails] == ["pia.holm(at)example"]
    assert c.emails[0].confidence < 0.6
    assert c.phones[0].value.e164 is None and c.phones[0].confidence < 0.6
    assert c.issues == ("e-mail pia.holm(at)example is not valid", "phone 12 is not valid")


def test_region_for_national_numbers_comes_from_the_card_or_the_caller() -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ana Ruiz\nTEL;TYPE=WORK:912 345 678\n{adr}END:VCARD\n"
    spain = card.format(adr="ADR;TYPE=WORK:;;Calle Mayor 5;Madrid;;28013;Spain\n")
    assert read_vcards(spain).entries[0].contact.phones[0].value.e164 == "+34912345678"
    plain = card.format(adr="")
    assert read_vcards(plain, region="ES").entries[0].contact.phones[0].value.e164 == (
        "+34912345678"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("just some text", (VCardError(1, "no BEGIN:VCARD found"),)),
    ],
)
def test_text_without_cards(text: str, expected: tuple[VCardError, ...]) -> None:
    result = read_vcards(text)
    assert result.entries == ()
    assert result.errors == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.Acme.example.com/", ("www.acme.example.com", False)),
        ("http://acme.example.com/team?utm_source=card", ("acme.example.com/team", False)),
        ("https://de.linkedin.com/in/jdoe/", ("linkedin.com/in/jdoe", True)),
        ("https://twitter.com/jdoe", ("x.com/jdoe", True)),
        ("https://www.linkedin.com/", ("www.linkedin.com", False)),
        ("ftp://files.example.com", None),
        ("not a url", None),
    ],
)
def test_web_or_social(url: str, expected: tuple[str, bool] | None) -> None:
    assert web_or_social(url) == expected


def test_unescaped_commas_do_not_cut_values() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:2.1\nN:Berg;Ola\nTITLE:Head of Sales, EMEA\n"
        "ORG:Berg, Holm & Dahl AS;Sales\nADR;WORK:;;Storgata 1, 3rd floor;Oslo;;0155;Norway\n"
        "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Kaffe p=C3=A5 m=C3=B8tet, =\n"
        "neste uke\nEND:VCARD\n"
    )
    entry = read_vcards(text).entries[0]
    c = entry.contact
    assert c.title is not None and c.title.value == "Head of Sales, EMEA"
    assert c.company is not None and c.company.value == "Berg, Holm & Dahl AS"
    assert c.address is not None
    assert c.address.value == "Storgata 1, 3rd floor, Oslo, 0155, Norway"
    assert entry.note == "Kaffe på møtet, neste uke"
