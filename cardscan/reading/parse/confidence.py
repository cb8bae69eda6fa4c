"""Calibrated confidence for parsed values (see :mod:`cardscan.reading.calibration`).

While :func:`~cardscan.reading.parse.parse_card_readings` runs, every value's features are
collected for refitting.
"""

from __future__ import annotations

import contextvars

from cardscan.reading import calibration

# While parse_card_readings runs, every value's features are collected here (for fitting).
_READINGS: contextvars.ContextVar[list[calibration.Reading] | None] = contextvars.ContextVar(
    "cardscan_parse_readings", default=None
)


def _calibrated(
    kind: str, value: str, features: dict[str, float], hints: dict[str, float] | None = None
) -> float:
    """The calibrated confidence of a value of field ``kind`` (see the module docstring).

    ``hints`` (:data:`cardscan.reading.calibration.HINTS`) do not move this confidence:
    they go with the reading to the second stage, which weighs them on real cards.
    """
    clamped = {k: max(0.0, min(1.0, v)) for k, v in features.items()}
    conf = calibration.confidence(kind, clamped)
    sink = _READINGS.get()
    if sink is not None:
        kept = {k: max(0.0, min(1.0, v)) for k, v in (hints or {}).items()}
        sink.append(calibration.Reading(kind, value, clamped, conf, kept))
    return conf


# Languages whose names often carry accents that Tesseract's English model drops.
_ACCENTED_LANGUAGES = frozenset({"fr", "de", "es", "it", "nl"})


def _accent_risk(name: str, languages: frozenset[str]) -> bool:
    """Whether a name has no accent although the card is in French, German, Spanish, etc."""
    return bool(languages & _ACCENTED_LANGUAGES) and name.isascii()


#: While ``scripts/fit_roles.py`` runs: (line text, whole segment?, features) of every
#: candidate line the people model scores.
_ROLE_ROWS: contextvars.ContextVar[list[tuple[str, bool, dict[str, float]]] | None] = (
    contextvars.ContextVar("cardscan_parse_role_rows", default=None)
)
