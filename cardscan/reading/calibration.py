"""Calibrated confidence: per field, how likely a value the parser read is right.

The parser (:mod:`cardscan.reading.parse`) describes every value it reads by a few features, each
between 0 and 1: how sure Tesseract was of its words, whether a second reading confirmed
it (an e-mail spelling the name, a domain spelling the company, a number that validates),
where it came from (a legal form, the bare domain), how clearly it beat the next candidate.
One small logistic model per field turns them into the probability that the value is right:

    confidence = 1 / (1 + exp(-(intercept + Σ weight × feature)))

so values under the review threshold are the ones worth a human look. Each weight's sign
is fixed in :data:`SIGNS` before fitting (a confirmation can only raise the confidence, a
failed check only lower it), which keeps every map monotone in each feature and readable.

The weights in :data:`MODELS` were fitted by ``scripts/calibrate.py fit`` on generated cards
only (see the comment above :data:`MODELS` for the exact commands and seeds); real photos
are never fitted on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

#: The fields with a model, in the benchmark's table order.
FIELDS: tuple[str, ...] = ("name", "title", "company", "emails", "phones", "websites", "address")

#: No generated set is big enough to say a value is certainly right or certainly wrong.
FLOOR = 0.02
CEILING = 0.99
#: A phone or e-mail that does not validate stays under the review threshold whatever the
#: fit says: on generated cards such values are often printed right (fictional numbers),
#: but nobody can dial or write to them, so a person must look at them.
INVALID_CAP = 0.45
#: The feature that, when 0, caps a field's confidence at :data:`INVALID_CAP`.
VALIDATED_BY: Mapping[str, str] = {"phones": "valid", "emails": "valid"}
#: Features that, when 1, cap a field's confidence at :data:`GUESS_CAP`: a number another
#: possible region reads otherwise, a company that is only the domain label title-cased.
#: Both are guesses the card cannot settle; too rare in generated sets for a fit to see.
GUESSES: Mapping[str, str] = {"phones": "rivals", "company": "domain_guess"}
GUESS_CAP = 0.45
#: Least size of some weights, kept by the fit: the documented cross-checks must move the
#: confidence even where the generated sets hold too few cases to show it (a repaired
#: number, a name read with low OCR confidence, capitals and e-mail disagreeing).
MIN_EFFECT: Mapping[str, Mapping[str, float]] = {
    "name": {"ocr": 5.0, "doubtful_order": 0.5},
    "phones": {"repaired": 0.5},
    "emails": {"ocr": 4.0, "repaired": 0.5, "site": 0.5},
    "websites": {"repaired": 0.5},
}


@dataclass(frozen=True)
class Reading:
    """One value the parser read, with the features its confidence was computed from.

    ``kind`` is the record field ("name", "phones", …); ``value`` the value as the record
    shows it (a phone's E.164 form, else its text as printed).
    """

    kind: str
    value: str
    features: Mapping[str, float]
    confidence: float


@dataclass(frozen=True)
class Model:
    """A logistic model of "this value is right" over named features in 0..1."""

    intercept: float
    weights: Mapping[str, float] = field(default_factory=dict)

    def score(self, features: Mapping[str, float]) -> float:
        """The linear score (log-odds of being right); features it lacks count as 0.

        Raises:
            KeyError: a feature the model does not know (a typo would silently count 0).
        """
        unknown = set(features) - set(self.weights)
        if unknown:
            raise KeyError(f"features without a weight: {', '.join(sorted(unknown))}")
        return self.intercept + sum(w * features.get(k, 0.0) for k, w in self.weights.items())

    def probability(self, features: Mapping[str, float]) -> float:
        """The fitted probability that the value is right, before clamping."""
        z = self.score(features)
        # exp() of a large positive number overflows; the two forms are equal.
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


#: Per field, each feature and the direction it may move the confidence: +1 may only raise
#: it, -1 may only lower it. ``scripts/calibrate.py fit`` keeps the weights to these signs.
SIGNS: Mapping[str, Mapping[str, int]] = {
    "name": {
        "ocr": +1,  # mean Tesseract confidence of the line's words
        "email": +1,  # how well an e-mail local part spells it (1 = clearly)
        "largest": +1,  # printed in the card's largest text
        "shape": +1,  # how much it looks like a personal name
        "margin": +1,  # lead over the next best name candidate (scaled, capped at 1)
        "doubtful_order": -1,  # capitals and e-mail disagree on the family name
        "one_word": -1,  # a single word: part of the name is often lost
        "accent_risk": -1,  # no accent on a card in a language that has them
        "firm_or_person": -1,  # the domain spells it; could be a firm named after a person
        "accented": -1,  # holds a letter outside ASCII: Tesseract's eng model often swaps them
    },
    "title": {
        "ocr": +1,
        "role": +1,  # holds a job-title word (Manager, Ingenieur, Directora …)
        "margin": +1,
        "continued": -1,  # a second line was joined on
        "respelled": -1,  # words were repaired against the title lexicon
        "long": -1,  # more than four words
        "accent_risk": -1,
        "accented": -1,
    },
    "company": {
        "ocr": +1,
        "domain": +1,  # how well the e-mail/web domain spells it (1 = exactly)
        "suffix": +1,  # ends in a legal form (Inc, GmbH, S.L.)
        "margin": +1,
        "domain_word": -1,  # a lone printed word that spells the domain (logo text)
        "domain_guess": -1,  # nothing printed: the bare domain label, title-cased
        "lexicon_only": -1,  # only company words ("Consulting", "Group") speak for it
        "accented": -1,
    },
    "emails": {
        "ocr": +1,
        "valid": +1,  # passes email-validator's syntax check
        "site": +1,  # its domain is the card's website
        "name": +1,  # its local part spells the person's name
        "repaired": -1,  # an OCR slip was repaired to make it valid
    },
    "phones": {
        "ocr": +1,
        "valid": +1,  # libphonenumber accepts it
        "labelled": +1,  # a label (Tel, Mobile, Fax) stands before it
        "plus": +1,  # printed with its country code
        "repaired": -1,  # O/0, l/1 … repaired to make it valid
        "rivals": -1,  # another region the card may be from reads it otherwise
        "split": -1,  # printed over two lines
    },
    "websites": {
        "ocr": +1,
        "valid": +1,  # the host has a real top-level domain
        "email": +1,  # an e-mail on the card has the same domain
        "www": +1,  # printed with www. or a scheme, so certainly a web address
        "repaired": -1,
        "www_glued": -1,  # "wwwexample.com": the dot after www was lost
    },
    "address": {
        "ocr": +1,
        "lines": -1,  # more lines, more chances one of them is misread
    },
}

# Fitted with (generated cards only; OCR recorded once, then parsed again for each fit):
#   python scripts/make_samples.py --suite hard-cases --count 80 --seed 31 --out /tmp/h8/train-hard
#   python scripts/make_samples.py --count 80 --seed 32 --out /tmp/h8/train-norm
#   python scripts/calibrate.py record /tmp/h8/train-hard --out /tmp/h8/train-hard.jsonl  (and norm)
#   python scripts/calibrate.py fit /tmp/h8/train-hard.jsonl /tmp/h8/train-norm.jsonl --l2 0.5
# Each comment gives the values fitted on and how many of them were wrong. Refit (and paste
# the output here) after a change to the features or to what the parser extracts.
MODELS: Mapping[str, Model] = {
    # 176 values, 28 wrong
    "name": Model(
        -2.741,
        {
            "ocr": 5.0,
            "email": 0.558,
            "largest": 0.0,
            "shape": 0.0,
            "margin": 0.321,
            "doubtful_order": -0.5,
            "one_word": 0.0,
            "accent_risk": -1.227,
            "firm_or_person": 0.0,
            "accented": -2.449,
        },
    ),
    # 175 values, 8 wrong
    "title": Model(
        3.268,
        {
            "ocr": 0.0,
            "role": 0.0,
            "margin": 0.0,
            "continued": -0.0,
            "respelled": -0.0,
            "long": -0.0,
            "accent_risk": -0.33,
            "accented": -0.0,
        },
    ),
    # 178 values, 17 wrong
    "company": Model(
        -2.277,
        {
            "ocr": 1.418,
            "domain": 2.987,
            "suffix": 0.81,
            "margin": 0.872,
            "domain_word": 0.0,
            "domain_guess": -0.592,
            "lexicon_only": -0.852,
            "accented": -1.513,
        },
    ),
    # 191 values, 9 wrong
    "emails": Model(
        -1.618,
        {
            "ocr": 4.0,
            "valid": 0.535,
            "site": 1.096,
            "name": 0.0,
            "repaired": -2.51,
        },
    ),
    # 308 values, 12 wrong
    "phones": Model(
        -2.052,
        {
            "ocr": 1.428,
            "valid": 3.288,
            "labelled": 1.191,
            "plus": 0.966,
            "repaired": -0.5,
            "rivals": -3.03,
            "split": -0.0,
        },
    ),
    # 139 values, 3 wrong
    "websites": Model(
        2.195,
        {
            "ocr": 0.264,
            "valid": 0.0,
            "email": 2.319,
            "www": 0.0,
            "repaired": -0.5,
            "www_glued": -2.641,
        },
    ),
    # 101 values, 34 wrong
    "address": Model(
        -0.201,
        {
            "ocr": 0.949,
            "lines": -0.0,
        },
    ),
}


def confidence(
    kind: str, features: Mapping[str, float], models: Mapping[str, Model] = MODELS
) -> float:
    """How likely a value of field ``kind`` with these features is right (0..1, 3 decimals).

    Args:
        kind: a field of :data:`FIELDS`.
        features: the value's features, each in 0..1 (see :data:`SIGNS`).
        models: the models to use; the fitted ones by default.

    Raises:
        KeyError: an unknown field or feature.
    """
    p = models[kind].probability(features)
    check = VALIDATED_BY.get(kind)
    if check is not None and not features.get(check):
        p = min(p, INVALID_CAP)
    guess = GUESSES.get(kind)
    if guess is not None and features.get(guess):
        p = min(p, GUESS_CAP)
    return round(min(CEILING, max(FLOOR, p)), 3)
