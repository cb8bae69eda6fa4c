"""vCard text (versions 2.1, 3.0 and 4.0) to contacts and back: the only module importing vobject.

A vCard arrives in a QR code printed on a card or in a ``.vcf`` file exported from an
address book; both become the same :class:`~cardscan.models.Contact` the OCR path builds, so
the rest of cardscan need not know where a contact came from (``Field.source`` says).
Reading never raises on bad input: each card is parsed on its own, and one that cannot be
read is reported with the line it starts on while the others are kept. :func:`write_vcards`
writes contacts as vCard 4.0 (RFC 6350) or 3.0 (RFC 2426) for address books and phones.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import vobject  # type: ignore[import-untyped]
from vobject.base import ParseError  # type: ignore[import-untyped]

from cardscan import lexicon
from cardscan.models import Contact, Field, Phone, PhoneType
from cardscan.reading import validate
from cardscan.text import clean_text, phone_form

__all__ = [
    "VCARD_VERSIONS",
    "VCardEntry",
    "VCardError",
    "VCardResult",
    "phone_field",
    "read_vcards",
    "web_or_social",
    "write_vcards",
]

#: Confidence given to a value that does not validate (a phone number no numbering plan
#: knows, a malformed e-mail): kept as written, flagged for a check.
INVALID_CONFIDENCE = 0.5

_BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
#: Properties holding embedded media, dropped when they cannot be decoded.
_MEDIA = re.compile(r"^\s*(?:[\w-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)\b", re.IGNORECASE)
#: Properties whose commas separate values (vobject splits them into lists).
_LIST_PROPERTIES = frozenset({"N", "ADR", "ORG", "CATEGORIES", "NICKNAME", "BEGIN", "END"})
#: Unreadable properties dropped from one card before it counts as unreadable.
_MAX_SKIPPED = 8
_AGENT = re.compile(r"^\s*AGENT\b[^:]*:\s*$", re.IGNORECASE)
_URL = re.compile(
    r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?P<host>[^\s/?#:@]+\.[^\s/?#:@]+)(?::\d+)?"
    r"(?P<path>/[^\s?#]*)?",
    re.IGNORECASE,
)
#: TEL types, most telling first: a fax that is also "work" is a fax.
_PHONE_TYPES: tuple[tuple[str, PhoneType], ...] = (
    ("fax", PhoneType.FAX),
    ("cell", PhoneType.MOBILE),
    ("mobile", PhoneType.MOBILE),
    ("iphone", PhoneType.MOBILE),
    ("pager", PhoneType.OTHER),
    ("work", PhoneType.WORK),
    ("main", PhoneType.WORK),
    ("home", PhoneType.OTHER),
    ("other", PhoneType.OTHER),
)
#: Old-style profile properties (X-TWITTER:jdoe) and the network each names.
_SOCIAL_PROPERTIES = {
    "x-twitter": "twitter",
    "x-linkedin": "linkedin",
    "x-facebook": "facebook",
    "x-instagram": "instagram",
    "x-github": "github",
    "x-xing": "xing",
}


@dataclass(frozen=True)
class VCardEntry:
    """One card read from vCard text.

    Attributes:
        contact: The person, every value a :class:`~cardscan.models.Field` with the
            caller's source and confidence; values that do not validate are kept, with a
            lower confidence and a note in ``contact.issues``.
        note: The NOTE text, several joined by blank lines, or None.
        categories: The CATEGORIES, in order.
        uid: The UID, or None.
        version: The VERSION the card declares ("2.1", "3.0", "4.0"), "" if none.
        line: The 1-based line of the text where the card's ``BEGIN:VCARD`` is.
    """

    contact: Contact
    note: str | None = None
    categories: tuple[str, ...] = ()
    uid: str | None = None
    version: str = ""
    line: int = 1


@dataclass(frozen=True)
class VCardError:
    """A card that could not be read: the 1-based line where it starts, and why."""

    line: int
    message: str


@dataclass(frozen=True)
class VCardResult:
    """What :func:`read_vcards` found: the cards read and the ones that could not be."""

    entries: tuple[VCardEntry, ...] = ()
    errors: tuple[VCardError, ...] = ()


def read_vcards(
    text: str, source: str = "vcard", region: str | None = None, confidence: float = 1.0
) -> VCardResult:
    """Read every vCard in ``text`` (one or many, versions 2.1, 3.0 and 4.0).

    Each ``BEGIN:VCARD`` … ``END:VCARD`` block is parsed on its own; a block cut off
    without its END is read as if it had one (QR generators drop it). Text outside the
    blocks is ignored.

    Args:
        text: The vCard text, any line endings.
        source: ``Field.source`` of every value ("vcard" for a file, "qr" for a QR code).
        region: ISO 3166 region for phone numbers written without a country code; when
            None, each card's own address, calling codes and domains decide, else "US".
        confidence: Confidence of every value that validates.

    Returns:
        The cards read, in order, and an error (with its line) for each card that could
        not be read or holds no contact details. Nothing is raised.
    """
    entries: list[VCardEntry] = []
    errors: list[VCardError] = []
    # Escape sequences, control characters and bidi overrides never reach a contact.
    text = clean_text(text, multiline=True)
    for line, block in _blocks(text):
        try:
            component, skipped = _parse(block, line)
        except Exception as e:  # vobject raises ParseError, ValueError, binascii errors
            errors.append(VCardError(line, f"not a readable vCard: {_reason(e)}"))
            continue
        entry = _entry(component, line, source, region, confidence, skipped)
        if entry is None:
            errors.append(VCardError(line, "the vCard holds no name or contact details"))
        else:
            entries.append(entry)
    if not entries and not errors and text.strip():
        errors.append(VCardError(1, "no BEGIN:VCARD found"))
    return VCardResult(tuple(entries), tuple(errors))


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Each card's first line number and its lines (a 2.1 AGENT's card stays inside)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if current is None:
            if _BEGIN.match(line):
                current, depth = [line], 1
                blocks.append((number, current))
            continue
        if _BEGIN.match(line):
            if not _AGENT.match(current[-1]):
                # A new card before this one ended: this one was cut off.
                current.extend(["END:VCARD"] * depth)
                current, depth = [line], 1
                blocks.append((number, current))
                continue
            depth += 1
        current.append(line)
        if _END.match(line):
            depth -= 1
            if depth == 0:
                current = None
    if current is not None:
        current.extend(["END:VCARD"] * depth)
    return blocks


def _parse(lines: list[str], first: int) -> tuple[Any, list[str]]:
    """The card's vobject component, and a note for each property that had to be dropped.

    One unreadable property (a line without a colon, a broken PHOTO) should not cost the
    whole card: it is dropped, with its folded continuation lines, and the card read again.
    """
    numbers = list(range(first, first + len(lines)))
    lines = list(lines)
    skipped: list[str] = []
    for _ in range(_MAX_SKIPPED):
        try:
            text = "\r\n".join(_protect_commas(lines)) + "\r\n"
            return vobject.readOne(text, allowQP=True), skipped
        except ParseError as e:
            at = getattr(e, "lineNumber", None)
            if not isinstance(at, int) or not 1 < at < len(lines):
                raise
            drop = [at - 1]
        except Exception:  # binascii.Error and others from decoding embedded media
            drop = [i for i, line in enumerate(lines) if _MEDIA.match(line)]
            if not drop:
                raise
        for i in reversed(drop):
            end = i + 1
            while end < len(lines) and lines[end][:1] in (" ", "\t"):
                end += 1
            name = lines[i].split(":", 1)[0].split(";", 1)[0].strip() or lines[i].strip()
            skipped.append(f"vCard line {numbers[i]} ({name}) could not be read and was skipped")
            del lines[i:end], numbers[i:end]
    raise ValueError("too many unreadable lines")


def _protect_commas(lines: list[str]) -> list[str]:
    """The lines with the commas of single-valued properties escaped.

    vobject splits a text value at each unescaped comma and keeps the first part, so
    "TITLE:Head of Sales, EMEA" (2.1 never escapes, many 3.0 writers forget to) would lose
    its end. Structured properties (N, ADR, ORG, CATEGORIES) keep their commas: those split
    values, which are joined again afterwards. Folded and quoted-printable continuation
    lines belong to the property before them.
    """
    out: list[str] = []
    protect = soft_break = False
    for line in lines:
        if (line[:1] in (" ", "\t") or soft_break) and out:
            out.append(_escape_commas(line) if protect else line)
        else:
            head, value = _split_property(line)
            name = head.split(";", 1)[0].rsplit(".", 1)[-1].strip().upper()
            protect = value is not None and name not in _LIST_PROPERTIES
            out.append(f"{head}:{_escape_commas(value)}" if protect and value is not None else line)
            soft_break = "QUOTED-PRINTABLE" in head.upper()
        soft_break = soft_break and line.endswith("=")
    return out


def _split_property(line: str) -> tuple[str, str | None]:
    """A content line's name-and-parameters and its value (None without a colon)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], line[i + 1 :]
    return line, None


