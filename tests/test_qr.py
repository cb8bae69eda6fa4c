"""QR codes on cards: imaging.decode_qr on generated photos and qr.contact_from_qr payloads."""

from __future__ import annotations

import functools
import random

import cv2
import numpy as np
import pytest
from conftest import SAMPLES, load_script

from cardscan.models import PhoneType
from cardscan.reading import imaging
from cardscan.reading.qr import QR_CONFIDENCE, contact_from_qr

ms = load_script("make_samples")

VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Okonkwo;Adaeze;;;\r\nFN:Adaeze Okonkwo\r\n"
    "ORG:Lindenfeld Analytics GmbH\r\nTITLE:Head of Data\r\n"
    "EMAIL;TYPE=INTERNET,WORK:adaeze.okonkwo@lindenfeld.example.de\r\n"
    "TEL;TYPE=WORK,VOICE:+49 30 12345678\r\nTEL;TYPE=CELL:+49 1512 3456789\r\n"
    "URL:https://www.lindenfeld.example.de\r\nEND:VCARD"
)
MECARD = r"MECARD:N:Søndergaard,Ida;TEL:+4533123456;EMAIL:ida@fjord.example.dk;;"
URL = "https://www.linkedin.com/in/ida-sondergaard"


def qr_image(payload: str, side: int) -> np.ndarray:
    """The payload as a QR code, ``side`` px square, BGR (the encoder adds a quiet zone)."""
    code = np.asarray(cv2.QRCodeEncoder.create().encode(payload))
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(cv2.cvtColor(code, cv2.COLOR_GRAY2BGR))


@functools.cache
def card_with_qr(payload: str, seed: int, rotation: int) -> np.ndarray:
    """A rendered card with the code printed in a corner, photographed and saved as JPEG."""
    rng = random.Random(seed)
    person = ms.make_person(rng, "en_US")
    card = ms.render_card(person, rng, "classic").copy()
    h, w = card.shape[:2]
    side = int(0.36 * h)
    card[h - side - 20 : h - 20, w - side - 20 : w - 20] = qr_image(payload, side)
    photo = ms.photograph(card, rng, rotation=rotation)
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return np.asarray(cv2.imdecode(jpeg, cv2.IMREAD_COLOR))


@pytest.mark.parametrize(
    ("payload", "seed", "rotation"),
    [(VCARD, 1, 0), (MECARD, 2, 90), (URL, 3, 0)],
    ids=["vcard", "mecard-turned", "url"],
)
def test_decode_qr_reads_codes_on_straightened_cards(
    payload: str, seed: int, rotation: int
) -> None:
    card = imaging.find_cards(card_with_qr(payload, seed, rotation))[0].image
    assert [c.payload for c in imaging.decode_qr(card)] == [payload]


def test_decode_qr_reads_a_sparse_code_in_the_whole_photo() -> None:
    # A short URL's code has big modules: found even on the downscaled photo. (A dense
    # vCard code in a large photo may not be: the pipeline reads each straightened card.)
    photo = card_with_qr(URL, 3, 0)
    (code,) = imaging.decode_qr(photo)
    assert code.payload == URL
    card_quad = np.array(imaging.find_cards(photo)[0].quad, np.float32)
    assert all(cv2.pointPolygonTest(card_quad, corner, False) > 0 for corner in code.quad)


def test_decode_qr_corners_follow_the_code() -> None:
    code = qr_image("https://example.com/contact", 300)
    page = np.full((800, 1000, 3), 255, np.uint8)
    page[100:400, 600:900] = code
    turned = np.ascontiguousarray(np.rot90(page, k=-1))  # clockwise: top-left goes top-right
    (found,) = imaging.decode_qr(turned)
    quad = np.array(found.quad)
    # The code's own top-left corner is now at the top right of its square, inside the
    # quiet zone the encoder added.
    centre = quad.mean(axis=0)
    assert quad[0][0] > centre[0] and quad[0][1] < centre[1]
    assert quad[2][0] < centre[0] and quad[2][1] > centre[1]
    assert 400 < centre[0] < 700 and 600 < centre[1] < 900


