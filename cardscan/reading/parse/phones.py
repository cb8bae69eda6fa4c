"""Phone numbers: found, typed by their labels, read in the card's region."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cardscan import lexicon
from cardscan.models import Phone, PhoneType, Word
from cardscan.reading import validate
from cardscan.reading.parse.address import _PHONEISH, _address_score, _find_address
from cardscan.reading.parse.lines import _fold, _Segment, _words_in
from cardscan.reading.parse.text import _is_bare_suffix, _legal_suffix, _suffix_key


@dataclass(frozen=True)
class _PhoneFound:
    seg: int
    start: int
    end: int
    phone: Phone
    labelled: bool
    repaired: bool
    words: tuple[Word, ...]
    #: Other regions that read this national number as another valid number.
    rivals: tuple[str, ...] = ()
    #: (segment, start, end) of the rest of a number printed over two lines.
    also: tuple[tuple[int, int, int], ...] = ()
    #: True when the type came from no label at all, only from the numbering plan.
    untyped: bool = False


def _label_kind(text: str) -> str | None:
    """The phone kind announced by the first label in ``text`` (None if there is none).

    Two-word labels ("Toll-free", "Numéro vert", "Free phone") come first: one of their
    words alone may announce another kind ("phone" an ordinary line).
    """
    folded = " " + re.sub(r"[\s\-:.]+", " ", _fold(text)).strip() + " "
    for phrase, announced in lexicon.PHONE_LABEL_PHRASES.items():
        if f" {phrase.replace('-', ' ')} " in folded:
            return announced
    for tok in re.split(r"[^A-Za-zÀ-ÿ.]+", text):
        low = _fold(tok).strip(".")
        if not low:
            continue
        if len(low) == 1 and low not in ("t", "m", "f"):
            continue
        kind = lexicon.PHONE_LABELS.get(low) or lexicon.PHONE_LABELS.get(low + ".")
        if kind:
            return kind
    return None


def _label_left_of(words: Sequence[Word], segs: Sequence[_Segment], own: int) -> str | None:
    """A label printed in a column to the left of a number (same height on the card)."""
    if not words:
        return None
    first = words[0]
    best: tuple[int, str] | None = None
    for seg in segs:
        if seg.index == own or seg.right > first.box.left:
            continue
        for w in seg.words:
            overlap = min(w.box.bottom, first.box.bottom) - max(w.box.top, first.box.top)
            if overlap < 0.5 * min(w.box.height, first.box.height):
                continue
            kind = _label_kind(w.text)
            distance = first.box.left - w.box.right
            if kind and distance < 12 * first.box.height and (best is None or distance < best[0]):
                best = (distance, kind)
    return best[1] if best else None


# Labels of tax and company registration numbers printed beside the phones.
_ID_LABEL = re.compile(
    r"(?i)\b(?:vat|gst|gstin|tin|pan|cin|abn|acn|siret|siren|ust-?id(?:nr)?|uid|kvk|btw|"
    r"iva|p\.?\s?iva|cif|nif|nipc|reg(?:istration)?(?:\.|\s?no)?|cr|tax(?:\s?id)?|vat\s?no)"
    r"\b[\s.:#-]*(?:no\.?|nr\.?|number)?[\s.:#-]*$"
)


def _find_phones(
    segs: Sequence[_Segment], guess: validate.RegionGuess, country_code: int | None
) -> tuple[list[_PhoneFound], list[str]]:
    """Every phone number, typed by its label, in printed order, without duplicates.

    A number split over two lines is read as one (see :func:`_split_numbers`). A national
    number that another region the card could be from reads as a different valid number is
    kept with those rivals noted.

    Returns:
        The numbers, and an issue line for each one that does not validate or whose country
        the card does not settle.
    """
    region = guess.region
    out: list[_PhoneFound] = []
    issues: list[str] = []
    seen: set[str] = set()
    pairs = _split_numbers(segs, region, country_code)
    offices = _office_regions(segs) if guess.reason != "given" else {}
    continued = {b.index for _, b in pairs}
    for seg in segs:
        if seg.index in continued:
            continue
        below = next((b for a, b in pairs if a is seg), None)
        # The pair is read as one line; offsets past the first line's text are the second's.
        text = seg.text if below is None else f"{seg.text} {below.text}"
        joint = len(seg.text)
        both = seg if below is None else _Segment(seg.words + below.words, seg.index)
        matches = validate.find_phones(text, region, country_code)
        # A card with offices in several countries: a national number belongs to the
        # country of the address printed above it, when it is valid there.
        office = offices.get(seg.index)
        local = False
        if office and office != region:
            there = validate.find_phones(text, office, validate.code_for_region(office))
            if sum(m.valid for m in there) >= max(1, sum(m.valid for m in matches)):
                matches, local = there, True
        prev_end = prev_start = 0
        prev_kind: str | None = None
        for i, m in enumerate(matches):
            digits = sum(c.isalnum() if m.vanity else c.isdigit() for c in m.raw)
            # The label is the word or two right before the number ("Mobile phone:", "T.").
            before = " ".join(re.findall(r"[A-Za-zÀ-ÿ.]+", text[prev_end : m.start])[-2:])
            kind = _label_kind(before)
            if kind is None and i and re.fullmatch(r"[\s/,;|&]*", text[prev_end : m.start]):
                # A list of numbers under one label ("Tel: 3544083, 3544093"): each is one.
                kind = prev_kind
            after_end = matches[i + 1].start if i + 1 < len(matches) else len(text)
            if kind is None:
                # "+1 555 0100 (mobile)": a label in brackets right after the number.
                after = text[m.end : after_end]
                if re.match(r"\s*[(\[]\s*[A-Za-z]", after):
                    kind = _label_kind(after.split(")")[0])
            labelled = kind is not None
            words = _words_in(both, m.start, m.end)
            if kind is None:
                # Typed by a label column to the left; that alone does not make a bad number
                # worth keeping, since anything can stand level with a label.
                kind = _label_left_of(words, segs, seg.index)
            prev_end = m.end
            prev_kind = kind
            # A tax or company registration number ("VAT 123456789") is no phone, however
            # valid its digits happen to be.
            if not labelled and _ID_LABEL.search(text[max(prev_start, m.start - 16) : m.start]):
                prev_start = m.end
                continue
            prev_start = m.end
            # Unlabelled, invalid digit runs are usually postcodes, dates or ID numbers.
            intl = m.raw.lstrip().startswith("+")
            if digits < 6 or (not m.valid and not labelled and not intl):
                continue
            # Unlabelled digits in an address line are its house number and postcode
            # ("Lindenweg 41/78, 50528 Oranienburg" is also a valid German number).
            if (
                not labelled
                and not intl
                and (", " in m.raw or _address_score(text[: m.start] + text[m.end :])[1])
            ):
                continue
            if m.valid and not labelled and digits < 7:
                continue
            untyped = kind is None
            if kind is None:
                kind = "toll-free" if m.toll_free else "mobile" if m.mobile else "work"
            elif kind in ("work", "other") and m.toll_free:
                # "Tel. 0800 …", "Hotline 1-800-…": the numbering plan says more than the label.
                kind = "toll-free"
            key = m.e164 or re.sub(r"\D", "", m.raw)
            if key in seen:
                continue
            seen.add(key)
            raw = m.raw.strip()
            phone = Phone(
                raw=raw,
                # A possible number that no longer validates (older cards) keeps its E.164
                # form, flagged by ``valid``; an impossible one keeps only its print.
                e164=m.e164 if m.valid or (m.e164 and validate.is_possible(m.e164)) else None,
                type=PhoneType(kind),
                valid=m.valid,
                extension=m.extension,
            )
            rivals: tuple[str, ...] = ()
            if m.valid and not intl and guess.tied and not local:
                rivals = tuple(r for r, _ in validate.other_readings(m.dialled, region, guess.tied))
            if below is not None and m.start > joint:
                # Wholly on the second line.
                found = _PhoneFound(
                    below.index,
                    m.start - joint - 1,
                    m.end - joint - 1,
                    phone,
                    labelled,
                    m.repaired,
                    words or below.words,
                    rivals,
                )
            elif below is not None and m.end > joint:
                found = _PhoneFound(
                    seg.index,
                    m.start,
                    joint,
                    phone,
                    labelled,
                    True,
                    words,
                    rivals,
                    ((below.index, 0, m.end - joint - 1),),
                )
            else:
                found = _PhoneFound(
                    seg.index,
                    m.start,
                    m.end,
                    phone,
                    labelled,
                    m.repaired,
                    words or seg.words,
                    rivals,
                )
            out.append(dataclasses.replace(found, untyped=untyped))
            if not m.valid:
                issues.append(f"phone '{raw}' is not a valid number")
            if rivals:
                issues.append(
                    f"phone '{raw}' could be {_or_list([region, *rivals])}: check the country"
                )
    return _lost_fax_label(_completed_locals(out)), issues


def _completed_locals(found: list[_PhoneFound]) -> list[_PhoneFound]:
    """Short local numbers completed with the area code another number on the card prints.

    "Tel: 3140806, Fax: 040-3140702": the card gives its city code once. Only numbers
    printed without a calling code or trunk prefix, and only where the completed number is
    possible in the donor's numbering plan (see :func:`validate.complete_local`); the
    result stays flagged as repaired.
    """
    out = list(found)
    for i, p in enumerate(out):
        raw = p.phone.raw.strip()
        if p.phone.valid or raw.startswith(("+", "0", "(")):
            continue
        digits = re.sub(r"\D", "", raw)
        donors = [(q.phone.raw, q.phone.e164) for j, q in enumerate(out) if j != i and q.phone.e164]
        done = validate.complete_local(digits, donors)
        if done is None:
            continue
        e164, valid = done
        phone = dataclasses.replace(p.phone, e164=e164, valid=valid)
        out[i] = dataclasses.replace(p, phone=phone, repaired=True)
    return out


def _lost_fax_label(found: list[_PhoneFound]) -> list[_PhoneFound]:
    """Type as fax the second of two office numbers whose label OCR lost.

    Cards print an office line and a fax line of one country side by side or one under the
    other, often marked by icons OCR cannot read. When nothing on the card is labelled fax,
    exactly two numbers of one country read as office lines, and the second has no label
    of its own, it is the fax far more often than a second office line.
    """
    if any(p.phone.type is PhoneType.FAX for p in found):
        return found
    office = [i for i, p in enumerate(found) if p.phone.valid and p.phone.type is PhoneType.WORK]
    if len(office) != 2 or not found[office[1]].untyped:
        return found
    first, second = (found[i].phone.e164 or "" for i in office)
    if validate.number_region(first) != validate.number_region(second):
        return found
    out = list(found)
    p = out[office[1]]
    out[office[1]] = dataclasses.replace(p, phone=dataclasses.replace(p.phone, type=PhoneType.FAX))
    return out


def _office_regions(segs: Sequence[_Segment]) -> dict[int, str]:
    """The country of the office each line belongs to, where the card names one above it.

    A card with offices in several countries prints each office's address with its numbers
    under it, in a column or a stack. A line takes the country named on itself, else on the
    nearest line above it in its column (the lines overlap horizontally).
    """
    named = {s.index: validate.region_from_text([s.text]) for s in segs}
    countries = {k: v for k, v in named.items() if v}
    if len(set(countries.values())) < 2:
        return {}  # one country (or none): the card's region already says it
    out: dict[int, str] = {}
    for seg in segs:
        if seg.index in countries:
            out[seg.index] = countries[seg.index]
            continue
        above = [
            s
            for s in segs
            if s.index in countries
            and s.bottom <= seg.top + seg.height / 2
            and min(s.right, seg.right) > max(s.left, seg.left)
        ]
        if above:
            out[seg.index] = countries[max(above, key=lambda s: s.bottom).index]
    return out


def _or_list(regions: Sequence[str]) -> str:
    """Regions in words: "DE or FR", "FR, DE, IT or 10 other countries"."""
    if len(regions) <= 3:
        return ", ".join(regions[:-1]) + " or " + regions[-1]
    more = len(regions) - 3
    return f"{', '.join(regions[:3])} or {more} other {'country' if more == 1 else 'countries'}"


# A number's first part at the end of a line, and its rest at the start of the next.
_NUMBER_HEAD = re.compile(r"(?:\+\s?)?\(?\d[\d\s().\-/]*$")


_NUMBER_TAIL = re.compile(r"^\(?\d[\d\s().\-/]*(?<=[\d)])")


def _split_numbers(
    segs: Sequence[_Segment], region: str, country_code: int | None
) -> list[tuple[_Segment, _Segment]]:
    """Pairs of lines that hold one phone number between them, broken after its first part.

    A narrow column breaks "+1 212 555" / "0147". The lines must sit right above one another,
    neither piece may be a valid number alone, the first must be clearly a number (labelled,
    international, or ending in a separator), neither line may be an address, and the
    joined digits must validate as a number crossing the break.
    """
    pairs: list[tuple[_Segment, _Segment]] = []
    taken: set[int] = set()
    for a in segs:
        head = _NUMBER_HEAD.search(a.text)
        if head is None or a.index in taken or sum(c.isdigit() for c in head.group(0)) < 3:
            continue
        piece = head.group(0)
        marked = (
            piece.lstrip().startswith(("+", "("))
            or piece.rstrip()[-1] in "-./"
            or _label_kind(a.text[: head.start()]) is not None
        )
        if not marked or _address_score(a.text)[1]:
            continue
        for b in segs:
            tail = _NUMBER_TAIL.match(b.text)
            if b is a or b.index in taken or tail is None:
                continue
            close = 0 <= b.top - a.bottom < 0.8 * max(a.height, b.height)
            aligned = min(a.right, b.right) > max(a.left, b.left)
            # Digits alone ("555-0147", "34568") are no postcode line, however shaped.
            address = _address_score(b.text)[1] and any(c.isalpha() for c in b.text)
            if not (close and aligned) or address:
                continue
            if _valid_number_in(a.text, head.start(), len(a.text), region, country_code):
                break
            if _valid_number_in(b.text, 0, tail.end(), region, country_code):
                break
            joint = len(a.text)
            text = f"{a.text} {b.text}"
            if any(
                m.valid and m.start < joint < m.end and sum(c.isdigit() for c in m.raw) >= 8
                for m in validate.find_phones(text, region, country_code)
            ):
                pairs.append((a, b))
                taken.update((a.index, b.index))
            break
    return pairs


def _valid_number_in(
    text: str, start: int, end: int, region: str, country_code: int | None
) -> bool:
    """True when a valid number of ``text`` overlaps characters ``start:end``."""
    return any(
        m.valid and m.start < end and start < m.end
        for m in validate.find_phones(text, region, country_code)
    )


def _card_region(
    segs: Sequence[_Segment],
    used: dict[int, list[tuple[int, int]]],
    domains: Sequence[str],
    region: str | None,
    languages: frozenset[str],
) -> validate.RegionGuess:
    """The region for reading national numbers: the caller's, else inferred from the card."""
    if region:
        return validate.RegionGuess(region.upper(), "given")
    # The address names the country, so find it first, with anything shaped like a phone
    # number set aside ("555-0130" is no Japanese postcode).
    phoneish = {k: list(v) for k, v in used.items()}
    for seg in segs:
        for m in _PHONEISH.finditer(seg.text):
            if sum(c.isdigit() for c in m.group(0)) >= 8:
                phoneish.setdefault(seg.index, []).append((m.start(), m.end()))
    block, _, _ = _find_address(segs, phoneish)
    # A legal form ends the company's line, or stands on a line of its own under a logo.
    forms = [
        _legal_suffix(s.text) or (s.text if _is_bare_suffix(s.text) else None)
        for s in segs
        if s.index not in used
    ]
    legal = [lexicon.LEGAL_FORM_REGIONS.get(_suffix_key(f)) for f in forms if f]
    return validate.guess_region(
        [s.text for s in block],
        [s.text for s in segs],
        domains,
        [r for r in legal if r],
        languages,
    )