def _escape_commas(value: str) -> str:
    return re.sub(r"(\\.)|,", lambda m: m.group(1) or "\\,", value)


def _reason(e: Exception) -> str:
    text = str(e).strip() or type(e).__name__
    # vobject counts lines within the card; the error already names the card's first line.
    return re.sub(r"^At line \d+:\s*", "", text)


def _entry(
    card: Any, line: int, source: str, region: str | None, confidence: float, skipped: list[str]
) -> VCardEntry | None:
    props = _properties(card)
    issues = list(skipped)

    def field(value: str, raw: str = "", ok: bool = True) -> Field[str]:
        sure = confidence if ok else min(confidence, INVALID_CONFIDENCE)
        return Field(value, sure, source, raw or value)

    family = given = None
    name = _first_text(props.get("fn", ()))
    n = next((p.value for p in props.get("n", ()) if hasattr(p.value, "family")), None)
    if n is not None:
        # Several given (or family) names are comma-separated values in N.
        family = _join(n.family, " ") or None
        given = _join(n.given, " ") or None
        if not name:
            extra = (_join(n.prefix, " "), _join(n.additional, " "), _join(n.suffix, " "))
            parts = (extra[0], given, extra[1], family, extra[2])
            name = " ".join(p for p in parts if p)
    org = next((p.value for p in props.get("org", ())), None)
    company = _join(org[0] if isinstance(org, list) and org else org) if org else ""
    title = _first_text(props.get("title", ())) or _first_text(props.get("role", ()))

    emails: list[Field[str]] = []
    for p in props.get("email", ()):
        raw = _text(p.value).strip()
        address = re.sub(r"^mailto:", "", raw, flags=re.IGNORECASE)
        if not address:
            continue
        normal = validate.normalize_email(address)
        if normal is None:
            issues.append(f"e-mail {address} is not valid")
        emails.append(field(normal or address, raw, normal is not None))

    websites: list[Field[str]] = []
    social: list[Field[str]] = []
    for p in props.get("url", ()):
        found = web_or_social(_text(p.value))
        if found:
            (social if found[1] else websites).append(field(found[0], _text(p.value)))
    for p in props.get("x-socialprofile", ()):
        network = (_types(p) or [""])[0]
        value = _profile(_text(p.value), network)
        if value:
            social.append(field(value, _text(p.value)))
    for key, network in _SOCIAL_PROPERTIES.items():
        for p in props.get(key, ()):
            value = _profile(_text(p.value), network)
            if value:
                social.append(field(value, _text(p.value)))

    address = _address(props.get("adr", ())) or _first_text(props.get("label", ()))
    address = " ".join(address.split()) if address else ""
    if region is None:
        domains = [e.value.rpartition("@")[2] for e in emails] + [w.value for w in websites]
        tels = [_text(p.value) for p in props.get("tel", ())]
        region = validate.infer_region([address] if address else [], tels, domains)[0]
    phones: list[Field[Phone]] = []
    for p in props.get("tel", ()):
        raw = _text(p.value).strip()
        if not raw:
            continue
        phone = phone_field(raw, region, _phone_type(_types(p)), source, confidence)
        if not phone.value.valid:
            issues.append(f"phone {raw} is not valid")
        phones.append(phone)

    contact = Contact(
        name=field(name) if name else None,
        given_name=given,
        family_name=family,
        title=field(title) if title else None,
        company=field(company) if company else None,
        emails=tuple(_unique(emails)),
        phones=tuple(_unique(phones)),
        websites=tuple(_unique(websites)),
        address=field(address) if address else None,
        social=tuple(_unique(social)),
        issues=tuple(issues),
        # N gives the family and given name apart: a split nobody had to guess.
        name_split_explicit=bool(given or family),
    )
    if not (contact.name or contact.company or emails or phones or websites or social):
        return None
    notes = [_text(p.value).strip() for p in props.get("note", ())]
    categories: list[str] = []
    for p in props.get("categories", ()):
        values = p.value if isinstance(p.value, list) else _text(p.value).split(",")
        categories += [c.strip() for c in values if c.strip()]
    version = _first_text(props.get("version", ()))
    return VCardEntry(
        contact=contact,
        note="\n\n".join(n for n in notes if n) or None,
        categories=tuple(dict.fromkeys(categories)),
        uid=_first_text(props.get("uid", ())) or None,
        version=version,
        line=line,
    )


