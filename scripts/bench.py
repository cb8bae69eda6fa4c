"""Benchmark cardscan: per-field accuracy against hand-checked truth, and speed against Tesseract.

Usage::

    python scripts/bench.py DIR [DIR...] [--jobs 1,2] [--limit N] [--region XX] [--lang eng]
                            [--predictions FILE.jsonl] [--save-predictions FILE.jsonl]
                            [--json OUT] [--no-baseline] [--details]

Each DIR holds photos with their truth, either as ``NAME.expected.json`` beside ``NAME.<ext>``
(the public record schema) or as one ``truth.jsonl`` (see ``/work/shared/cards/README.md``).
The report is Markdown on stdout, headed by the command line, so it can be pasted as is.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
import platform
import re
import shlex
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

# Run as `python scripts/bench.py`, Python puts scripts/ on sys.path, not the repository root,
# and cardscan need not be installed: the benchmark must measure this checkout's code.
_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from cardscan.config import IMAGE_SUFFIXES, Settings  # noqa: E402
from cardscan.errors import CardscanError, ExitCode  # noqa: E402

log = logging.getLogger("bench")

#: Single-valued fields scored, in table order.
SINGLE_FIELDS: tuple[str, ...] = ("name", "title", "company")
#: List fields scored as sets, in table order.
LIST_FIELDS: tuple[str, ...] = ("emails", "phones", "websites")
#: Every field that must be right for a card to count as "every field right".
FIELDS: tuple[str, ...] = SINGLE_FIELDS + LIST_FIELDS

TRUTH_JSONL = "truth.jsonl"
EXPECTED_SUFFIX = ".expected.json"

Record = Mapping[str, Any]


class TruthError(ValueError):
    """A truth file cannot be read or does not follow its schema."""


# --------------------------------------------------------------------------- normalisers

# Apostrophes vanish rather than split a word, so "O'Brien" and "OBrien" compare equal.
_APOSTROPHES = frozenset("'`´‘’ʼ")
# Scripts written without spaces between words: Tesseract often puts a space between every
# character of them, and a transcriber may or may not separate family and given name.
_UNSPACED = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNSPACED_GAP = re.compile(rf"(?<=[{_UNSPACED}]) (?=[{_UNSPACED}])")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")
_PORT = re.compile(r":\d*$")


def normalize_text(value: str | None) -> str:
    """Case- and punctuation-insensitive form of a title, company or other free text.

    NFKC folds full-width letters and digits, punctuation and symbols become spaces (so
    'KORIN Co.,Ltd' and 'korin co ltd' agree), runs of spaces collapse, and spaces between
    characters of unspaced scripts (Japanese, Chinese, Thai) are dropped.

    Args:
        value: The text, or None.

    Returns:
        The normalised text; "" for None or text that is only punctuation.
    """
    if not value:
        return ""
    folded = unicodedata.normalize("NFKC", value).casefold()
    chars = []
    for ch in folded:
        if ch in _APOSTROPHES:
            continue
        chars.append(" " if unicodedata.category(ch)[0] in "PSZC" else ch)
    return _UNSPACED_GAP.sub("", " ".join("".join(chars).split()))


def normalize_name(value: str | None) -> str:
    """Like :func:`normalize_text`, with the words sorted: a name's word order may differ."""
    return " ".join(sorted(normalize_text(value).split()))


