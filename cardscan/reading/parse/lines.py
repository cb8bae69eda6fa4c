"""The line model: OCR lines split into segments, one printed item each.

Also the text helpers every field family uses and the records values are found in.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cardscan import lexicon
from cardscan.lexicon import fold as _fold
from cardscan.models import OcrResult, Word, mean_conf

# Segments: words further apart than this many line heights belong to different items.
_GAP_FACTOR = 1.6


# Characters no real word on a card contains; a token holding one is an icon or a logo stroke.
_JUNK_CHARS = set("<>{}[]\\~^=_§©®¢£¥€$%*#¦«»™°¬")


_PUNCT_EDGES = " \t.,;:!?'\"()[]{}|/\\-–—•·*"


_SEPARATORS = re.compile(r"\s+[|•·–—/]\s+|\s+-\s+|,\s+")


class _WordSpan:
    """The edges of the box around a run of words (mixed into the records below)."""

    words: tuple[Word, ...]

    @property
    def left(self) -> int:
        return min(w.box.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.box.right for w in self.words)

    @property
    def top(self) -> int:
        return min(w.box.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.box.bottom for w in self.words)

    @property
    def conf(self) -> float:
        return mean_conf(self.words)

    def _median_height(self, counts: Callable[[str], bool]) -> float:
        """Median height of the words holding a character ``counts`` accepts (else of all)."""
        hs = sorted(w.box.height for w in self.words if any(counts(c) for c in w.text))
        hs = hs or sorted(w.box.height for w in self.words)
        return float(hs[len(hs) // 2])


@dataclass(frozen=True)
class _Segment(_WordSpan):
    """Words of one printed item: part of a Tesseract line between large gaps."""

    words: tuple[Word, ...]
    #: Position in reading order (Tesseract's block order, then left to right).
    index: int

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def height(self) -> float:
        """Font-size proxy: the median height of the words that have letters or digits."""
        return self._median_height(str.isalnum)


def _is_junk(word: Word) -> bool:
    """True for a token that is an icon or a logo stroke rather than printed text.

    Only used on the ends of a segment. Long tokens are never junk however unsure
    Tesseract is: e-mail addresses and URLs routinely come back with low confidence.
    """
    text = word.text
    alnum = sum(c.isalnum() for c in text)
    if not alnum:
        return True
    core = text.strip(_PUNCT_EDGES)
    if alnum >= 5 or "@" in text or _known_word(core):
        return False
    if any(c in _JUNK_CHARS for c in text):
        return True
    if word.conf < 0.35:
        return True
    # A bracket that closes nothing ("DK)", "(Y)ER") is how Tesseract reads pictograms.
    if text.count(")") != text.count("(") and not any(c.isdigit() for c in text):
        return True
    low = _fold(core)
    if len(core) <= 2 and word.conf < 0.8 and low not in lexicon.PHONE_LABELS:
        return True
    # Lower case then capitals ("iR", "nE") does not occur in real short words.
    return bool(re.fullmatch(r"[a-z]+[A-Z]+[a-z]*", core))


def _known_word(token: str) -> bool:
    """True for a word from the lexicons: real text even when Tesseract is unsure of it."""
    low = _fold(token).strip(_PUNCT_EDGES)
    return len(low) >= 2 and (
        low in lexicon.TITLE_ROLES
        or low in lexicon.SENIORITY
        or low in lexicon.FUNCTION_WORDS
        or low in lexicon.ORG_UNITS
        or low in lexicon.ADDRESS_WORDS
        or low in lexicon.COMPANY_SUFFIXES
        or low in lexicon.PHONE_LABELS
        or low in lexicon.EMAIL_LABELS
        or low in lexicon.WEB_LABELS
    )


def _is_divider(word: Word) -> bool:
    """True for a junk token inside a line that parts two printed items ('"=', '»', '®')."""
    text = word.text
    if any(c.isalnum() for c in text):
        return False
    return not set(text) <= set("&-–—/|·•,.+@:()'")


def _is_rule(prev: Word, bar: Word, nxt: Word) -> bool:
    """True for a "|" that is a printed vertical rule between two columns, not a separator.

    A separator typed in a line ("Manager | Sales") is the size of its letters; a rule
    between columns stands taller than the text, or parts text of different sizes (a name
    beside an address line).
    """
    if bar.text.strip() not in ("|", "¦", "｜"):
        return False
    small, big = sorted((prev.box.height, nxt.box.height))
    return bar.box.height > 1.3 * big or big > 1.5 * max(small, 1)


_DASHES = re.compile(r"(?<=\d)[\u2010-\u2015\u2212](?=\d)")


def _plain_dashes(word: Word) -> Word:
    """``word`` with typographic dashes between digits made ASCII ("3—4-5" → "3-4-5")."""
    text = _DASHES.sub("-", word.text)
    return word if text == word.text else dataclasses.replace(word, text=text)


def _segments(ocr: OcrResult) -> list[_Segment]:
    """Split OCR lines at wide gaps and trim junk from each piece's ends."""
    pieces: list[list[Word]] = []
    for line in ocr.lines:
        words = list(line.words)
        if not words:
            continue
        hs = sorted(w.box.height for w in words)
        height = hs[len(hs) // 2]
        current = [words[0]]
        for i, (prev, word) in enumerate(itertools.pairwise(words)):
            nxt = words[i + 2] if i + 2 < len(words) else None
            gap = word.box.left - prev.box.right
            small, big = sorted((prev.box.height, word.box.height))
            # A glyph twice the size of its neighbour is a logo letter, not part of the text.
            logo = big > 2.2 * max(small, 1) and all(
                any(c.isalnum() for c in w.text) for w in (prev, word)
            )
            if gap > _GAP_FACTOR * max(height, 1) + 0.6 * small or logo:
                pieces.append(current)
                current = []
            if _is_divider(word) or (nxt is not None and _is_rule(prev, word, nxt)):
                pieces.append(current)
                current = []
                continue
            current.append(word)
        pieces.append(current)
    segments: list[_Segment] = []
    for words in ([_plain_dashes(w) for w in piece] for piece in pieces):
        if not words:
            continue
        # Icons sit at the ends of an item; junk in the middle is left for the patterns.
        while words and _is_junk(words[0]):
            words = words[1:]
        while words and _is_junk(words[-1]) and not _number_tail(words):
            words = words[:-1]
        if words:
            segments.append(_Segment(tuple(words), len(segments)))
    return segments


def _number_tail(words: Sequence[Word]) -> bool:
    """True when the last word is a digit group continuing a number ("+32 3617 00 61").

    Tesseract is often unsure of short digit groups at the end of a number; they are the
    number's digits, not an icon.
    """
    if len(words) < 2:
        return False
    last, before = words[-1].text, words[-2].text
    return last.isdigit() and any(c.isdigit() for c in before)


def _char_spans(seg: _Segment) -> list[tuple[int, int]]:
    """Start/end offsets of each word of ``seg`` in ``seg.text``."""
    spans, pos = [], 0
    for w in seg.words:
        spans.append((pos, pos + len(w.text)))
        pos += len(w.text) + 1
    return spans


def _words_in(seg: _Segment, start: int, end: int) -> tuple[Word, ...]:
    """The words of ``seg`` that overlap characters ``start:end`` of its text."""
    return tuple(
        w for w, (a, b) in zip(seg.words, _char_spans(seg), strict=True) if a < end and start < b
    )


def _tokens(text: str) -> list[str]:
    """Folded word tokens with punctuation at their ends removed."""
    out = []
    for raw in text.split():
        tok = _fold(raw).strip(_PUNCT_EDGES)
        if tok:
            out.append(tok)
    return out


def _letters(text: str) -> str:
    """Only the folded letters and digits of ``text`` ("Co.,Ltd" → "coltd")."""
    return "".join(c for c in _fold(text) if c.isalnum())


@dataclass(frozen=True)
class _Found:
    """A value found in a segment: where, what was printed, what it means."""

    seg: int
    start: int
    end: int
    raw: str
    value: str
    valid: bool
    repaired: bool
    words: tuple[Word, ...]


@dataclass(frozen=True)
class _Candidate(_WordSpan):
    """A segment, or a part of one split at a separator, that may be a name/title/company."""

    seg: _Segment
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return _clean_text(" ".join(w.text for w in self.words))

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(id(w) for w in self.words)

    @property
    def height(self) -> float:
        """Font-size proxy: the median height of the words that have letters."""
        return self._median_height(str.isalpha)


def _clean_text(text: str) -> str:
    """Tidy a value: collapse spaces, drop separators and stray marks left at its ends.

    Logos, rules and bullets next to a line come back as "=", "~", "»" or "|"; a value
    starts with a letter, digit or "(" and ends with one or with "." ("Inc.") or ")".
    """
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^[^\w(]+", "", text)
    return re.sub(r"[^\w.)]+$", "", text)
