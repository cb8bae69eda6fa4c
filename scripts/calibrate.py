"""Fit and check cardscan's confidence maps (cardscan/reading/calibration.py) on recorded OCR.

Usage (from the repository root)::

    python scripts/calibrate.py record DIR --out CACHE.jsonl [--lang eng]
    python scripts/calibrate.py fit CACHE.jsonl [CACHE.jsonl ...]
    python scripts/calibrate.py evaluate CACHE.jsonl [CACHE.jsonl ...] [--bins 5]

``record`` reads every photo of a benchmark folder (photos with their truth, as
``scripts/bench.py`` takes them) once with Tesseract, the way the pipeline does, and keeps
each card's words and QR payloads, so the parser can then be run again and again without
Tesseract. ``fit`` parses the recorded cards, labels every value right or wrong against
the truth, fits one small logistic model per field and prints the coefficients to paste
into cardscan/reading/calibration.py. ``evaluate`` replays the whole per-photo pipeline (parse,
QR codes, two-sided cards) on recorded OCR and prints the benchmark's "confidence against
the review threshold" table, a reliability table (mean confidence against accuracy per
confidence bin) and how many errors fall under the threshold against how many right values
are flagged with them.

``fit`` fits the second stage (``RECALIBRATION``: the parser's confidence plus evidence
about the card) on generated sets and real dev cards together, each source weighing alike,
and always prints a leave-one-source-out table: for each source (a truth.jsonl ``group``,
else the folder's name), the stage fitted without it and judged on it — wrong values
unflagged, right values flagged, Brier score — against the parser's confidence alone.
``fit --parser`` fits the parser's per-field models (``MODELS``) as before, with the same
check; fit those on generated sets only, as the second stage's check assumes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))  # siblings.py, when a test loads this by path

from siblings import load_sibling  # noqa: E402

from cardscan.config import Settings  # noqa: E402
from cardscan.models import CardResult, CardStatus, Contact, OcrResult  # noqa: E402
from cardscan.reading import calibration, combine, imaging, parse, pipeline  # noqa: E402

#: scripts/bench.py: its truth loading, scoring and tables are reused as is.
bench = load_sibling("bench", "cardscan_bench")


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class RecordedCard:
    """What the pipeline read on one card of a photo: Tesseract's words and any QR payloads."""

    ocr: OcrResult
    qr: tuple[str, ...] = ()
    #: Whether the finder found the card (False: the whole photo was read as the card).
    found: bool = True


