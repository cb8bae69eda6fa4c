"""The company: the line the model picks, joined with the lines it continues over."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cardscan import lexicon
from cardscan.models import Field
from cardscan.reading.parse.confidence import _calibrated
from cardscan.reading.parse.lines import (
    _PUNCT_EDGES,
    _Candidate,
    _clean_text,
    _fold,
    _letters,
    _Segment,
    _tokens,
)
from cardscan.reading.parse.text import _domain_match, _legal_suffix, _role_words
from cardscan.similarity import edit_similarity

_COMPANY_GLUE = frozenset({"&", "and", "und", "et", "y", "of", "de", "des", "di", "für", "for"})


def _generic(text: str) -> bool:
    """True when a line holds only generic company words ("International Logistics Ltd.")."""
    tokens = [t for t in _tokens(text) if t not in ("&", "-", "/")]
    return bool(tokens) and all(
        t in lexicon.COMPANY_WORDS
        or t.replace(".", "") in lexicon.COMPANY_SUFFIXES
        or t in _COMPANY_GLUE
        or t in lexicon.COUNTRY_NAMES
        for t in tokens
    )


def _open_end(text: str) -> bool:
    """True when a line ends where a company name goes on ("… Institute of", "… &")."""
    tokens = _tokens(text)
    return bool(tokens) and (tokens[-1] in _COMPANY_GLUE or text.rstrip().endswith(("&", "-")))


def _open_start(text: str) -> bool:
    """True when a line continues the one above ("& Logistics Ltd.", "international …")."""
    stripped = text.lstrip()
    tokens = _tokens(text)
    return stripped[:1] in ("&", "-") or (bool(tokens) and tokens[0] in _COMPANY_GLUE)


def _company_lines(company: _Candidate, others: Sequence[_Candidate]) -> list[_Candidate]:
    """The company's line with the lines it continues over, top to bottom.

    A company printed on two lines ("BLUE HARBOR" over "International Logistics", "Institute
    of" over "Science & Technology") is one name: a line right above or below, in the same
    column, joins when one of the two ends or starts open (a glue word, "&") or when the
    chosen line holds only generic company words, which name no company alone. Person
    names, titles, digits and lines far apart never join.
    """
    lines = [company]

    def neighbour(edge: _Candidate, above: bool) -> _Candidate | None:
        best = None
        for c in others:
            if len(c.words) != len(c.seg.words) or c in lines:
                continue
            gap = (edge.top - c.bottom) if above else (c.top - edge.bottom)
            h = max(edge.height, c.height, 1)
            overlap = min(edge.right, c.right) - max(edge.left, c.left)
            if not (-0.2 * h <= gap < 0.9 * h) or overlap <= 0:
                continue
            if not 0.4 <= c.height / max(edge.height, 1) <= 2.5:
                continue
            if any(ch.isdigit() or ch == "@" for ch in c.text) or len(_tokens(c.text)) > 6:
                continue
            if _role_words(_tokens(c.text))[0] or (_legal_suffix(c.text) and above is False):
                continue
            if best is None or abs(gap) < abs(
                (edge.top - best.bottom) if above else (best.top - edge.bottom)
            ):
                best = c
        return best

    for _ in range(2):
        up = neighbour(lines[0], above=True)
        if up is not None and (
            _open_start(lines[0].text) or _open_end(up.text) or _generic(lines[0].text)
        ):
            lines.insert(0, up)
            continue
        down = neighbour(lines[-1], above=False)
        if (
            down is not None
            and (_open_end(lines[-1].text) or _open_start(down.text) or _generic(down.text))
            and not _legal_suffix(lines[-1].text)
        ):
            lines.append(down)
            continue
        break
    return lines


def _without_noise(cand: _Candidate, labels: Sequence[str]) -> str:
    """A company line without the unsure logo strokes OCR read before the name.

    "Lops eee WHS Acme Logistics Ltd" with the first three words read at low confidence:
    they go when the domain spells none of them and what is left still ends in a legal
    form or spells the domain.
    """
    words = list(cand.words)
    pieces = [p for label in labels for p in (label, *label.split("-")) if p]
    while len(words) > 1 and words[0].conf < 0.6:
        first = _letters(words[0].text)
        if any(edit_similarity(first, piece) >= 0.6 for piece in pieces):
            break  # a word of the name the domain spells, only read with low confidence
        rest = _clean_text(" ".join(w.text for w in words[1:]))
        if not (_legal_suffix(rest) or (labels and _domain_match(rest, labels) >= 0.8)):
            break
        words = words[1:]
    return _clean_text(" ".join(w.text for w in words))


def _without_monogram(text: str) -> str:
    """A company without the logo's monogram read before it ("SL Silverbirch LLC").

    A first word of two to four capitals that is the initials of the words after it (with
    or without the legal form) is the logo's mark, not part of the name.
    """
    words = text.split()
    if len(words) < 2 or not re.fullmatch(r"[A-Z]{2,4}", words[0]):
        return text
    rest = words[1:]
    suffix = _legal_suffix(" ".join(rest))
    core = " ".join(rest)[: -len(suffix)].split() if suffix else rest
    initials = {
        "".join(w[0] for w in ws if w[:1].isalpha()).upper()
        for ws in (rest, core, [w for w in core if _fold(w) not in _COMPANY_GLUE])
    }
    return " ".join(rest) if words[0] in initials else text


def _restored_start(text: str, labels: Sequence[str]) -> str:
    """A company whose first letters were cut off ("ans Health LLP" beside ``evans-health``).

    At a card's edge, or under a logo, OCR loses a word's first letters. When the domain
    spells the whole name but for one to three letters before it, and the first word
    begins in small letters (or the name is printed in capitals), they are put back.
    """
    words = text.split()
    if not words or not words[0][:1].isalpha():
        return text
    suffix = _legal_suffix(text)
    core = _letters(text[: -len(suffix)] if suffix else text)
    capitals = text.upper() == text
    if len(core) < 3 or not (words[0][:1].islower() or capitals):
        return text
    for label in labels:
        flat = label.replace("-", "")
        missing = len(flat) - len(core)
        if 1 <= missing <= 3 and flat.endswith(core):
            start = flat[:missing]
            head = start.upper() if capitals else start.capitalize()
            return " ".join([head + words[0], *words[1:]])
    return text


def _company_from_domain(label: str, segs: Sequence[_Segment]) -> Field[str] | None:
    """A company for a card whose logo prints it as one word spelling the domain, else None.

    The printed word (often the logo's text, read with low confidence) keeps the company's
    own spelling. A domain alone is no company name: the card then has none.
    """
    flat = label.replace("-", "")
    for seg in segs:
        for w in seg.words:
            if _letters(w.text) == flat and len(flat) >= 3:
                value = w.text.strip(_PUNCT_EDGES)
                features = {"ocr": w.conf, "domain": 1.0, "domain_word": 1.0}
                return Field(value, _calibrated("company", value, features), "ocr+domain", w.text)
    # Only the domain (or a picture logo) names the firm: nothing printed says its name,
    # and a name guessed from the domain is wrong as often as right ("Uma" for a university).
    return None