def normalize_email(value: str | None) -> str:
    """Lower-case e-mail address without surrounding space or a ``mailto:`` prefix."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    return text.removeprefix("mailto:").strip()


def normalize_phone(value: str | None) -> str:
    """The digits of a phone number, as ASCII ('+81 3-5550-1234' → '81355501234').

    Any script's decimal digits count (full-width '８', Arabic-Indic '٣'), superscripts
    and other digit-like signs do not.
    """
    if not value:
        return ""
    digits = (unicodedata.decimal(ch, None) for ch in value)
    return "".join(str(d) for d in digits if d is not None)


def normalize_website(value: str | None) -> str:
    """The host of a web address: no scheme, no ``www.``, no user, port, path or query."""
    if not value:
        return ""
    text = _SCHEME.sub("", unicodedata.normalize("NFKC", value).strip().lower())
    host = re.split(r"[/?#\s]", text, maxsplit=1)[0]
    host = _PORT.sub("", host.rsplit("@", 1)[-1]).rstrip(".")
    return host.removeprefix("www.")


def normalize_address(value: str | None) -> str:
    """An address with case, punctuation and all spacing ignored (they vary most there)."""
    return normalize_text(value).replace(" ", "")


#: How each compared field is normalised before comparison.
NORMALIZERS: Mapping[str, Callable[[str | None], str]] = {
    "name": normalize_name,
    "title": normalize_text,
    "company": normalize_text,
    "emails": normalize_email,
    "phones": normalize_phone,
    "websites": normalize_website,
    "address": normalize_address,
}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Truth:
    """What one photo's card says, as a person transcribed it.

    Single-valued fields hold every acceptable form (empty when the card has none); list
    fields hold the values as written in the truth file.
    """

    image: Path
    name: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    company: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    #: Type of each phone (work|mobile|fax|other), same order as ``phones``; None = unknown.
    phone_types: tuple[str | None, ...] = ()
    websites: tuple[str, ...] = ()
    address: str | None = None
    #: False when the person's name is printed only in a non-Latin script; None = not marked.
    latin: bool | None = None


@dataclass(frozen=True)
class Prediction:
    """The scored fields of one public JSON record (``CardResult.to_record()``)."""

    source: str
    card: int = 0
    status: str = "ok"
    name: str | None = None
    title: str | None = None
    company: str | None = None
    emails: tuple[str, ...] = ()
    #: E.164 where the record has it, else the number as printed.
    phones: tuple[str, ...] = ()
    phone_types: tuple[str | None, ...] = ()
    websites: tuple[str, ...] = ()
    address: str | None = None

    @classmethod
    def from_record(cls, record: Record) -> Prediction:
        """Read a record leniently: missing keys mean no value, phones may be plain strings."""
        phones: list[str] = []
        types: list[str | None] = []
        for phone in record.get("phones") or ():
            if isinstance(phone, Mapping):
                phones.append(str(phone.get("e164") or phone.get("raw") or ""))
                types.append(_opt_str(phone.get("type")))
            else:
                phones.append(str(phone))
                types.append(None)
        return cls(
            source=str(record.get("source") or ""),
            card=int(record.get("card") or 0),
            status=str(record.get("status") or "ok"),
            name=_opt_str(record.get("name")),
            title=_opt_str(record.get("title")),
            company=_opt_str(record.get("company")),
            emails=tuple(str(e) for e in record.get("emails") or ()),
            phones=tuple(phones),
            phone_types=tuple(types),
            websites=tuple(str(w) for w in record.get("websites") or ()),
            address=_opt_str(record.get("address")),
        )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- truth loading


def _forms(value: object, where: str) -> tuple[str, ...]:
    """Acceptable forms of a single-valued truth field: a string, a list of them, or null."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    raise TruthError(f"{where}: expected a string, a list of strings or null, not {value!r}")


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TruthError(f"{where}: expected a list of strings, not {value!r}")


