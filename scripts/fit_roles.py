"""Fit the parser's line-role model (cardscan/reading/parse/roles.json) on recorded OCR.

Usage (from the repository root; CACHE files come from ``scripts/calibrate.py record``)::

    python scripts/fit_roles.py fit CACHE.jsonl [CACHE.jsonl ...] [--out FILE]
    python scripts/fit_roles.py crosscheck CACHE.jsonl [CACHE.jsonl ...]

Every candidate line the parser considers for name, title and company is described by
the features of :mod:`cardscan.reading.parse.roles`; it is labelled by matching its text
against the card's truth (``name``, ``title``, ``company``, each with its acceptable
forms), else "other". A line that is only part of a true value (one line of a company
printed over two) is left out rather than called "other". A multinomial logistic model
(scikit-learn, a development dependency only) is fitted over the standardised features;
the shipped file holds its coefficients, and cardscan does inference in plain Python.

``crosscheck`` leaves one source out at a time (a ``group`` of the truth file where it
has one, else the cache file's name), fits on the rest, and scores the parser on the
source left out with ``scripts/bench.py``'s scoring: the table says whether the model
generalises to cards from a source it never saw.

Real photos may be fitted on (generic layout and lexical features only); nothing read
from them is written anywhere but the coefficients.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import calibrate  # noqa: E402

from cardscan.config import Settings  # noqa: E402
from cardscan.reading.parse import parse_card, roles  # noqa: E402
from cardscan.reading.parse.confidence import _ROLE_ROWS  # noqa: E402
from cardscan.similarity import edit_similarity  # noqa: E402

bench = calibrate.bench


@dataclass(frozen=True)
class Row:
    """One candidate line: its source, its card, its features and its label (None: left out)."""

    source: str
    card: str
    features: dict[str, float]
    label: str | None


def source_of(photo: calibrate.RecordedPhoto, cache: Path) -> str:
    """The source a photo comes from, as the bench labels it: its truth's ``group``, else
    its folder's name (the cache's name for a photo without truth)."""
    return _groups(photo.folder).get(photo.photo.name) or cache.stem


_GROUP_CACHE: dict[Path, dict[str, str]] = {}


def _groups(folder: Path) -> dict[str, str]:
    """Each photo's source label, from the folder's truth as ``bench.load_truths`` reads it."""
    if folder not in _GROUP_CACHE:
        truths = bench.load_truths(folder) if folder.is_dir() else []
        groups = {t.image.name: t.source_label for t in truths}
        groups.update({t.back.name: t.source_label for t in truths if t.back is not None})
        _GROUP_CACHE[folder] = groups
    return _GROUP_CACHE[folder]


def similarities(text: str, truth: Any) -> tuple[dict[str, float], bool]:
    """How well a line spells each role's true value (best form), and whether it is only
    part of one (or one is part of it)."""
    line = bench.normalize_text(text)
    best: dict[str, float] = {}
    partial = False
    for role in ("name", "title", "company"):
        for value in getattr(truth, role):
            want = bench.normalize_text(value)
            if not want or not line:
                continue
            best[role] = max(best.get(role, 0.0), edit_similarity(line, want))
            if line != want and (line in want or want in line):
                partial = True
    return best, partial


def labels(texts: Sequence[str], truth: Any) -> list[str | None]:
    """The role of each candidate line of one card; "other"; None for lines left out.

    A role's label goes to every line that spells one of its true forms (similarity ≥ 0.85:
    a piece of a line and the whole line with a credential both name the person). A line
    that is only part of a true value is left out rather than taught as "other".
    """
    scored = [similarities(t, truth) for t in texts]
    out: list[str | None] = ["other"] * len(texts)
    for k, (_sims, partial) in enumerate(scored):
        if partial:
            out[k] = None
    for role in ("name", "title", "company"):
        ranked = sorted(
            (sims.get(role, 0.0), k)
            for k, (sims, _) in enumerate(scored)
            if sims.get(role, 0.0) >= 0.85
        )
        if not ranked:
            continue
        for _, k in ranked:
            out[k] = role
    return out


def rows_of(caches: Sequence[Path], settings: Settings) -> list[Row]:
    """Every labelled candidate line of the recorded cards (one-card photos with truth)."""
    out: list[Row] = []
    for cache in caches:
        photos = calibrate.load_cache([cache])
        truths = calibrate.truths_of(photos)
        by_image: dict[Path, list[Any]] = {}
        for t in truths:
            by_image.setdefault(t.image, []).append(t)
        for photo in photos:
            wanted = by_image.get(photo.photo, [])
            if len(wanted) != 1 or len(photo.cards) != 1:
                continue  # several cards: which truth a card is would need the matcher
            sink: list[tuple[str, bool, dict[str, float]]] = []
            token = _ROLE_ROWS.set(sink)
            try:
                parse_card(photo.cards[0].ocr, settings.region)
            finally:
                _ROLE_ROWS.reset(token)
            source = source_of(photo, cache)
            tags = labels([text for text, _, _ in sink], wanted[0])
            for (_text, _whole, features), tag in zip(sink, tags, strict=True):
                out.append(Row(source, str(photo.photo), features, tag))
    return out


#: Inverse L2 regularisation strength of the fit (chosen by the leave-one-source-out table).
C = 1.0


def fit(rows: Sequence[Row], c: float = C) -> roles.RoleModel:
    """A multinomial logistic model fitted on the labelled rows."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    kept = [r for r in rows if r.label is not None]
    x = np.array([[r.features[f] for f in roles.FEATURES] for r in kept], dtype=float)
    y = np.array([roles.ROLES.index(r.label) for r in kept if r.label is not None])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit((x - mean) / scale, y)
    # Classes absent from the rows get a very low intercept (never predicted).
    coef = np.zeros((len(roles.ROLES), len(roles.FEATURES)))
    intercept = np.full(len(roles.ROLES), -20.0)
    for row, cls in enumerate(model.classes_):
        coef[cls] = model.coef_[row]
        intercept[cls] = model.intercept_[row]
    return roles.RoleModel(coef.tolist(), intercept.tolist(), mean.tolist(), scale.tolist())


