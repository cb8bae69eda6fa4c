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

Fit on generated sets only; evaluate on sets not fitted on.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cardscan.config import Settings  # noqa: E402
from cardscan.models import CardResult, CardStatus, Contact, OcrResult  # noqa: E402
from cardscan.reading import combine, imaging, parse, pipeline  # noqa: E402

if TYPE_CHECKING:
    from cardscan.reading import calibration


def load_bench() -> ModuleType:
    """scripts/bench.py as a module: its truth loading, scoring and tables are reused as is."""
    path = Path(__file__).with_name("bench.py")
    spec = importlib.util.spec_from_file_location("cardscan_bench", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"calibrate: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = load_bench()


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class RecordedCard:
    """What the pipeline read on one card of a photo: Tesseract's words and any QR payloads."""

    ocr: OcrResult
    qr: tuple[str, ...] = ()


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
                "cards": [{"ocr": c.ocr.to_dict(), "qr": list(c.qr)} for c in self.cards],
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
            RecordedCard(OcrResult.from_dict(c["ocr"]), tuple(c.get("qr") or ()))
            for c in data["cards"]
        )
        return cls(Path(data["photo"]), Path(data["folder"]), cards, data.get("error"))


def read_cards(photo: Path, settings: Settings) -> tuple[RecordedCard, ...]:
    """Every card of ``photo`` as the pipeline reads it (imaging, OCR, QR codes)."""
    return tuple(
        RecordedCard(ocr, tuple(code.payload for code in imaging.decode_qr(card.image)))
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
        pipeline.card_result(source, index, card.ocr, card.qr, settings, 0.0)
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
        records += [r.to_record() for r in results]
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
) -> Iterator[tuple[Any, Contact, tuple[calibration.Reading, ...]]]:
    """(truth, contact, readings) of every readable recorded card that has a truth.

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
            yield truth, contact, found


def labelled_readings(photos: Sequence[RecordedPhoto], settings: Settings) -> list[Labelled]:
    """Every value the parser reads on the recorded cards with its features, right or wrong."""
    return [
        Labelled(r, _value_right(truth, r.kind, r.value))
        for truth, _contact, found in _parsed_cards(photos, settings, readings=True)
        for r in found
    ]


def value_tallies(photos: Sequence[RecordedPhoto], settings: Settings) -> dict[str, Tally]:
    """Per field, every parsed value's confidence against its being right."""
    points: dict[str, list[tuple[float, bool]]] = {f: [] for f in bench.CALIBRATED_FIELDS}
    for truth, contact, _found in _parsed_cards(photos, settings, readings=False):
        for kind, value, conf in contact_values(contact):
            points[kind].append((conf, _value_right(truth, kind, value)))
    return {f: Tally(tuple(p)) for f, p in points.items()}


# --------------------------------------------------------------------------- fitting


def fit_logistic(
    x: Any,
    y: Any,
    signs: Sequence[int],
    l2: float = 1.0,
    steps: int = 20000,
    least: Sequence[float] | None = None,
) -> tuple[float, list[float]]:
    """Logistic regression with an L2 penalty and each weight kept to its sign.

    Minimises the mean log loss plus ``l2 / (2n) × |w|²`` (the intercept is not penalised)
    by accelerated projected gradient descent; after each step a weight that crossed to
    the forbidden side of zero is set to zero, and one smaller than its ``least`` size
    (0 when not given) is raised to it. Plain numpy: the fit must stay inspectable
    and the library needs no model package at run time.

    Returns:
        The intercept and the weights, in the order of ``signs``.
    """
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
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
    theta[0] = math.log(rate / (1 - rate))
    prev, moment = theta.copy(), theta.copy()
    for i in range(1, steps + 1):
        z = xb @ moment
        p = 1.0 / (1.0 + np.exp(-z))
        grad = xb.T @ (p - y) / n + penalty * moment
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
    """``fit``: the fitted models as Python."""
    labelled = labelled_readings(photos, settings)
    return render_models(fit_models(labelled, l2), labelled)


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
    fit = sub.add_parser("fit", help="fit the per-field models; print them as Python")
    fit.add_argument("caches", nargs="+", type=Path, metavar="CACHE.jsonl")
    fit.add_argument("--l2", type=float, default=0.5, help="weight of the L2 penalty")
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
    if args.command == "fit":
        print(fit_command(photos, settings, args.l2))
    else:
        print(evaluate_command(photos, settings, args.bins))
    return 0


if __name__ == "__main__":
    sys.exit(main())