def _latin(value: object, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise TruthError(f"{where}: 'latin' must be true, false or absent, not {value!r}")


def load_truth_jsonl(path: Path) -> list[Truth]:
    """Read a ``truth.jsonl``: one object per photo, ``file`` relative to its folder.

    Args:
        path: The truth.jsonl file.

    Returns:
        One :class:`Truth` per non-blank line, in file order.

    Raises:
        TruthError: A line is not JSON or breaks the schema (the message names the line).
    """
    truths = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise TruthError(f"{where}: not JSON ({e.msg})") from e
        if not isinstance(row, dict) or not isinstance(row.get("file"), str):
            raise TruthError(f"{where}: expected an object with a 'file' string")
        phones = _strings(row.get("phones"), f"{where} phones")
        types = row.get("phone_types") or []
        if not isinstance(types, list):
            raise TruthError(f"{where} phone_types: expected a list")
        truths.append(
            Truth(
                image=path.parent / row["file"],
                name=_forms(row.get("name"), f"{where} name"),
                title=_forms(row.get("title"), f"{where} title"),
                company=_forms(row.get("company"), f"{where} company"),
                emails=_strings(row.get("emails"), f"{where} emails"),
                phones=phones,
                # Pad so a short or missing list means "type unknown", never a misalignment.
                phone_types=tuple(
                    _opt_str(types[i]) if i < len(types) else None for i in range(len(phones))
                ),
                websites=_strings(row.get("websites"), f"{where} websites"),
                address=_opt_str(row.get("address")),
                latin=_latin(row.get("latin"), where),
            )
        )
    return truths


def load_expected_json(path: Path) -> Truth | None:
    """Read ``NAME.expected.json`` (the public record schema) and find ``NAME.<ext>`` beside it.

    Args:
        path: The expected.json file.

    Returns:
        The truth, or None (with a warning) when no image of that name is beside it.

    Raises:
        TruthError: The file is not JSON or breaks the schema.
    """
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise TruthError(f"{path}: not JSON ({e.msg})") from e
    if not isinstance(row, dict):
        raise TruthError(f"{path}: expected a JSON object")
    stem = path.name[: -len(EXPECTED_SUFFIX)]
    images = sorted(
        p
        for p in path.parent.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and p.name[: -len(p.suffix)] == stem
    )
    if not images:
        log.warning("%s: no image named %s.<ext> beside it; skipped", path, stem)
        return None
    record = Prediction.from_record(row)
    return Truth(
        image=images[0],
        name=_forms(row.get("name"), f"{path} name"),
        title=_forms(row.get("title"), f"{path} title"),
        company=_forms(row.get("company"), f"{path} company"),
        emails=record.emails,
        phones=record.phones,
        phone_types=record.phone_types,
        websites=record.websites,
        address=record.address,
        latin=_latin(row.get("latin"), str(path)),
    )


def load_truths(directory: Path) -> list[Truth]:
    """Every truth in a folder: its ``*.expected.json`` files, then its ``truth.jsonl``.

    A photo named in truth.jsonl takes that truth even when it also has an expected.json.

    Args:
        directory: The folder of photos.

    Returns:
        Truths in natural file-name order (c_3 before c_11).
    """
    by_image: dict[Path, Truth] = {}
    for path in sorted(directory.glob(f"*{EXPECTED_SUFFIX}")):
        truth = load_expected_json(path)
        if truth is not None:
            by_image[truth.image] = truth
    jsonl = directory / TRUTH_JSONL
    if jsonl.is_file():
        for truth in load_truth_jsonl(jsonl):
            if not truth.image.is_file():
                log.warning("%s names %s, which does not exist; skipped", jsonl, truth.image)
                continue
            by_image[truth.image] = truth
    return sorted(by_image.values(), key=lambda t: natural_key(t.image))


def natural_key(path: Path) -> tuple[object, ...]:
    """Sort key that orders embedded numbers by value: c_3.jpg before c_11.jpg."""
    parts = re.split(r"(\d+)", str(path))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def read_records(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file of public records (``cardscan scan`` output)."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise TruthError(f"{path}:{number}: not JSON ({e.msg})") from e
        if not isinstance(row, dict):
            raise TruthError(f"{path}:{number}: expected a JSON object")
        records.append(row)
    return records


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives of one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP); None when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN); None when the truth holds nothing."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2TP / (2TP + FP + FN), which is 0 (not undefined) when only one side is empty."""
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None

    def to_dict(self) -> dict[str, Any]:
        """Counts and ratios, for ``--json``."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def compare_single(forms: Iterable[str], predicted: str | None, field_name: str) -> Counts:
    """Score one single-valued field of one card.

    Args:
        forms: The truth's acceptable forms (none = the card has no such field).
        predicted: The predicted value, or None.
        field_name: Which field, to choose its normaliser.

    Returns:
        TP when the prediction matches a form; a non-null prediction that does not is an FP,
        and a truth it misses is an FN (so a wrong value is both).
    """
    norm = NORMALIZERS[field_name]
    accepted = {n for n in (norm(f) for f in forms) if n}
    guess = norm(predicted) or None
    hit = guess is not None and guess in accepted
    return Counts(
        tp=int(hit), fp=int(guess is not None and not hit), fn=int(bool(accepted) and not hit)
    )


def compare_list(truth: Iterable[str], predicted: Iterable[str], field_name: str) -> Counts:
    """Score one list field of one card as sets of normalised values."""
    norm = NORMALIZERS[field_name]
    want = {n for n in (norm(v) for v in truth) if n}
    got = {n for n in (norm(v) for v in predicted) if n}
    return Counts(tp=len(want & got), fp=len(got - want), fn=len(want - got))


@dataclass(frozen=True)
class CardScore:
    """How well the chosen record of one photo matches that photo's truth."""

    truth: Truth
    #: The record scored; None when the photo produced no record.
    prediction: Prediction | None
    fields: Mapping[str, Counts]
    #: Phones found (digits match) and, of those with a known true type, how many typed right.
    phone_types_right: int = 0
    phone_types_known: int = 0
    address: Counts = field(default_factory=Counts)
    #: Similarity 0..1 of the normalised addresses; None when the truth has no address.
    address_similarity: float | None = None

    @property
    def wrong(self) -> tuple[str, ...]:
        """Fields not exactly right (a list field must match as a set; null↔empty is right)."""
        return tuple(f for f in FIELDS if self.fields[f].fp or self.fields[f].fn)

    @property
    def all_right(self) -> bool:
        """True when all six fields are exactly right."""
        return not self.wrong

    def to_dict(self) -> dict[str, Any]:
        """Per-card detail, for ``--json``."""
        return {
            "image": str(self.truth.image),
            "card": self.prediction.card if self.prediction else None,
            "status": self.prediction.status if self.prediction else "missing",
            "wrong": list(self.wrong),
            "fields": {f: self.fields[f].to_dict() for f in FIELDS},
            "address_similarity": self.address_similarity,
        }


