"""What each candidate line is (name, title, company or other): a fitted logistic model.

Each candidate line is described by layout features (its font height against the card's
largest and median text, its position and order on the card, alignment, isolation from
its neighbours, capitals) and lexical ones (title, seniority, unit and function words,
legal forms and company words, how person-name-shaped it is, whether the e-mail's local
part spells it, whether the web domain spells it, digits, address vocabulary, neighbours
that hold a title or a name). A multinomial logistic model over these features gives each
line a probability per role; :func:`role_scores` turns them into log-odds against "other",
which the assignment in :mod:`cardscan.reading.parse.people` adds up.

The weights are not set by hand: ``scripts/fit_roles.py`` fits them on generated cards and
real dev cards (labelling lines by matching the truth values against the OCR lines),
cross-checked by leaving one source out, and writes ``roles.json`` beside this module.
Inference is plain Python: a dot product and a softmax per line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

#: The classes, in the order of the model's rows.
ROLES: tuple[str, ...] = ("name", "title", "company", "other")

#: The features, in the order of the model's columns (see :func:`line_features`).
FEATURES: tuple[str, ...] = (
    "rel_height",
    "largest",
    "height_vs_median",
    "top",
    "order",
    "centred",
    "left",
    "isolated",
    "caps",
    "words",
    "piece",
    "ocr",
    "digits",
    "address",
    "name_shape",
    "name_email",
    "domain_spells",
    "title_role",
    "seniority",
    "org_unit",
    "function",
    "legal_form",
    "company_word",
    "firm",
    "lexicon_words",
    "near_title",
    "near_name",
    "long",
)

MODEL_FILE = Path(__file__).with_name("roles.json")


class RoleModel:
    """A multinomial logistic model over :data:`FEATURES` (standardised) to :data:`ROLES`."""

    def __init__(
        self,
        coef: Sequence[Sequence[float]],
        intercept: Sequence[float],
        mean: Sequence[float],
        scale: Sequence[float],
    ) -> None:
        if len(coef) != len(ROLES) or any(len(row) != len(FEATURES) for row in coef):
            raise ValueError("role model: coefficients do not match ROLES × FEATURES")
        self.coef = [list(map(float, row)) for row in coef]
        self.intercept = list(map(float, intercept))
        self.mean = list(map(float, mean))
        self.scale = [float(s) or 1.0 for s in scale]

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RoleModel:
        """Read the model written by ``scripts/fit_roles.py``."""
        features, names = data["features"], data["roles"]
        if not isinstance(features, list) or not isinstance(names, list):
            raise ValueError("role model: no feature or role list")
        if tuple(features) != FEATURES or tuple(names) != ROLES:
            raise ValueError("role model: features or roles differ from this cardscan's")
        return cls(data["coef"], data["intercept"], data["mean"], data["scale"])  # type: ignore[arg-type]

    def logits(self, features: Mapping[str, float]) -> dict[str, float]:
        """The linear score of each role for one line (softmax gives the probabilities)."""
        x = [
            (features.get(f, 0.0) - m) / s
            for f, m, s in zip(FEATURES, self.mean, self.scale, strict=True)
        ]
        return {
            r: b + sum(w * v for w, v in zip(row, x, strict=True))
            for r, row, b in zip(ROLES, self.coef, self.intercept, strict=True)
        }

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        """P(role) for one line."""
        return softmax(self.logits(features))


def softmax(logits: Mapping[str, float]) -> dict[str, float]:
    """Probabilities from linear scores."""
    top = max(logits.values())
    exps = {r: math.exp(v - top) for r, v in logits.items()}
    total = sum(exps.values())
    return {r: e / total for r, e in exps.items()}


@cache
def default_model() -> RoleModel:
    """The shipped model (``roles.json``)."""
    return RoleModel.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def role_scores(logits: Mapping[str, float]) -> dict[str, float]:
    """Each role's log-odds against the line's likeliest other class.

    Positive only for the line's most likely class: a line the model calls a title is no
    company just because the title went to another line. From the linear scores, so two
    lines the model is sure of still differ by how sure.
    """
    out = {}
    for r in ROLES:
        if r == "other":
            continue
        out[r] = logits[r] - max(v for s, v in logits.items() if s != r)
    return out
