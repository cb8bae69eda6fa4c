"""The assembly of a :class:`~cardscan.models.Contact` from every field family."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cardscan import lexicon
from cardscan.models import Contact, Field, OcrResult, Phone, Word, mean_conf
from cardscan.reading import calibration, validate
from cardscan.reading.parse.address import _find_address
from cardscan.reading.parse.confidence import _READINGS, _calibrated
from cardscan.reading.parse.crosscheck import cross_checked
from cardscan.reading.parse.lines import _char_spans, _fold, _Found, _Segment, _segments, _tokens
from cardscan.reading.parse.online import _find_online
from cardscan.reading.parse.people import _initial_from_name, _read_people
from cardscan.reading.parse.phones import _card_region, _find_phones, _PhoneFound
from cardscan.reading.parse.text import _languages, _name_email_match

_EVIDENCE_VALID = 0.98


_EVIDENCE_REPAIRED = 0.85


_EVIDENCE_INVALID = 0.3


def parse_card(ocr: OcrResult, region: str | None = None) -> Contact:
    """Read a contact from one card's OCR result.

    Pure: no I/O, no network. Invalid values are kept (flagged with low confidence and a
    line in ``issues``) rather than dropped, so a person can fix them.

    Args:
        ocr: the words Tesseract read from one upright card.
        region: ISO 3166 region for phone numbers printed without a country code; None
            infers it from the card (address country, calling codes, domain TLD, and which
            region the printed numbers are valid in), else US.

    Returns:
        The contact, every value a :class:`~cardscan.models.Field` with confidence.
    """
    segs = _segments(ocr)
    used: dict[int, list[tuple[int, int]]] = {}
    emails, sites, social = _find_online(segs)
    for f in [*sites, *social, *emails]:
        used.setdefault(f.seg, []).append((f.start, f.end))
    domains = [e.value.rsplit("@", 1)[1] for e in emails if e.valid]
    domains += [s.value.split("/")[0] for s in sites]

    languages = _languages(t for s in segs for t in _tokens(s.text))
    guess = _card_region(segs, used, domains, region, languages)
    codes = validate.country_codes(s.text for s in segs)
    main_code = codes.most_common(1)[0][0] if codes else validate.code_for_region(guess.region)
    phones, issues = _find_phones(segs, guess, main_code)
    email_segs = {f.seg for f in emails}
    for p in phones:
        used.setdefault(p.seg, []).append((p.start, p.end))
        for seg_index, start, end in p.also:
            used.setdefault(seg_index, []).append((start, end))
        # The label before a number belongs to it, not to the name or company.
        if p.seg not in email_segs and p.start < 12:
            used[p.seg].append((0, p.start))

    block, address, address_conf = _find_address(segs, used)
    skip = set(used) | {s.index for s in block}
    email_locals = [e.value.split("@", 1)[0] for e in emails]
    leftovers = _leftovers(segs, used, {s.index for s in block})
    name, given, family, title, company = _read_people(
        segs, skip, email_locals, domains, languages, leftovers, ocr.second
    )
    if given and family:
        emails = [_initial_from_name(e, given, family) for e in emails]

    if name is None:
        issues.append("no person name found")
    elif name.confidence < 0.6:
        issues.append("name read with low confidence")
    if title is not None and title.confidence < 0.6:
        issues.append("title read with low confidence")
    if company is not None and company.source == "email-domain":
        issues.append(f"company '{company.value}' guessed from the domain")
    elif company is not None and company.confidence < 0.6:
        issues.append("company read with low confidence")
    for f in emails:
        if not f.valid:
            issues.append(f"e-mail '{f.raw}' is not valid: {validate.email_error(f.value)}")

    contact = Contact(
        name=name,
        given_name=given,
        family_name=family,
        title=title,
        company=company,
        emails=tuple(_email_field(f, sites, name) for f in emails),
        phones=tuple(_phone_field(p, guess) for p in phones),
        websites=tuple(_site_field(f, emails) for f in sites),
        address=_address_field(address, address_conf, len(block)) if address else None,
        social=tuple(_field(f, evidence=0.9) for f in social),
        issues=tuple(issues),
    )
    return cross_checked(contact)


def _leftovers(
    segs: Sequence[_Segment], used: dict[int, list[tuple[int, int]]], block: set[int]
) -> dict[int, tuple[Word, ...]]:
    """Words a line still holds once its contact details are taken, where they may be a name.

    "Jane Doe @janedoe": the handle is a social profile, the rest is the name. Only two or
    more words of letters (no digits, no "@") count; a label ("Email:") is no leftover.
    """
    out: dict[int, tuple[Word, ...]] = {}
    for seg in segs:
        spans = used.get(seg.index)
        if not spans or seg.index in block:
            continue
        words = tuple(
            w
            for w, (a, b) in zip(seg.words, _char_spans(seg), strict=True)
            if not any(a < end and start < b for start, end in spans)
        )
        plain = all(re.fullmatch(r"[^\W\d_][\w.'\-]*,?", w.text) for w in words)
        if len(words) >= 2 and plain and not any(_fold(w.text) in _LABEL_WORDS for w in words):
            out[seg.index] = words
    return out


_LABEL_WORDS = frozenset(
    w.rstrip(":.") for w in (*lexicon.PHONE_LABELS, *lexicon.EMAIL_LABELS, *lexicon.WEB_LABELS)
)


def parse_card_readings(
    ocr: OcrResult, region: str | None = None
) -> tuple[Contact, tuple[calibration.Reading, ...]]:
    """:func:`parse_card`, plus the features behind every value's confidence.

    For fitting and checking :mod:`cardscan.reading.calibration` (``scripts/calibrate.py``): the
    contact is the one :func:`parse_card` returns; each reading names its field, its value
    as the record shows it, its features and the confidence they gave.
    """
    sink: list[calibration.Reading] = []
    token = _READINGS.set(sink)
    try:
        contact = parse_card(ocr, region)
    finally:
        _READINGS.reset(token)
    return contact, tuple(sink)


def _field(f: _Found, checked: bool = False, evidence: float | None = None) -> Field[str]:
    """The public field of a social profile found on the card (not calibrated: unscored).

    ``checked`` says a second reading confirmed it.
    """
    source = "ocr+repair" if f.repaired else "ocr"
    weight = _OCR_WEIGHT_CHECKED if checked and f.valid else _OCR_WEIGHT_PLAIN
    return Field(
        f.value, _conf(evidence or _evidence(f), mean_conf(f.words), weight), source, f.raw
    )


def _email_field(f: _Found, sites: Sequence[_Found], name: Field[str] | None) -> Field[str]:
    """An e-mail with its confidence: confirmed by the website's domain or by the name?"""
    local, _, domain = f.value.partition("@")
    features = {
        "ocr": mean_conf(f.words),
        "valid": float(f.valid),
        "site": float(any(s.value.split("/")[0].removeprefix("www.") == domain for s in sites)),
        "name": float(name is not None and _name_email_match(name.value.split(), [local]) >= 0.85),
        "repaired": float(f.repaired),
        "unknown_tld": float(not _known_tld(domain)),
    }
    source = "ocr+repair" if f.repaired else "ocr"
    return Field(f.value, _calibrated("emails", f.value, features), source, f.raw)