def phone_field(
    raw: str, region: str, kind: PhoneType | None, source: str, confidence: float
) -> Field[Phone]:
    """A phone number as typed in a vCard, MECARD or ``tel:`` link, validated.

    Args:
        raw: The number as written (a ``tel:`` prefix is dropped).
        region: Region for a number written without its country code.
        kind: The type the data gives, or None to go by the number itself (toll-free, a
            mobile range, else work).
        source: ``Field.source``.
        confidence: Confidence when the number validates.

    Returns:
        The field; a number that does not validate keeps its text, no E.164 and
        :data:`INVALID_CONFIDENCE`.
    """
    number = re.sub(r"^tel:", "", raw.strip(), flags=re.IGNORECASE)
    # RFC 3966 parameters (";ext=12" is an extension, others are not part of the number).
    number, _, params = number.partition(";")
    ext = re.search(r"(?:^|;)ext=(\d+)", params, re.IGNORECASE)
    matches = validate.find_phones(number, region)
    match = max(matches, key=lambda m: (m.valid, m.end - m.start), default=None)
    if match is None or not match.valid:
        phone = Phone(raw=raw, e164=None, type=kind or PhoneType.WORK)
        return Field(phone, min(confidence, INVALID_CONFIDENCE), source, raw)
    if kind is None:
        kind = (
            PhoneType.TOLL_FREE
            if match.toll_free
            else PhoneType.MOBILE
            if match.mobile
            else PhoneType.WORK
        )
    elif kind in (PhoneType.WORK, PhoneType.OTHER) and match.toll_free:
        kind = PhoneType.TOLL_FREE
    phone = Phone(
        raw=raw,
        e164=match.e164,
        type=kind,
        valid=True,
        extension=match.extension or (ext.group(1) if ext else None),
    )
    return Field(phone, confidence, source, raw)