def score_card(truth: Truth, prediction: Prediction | None) -> CardScore:
    """Compare one record with one truth (a missing record scores as an empty one)."""
    pred = prediction or Prediction(source=str(truth.image))
    fields = {
        "name": compare_single(truth.name, pred.name, "name"),
        "title": compare_single(truth.title, pred.title, "title"),
        "company": compare_single(truth.company, pred.company, "company"),
        "emails": compare_list(truth.emails, pred.emails, "emails"),
        "phones": compare_list(truth.phones, pred.phones, "phones"),
        "websites": compare_list(truth.websites, pred.websites, "websites"),
    }
    # strict=False: a Truth built without phone_types (or a short list) means "type unknown".
    true_types = {
        normalize_phone(p): t for p, t in zip(truth.phones, truth.phone_types, strict=False) if t
    }
    right = known = 0
    for number, kind in zip(pred.phones, pred.phone_types, strict=False):
        want = true_types.pop(normalize_phone(number), None)  # pop: count each number once
        if want is not None:
            known += 1
            right += int((kind or "").lower() == want.lower())
    address = compare_single([truth.address or ""], pred.address, "address")
    similarity = None
    if truth.address:
        similarity = difflib.SequenceMatcher(
            None, normalize_address(truth.address), normalize_address(pred.address)
        ).ratio()
    return CardScore(truth, prediction, fields, right, known, address, similarity)


def best_card(truth: Truth, predictions: Sequence[Prediction]) -> CardScore:
    """Score the record of a photo that best matches its truth.

    A photo may yield several cards (two cards in one shot, or a split gone wrong); the
    truth describes one, so the record with the most fields right (then most true
    positives, then the lowest card index) stands for the photo.
    """
    if not predictions:
        return score_card(truth, None)
    scored = [score_card(truth, p) for p in predictions]
    return max(
        scored,
        key=lambda s: (
            -len(s.wrong),
            sum(c.tp for c in s.fields.values()),
            -(s.prediction.card if s.prediction else 0),
        ),
    )


def _path_key(path: Path) -> Path:
    return path.expanduser().resolve()


def assign(
    truths: Sequence[Truth], predictions: Iterable[Prediction]
) -> tuple[dict[Path, list[Prediction]], list[str]]:
    """Group records by the truth whose image their ``source`` names.

    A source matches by resolved path first, then by file name when only one truth has that
    name (records written elsewhere, or from another working folder).

    Returns:
        Records per truth image (keyed by ``Truth.image``), and sources that match no truth.
    """
    by_path = {_path_key(t.image): t.image for t in truths}
    name_count = Counter(t.image.name for t in truths)
    by_name = {t.image.name: t.image for t in truths if name_count[t.image.name] == 1}
    grouped: dict[Path, list[Prediction]] = {}
    unmatched: list[str] = []
    for pred in predictions:
        source = Path(pred.source)
        image = by_path.get(_path_key(source)) if pred.source else None
        image = image or by_name.get(source.name)
        if image is None:
            unmatched.append(pred.source)
        else:
            grouped.setdefault(image, []).append(pred)
    return grouped, unmatched