def model_dict(model: roles.RoleModel, rows: Sequence[Row], caches: Sequence[Path]) -> dict:
    """The JSON form shipped in the package."""
    sources: dict[str, int] = {}
    for r in rows:
        if r.label is not None:
            sources[r.source] = sources.get(r.source, 0) + 1
    return {
        "about": "cardscan line-role model; written by scripts/fit_roles.py fit",
        "fitted_on": {"lines_per_source": sources},
        "roles": list(roles.ROLES),
        "features": list(roles.FEATURES),
        "coef": [[round(v, 5) for v in row] for row in model.coef],
        "intercept": [round(v, 5) for v in model.intercept],
        "mean": [round(v, 6) for v in model.mean],
        "scale": [round(v, 6) for v in model.scale],
    }


def score_with(model: roles.RoleModel, photos: Sequence[Any], settings: Settings) -> Any:
    """Bench scores of ``photos`` parsed with ``model`` in place of the shipped one."""
    original = roles.default_model
    roles.default_model = lambda: model  # type: ignore[assignment]
    try:
        records = calibrate.replay(photos, settings)
    finally:
        roles.default_model = original
    return bench.score(calibrate.truths_of(photos), records)


def crosscheck(caches: Sequence[Path], settings: Settings, c: float = 1.0) -> str:
    """The leave-one-source-out table (markdown)."""
    rows = rows_of(caches, settings)
    photos_by_source: dict[str, list[Any]] = {}
    for cache in caches:
        for photo in calibrate.load_cache([cache]):
            photos_by_source.setdefault(source_of(photo, cache), []).append(photo)
    head = "| held-out source | lines fitted | cards | name | title | company | all three right |"
    out = [head, "|---|---|---|---|---|---|---|"]
    for source, photos in photos_by_source.items():
        train = [r for r in rows if r.source != source]
        model = fit(train, c)
        scores = score_with(model, photos, settings)
        three = sum(
            all(card.right(f) for f in ("name", "title", "company")) for card in scores.cards
        )
        f1s = (scores.fields[f].f1 for f in ("name", "title", "company"))
        f1 = " | ".join("–" if v is None else f"{v:.2f}" for v in f1s)  # none: no such field
        fitted = sum(r.label is not None for r in train)
        out.append(f"| {source} | {fitted} | {scores.total} | {f1} | {three}/{scores.total} |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit on every cache and write the model")
    f.add_argument("caches", nargs="+", type=Path, metavar="CACHE.jsonl")
    f.add_argument("--out", type=Path, default=roles.MODEL_FILE)
    f.add_argument("--c", type=float, default=C, help="inverse L2 strength (scikit-learn's C)")
    x = sub.add_parser("crosscheck", help="leave one source out, fit, score it")
    x.add_argument("caches", nargs="+", type=Path, metavar="CACHE.jsonl")
    x.add_argument("--c", type=float, default=C, help="inverse L2 strength (scikit-learn's C)")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "fit":
        rows = rows_of(args.caches, settings)
        model = fit(rows, args.c)
        data = model_dict(model, rows, args.caches)
        args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        kept = sum(r.label is not None for r in rows)
        print(f"fitted on {kept} lines ({len(rows) - kept} left out); wrote {args.out}")
        return 0
    print(crosscheck(args.caches, settings, args.c))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