@dataclass(frozen=True)
class RecordedPhoto:
    """One photo of a benchmark folder with its cards, or the error reading it gave."""

    photo: Path
    folder: Path
    cards: tuple[RecordedCard, ...]
    error: str | None = None

    def to_json(self) -> str:
        """One line of a cache file."""
        return json.dumps(
            {
                "photo": str(self.photo),
                "folder": str(self.folder),
                "cards": [
                    {"ocr": c.ocr.to_dict(), "qr": list(c.qr), "found": c.found} for c in self.cards
                ],
                "error": self.error,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> RecordedPhoto:
        """Read one line of a cache file."""
        data = json.loads(line)
        cards = tuple(
            RecordedCard(
                OcrResult.from_dict(c["ocr"]), tuple(c.get("qr") or ()), bool(c.get("found", True))
            )
            for c in data["cards"]
        )
        return cls(Path(data["photo"]), Path(data["folder"]), cards, data.get("error"))


def read_cards(photo: Path, settings: Settings) -> tuple[RecordedCard, ...]:
    """Every card of ``photo`` as the pipeline reads it (imaging, OCR, QR codes)."""
    return tuple(
        RecordedCard(
            ocr,
            tuple(code.payload for code in imaging.decode_qr(card.image)),
            card.quad is not None,
        )
        for card, ocr in pipeline.read_photo(photo, settings)
    )


def load_cache(paths: Iterable[Path]) -> list[RecordedPhoto]:
    """Every photo recorded in the cache files, in file order."""
    out: list[RecordedPhoto] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(RecordedPhoto.from_json(line))
    return out


def record(folder: Path, out: Path, settings: Settings) -> int:
    """Read every photo of ``folder`` not yet in ``out`` and append it; returns how many."""
    from cardscan.errors import CardscanError

    done = {str(p.photo) for p in load_cache([out])} if out.exists() else set()
    photos = bench.photos_of(bench.load_truths(folder))
    count = 0
    with out.open("a", encoding="utf-8") as sink:
        for photo in photos:
            if str(photo) in done:
                continue
            start = time.perf_counter()
            try:
                recorded = RecordedPhoto(photo, folder, read_cards(photo, settings))
            except CardscanError as e:
                recorded = RecordedPhoto(photo, folder, (), str(e))
            sink.write(recorded.to_json() + "\n")
            sink.flush()
            count += 1
            print(f"{photo}  {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return count


# --------------------------------------------------------------------------- replay


def replay_photo(photo: RecordedPhoto, settings: Settings) -> list[CardResult]:
    """The pipeline's per-photo results, from recorded OCR instead of Tesseract.

    Mirrors :func:`cardscan.reading.pipeline.process_image`: unreadable cards and cards without a
    single useful field become failed results, QR payloads are folded in.
    """
    source = str(photo.photo)
    if photo.error is not None or not photo.cards:
        failure = photo.error or "no card found in the photo"
        return [CardResult(source=source, status=CardStatus.FAILED, error=failure)]
    return [
        pipeline.card_result(
            source,
            index,
            card.ocr,
            card.qr,
            settings,
            0.0,
            evidence=calibration.Evidence(card.found),
        )
        for index, card in enumerate(photo.cards)
    ]


def replay(photos: Sequence[RecordedPhoto], settings: Settings) -> list[dict[str, Any]]:
    """Public records of every photo, two-sided cards merged, as ``scan_batch`` gives them."""
    by_path = {p.photo: p for p in photos}
    records: list[dict[str, Any]] = []
    for folder in dict.fromkeys(p.folder for p in photos):
        paths = [p.photo for p in photos if p.folder == folder]
        by_photo = {str(path): replay_photo(by_path[path], settings) for path in paths}
        results = combine.results_for(combine.pair_photos(paths), by_photo)
        records += [bench.with_value_confidence(r.to_record(), r.contact) for r in results]
    return records


def truths_of(photos: Sequence[RecordedPhoto]) -> list[Any]:
    """The bench truths of every folder the photos come from, limited to recorded photos."""
    recorded = {p.photo for p in photos}
    truths = []
    for folder in dict.fromkeys(p.folder for p in photos):
        truths += [t for t in bench.load_truths(folder) if t.image in recorded]
    return truths


# --------------------------------------------------------------------------- labelling


@dataclass(frozen=True)
class Labelled:
    """A parser reading with whether the truth agrees with it."""

    reading: calibration.Reading
    right: bool
    #: The source of the card (the bench's source label), for leave-one-source-out checks.
    source: str = ""


def contact_values(contact: Contact) -> list[tuple[str, str, float]]:
    """(field, value as the record shows it, confidence) of every scored value of a contact."""
    out: list[tuple[str, str, float]] = []
    for kind in ("name", "title", "company", "address"):
        f = getattr(contact, kind)
        if f is not None:
            out.append((kind, f.value, f.confidence))
    out += [("emails", f.value, f.confidence) for f in contact.emails]
    out += [("phones", f.value.number, f.confidence) for f in contact.phones]
    out += [("websites", f.value, f.confidence) for f in contact.websites]
    return out


def _value_right(truth: Any, kind: str, value: str) -> bool:
    """Whether one value agrees with the truth of its card, as the benchmark compares them."""
    if kind in bench.LIST_FIELDS:
        norm = bench.NORMALIZERS[kind]
        return norm(value) in {norm(v) for v in getattr(truth, kind)}
    forms = [truth.address or ""] if kind == "address" else getattr(truth, kind)
    counts = bench.compare_single(forms, value, kind)
    return bool(counts.tp and not counts.fp)


def _parsed_cards(
    photos: Sequence[RecordedPhoto], settings: Settings, readings: bool
) -> Iterator[tuple[Any, Contact, tuple[calibration.Reading, ...], RecordedCard]]:
    """(truth, contact, readings, card) of every readable recorded card that has a truth.

    The contact is the parser's, before the second stage of the confidence.

    A card is paired with the truth of its photo it agrees with best (a photo may show
    several cards); the back of a two-sided card takes its front's truth. QR codes are
    left out: their values do not come from the parser and are exact anyway.
    """
    truths = truths_of(photos)
    for photo in photos:
        own = [t for t in truths if t.image == photo.photo or t.back == photo.photo]
        if not own:
            continue
        for index, card in enumerate(photo.cards):
            if not pipeline.readable(card.ocr):
                continue
            found: tuple[calibration.Reading, ...] = ()
            if readings:
                contact, found = parse.parse_card_readings(card.ocr, settings.region)
            else:
                contact = parse.parse_card(card.ocr, settings.region)
            record = CardResult(source=str(photo.photo), card=index, contact=contact).to_record()
            pred = bench.Prediction.from_record(record)
            truth = max(own, key=lambda t: bench.score_card(t, pred).agreement())
            yield truth, contact, found, card


def labelled_readings(photos: Sequence[RecordedPhoto], settings: Settings) -> list[Labelled]:
    """Every value the parser reads on the recorded cards with its features, right or wrong."""
    return [
        Labelled(r, _value_right(truth, r.kind, r.value), truth.source_label)
        for truth, _contact, found, _card in _parsed_cards(photos, settings, readings=True)
        for r in found
    ]


def value_tallies(photos: Sequence[RecordedPhoto], settings: Settings) -> dict[str, Tally]:
    """Per field, every parsed value's final confidence (both stages) against its being right."""
    points: dict[str, list[tuple[float, bool]]] = {f: [] for f in bench.CALIBRATED_FIELDS}
    for truth, contact, found, card in _parsed_cards(photos, settings, readings=True):
        evidence = calibration.Evidence(card.found)
        final = calibration.recalibrate(contact, card.ocr, evidence, readings=found)
        for kind, value, conf in contact_values(final):
            points[kind].append((conf, _value_right(truth, kind, value)))
    return {f: Tally(tuple(p)) for f, p in points.items()}


@dataclass(frozen=True)
class ValuePoint:
    """One value the parser read, as the second stage sees it, right or wrong."""

    source: str
    kind: str
    #: The parser's confidence (the first stage).
    parser: float
    evidence: Mapping[str, float]
    right: bool


def value_points(photos: Sequence[RecordedPhoto], settings: Settings) -> list[ValuePoint]:
    """Every parser value of the recorded cards with its second-stage evidence.

    ``source`` is the bench's (a truth.jsonl ``group``, else the folder's name).
    """
    out: list[ValuePoint] = []
    for truth, contact, found, card in _parsed_cards(photos, settings, readings=True):
        evidence = calibration.Evidence(card.found)
        table = calibration.hints_for(found)
        for kind, value, raw, conf in contact_raw_values(contact):
            hints = calibration.hints_of(table, kind, value)
            feats = calibration.evidence_features(
                kind, value, raw, card.ocr, evidence, contact, hints
            )
            right = _value_right(truth, kind, value)
            out.append(ValuePoint(truth.source_label, kind, conf, feats, right))
    return out


def contact_raw_values(contact: Contact) -> list[tuple[str, str, str, float]]:
    """(field, value as the record shows it, text as read, confidence) of every value."""
    out: list[tuple[str, str, str, float]] = []
    for kind in ("name", "title", "company", "address"):
        f = getattr(contact, kind)
        if f is not None:
            out.append((kind, f.value, f.raw, f.confidence))
    out += [("emails", f.value, f.raw, f.confidence) for f in contact.emails]
    out += [("phones", f.value.number, f.raw, f.confidence) for f in contact.phones]
    out += [("websites", f.value, f.raw, f.confidence) for f in contact.websites]
    return out


# --------------------------------------------------------------------------- fitting


def fit_logistic(
    x: Any,
    y: Any,
    signs: Sequence[int],
    l2: float = 1.0,
    steps: int = 20000,
    least: Sequence[float] | None = None,
    offset: Any = None,
    weights: Any = None,
) -> tuple[float, list[float]]:
    """Logistic regression with an L2 penalty and each weight kept to its sign.

    Minimises the mean log loss plus ``l2 / (2n) × |w|²`` (the intercept is not penalised)
    by accelerated projected gradient descent; after each step a weight that crossed to
    the forbidden side of zero is set to zero, and one smaller than its ``least`` size
    (0 when not given) is raised to it. Plain numpy: the fit must stay inspectable
    and the library needs no model package at run time. ``offset`` (one number per row)
    is added to every row's score with a fixed weight of 1; ``weights`` weighs the rows'
    losses (each source as much as another, say).

    Returns:
        The intercept and the weights, in the order of ``signs``.
    """
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
    base = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    rows = np.ones(n) if weights is None else np.asarray(weights, dtype=float) * n / sum(weights)
    xb = np.hstack([np.ones((n, 1)), x])
    sign = np.array([0, *signs], dtype=float)
    floor = np.array([0.0, *(least or [0.0] * k)])
    penalty = np.array([0.0, *([l2 / n] * k)])
    # Lipschitz constant of the gradient bounds a safe step.
    lipschitz = float(np.linalg.norm(xb, 2) ** 2) / (4 * n) + float(penalty.max(initial=0.0))
    step = 1.0 / lipschitz
    # Start from the base rate: with few errors the intercept carries most of the fit.
    rate = min(max(y.mean(), 1e-3), 1 - 1e-3)
    theta = np.zeros(k + 1)
    theta[0] = 0.0 if offset is not None else math.log(rate / (1 - rate))
    prev, moment = theta.copy(), theta.copy()
    for i in range(1, steps + 1):
        z = xb @ moment + base
        p = 1.0 / (1.0 + np.exp(-z))
        grad = xb.T @ (rows * (p - y)) / n + penalty * moment
        nxt = moment - step * grad
        nxt = np.where(sign * nxt < floor, sign * floor, nxt)
        moment = nxt + (i - 1) / (i + 2) * (nxt - prev)
        prev = nxt
    return float(prev[0]), [float(w) for w in prev[1:]]


def fit_models(labelled: Sequence[Labelled], l2: float = 0.5) -> dict[str, calibration.Model]:
    """One sign-constrained logistic model per field, fitted on ``labelled``."""
    from cardscan.reading import calibration

    models: dict[str, calibration.Model] = {}
    for kind in calibration.FIELDS:
        names = list(calibration.SIGNS[kind])
        rows = [r for r in labelled if r.reading.kind == kind]
        if not rows:
            models[kind] = calibration.MODELS[kind]
            continue
        x = [[r.reading.features.get(f, 0.0) for f in names] for r in rows]
        y = [float(r.right) for r in rows]
        signs = [calibration.SIGNS[kind][f] for f in names]
        least = [calibration.MIN_EFFECT.get(kind, {}).get(f, 0.0) for f in names]
        intercept, weights = fit_logistic(x, y, signs, l2, least=least)
        models[kind] = calibration.Model(
            round(intercept, 3), {f: round(w, 3) for f, w in zip(names, weights, strict=True)}
        )
    return models


def render_models(models: Mapping[str, calibration.Model], labelled: Sequence[Labelled]) -> str:
    """The models as Python to paste into cardscan/reading/calibration.py, with their data sizes."""
    lines = ["MODELS: Mapping[str, Model] = {"]
    for kind, model in models.items():
        rows = [r for r in labelled if r.reading.kind == kind]
        wrong = sum(not r.right for r in rows)
        lines.append(f"    # {len(rows)} values, {wrong} wrong")
        lines.append(f'    "{kind}": Model(')
        lines.append(f"        {model.intercept},")
        lines.append("        {")
        lines += [f'            "{f}": {w},' for f, w in model.weights.items()]
        lines.append("        },")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)


def fit_command(photos: Sequence[RecordedPhoto], settings: Settings, l2: float = 0.5) -> str:
    """``fit --parser``: the parser's models as Python, and their leave-one-source-out check."""
    labelled = labelled_readings(photos, settings)
    return "\n".join(
        [
            render_models(fit_models(labelled, l2), labelled),
            "",
            "### Leave one source out (parser models): shipped → refitted without the source",
            "",
            render_held_out(parser_held_out(labelled, l2), settings.review_threshold),
        ]
    )


def fit_recalibration(
    points: Sequence[ValuePoint], l2: float = 2.0, balance: bool = True
) -> calibration.Recalibration:
    """Fit the second stage on ``points``: per field an intercept and a slope, shared weights.

    One logistic regression over all fields: the parser's log-odds enter as an offset
    (slope 1) plus a per-field change of slope, so the L2 penalty pulls towards leaving the
    parser's confidence as it is; evidence weights keep their signs
    (:data:`calibration.EVIDENCE_SIGNS`). With ``balance`` each source weighs as much as
    any other in the loss, so a big generated set cannot drown the real cards.
    """
    kinds = list(calibration.FIELDS)
    names = list(calibration.EVIDENCE_SIGNS)
    x, y, offset = [], [], []
    for pt in points:
        z = calibration.logit(pt.parser)
        onehot = [float(pt.kind == k) for k in kinds]
        slope = [z * h for h in onehot]
        x.append([*onehot, *slope, *(pt.evidence.get(f, 0.0) for f in names)])
        y.append(float(pt.right))
        offset.append(z)
    if not points:
        return calibration.Recalibration()
    signs = [0] * (2 * len(kinds)) + [calibration.EVIDENCE_SIGNS[f] for f in names]
    sizes = {src: sum(p.source == src for p in points) for src in {p.source for p in points}}
    weights = [1.0 / sizes[p.source] for p in points] if balance else None
    intercept, w = fit_logistic(x, y, signs, l2, offset=offset, weights=weights)
    k = len(kinds)
    present = {p.kind for p in points}
    return calibration.Recalibration(
        intercepts={
            kind: round(intercept + w[i], 3) for i, kind in enumerate(kinds) if kind in present
        },
        slopes={
            kind: round(max(0.0, 1.0 + w[k + i]), 3)
            for i, kind in enumerate(kinds)
            if kind in present
        },
        weights={f: round(w[2 * k + i], 3) for i, f in enumerate(names)},
    )


def render_recalibration(model: calibration.Recalibration, points: Sequence[ValuePoint]) -> str:
    """The second stage as Python to paste into cardscan/reading/calibration.py."""
    sources = sorted({p.source for p in points})
    wrong = sum(not p.right for p in points)
    lines = [
        f"# {len(points)} values, {wrong} wrong, from {', '.join(sources)}",
        "RECALIBRATION = Recalibration(",
        "    intercepts={",
        *(f'        "{k}": {v},' for k, v in model.intercepts.items()),
        "    },",
        "    slopes={",
        *(f'        "{k}": {v},' for k, v in model.slopes.items()),
        "    },",
        "    weights={",
        *(f'        "{k}": {v},' for k, v in model.weights.items()),
        "    },",
        ")",
    ]
    return "\n".join(lines)


def recalibrated_points(
    points: Sequence[ValuePoint], model: calibration.Recalibration
) -> list[tuple[str, float, bool]]:
    """(field, final confidence, right) of each point under ``model``."""
    return [
        (p.kind, calibration.recalibrated(p.kind, p.parser, p.evidence, model), p.right)
        for p in points
    ]


@dataclass(frozen=True)
class HeldOut:
    """One source held out: its values' confidence before and after a fit without it."""

    source: str
    before: Tally
    after: Tally


def leave_one_source_out(
    points: Sequence[ValuePoint], l2: float = 2.0, balance: bool = True
) -> list[HeldOut]:
    """Fit the second stage without each source in turn and judge it on that source.

    Before = the parser's confidence alone (fitted on generated cards, none of these).
    """
    out = []
    for source in sorted({p.source for p in points}):
        train = [p for p in points if p.source != source]
        # Judged on the bench's six fields (address is fitted, but the targets leave it out).
        test = [p for p in points if p.source == source and p.kind in bench.FIELDS]
        model = fit_recalibration(train, l2, balance)
        before = Tally(tuple((p.parser, p.right) for p in test))
        after = Tally(tuple((c, ok) for _k, c, ok in recalibrated_points(test, model)))
        out.append(HeldOut(source, before, after))
    return out


def render_held_out(rows: Sequence[HeldOut], threshold: float) -> str:
    """Per source held out: wrong unflagged, right flagged and Brier, before → after."""
    lines = [
        f"| held out | values | wrong | wrong unflagged (≥{threshold:g}) | "
        f"right flagged (<{threshold:g}) | Brier |",
        "|---|---|---|---|---|---|",
    ]
    every_before: list[tuple[float, bool]] = []
    every_after: list[tuple[float, bool]] = []
    for row in [*rows, None]:
        if row is None:
            if len(rows) < 2:
                break
            row = HeldOut("all, each by a fit without it", Tally(tuple(every_before)),
                          Tally(tuple(every_after)))  # fmt: skip
        else:
            every_before += row.before.points
            every_after += row.after.points
        cells = []
        for tally in (row.before, row.after):
            wb, w, rb, r = tally.caught(threshold)
            cells.append((w - wb, w, rb, r, tally.brier()))
        (wu0, w, rf0, r, b0), (wu1, _, rf1, _, b1) = cells
        lines.append(
            f"| {row.source} | {w + r} | {w} | {_pct(wu0, w)} → {_pct(wu1, w)} "
            f"| {_pct(rf0, r)} → {_pct(rf1, r)} | {_brier(b0)} → {_brier(b1)} |"
        )
    return "\n".join(lines)


def render_sweep(rows: Sequence[HeldOut], thresholds: Sequence[float]) -> str:
    """Wrong unflagged and right flagged at other review thresholds (held-out confidences)."""
    after = Tally(tuple(p for row in rows for p in row.after.points))
    before = Tally(tuple(p for row in rows for p in row.before.points))
    lines = [
        "| threshold | wrong unflagged: parser → both | right flagged: parser → both |",
        "|---|---|---|",
    ]
    for t in thresholds:
        wb0, w, rb0, r = before.caught(t)
        wb1, _, rb1, _ = after.caught(t)
        lines.append(
            f"| {t:g} | {_pct(w - wb0, w)} → {_pct(w - wb1, w)} | {_pct(rb0, r)} → {_pct(rb1, r)} |"
        )
    return "\n".join(lines)


def _brier(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def fit_stage2_command(
    photos: Sequence[RecordedPhoto], settings: Settings, l2: float, balance: bool
) -> str:
    """``fit``: the second stage fitted on every source, and its leave-one-source-out check."""
    points = value_points(photos, settings)
    threshold = settings.review_threshold
    model = fit_recalibration(points, l2, balance)
    held = leave_one_source_out(points, l2, balance)
    return "\n".join(
        [
            render_recalibration(model, points),
            "",
            "### Leave one source out (fit without it, judge on it): parser → both stages",
            "",
            render_held_out(held, threshold),
            "",
            "### Other review thresholds, same held-out confidences, all sources",
            "",
            render_sweep(held, (0.5, 0.6, 0.7, 0.8, 0.9)),
            "",
            "Values: each value of the six fields of the bench's F1 table that the parser "
            "read on a card with truth (QR values and addresses left out); wrong unflagged = "
            "wrong values at or above the review threshold, of all wrong values; right "
            "flagged = right values below it, of all right values. Before: the parser's own "
            "confidence; after: the second stage fitted on every other source.",
        ]
    )


def parser_held_out(labelled: Sequence[Labelled], l2: float) -> list[HeldOut]:
    """The parser's models refitted without each source, judged on it (shipped → refitted)."""
    from cardscan.reading import calibration

    out = []
    for source in sorted({r.source for r in labelled}):
        train = [r for r in labelled if r.source != source]
        test = [r for r in labelled if r.source == source]
        models = fit_models(train, l2)
        before = Tally(tuple((r.reading.confidence, r.right) for r in test))
        after = Tally(
            tuple(
                (calibration.confidence(r.reading.kind, r.reading.features, models), r.right)
                for r in test
            )
        )
        out.append(HeldOut(source, before, after))
    return out


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Tally:
    """Confidence and outcome of scored units (a field of a record, or one parser value)."""

    points: tuple[tuple[float, bool], ...]

    def caught(self, threshold: float) -> tuple[int, int, int, int]:
        """(wrong below, wrong, right below, right)."""
        wrong = [c for c, ok in self.points if not ok]
        right = [c for c, ok in self.points if ok]
        return (
            sum(c < threshold for c in wrong),
            len(wrong),
            sum(c < threshold for c in right),
            len(right),
        )

    def bins(self, count: int) -> list[tuple[float, float, int, float, float]]:
        """(low, high, values, mean confidence, accuracy) per equal-width confidence bin."""
        out = []
        for i in range(count):
            low, high = i / count, (i + 1) / count
            inside = [
                (c, ok) for c, ok in self.points if low <= c < high or (i == count - 1 and c == 1)
            ]
            if inside:
                mean = sum(c for c, _ in inside) / len(inside)
                acc = sum(ok for _, ok in inside) / len(inside)
                out.append((low, high, len(inside), mean, acc))
        return out

    def brier(self) -> float | None:
        """Mean squared gap between confidence and outcome (0 is perfect)."""
        if not self.points:
            return None
        return sum((c - ok) ** 2 for c, ok in self.points) / len(self.points)


def record_tallies(scores: Any) -> dict[str, Tally]:
    """Per field, the bench's units: a record's field confidence against the field being right."""
    points: dict[str, list[tuple[float, bool]]] = {f: [] for f in bench.CALIBRATED_FIELDS}
    pairs = [(c.prediction, c.right) for c in scores.cards if c.prediction is not None]
    pairs += [(e.prediction, lambda _f: False) for e in scores.extras]
    for pred, right in pairs:
        for f in bench.CALIBRATED_FIELDS:
            conf = pred.confidence.get(f)
            if conf is not None and pred.has_value(f):
                points[f].append((conf, bool(right(f))))
    return {f: Tally(tuple(p)) for f, p in points.items()}


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def render_caught(tallies: Mapping[str, Tally], threshold: float) -> str:
    """Per field: errors under the threshold (caught) and right values under it (flagged)."""
    lines = [
        f"| field | errors <{threshold:g} (caught) | right <{threshold:g} (flagged) | Brier |",
        "|---|---|---|---|",
    ]
    every: list[tuple[float, bool]] = []
    for f, t in tallies.items():
        every += t.points
        wb, w, rb, r = t.caught(threshold)
        brier = t.brier()
        lines.append(
            f"| {f} | {_pct(wb, w)} | {_pct(rb, r)} | {'' if brier is None else f'{brier:.3f}'} |"
        )
    total = Tally(tuple(every))
    wb, w, rb, r = total.caught(threshold)
    brier = total.brier()
    lines.append(
        f"| all | {_pct(wb, w)} | {_pct(rb, r)} | {'' if brier is None else f'{brier:.3f}'} |"
    )
    return "\n".join(lines)


def render_reliability(tally: Tally, bins: int) -> str:
    """Mean confidence against accuracy per confidence bin."""
    lines = ["| confidence | values | mean confidence | accuracy |", "|---|---|---|---|"]
    for low, high, n, mean, acc in tally.bins(bins):
        lines.append(f"| {low:.1f}–{high:.1f} | {n} | {mean:.2f} | {acc:.2f} |")
    return "\n".join(lines)


def evaluate_command(photos: Sequence[RecordedPhoto], settings: Settings, bins: int) -> str:
    """``evaluate``: the bench's calibration table, caught/flagged shares, reliability."""
    threshold = settings.review_threshold
    scores = bench.score(truths_of(photos), replay(photos, settings))
    tallies = record_tallies(scores)
    every = Tally(tuple(p for t in tallies.values() for p in t.points))
    values = value_tallies(photos, settings)
    out = [
        f"{scores.total} cards, {scores.all_right} with every field right",
        "",
        f"### Confidence against the review threshold ({threshold:g}) (bench table)",
        "",
        bench.render_calibration(scores, threshold),
        "",
        "### Errors caught and right values flagged (bench units: a field of a record)",
        "",
        render_caught(tallies, threshold),
        "",
        f"### Reliability, bench units, all fields ({bins} bins)",
        "",
        render_reliability(every, bins),
        "",
        "### Per parser value (a list field's values one by one; QR values left out)",
        "",
        render_caught(values, threshold),
        "",
        render_reliability(Tally(tuple(p for t in values.values() for p in t.points)), bins),
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="calibrate.py", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="OCR a benchmark folder once into a cache file")
    rec.add_argument("folder", type=Path, help="photos with their truth (as bench.py takes)")
    rec.add_argument("--out", type=Path, required=True, metavar="CACHE.jsonl")
    rec.add_argument(
        "--lang",
        default="eng",
        help="Tesseract languages (eng: what calibration.py was fitted on; auto: as cardscan)",
    )
    fit = sub.add_parser(
        "fit",
        help="fit the second stage (or, with --parser, the parser's models); print them as "
        "Python with a leave-one-source-out check",
    )
    fit.add_argument("caches", nargs="+", type=Path, metavar="CACHE.jsonl")
    fit.add_argument(
        "--l2", type=float, help="weight of the L2 penalty (default 2 for the second stage, 0.5)"
    )
    fit.add_argument(
        "--parser",
        action="store_true",
        help="fit the parser's per-field models (MODELS) instead; fit them on generated sets",
    )
    fit.add_argument(
        "--no-balance",
        action="store_true",
        help="second stage: weigh every value alike instead of every source alike",
    )
    ev = sub.add_parser("evaluate", help="calibration tables of the current code")
    ev.add_argument("caches", nargs="+", type=Path, metavar="CACHE.jsonl")
    ev.add_argument("--bins", type=int, default=5, help="confidence bins of the reliability table")
    for sp in (fit, ev):
        sp.add_argument("--region", help="default region for phone numbers, as bench.py's")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "record":
        settings = Settings(lang=args.lang)
        count = record(args.folder, args.out, settings)
        print(f"{count} photos recorded into {args.out}", file=sys.stderr)
        return 0
    photos = load_cache(args.caches)
    settings = Settings(region=args.region)
    if args.command == "fit" and args.parser:
        print(fit_command(photos, settings, 0.5 if args.l2 is None else args.l2))
    elif args.command == "fit":
        l2 = 2.0 if args.l2 is None else args.l2
        print(fit_stage2_command(photos, settings, l2, not args.no_balance))
    else:
        print(evaluate_command(photos, settings, args.bins))
    return 0


if __name__ == "__main__":
    sys.exit(main())