def _known_tld(host: str) -> bool:
    """Whether a host ends in a top-level domain the reader knows by name."""
    return host.lower().rstrip(".").rsplit(".", 1)[-1] in validate.KNOWN_TLDS


def _site_field(f: _Found, emails: Sequence[_Found]) -> Field[str]:
    """A website with its confidence: is its host also an e-mail domain on the card?"""
    host = f.value.split("/")[0].removeprefix("www.")
    features = {
        "ocr": mean_conf(f.words),
        "valid": float(f.valid),
        "email": float(any(e.valid and e.value.endswith("@" + host) for e in emails)),
        "www": float("www" in f.raw.lower() or "://" in f.raw),
        # "wwwexample.com": the dot after www was lost, and the host with it.
        "www_glued": float(host.startswith("www") and not f.value.startswith("www.")),
        "repaired": float(f.repaired),
        "unknown_tld": float(not _known_tld(host)),
    }
    source = "ocr+repair" if f.repaired else "ocr"
    return Field(f.value, _calibrated("websites", f.value, features), source, f.raw)


#: Why a card's region was chosen when nothing on the card named it (see
#: :class:`cardscan.reading.validate.RegionGuess`): only the numbers, the language, or
#: the default.
_UNFOUNDED_REGION = frozenset({"default", "numbers", "language"})


def _phone_field(p: _PhoneFound, guess: validate.RegionGuess | None = None) -> Field[Phone]:
    """A phone with its confidence: did it validate, after a repair, in one region only?

    Hint for the second stage: printed without a country code in a region nothing on the
    card named (``guess``: the region the card's national numbers were read in).
    """
    features = {
        "ocr": mean_conf(p.words),
        # A valid number passed libphonenumber's length and range checks.
        "valid": float(p.phone.valid),
        "labelled": float(p.labelled),
        "plus": float(p.phone.raw.lstrip().startswith(("+", "00"))),
        "repaired": float(p.repaired),
        # Another region the card could be from reads the number otherwise: a guess.
        "rivals": float(bool(p.rivals)),
        "split": float(bool(p.also)),
    }
    hints = {
        "region_guess": float(
            not features["plus"] and guess is not None and guess.reason in _UNFOUNDED_REGION
        )
    }
    conf = _calibrated("phones", p.phone.number, features, hints)
    return Field(p.phone, conf, "ocr+repair" if p.repaired else "ocr", p.phone.raw)


def _address_field(address: str, ocr: float, lines: int) -> Field[str]:
    """The address with its confidence (read as printed: nothing checks an address)."""
    features = {"ocr": ocr, "lines": (lines - 1) / 4}
    return Field(address, _calibrated("address", address, features), "ocr", address)


def _evidence(f: _Found) -> float:
    if not f.valid:
        return _EVIDENCE_INVALID
    return _EVIDENCE_REPAIRED if f.repaired else _EVIDENCE_VALID


#: How much OCR confidence counts in a social profile's confidence.
_OCR_WEIGHT_CHECKED = 0.4


_OCR_WEIGHT_PLAIN = 1.0


def _conf(evidence: float, ocr: float, ocr_weight: float = _OCR_WEIGHT_PLAIN) -> float:
    """Confidence of a social profile: ``evidence × (1 − w + w × ocr)``, rounded.

    ``ocr_weight`` (w) is lower for values a second reading checked character by
    character: Tesseract's word confidence then says little more.
    """
    ocr_part = 1.0 - ocr_weight + ocr_weight * max(0.0, min(1.0, ocr))
    return round(max(0.0, min(1.0, evidence * ocr_part)), 3)
