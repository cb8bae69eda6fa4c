"""Contacts from the payload of a QR code printed on a card.

A card's QR code holds a vCard, a MECARD (or the older BIZCARD), a ``mailto:`` or ``tel:``
link, a plain URL (the company's site or a LinkedIn profile) or a little plain text. Each
becomes a :class:`~cardscan.models.Contact` whose every value has ``source="qr"`` and a high
confidence: a decoded QR code has passed its error correction, so its text is exactly what
was encoded. The pipeline prefers these values to what OCR read from the print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from cardscan.models import Contact, Field, Phone, PhoneType
from cardscan.reading import validate
from cardscan.text import clean_text
from cardscan.vcard import INVALID_CONFIDENCE, phone_field, read_vcards, web_or_social

__all__ = ["QR_CONFIDENCE", "contact_from_qr"]

#: Confidence of a value read from a QR code (its error correction makes slips unlikely).
QR_CONFIDENCE = 0.99
_SOURCE = "qr"

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_WEB = re.compile(r"\b(?:https?://\S+|www\.[^\s/]+\.\S+)", re.IGNORECASE)
_SCHEME = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*):", re.IGNORECASE)


@dataclass
class _Parts:
    """What a payload says, before it is validated into a Contact."""

    name: str = ""
    given: str | None = None
    family: str | None = None
    title: str = ""
    company: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, PhoneType | None]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    address: str = ""
    #: Free text that may hold phone numbers: only numbers that validate are taken from it.
    text: list[str] = field(default_factory=list)


def contact_from_qr(payload: str, region: str | None = None) -> Contact | None:
    """The contact a QR code's payload describes, or None when it holds no contact details.

    Understood: a vCard (2.1, 3.0, 4.0; the first card when there are several), a MECARD
    (``MECARD:N:Doe,Jane;TEL:…;EMAIL:…;;`` with its backslash escapes), a BIZCARD,
    ``mailto:`` and ``MATMSG:`` e-mail links, ``tel:`` and ``SMSTO:`` numbers, a URL
    (a website, or a profile on a known social network), and plain text holding
    e-mail addresses, phone numbers or web addresses. Wi-Fi settings, calendar events and
    other payloads give None.

    Args:
        payload: The decoded text of the QR code.
        region: ISO 3166 region for phone numbers written without a country code; None
            lets the payload's own address, calling codes and domains decide, else "US".

    Returns:
        A contact whose values all have ``source="qr"`` and confidence 0.99 (values that do
        not validate are kept with a lower confidence and an issue), or None.
    """
    # A code can carry any bytes: escape sequences, control characters and bidi overrides
    # would hide in a name or reorder how it shows in a terminal, a CSV or a CRM.
    text = clean_text(payload, multiline=True).strip().lstrip("\ufeff")
    if not text:
        return None
    if re.search(r"^\s*BEGIN\s*:\s*VCARD", text, re.IGNORECASE | re.MULTILINE):
        read = read_vcards(text, source=_SOURCE, region=region, confidence=QR_CONFIDENCE)
        return read.entries[0].contact if read.entries else None
    scheme_match = _SCHEME.match(text)
    scheme = scheme_match.group("scheme").lower() if scheme_match else ""
    rest = text[scheme_match.end() :] if scheme_match else text
    if scheme == "mecard":
        parts = _mecard(rest)
    elif scheme == "bizcard":
        parts = _bizcard(rest)
    elif scheme in ("mailto", "matmsg"):
        parts = _mail(rest, scheme)
    elif scheme in ("tel", "smsto", "sms"):
        number = rest.split(":", 1)[0] if scheme == "smsto" else rest.split("?", 1)[0]
        parts = _Parts(phones=[(unquote(number), None)])
    elif scheme in ("http", "https") or (not scheme and re.match(r"www\.", text, re.I)):
        parts = _Parts(urls=[text]) if len(text.split()) == 1 else _plain(text)
    elif scheme in ("wifi", "geo", "begin", "otpauth", "bitcoin", "market"):
        return None
    else:
        parts = _plain(text)
    return _contact(parts, region)


def _fields(body: str) -> list[tuple[str, str]]:
    """``KEY:value`` pairs of a MECARD/BIZCARD body; values keep their escapes.

    Fields end at an unescaped ``;`` (the body ends with ``;;``).
    """
    out: list[tuple[str, str]] = []
    for chunk in _split(body, ";"):
        key, sep, value = chunk.partition(":")
        if sep and key.strip():
            out.append((key.strip().upper(), value))
    return out


def _split(text: str, sep: str) -> list[str]:
    """``text`` cut at every ``sep`` not escaped by a backslash; escapes are kept."""
    parts, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    """A MECARD value without its backslash escapes (``\\;`` ``\\:`` ``\\,`` ``\\\\``)."""
    return re.sub(r"\\(.)", r"\1", text).strip()


def _mecard(body: str) -> _Parts:
    parts = _Parts()
    for key, value in _fields(body):
        if key == "N":
            names = [_unescape(n) for n in _split(value, ",")]
            if len(names) >= 2 and names[0] and names[1]:
                parts.family, parts.given = names[0], names[1]
                parts.name = f"{names[1]} {names[0]}"
            else:
                parts.name = " ".join(n for n in names if n)
        elif key in ("TEL", "TEL-AV"):
            parts.phones.append((_unescape(value), None))
        elif key == "EMAIL":
            parts.emails.append(_unescape(value))
        elif key == "URL":
            parts.urls.append(_unescape(value))
        elif key == "ADR":
            # DoCoMo's order: PO box, room, street, city, state, postcode, country.
            pieces = [_unescape(p) for p in _split(value, ",")]
            parts.address = ", ".join(p for p in pieces if p)
        elif key == "ORG":
            parts.company = _unescape(value)
        elif key == "TITLE":
            parts.title = _unescape(value)
    return parts


def _bizcard(body: str) -> _Parts:
    parts = _Parts()
    kinds = {"B": PhoneType.WORK, "M": PhoneType.MOBILE, "F": PhoneType.FAX}
    for key, value in _fields(body):
        text = _unescape(value)
        if key == "N":
            parts.given = text or None
        elif key == "X":
            parts.family = text or None
        elif key == "T":
            parts.title = text
        elif key == "C":
            parts.company = text
        elif key == "A":
            parts.address = text
        elif key in kinds:
            parts.phones.append((text, kinds[key]))
        elif key == "E":
            parts.emails.append(text)
    parts.name = " ".join(n for n in (parts.given, parts.family) if n)
    return parts


def _mail(rest: str, scheme: str) -> _Parts:
    if scheme == "matmsg":
        to = next((_unescape(v) for k, v in _fields(rest) if k == "TO"), "")
        return _Parts(emails=[to] if to else [])
    addresses = unquote(rest.split("?", 1)[0])
    return _Parts(emails=[a.strip() for a in addresses.split(",") if a.strip()])


def _plain(text: str) -> _Parts:
    """E-mail addresses, phone numbers and web addresses in free text."""
    parts = _Parts()
    parts.emails = _EMAIL.findall(text)
    without = _EMAIL.sub(" ", text)
    parts.urls = [u.rstrip(".,;)") for u in _WEB.findall(without)]
    without = _WEB.sub(" ", without)
    parts.text = [line for line in without.splitlines() if re.search(r"\d{3}", line)]
    return parts


def _contact(parts: _Parts, region: str | None) -> Contact | None:
    issues: list[str] = []

    def value(text: str, ok: bool = True) -> Field[str]:
        return Field(text, QR_CONFIDENCE if ok else INVALID_CONFIDENCE, _SOURCE, text)

    emails: list[Field[str]] = []
    for raw in parts.emails:
        normal = validate.normalize_email(raw)
        if normal is None:
            issues.append(f"e-mail {raw} is not valid")
        emails.append(value(normal or raw, normal is not None))
    websites: list[Field[str]] = []
    social: list[Field[str]] = []
    for url in parts.urls:
        web = web_or_social(url)
        if web:
            (social if web[1] else websites).append(Field(web[0], QR_CONFIDENCE, _SOURCE, url))
    if region is None:
        domains = [e.value.rpartition("@")[2] for e in emails] + [w.value for w in websites]
        texts = [raw for raw, _ in parts.phones] + parts.text
        region = validate.infer_region([parts.address] if parts.address else [], texts, domains)[0]
    numbers = [(n, kind) for raw, kind in parts.phones for n in _numbers(raw, region, False)]
    numbers += [(n, None) for line in parts.text for n in _numbers(line, region, True)]
    phones: list[Field[Phone]] = []
    for found_raw, kind in numbers:
        if found_raw:
            phone = phone_field(found_raw, region, kind, _SOURCE, QR_CONFIDENCE)
            if not phone.value.valid:
                issues.append(f"phone {found_raw} is not valid")
            if all(p.value.number != phone.value.number for p in phones):
                phones.append(phone)
    contact = Contact(
        name=value(parts.name) if parts.name else None,
        given_name=parts.given,
        family_name=parts.family,
        title=value(parts.title) if parts.title else None,
        company=value(parts.company) if parts.company else None,
        emails=_once(emails),
        phones=tuple(phones),
        websites=_once(websites),
        address=value(parts.address) if parts.address else None,
        social=_once(social),
        issues=tuple(issues),
    )
    if not (contact.name or contact.company or emails or phones or websites or social):
        return None
    return contact


def _once(fields: list[Field[str]]) -> tuple[Field[str], ...]:
    """Each value once, where it first appears."""
    seen: dict[str, Field[str]] = {}
    for f in fields:
        seen.setdefault(f.value, f)
    return tuple(seen.values())


def _numbers(text: str, region: str, strict: bool) -> list[str]:
    """The valid phone numbers in ``text``; unless ``strict``, else the text itself."""
    found = [m.raw for m in validate.find_phones(text, region) if m.valid]
    return found or ([] if strict else [text.strip()])
