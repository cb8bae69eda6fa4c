"""A value's own text as evidence: signs that it was cut short, run together or merged.

The second stage of the confidence (:mod:`cardscan.reading.calibration`) holds a value
under the review threshold when one of these says its text cannot be the whole of what
the card prints: a title that ends in "of", a company whose first letters were lost, a
name that holds a word again inside a longer one, two words run together.
"""

from __future__ import annotations

import re

from cardscan import lexicon


def _key(text: str) -> str:
    """Letters and digits only, case-folded."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


#: A capital right after four small letters inside a word: two words run together.
_GLUED = re.compile(r"[^\W\d_]*[a-zà-ÿ]{4}[A-ZÀ-Þ]")


#: Words that carry a title or a company name on to what follows (and, of, für, de, &, …).
_CARRY_ON = lexicon.TITLE_GLUE | frozenset({"&", "+", "-", "/", "und", "y", "e", "et", "en"})


def open_end(value: str) -> bool:
    """Whether a title or company ends in a word that needs more after it ("Head of")."""
    words = value.replace(",", " ").split()
    return bool(words) and (lexicon.fold(words[-1]) in _CARRY_ON or value.rstrip().endswith("&"))


def cut_start(value: str) -> bool:
    """Whether a company starts with a word in small letters before capitalised ones.

    "ans Health LLP": the first letters were lost. Particles and glue words ("de Vries
    Bouw") and brands with an inner capital ("eBay") are no cut.
    """
    words = value.split()
    if len(words) < 2:
        return False
    first = words[0].strip(".,&'’")
    return (
        len(first) >= 2
        and first.isalpha()
        and first.islower()
        and lexicon.fold(first) not in lexicon.NAME_PARTICLES | _CARRY_ON
        and any(w[:1].isupper() for w in words[1:])
    )


def repeated(value: str) -> bool:
    """Whether a name holds one of its words again inside a much longer one.

    "Amanda Amandachristensen": a word of three letters or more inside another that is six
    or more letters longer. Names do repeat a word ("Mohamed Mohamed") or start like
    another ("Jan Janssen", "Peter Petersen"); those stay.
    """
    words = [_key(w) for w in value.split()]
    return any(
        len(a) >= 3 and len(b) - len(a) >= 6 and a in b for a in words for b in words if a != b
    )


def glued(value: str) -> bool:
    """Whether a word holds a capital right after four small letters ("DirectorManager")."""
    return _GLUED.search(value) is not None