def web_or_social(url: str) -> tuple[str, bool] | None:
    """A URL as cardscan writes it: ``(value, is_social)``, or None when it is not a web address.

    Websites lose their scheme, query and trailing slash ("https://www.acme.example/" →
    "www.acme.example"); a profile on a known network becomes "linkedin.com/in/jdoe".
    """
    m = _URL.match(url.strip())
    if not m or (m.group("scheme") and m.group("scheme").lower() not in ("http", "https")):
        return None
    host = m.group("host").lower().rstrip(".")
    path = (m.group("path") or "").rstrip("/")
    network = lexicon.SOCIAL_HOSTS.get(host) if path.strip("/") else None
    if network:
        return f"{network}{path}", True
    return host + path, False


def _profile(value: str, network: str) -> str | None:
    """A social profile from a URL, or from a handle and the network it is on."""
    value = value.strip()
    if not value:
        return None
    found = web_or_social(value)
    if found and found[1]:
        return found[0]
    if found and "/" in found[0]:
        return found[0]
    handle = value.removeprefix("@").strip("/")
    if not re.fullmatch(r"[\w.\-]{1,60}", handle):
        return None
    host = lexicon.SOCIAL_LABELS.get(network.lower())
    if host == "linkedin.com":
        return f"{host}/in/{handle}"
    return f"{host}/{handle}" if host else "@" + handle


def _address(adrs: Sequence[Any]) -> str:
    """The work address (else the first) on one line: street, city, region and code, country."""
    if not adrs:
        return ""
    chosen = next((a for a in adrs if "work" in _types(a)), adrs[0])
    a = chosen.value
    if not hasattr(a, "street"):
        return _text(a)
    parts = [
        _join(a.box),
        _join(a.extended),
        _join(a.street),
        _join(a.city),
        " ".join(p for p in (_join(a.region), _join(a.code)) if p),
        _join(a.country),
    ]
    return ", ".join(p for p in parts if p)


