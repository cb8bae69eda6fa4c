"""String similarity for OCR'd text: edit distances and fuzzy token comparisons.

The only module that imports ``rapidfuzz`` (fast, well-tested C++ implementations); the
parser and the matcher both take their distances from here.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz
from rapidfuzz import process as rf_process
from rapidfuzz.distance import JaroWinkler, Levenshtein


def edit_distance(a: str, b: str, cutoff: int | None = None) -> int:
    """Levenshtein distance: letters inserted, deleted or replaced to turn ``a`` into ``b``.

    With ``cutoff``, any distance above it is reported as ``cutoff + 1`` (faster).
    """
    return int(Levenshtein.distance(a, b, score_cutoff=cutoff))


def edit_similarity(a: str, b: str) -> float:
    """1 - edit distance / the longer length: 1.0 for equal strings, 0.0 for nothing shared."""
    return float(Levenshtein.normalized_similarity(a, b))


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity in [0, 1]: forgiving of slips late in a word."""
    return float(JaroWinkler.normalized_similarity(a, b))


def ratio(a: str, b: str) -> float:
    """Whole-string similarity in [0, 100]."""
    return float(fuzz.ratio(a, b))


def token_sort_ratio(a: str, b: str) -> float:
    """Similarity in [0, 100] of the two strings' words, each sorted."""
    return float(fuzz.token_sort_ratio(a, b))


def token_set_ratio(a: str, b: str) -> float:
    """Similarity in [0, 100] that ignores words one side has and the other lacks."""
    return float(fuzz.token_set_ratio(a, b))


def nearest_words(
    word: str, vocabulary: Sequence[str], max_edits: int, limit: int = 1
) -> list[tuple[str, int]]:
    """Up to ``limit`` words of ``vocabulary`` within ``max_edits`` of ``word``, nearest first.

    Returned as (word, edit distance); among equally near words, vocabulary order wins.
    """
    if limit == 1:
        best = rf_process.extractOne(
            word, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_edits
        )
        return [] if best is None else [(best[0], int(best[1]))]
    found = rf_process.extract(
        word, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=limit
    )
    return [(choice, int(score)) for choice, score, _index in found]