def test_decode_qr_reads_two_codes_once_each() -> None:
    page = np.full((700, 1400, 3), 255, np.uint8)
    page[100:500, 100:500] = qr_image("https://a.example.com", 400)
    page[100:500, 800:1200] = qr_image("tel:+14155550132", 400)
    page[150:250, 550:750] = 0  # a dark block that is not a code
    payloads = [c.payload for c in imaging.decode_qr(page)]
    assert sorted(payloads) == ["https://a.example.com", "tel:+14155550132"]


def test_decode_qr_finds_nothing_on_cards_without_a_code() -> None:
    for path in sorted(SAMPLES.glob("*.jpg"))[:4]:
        assert imaging.decode_qr(imaging.load_image(path, 50_000_000)) == []
    assert imaging.decode_qr(np.full((40, 40), 255, np.uint8)) == []


# --------------------------------------------------------------------------- payloads


def test_vcard_payload() -> None:
    c = contact_from_qr(VCARD, None)
    assert c is not None
    assert c.name is not None and c.name.value == "Adaeze Okonkwo"
    assert (c.given_name, c.family_name) == ("Adaeze", "Okonkwo")
    assert c.company is not None and c.company.value == "Lindenfeld Analytics GmbH"
    assert [(p.value.e164, p.value.type) for p in c.phones] == [
        ("+493012345678", PhoneType.WORK),
        ("+4915123456789", PhoneType.MOBILE),
    ]
    assert [w.value for w in c.websites] == ["www.lindenfeld.example.de"]
    assert set(c.provenance().values()) == {"qr"}
    assert set(c.confidence().values()) == {QR_CONFIDENCE}


def test_mecard_with_escapes_and_non_ascii_name() -> None:
    payload = (
        r"MECARD:N:Søndergaard,Ida;ORG:Fjord\; Hav\: ApS;TEL:+45 33 12 34 56;"
        r"EMAIL:ida@fjord.example.dk;URL:https://fjord.example.dk/;"
        r"ADR:,,Havnegade 3\, 2. sal,København,,1058,Denmark;NOTE:Met at the fair;;"
    )
    c = contact_from_qr(payload, None)
    assert c is not None
    assert c.name is not None and c.name.value == "Ida Søndergaard"
    assert (c.given_name, c.family_name) == ("Ida", "Søndergaard")
    assert c.company is not None and c.company.value == "Fjord; Hav: ApS"
    assert [p.value.e164 for p in c.phones] == ["+4533123456"]
    assert [e.value for e in c.emails] == ["ida@fjord.example.dk"]
    assert [w.value for w in c.websites] == ["fjord.example.dk"]
    assert c.address is not None
    assert c.address.value == "Havnegade 3, 2. sal, København, 1058, Denmark"
    assert {f.source for f in (c.name, c.company, c.address)} == {"qr"}
    assert c.name.confidence == QR_CONFIDENCE


def test_mecard_national_number_uses_the_region() -> None:
    c = contact_from_qr("MECARD:N:Rossi,Lia;TEL:06 1234 5678;;", "IT")
    assert c is not None and [p.value.e164 for p in c.phones] == ["+390612345678"]


def test_bizcard_payload() -> None:
    payload = "BIZCARD:N:Tomás;X:Ibarra;T:CTO;C:Nube S.L.;B:+34 912 345 678;M:+34 612 345 678;E:tomas@nube.example.es;;"  # noqa: E501
    c = contact_from_qr(payload, None)
    assert c is not None
    assert c.name is not None and c.name.value == "Tomás Ibarra"
    assert c.title is not None and c.title.value == "CTO"
    assert [(p.value.e164, p.value.type) for p in c.phones] == [
        ("+34912345678", PhoneType.WORK),
        ("+34612345678", PhoneType.MOBILE),
    ]