def _properties(card: Any) -> dict[str, list[Any]]:
    """The card's properties by lower-case name, grouped ones ("item1.URL") included."""
    out: dict[str, list[Any]] = {}
    for name, values in card.contents.items():
        out.setdefault(name.lower(), []).extend(values)
    return out


def _types(prop: Any) -> list[str]:
    """A property's TYPE values, lower-case: 2.1 bare params, 3.0 lists, 4.0 "a,b" strings."""
    found: list[str] = []
    for value in list(prop.params.get("TYPE", ())) + list(getattr(prop, "singletonparams", ())):
        found += [v.strip().strip('"').lower() for v in str(value).split(",") if v.strip()]
    return found


def _phone_type(types: Iterable[str]) -> PhoneType | None:
    given = set(types)
    for name, kind in _PHONE_TYPES:
        if name in given:
            return kind
    return None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v)
    return value if isinstance(value, str) else str(value)


def _join(value: Any, sep: str = ", ") -> str:
    """A structured part as one string: the values a comma had split joined again by ``sep``."""
    if isinstance(value, list):
        return sep.join(v.strip() for v in value if isinstance(v, str) and v.strip())
    return value.strip() if isinstance(value, str) else ""


def _first_text(props: Sequence[Any]) -> str:
    for p in props:
        text = _text(p.value).strip()
        if text:
            return text
    return ""


def _unique(fields: list[Any]) -> list[Any]:
    """The fields with repeated values dropped, first kept."""
    seen: set[object] = set()
    out = []
    for f in fields:
        key = f.value.e164 or f.value.raw if isinstance(f.value, Phone) else f.value
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- writing ------------------------------------------------------------------------------------

#: The vCard versions :func:`write_vcards` writes: 4.0 (RFC 6350) for current address books,
#: 3.0 (RFC 2426) for older clients (Outlook desktop, older Android and car kits).
VCARD_VERSIONS = ("4.0", "3.0")

#: TEL types per phone type. 4.0 names a mobile "cell" like 3.0; "other" is not an RFC type
#: but is what Apple Contacts writes for one, and the reader above maps it back. A toll-free
#: number has no type of its own: the reader knows it again by its number.
_TEL_TYPES: dict[PhoneType, tuple[str, ...]] = {
    PhoneType.WORK: ("work", "voice"),
    PhoneType.MOBILE: ("cell", "voice"),
    PhoneType.FAX: ("work", "fax"),
    PhoneType.TOLL_FREE: ("work", "voice"),
    PhoneType.OTHER: ("other", "voice"),
}


def write_vcards(cards: Iterable[VCardEntry], version: str = "4.0") -> str:
    """Contacts as vCard text, one card each, CRLF line ends and long lines folded.

    Each card carries N and FN, ORG, TITLE, every e-mail (``TYPE=work``), every phone with
    its type and extension (4.0: a ``tel:`` URI with ``;ext=``; 3.0: ``+1 4155550100 x204``),
    websites as URL, social profiles as X-SOCIALPROFILE, the address as the street part of
    a work ADR, the note as NOTE and the categories as CATEGORIES. What it writes,
    :func:`read_vcards` reads back to the same values.

    Args:
        cards: The contacts with their note, categories and UID (``VCardEntry.version`` and
            ``line`` are not used). A card without a UID gets one derived from its name and
            first e-mail, so writing the same contact twice gives the same UID.
        version: "4.0" or "3.0".

    Returns:
        The vCard text.

    Raises:
        ValueError: ``version`` is not one of :data:`VCARD_VERSIONS`.
    """
    if version not in VCARD_VERSIONS:
        raise ValueError(f"vCard version {version!r} is not one of {', '.join(VCARD_VERSIONS)}")
    return "".join(_card(_cleaned(entry), version).serialize() for entry in cards)