@dataclass(frozen=True)
class Scores:
    """Accuracy over a set of photos: per-card scores and their micro-averaged totals."""

    cards: tuple[CardScore, ...]
    #: Record sources that named no photo with a truth.
    unmatched: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Number of photos scored."""
        return len(self.cards)

    @property
    def fields(self) -> dict[str, Counts]:
        """Micro-averaged counts per field."""
        out = {f: Counts() for f in FIELDS}
        for card in self.cards:
            for f in FIELDS:
                out[f] = out[f] + card.fields[f]
        return out

    @property
    def all_right(self) -> int:
        """Photos whose every field is right."""
        return sum(card.all_right for card in self.cards)

    @property
    def address(self) -> Counts:
        """Exact address matches, ignoring case, punctuation and spacing."""
        total = Counts()
        for card in self.cards:
            total = total + card.address
        return total

    @property
    def address_similarity(self) -> float | None:
        """Mean address similarity over photos whose truth has an address."""
        sims = [c.address_similarity for c in self.cards if c.address_similarity is not None]
        return sum(sims) / len(sims) if sims else None

    @property
    def phone_types(self) -> tuple[int, int]:
        """(typed right, found with a known type) over all phones found."""
        return (
            sum(c.phone_types_right for c in self.cards),
            sum(c.phone_types_known for c in self.cards),
        )

    def subset(self, keep: Callable[[CardScore], bool]) -> Scores:
        """The scores of the photos ``keep`` accepts."""
        return Scores(tuple(c for c in self.cards if keep(c)), self.unmatched)

    def to_dict(self) -> dict[str, Any]:
        """Everything, for ``--json``."""
        right, known = self.phone_types
        return {
            "cards": self.total,
            "every_field_right": self.all_right,
            "fields": {f: c.to_dict() for f, c in self.fields.items()},
            "address": self.address.to_dict(),
            "address_similarity": self.address_similarity,
            "phone_types": {"right": right, "found": known},
            "per_card": [c.to_dict() for c in self.cards],
        }


def latin_only(scores: Scores) -> Scores:
    """The photos whose truth is marked ``latin: true`` (unmarked photos are left out)."""
    return scores.subset(lambda card: card.truth.latin is True)


def score(truths: Sequence[Truth], records: Iterable[Record]) -> Scores:
    """Score public JSON records against truths.

    Args:
        truths: One per photo.
        records: Records whose ``source`` names a photo; several per photo are allowed.

    Returns:
        The scores; a photo without a record counts as one with every field empty.
    """
    grouped, unmatched = assign(truths, (Prediction.from_record(r) for r in records))
    cards = tuple(best_card(t, grouped.get(t.image, [])) for t in truths)
    return Scores(cards, tuple(unmatched))


# --------------------------------------------------------------------------- speed


@dataclass(frozen=True)
class SpeedRun:
    """Wall-clock time of one pass over the photos."""

    label: str
    jobs: int
    photos: int
    seconds: float
    #: Records produced (cardscan) or 0 (baseline).
    cards: int = 0
    failed: int = 0
    #: Whether the records equal the first cardscan run's; None for the first run and baseline.
    same_as_first: bool | None = None

    @property
    def photos_per_second(self) -> float:
        """Throughput."""
        return self.photos / self.seconds if self.seconds else float("inf")

    @property
    def seconds_per_photo(self) -> float:
        """Wall time divided by photos (with jobs > 1 this is not the latency of one photo)."""
        return self.seconds / self.photos if self.photos else 0.0

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "label": self.label,
            "jobs": self.jobs,
            "photos": self.photos,
            "seconds": self.seconds,
            "cards": self.cards,
            "failed": self.failed,
            "same_as_first": self.same_as_first,
        }


class Progress:
    """A one-line counter on a terminal; silent when ``stream`` is None (not a TTY)."""

    def __init__(self, label: str, total: int, stream: TextIO | None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream
        self.start = time.perf_counter()

    @classmethod
    def on_stderr(cls, label: str, total: int) -> Progress:
        """A counter on stderr if stderr is a terminal, so piped or logged runs stay clean."""
        return cls(label, total, sys.stderr if sys.stderr.isatty() else None)

    def advance(self, steps: int = 1) -> None:
        """Count finished photos and redraw."""
        self.done += steps
        if self.stream is not None:
            elapsed = time.perf_counter() - self.start
            self.stream.write(f"\r{self.label}: {self.done}/{self.total} ({elapsed:.0f} s)")
            self.stream.flush()

    def close(self) -> None:
        """Clear the line."""
        if self.stream is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()


def run_cardscan(
    paths: Sequence[Path], settings: Settings, progress: Progress
) -> tuple[SpeedRun, list[dict[str, Any]]]:
    """Scan the photos with the library's batch runner, timing the whole pass.

    Returns:
        The timing, and the public records in the order they came.

    Raises:
        CardscanError: The pipeline cannot start (Tesseract or a language missing).
    """
    from cardscan.pipeline import scan_batch

    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    failed = 0
    start = time.perf_counter()
    for result in scan_batch(paths, settings):
        records.append(result.to_record())
        failed += int(not result.ok)
        # Progress counts photos; a photo may yield several cards.
        if result.source not in seen:
            seen.add(result.source)
            progress.advance()
    seconds = time.perf_counter() - start
    progress.close()
    run = SpeedRun("cardscan", settings.jobs, len(paths), seconds, len(records), failed)
    return run, records


def baseline_command(settings: Settings) -> list[str]:
    """``tesseract`` plus the options that make it read like cardscan's (binary, tessdata, lang).

    Uses the binary cardscan would use, so the ratio compares work, not installations.
    """
    try:
        from cardscan.ocr import check_tesseract

        info = check_tesseract(settings.tesseract_cmd, settings.lang)
        extra = ["--tessdata-dir", info.tessdata] if info.tessdata else []
        return [info.path, *extra, "-l", settings.lang]
    except ImportError:
        return ["tesseract", "-l", settings.lang]


def run_baseline(
    paths: Sequence[Path], command: Sequence[str], timeout: float, progress: Progress
) -> SpeedRun:
    """Run ``tesseract IMAGE stdout`` on each photo in turn, timing the whole pass."""
    failed = 0
    start = time.perf_counter()
    for path in paths:
        # tesseract wants the image before the options: tesseract IMAGE OUTPUT [options].
        argv = [command[0], str(path), "stdout", *command[1:]]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
            failed += int(done.returncode != 0)
        except subprocess.TimeoutExpired:
            failed += 1
        progress.advance()
    seconds = time.perf_counter() - start
    progress.close()
    return SpeedRun("tesseract IMAGE stdout", 1, len(paths), seconds, 0, failed)


def _canonical(records: Iterable[Record]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records)


# --------------------------------------------------------------------------- rendering


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def render_summary(rows: Sequence[tuple[str, Scores]]) -> str:
    """F1 per field and every-field-right in one row per card set (the README's layout)."""
    head = "| cards | " + " | ".join(FIELDS) + " | every field right |"
    lines = [head, "|---" * (len(FIELDS) + 2) + "|"]
    for label, scores in rows:
        f1s = " | ".join(_ratio(scores.fields[f].f1) for f in FIELDS)
        lines.append(f"| {label} | {f1s} | {scores.all_right}/{scores.total} |")
    return "\n".join(lines)


def render_accuracy(scores: Scores, title: str) -> str:
    """Precision, recall, F1 and counts per field, then the every-field-right share."""
    lines = [
        f"### {title}",
        "",
        "| field | precision | recall | F1 | TP | FP | FN |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, c in scores.fields.items():
        lines.append(
            f"| {name} | {_ratio(c.precision)} | {_ratio(c.recall)} | {_ratio(c.f1)} "
            f"| {c.tp} | {c.fp} | {c.fn} |"
        )
    lines += ["", f"Cards with every field right: {_share(scores.all_right, scores.total)}"]
    return "\n".join(lines)


def render_secondary(scores: Scores) -> str:
    """Address and phone-type accuracy, which the every-field-right share leaves out."""
    a = scores.address
    right, known = scores.phone_types
    return "\n".join(
        [
            "| measure | value |",
            "|---|---|",
            f"| address exact (P / R / F1) | {_ratio(a.precision)} / {_ratio(a.recall)} "
            f"/ {_ratio(a.f1)} |",
            f"| address similarity, mean | {_ratio(scores.address_similarity)} |",
            f"| phone type right, of phones found | {_share(right, known)} |",
        ]
    )


def render_speed(runs: Sequence[SpeedRun], baseline: SpeedRun | None) -> str:
    """Throughput per run, and each cardscan run's time as a multiple of the baseline's."""
    lines = [
        "| run | jobs | photos | wall s | cards/s | s/card | × baseline | failed | same records |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in [*runs, *([baseline] if baseline else [])]:
        times = f"{run.seconds / baseline.seconds:.2f}×" if baseline and baseline.seconds else "–"
        same = {None: "–", True: "yes", False: "**no**"}[run.same_as_first]
        lines.append(
            f"| {run.label} | {run.jobs} | {run.photos} | {run.seconds:.1f} "
            f"| {run.photos_per_second:.2f} | {run.seconds_per_photo:.2f} | {times} "
            f"| {run.failed} | {same} |"
        )
    return "\n".join(lines)


def render_details(scores: Scores) -> str:
    """Which fields each photo got wrong, to see where the errors are."""
    lines = ["| photo | card | wrong fields |", "|---|---|---|"]
    for card in scores.cards:
        index = "–" if card.prediction is None else str(card.prediction.card)
        lines.append(f"| {card.truth.image.name} | {index} | {', '.join(card.wrong) or '–'} |")
    return "\n".join(lines)


def environment(tesseract: Sequence[str] | None) -> str:
    """One line naming what the numbers depend on: versions, cores, load, the Tesseract binary.

    Called before any timed pass, so the load average is other processes', not ours.
    """
    parts = [f"Python {platform.python_version()}", f"{platform.system()} {platform.machine()}"]
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        cores = os.cpu_count() or 1
    parts.append(f"{cores} CPU cores")
    if tesseract:
        try:
            out = subprocess.run(
                [tesseract[0], "--version"], capture_output=True, text=True, timeout=30, check=False
            )
            first = (out.stdout or out.stderr).strip().splitlines()
            parts.append(first[0] if first else "tesseract (version unknown)")
        except (OSError, subprocess.SubprocessError):
            parts.append(f"{tesseract[0]} (does not run)")
    if hasattr(os, "getloadavg"):  # not on Windows
        # The cores may be shared: a busy machine explains slow or uneven timings.
        parts.append(f"load {os.getloadavg()[0]:.2f}")
    if os.environ.get("OMP_THREAD_LIMIT"):
        parts.append(f"OMP_THREAD_LIMIT={os.environ['OMP_THREAD_LIMIT']}")
    return " · ".join(parts)


# --------------------------------------------------------------------------- command line


def parse_jobs(text: str) -> list[int]:
    """``"1,2"`` → ``[1, 2]``; each value must be a whole number of at least 1."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("job counts must be whole numbers of at least 1")
    return values


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="bench.py",
        description="Score cardscan against truth files and time it against plain Tesseract.",
    )
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="folders of photos + truth")
    p.add_argument(
        "--match",
        action="store_true",
        help="benchmark the contact matcher instead (scripts/matchbench.py; no DIR; "
        "the other options are matchbench's, e.g. --store --febrl)",
    )
    p.add_argument("--jobs", type=parse_jobs, default=[1], help="worker counts to time: 1,2")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N photos")
    p.add_argument("--region", help="default region for phone numbers (ISO 3166, e.g. JP)")
    p.add_argument("--lang", default="eng", help="Tesseract languages, e.g. eng or eng+deu")
    p.add_argument(
        "--predictions",
        type=Path,
        metavar="FILE.jsonl",
        help="score these records instead of running cardscan (no speed table)",
    )
    p.add_argument(
        "--save-predictions",
        type=Path,
        metavar="FILE.jsonl",
        help="write the records of the first run, to rescore later with --predictions",
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="also write every number as JSON")
    p.add_argument("--no-baseline", action="store_true", help="skip the plain Tesseract pass")
    p.add_argument("--details", action="store_true", help="list the wrong fields of each photo")
    return p


def _images_without_truth(dirs: Sequence[Path]) -> list[Path]:
    images = [p for d in dirs for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(images, key=natural_key)


def time_cardscan(
    images: Sequence[Path], settings: Settings, jobs: Sequence[int]
) -> tuple[list[dict[str, Any]], list[SpeedRun]]:
    """One timed cardscan pass per job count; returns the first pass's records and every timing.

    Later passes are checked against the first: parallel runs must not change any record.
    """
    for image in images:  # read once, so the first timed pass does not pay for a cold disk
        image.read_bytes()
    records: list[dict[str, Any]] = []
    first: list[str] = []
    runs: list[SpeedRun] = []
    for count in jobs:
        progress = Progress.on_stderr(f"cardscan --jobs {count}", len(images))
        run, got = run_cardscan(images, settings.with_(jobs=count), progress)
        if runs:
            run = replace(run, same_as_first=_canonical(got) == first)
        else:
            records, first = got, _canonical(got)
        runs.append(run)
    return records, runs


def run_matchbench(argv: Sequence[str]) -> int:
    """``--match``: run scripts/matchbench.py (matcher precision/recall, speed) with ``argv``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "matchbench", Path(__file__).with_name("matchbench.py")
    )
    if spec is None or spec.loader is None:
        print("bench: scripts/matchbench.py is missing", file=sys.stderr)
        return int(ExitCode.USAGE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    code: int = module.main(list(argv))
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; returns the exit code."""
    given = list(sys.argv[1:] if argv is None else argv)
    if "--match" in given:
        # The matcher's benchmark makes its own labelled contacts: no photos, no Tesseract.
        return run_matchbench([a for a in given if a != "--match"])
    args = build_parser().parse_args(argv)
    logging.basicConfig(format="bench: %(levelname)s: %(message)s", level=logging.INFO)
    shown = shlex.join(["python", *(sys.argv if argv is None else ["scripts/bench.py", *argv])])
    try:
        settings = Settings(region=args.region, lang=args.lang)
        for d in args.dirs:
            if not d.is_dir():
                raise TruthError(f"{d} is not a folder")
        truths: list[Truth] = []
        for d in args.dirs:
            truths += load_truths(d)
    except (CardscanError, TruthError, OSError) as e:
        print(f"bench: {e}", file=sys.stderr)
        return int(ExitCode.USAGE)
    images = [t.image for t in truths] or _images_without_truth(args.dirs)
    if args.limit is not None:
        truths, images = truths[: args.limit], images[: args.limit]
    if not images:
        print("bench: no photos found", file=sys.stderr)
        return int(ExitCode.INPUT)

    runs: list[SpeedRun] = []
    baseline: SpeedRun | None = None
    report: dict[str, Any] = {"command": shown, "photos": len(images)}
    try:
        if args.predictions:
            header = environment(None)
            records: list[dict[str, Any]] = read_records(args.predictions)
        else:
            command = baseline_command(settings)
            header = environment(command)
            records, runs = time_cardscan(images, settings, args.jobs)
            if not args.no_baseline:
                progress = Progress.on_stderr("tesseract", len(images))
                baseline = run_baseline(images, command, settings.ocr_timeout, progress)
    except (CardscanError, TruthError, OSError) as e:
        print(f"bench: {e}", file=sys.stderr)
        return int(getattr(e, "exit_code", ExitCode.ERROR))
    out = [f"`{shown}`", "", header]
    report["environment"] = header
    if args.save_predictions and records:
        args.save_predictions.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )

    if truths:
        scores = score(truths, records)
        if scores.unmatched:
            log.warning(
                "%d records name no photo with truth: %s",
                len(scores.unmatched),
                ", ".join(scores.unmatched[:5]),
            )
        sets = {"all": (f"all {scores.total}", scores)}
        if any(t.latin is not None for t in truths):
            latin = latin_only(scores)
            sets["latin"] = (f"{latin.total} Latin-script", latin)
        out += ["", "## Accuracy", "", render_summary(list(sets.values()))]
        for label, subset in sets.values():
            out += ["", render_accuracy(subset, f"Accuracy: {label} cards")]
        out += ["", "### Address and phone types", "", render_secondary(scores)]
        if args.details:
            out += ["", "### Per photo", "", render_details(scores)]
        report["accuracy"] = {key: s.to_dict() for key, (_, s) in sets.items()}
    else:
        out += ["", "No truth files found: accuracy not measured."]
    if runs:
        out += ["", f"## Speed: {len(images)} photos", "", render_speed(runs, baseline)]
        out += ["", "cards/s and s/card count photos; wall time of the whole pass."]
        report["speed"] = [r.to_dict() for r in runs]
        report["baseline"] = baseline.to_dict() if baseline else None
    print("\n".join(out))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
