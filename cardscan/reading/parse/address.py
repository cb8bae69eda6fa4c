"""The postal address block."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cardscan import lexicon
from cardscan.models import mean_conf
from cardscan.reading import validate
from cardscan.reading.parse.lines import _PUNCT_EDGES, _fold, _Segment, _tokens
from cardscan.reading.parse.text import (
    _WORD_PARTS,
    _case_like,
    _fix_capital_i,
    _legal_suffix,
    _ocr_distance,
)
from cardscan.similarity import nearest_words

# A run shaped like a phone number: optional +CC, optional (area), groups of digits.
_PHONEISH = re.compile(
    r"(?:\+\s?\d{1,3}[\s\-.]?)?(?:\(\d{1,5}\)[\s\-.]?)?\d{2,5}(?:[\s\-./]\d{2,5}){1,5}"
)


# "712 Hilary Creek", "Lindenweg 41/78": a house number before or after the street name.
_STREET_LINE = re.compile(
    r"^\d{1,5}[A-Za-z]?,?\s+[A-ZÄÖÜÉa-zäöüé][\w'.-]+|^[A-ZÄÖÜÉ][\w'.-]+(?:\s+[\w'.-]+)*\s+\d{1,5}[A-Za-z]?(?:[/-]\d{1,4})?,?$"
)


# "Springfield, IL", "West Amber, BC": a city and a state or province code.
_CITY_LINE = re.compile(r"^[A-Z][A-Za-z .'\-]+,\s*[A-Z]{2}\b")


_HOUSE_NUMBER = re.compile(r"\b\d{1,5}[A-Za-z]?(?:-\d{1,5}){0,3}\b")


def _address_score(text: str) -> tuple[float, bool]:
    """How much a segment looks like part of a postal address, and whether it can start one.

    A line "can start" an address when it has a postcode, a street word or a block number;
    a country or city name alone only continues an address begun above it.
    """
    tokens = _tokens(text)
    if not tokens:
        return 0.0, False
    score = 0.0
    postcode = validate.has_postcode(text)
    street = sum(
        1 for t in tokens if t in lexicon.ADDRESS_WORDS or t.endswith(lexicon.ADDRESS_ENDINGS)
    )
    block = bool(re.search(r"\b\d+-\d+(?:-\d+)+", text))  # Japanese block-lot "3-12-4"
    house = bool(_HOUSE_NUMBER.search(text))
    if postcode:
        score += 1.5
    score += 1.0 * min(2, street)
    if validate.region_from_text([text]):
        score += 1.5
    if house:
        score += 0.5
    if block:
        score += 1.0
    strong = postcode or block or (street > 0 and (house or street > 1))
    # Digits alone ("555-0144", the rest of a broken phone number) start no address.
    if not any(c.isalpha() for c in text) and "〒" not in text:
        strong = False
    return score, strong


def _find_address(
    segs: Sequence[_Segment], used: dict[int, list[tuple[int, int]]]
) -> tuple[list[_Segment], str | None, float]:
    """The first (main) address block: its segments, its one-line text and its OCR conf.

    Cards with several offices print one block per office; the first block read top to
    bottom is the main one. Blocks are runs of vertically adjacent, left-aligned lines.
    """

    def remaining(seg: _Segment) -> str:
        text = seg.text
        for a, b in sorted(used.get(seg.index, []), reverse=True):
            text = text[:a] + " " + text[b:]
        return re.sub(r"\s+", " ", text).strip(_PUNCT_EDGES)

    scored = {s.index: _address_score(remaining(s)) for s in segs}
    by_pos = sorted(segs, key=lambda s: (s.top, s.left))
    block: list[_Segment] = []
    for seg in by_pos:
        score, strong = scored[seg.index]
        # What is left of a phone or e-mail line ("(Japan)" after a number) is no address.
        remnant = seg.index in used and not strong
        if not block:
            if strong and score >= 1.5 and not remnant:
                block = [seg]
            continue
        last = block[-1]
        aligned = abs(seg.left - last.left) < 3 * last.height or (
            seg.left >= last.left - last.height and seg.right <= last.right + 8 * last.height
        )
        if not aligned:
            continue  # another column
        if seg.top - last.bottom >= 1.6 * max(last.height, seg.height) or remnant:
            break
        # Right under an address line, a weaker line continues it ("Springfield, IL 627O4").
        if score >= 1.5 or score >= 0.5 or _CITY_LINE.search(remaining(seg)):
            block.append(seg)
        else:
            break
    # A building or street line without numbers just above the block belongs to it too.
    if block:
        first = block[0]
        for seg in reversed(by_pos[: by_pos.index(first)]):
            tokens = _tokens(seg.text)
            street = any(
                t in lexicon.ADDRESS_WORDS or t.endswith(lexicon.ADDRESS_ENDINGS) for t in tokens
            )
            if seg.index in used or _legal_suffix(seg.text):
                break
            if not street and not _STREET_LINE.search(seg.text):
                break
            close = first.top - seg.bottom < 1.6 * first.height
            if close and abs(seg.left - first.left) < 3 * first.height:
                block.insert(0, seg)
                first = seg
            else:
                break
    if not block:
        return [], None, 0.0
    parts = []
    for seg in block:
        part = remaining(seg)
        # "HEAD OFFICE : 1-2-3 …" — an office name before a colon heads the block; it is no street.
        part = re.sub(r"^(?:[A-Z][A-Za-z]*\s+){0,2}[A-Z][A-Za-z]+\s*\W?\s*:\s*", "", part)
        if part:
            parts.append(part)
    text = _respell_address(_fix_capital_i(", ".join(p.rstrip(",") for p in parts)))
    return block, text or None, mean_conf(w for s in block for w in s.words)


_ADDRESS_VOCAB = tuple(sorted(w for w in lexicon.ADDRESS_WORDS if len(w) >= 4 and w.isalpha()))


def _respell_address(text: str) -> str:
    """Street words with one typical OCR confusion repaired ("Bidg." → "Bldg.")."""
    out = []
    for word in text.split(" "):
        m = _WORD_PARTS.match(word)
        assert m is not None
        lead, core, trail = m.groups()
        folded = _fold(core)
        if len(folded) >= 4 and folded.isalpha() and folded not in lexicon.ADDRESS_WORDS:
            near = nearest_words(folded, _ADDRESS_VOCAB, max_edits=1)
            if near and _ocr_distance(folded, near[0][0]) <= 0.5:
                core = _case_like(core, near[0][0], False)
        out.append(lead + core + trail)
    return " ".join(out)