@pytest.mark.parametrize(
    "payload",
    ["mailto:li.wei@harbor.example.com?subject=Hello", "MATMSG:TO:li.wei@harbor.example.com;;"],
)
def test_mail_links(payload: str) -> None:
    c = contact_from_qr(payload, None)
    assert c is not None and [e.value for e in c.emails] == ["li.wei@harbor.example.com"]
    assert c.emails[0].source == "qr" and c.name is None


def test_tel_link() -> None:
    c = contact_from_qr("tel:+44-20-7946-0123", None)
    assert c is not None
    assert [(p.value.e164, p.value.type) for p in c.phones] == [("+442079460123", PhoneType.WORK)]
    assert c.phones[0].confidence == QR_CONFIDENCE


@pytest.mark.parametrize(
    ("payload", "websites", "social"),
    [
        ("https://www.harbor.example.com/team/?ref=card", ["www.harbor.example.com/team"], []),
        ("www.harbor.example.com", ["www.harbor.example.com"], []),
        ("https://www.linkedin.com/in/li-wei/", [], ["linkedin.com/in/li-wei"]),
        ("https://twitter.com/liwei", [], ["x.com/liwei"]),
    ],
)
def test_plain_url(payload: str, websites: list[str], social: list[str]) -> None:
    c = contact_from_qr(payload, None)
    assert c is not None
    assert [w.value for w in c.websites] == websites
    assert [s.value for s in c.social] == social
    assert {f.source for f in (*c.websites, *c.social)} == {"qr"}


def test_plain_text_with_contact_details() -> None:
    text = "Li Wei\nMobile +1 415 555 0132\nli.wei@harbor.example.com\nwww.harbor.example.com\nRoom 12345"  # noqa: E501
    c = contact_from_qr(text, None)
    assert c is not None
    assert [p.value.e164 for p in c.phones] == ["+14155550132"]
    assert [e.value for e in c.emails] == ["li.wei@harbor.example.com"]
    assert [w.value for w in c.websites] == ["www.harbor.example.com"]


@pytest.mark.parametrize(
    "payload",
    ["", "   ", "WIFI:S:Guest;T:WPA;P:secret;;", "Thanks for visiting!", "geo:52.5,13.4"],
)
def test_payloads_without_contact_details(payload: str) -> None:
    assert contact_from_qr(payload, None) is None


def test_invalid_values_are_flagged() -> None:
    c = contact_from_qr("MECARD:N:Doe,Kim;TEL:12;EMAIL:kim(at)example;;", "US")
    assert c is not None
    assert c.phones[0].value.e164 is None and c.phones[0].confidence < QR_CONFIDENCE
    assert c.emails[0].confidence < QR_CONFIDENCE
    assert c.issues == ("e-mail kim(at)example is not valid", "phone 12 is not valid")


@pytest.mark.parametrize(
    "payload",
    [
        "javascript:alert(1)",
        "https://user:secret@example.com/login",
        "file:///etc/passwd",
        "data:text/html,<b>hi</b>",
        "\x00\x01\x02\xff\xfe",
    ],
)
def test_unsafe_or_binary_payloads_give_nothing(payload: str) -> None:
    assert contact_from_qr(payload, None) is None


def test_scripts_in_a_code_are_no_website() -> None:
    c = contact_from_qr("MECARD:N:Doe,Kim;URL:javascript:alert(1);EMAIL:kim@example.com;;")
    assert c is not None and not c.websites and not c.social


def test_control_and_direction_characters_are_taken_out() -> None:
    # A right-to-left override would show "Kim\u202eeoD" as "KimDoe" reversed in a terminal.
    payload = "BEGIN:VCARD\nVERSION:3.0\nFN:Kim\u202e \x07Doe\nORG:Acme\x00 Ltd\nEND:VCARD"
    c = contact_from_qr(payload, None)
    assert c is not None and c.name is not None and c.company is not None
    assert (c.name.value, c.company.value) == ("Kim Doe", "Acme Ltd")