def _cleaned(entry: VCardEntry) -> VCardEntry:
    """The entry with every text passed through :func:`clean_text`.

    No escape sequence, control character or bidi override reaches the file; the note
    keeps its line breaks.
    """

    def one(f: Field[str] | None) -> Field[str] | None:
        return None if f is None else dataclasses.replace(f, value=clean_text(f.value))

    def many(fs: Sequence[Field[str]]) -> tuple[Field[str], ...]:
        return tuple(dataclasses.replace(f, value=clean_text(f.value)) for f in fs)

    c = entry.contact
    contact = dataclasses.replace(
        c,
        name=one(c.name),
        given_name=clean_text(c.given_name) if c.given_name else c.given_name,
        family_name=clean_text(c.family_name) if c.family_name else c.family_name,
        title=one(c.title),
        company=one(c.company),
        address=one(c.address),
        emails=many(c.emails),
        websites=many(c.websites),
        social=many(c.social),
        phones=tuple(
            dataclasses.replace(p, value=dataclasses.replace(p.value, raw=clean_text(p.value.raw)))
            for p in c.phones
        ),
    )
    return dataclasses.replace(
        entry,
        contact=contact,
        note=clean_text(entry.note, multiline=True) if entry.note else entry.note,
        categories=tuple(clean_text(t) for t in entry.categories),
        uid=clean_text(entry.uid) if entry.uid else entry.uid,
    )


def _card(entry: VCardEntry, version: str) -> Any:
    c = entry.contact
    v4 = version == "4.0"
    card = vobject.vCard()
    card.add("version").value = version
    name = c.name.value if c.name else ""
    given, family = c.given_name or "", c.family_name or ""
    if name and not (given or family):
        given, _, family = name.rpartition(" ") if " " in name else ("", "", name)
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    # FN is required by both versions; a card without a name shows its company or e-mail.
    fallback = c.company.value if c.company else (c.emails[0].value if c.emails else "")
    card.add("fn").value = name or " ".join(p for p in (given, family) if p) or fallback
    if c.company:
        card.add("org").value = [c.company.value]
    if c.title:
        card.add("title").value = c.title.value
    for email in c.emails:
        prop = card.add("email")
        prop.value = email.value
        prop.params["TYPE"] = ["work"] if v4 else ["INTERNET", "WORK"]
    for phone in (f.value for f in c.phones):
        prop = card.add("tel")
        types = _TEL_TYPES.get(phone.type, ("voice",))
        if v4 and phone.e164:
            ext = f";ext={phone.extension}" if phone.extension else ""
            prop.value = f"tel:{phone.e164}{ext}"
            prop.params["VALUE"] = ["uri"]
            # Already in its written form: vobject would escape the ";" of ";ext=".
            prop.encoded = True
        else:
            prop.value = _phone_text(phone)
        prop.params["TYPE"] = list(types) if v4 else [t.upper() for t in types]
    for site in c.websites:
        card.add("url").value = _url(site.value)
    for profile in c.social:
        prop = card.add("x-socialprofile")
        prop.value = profile.value if profile.value.startswith("@") else _url(profile.value)
        host = profile.value.split("/", 1)[0]
        if "/" in profile.value and "." in host:
            prop.params["TYPE"] = [host.split(".")[-2]]  # "linkedin.com/in/x" → linkedin
    if c.address:
        adr = card.add("adr")
        # One line as cardscan keeps it: the street part holds it whole, commas escaped.
        adr.value = vobject.vcard.Address(street=c.address.value)
        adr.params["TYPE"] = ["work"] if v4 else ["WORK"]
    if entry.note:
        card.add("note").value = entry.note
    if entry.categories:
        card.add("categories").value = list(entry.categories)
    card.add("uid").value = entry.uid or _uid(c)
    return card


def _phone_text(phone: Phone) -> str:
    """A phone as text (vCard 3.0, or 4.0 for a number that did not validate).

    As every export writes it: ``+1 4155550100 x204`` for a number that validated (see
    :func:`cardscan.text.phone_form`), else exactly as printed.
    """
    if not phone.e164:
        return phone.raw
    return phone_form(phone.e164, phone.raw, phone.extension)


def _url(value: str) -> str:
    return value if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE) else "https://" + value


def _uid(contact: Contact) -> str:
    key = "|".join(
        [contact.name.value if contact.name else ""] + [e.value for e in contact.emails[:1]]
    )
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'cardscan:' + key)}"
