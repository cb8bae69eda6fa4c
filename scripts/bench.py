"""Benchmark cardscan: per-field accuracy against hand-checked truth, and speed against Tesseract.

Usage::

    python scripts/bench.py DIR [DIR...] [--jobs 1,2] [--limit N] [--region XX] [--lang auto]
                            [--predictions FILE.jsonl | --ocr CACHE.jsonl]
                            [--save-predictions FILE.jsonl]
                            [--json OUT] [--no-baseline] [--details]

Each DIR holds photos with their truth, either as ``NAME.expected.json`` beside ``NAME.<ext>``
(the public record schema) or as one ``truth.jsonl`` (see ``/work/shared/cards/README.md``).
The report is Markdown on stdout, headed by the command line, so it can be pasted as is.

What it reports, over all DIRs together:

- **Targets**: issue 11's "Done when" with ✓/✗ — on the hand-transcribed cards
  (truth.jsonl lines) marked ``latin: true``: every field right ≥60%, F1 per field, wrong
  values unflagged ≤15%, right values flagged ≤10%; each generated folder (expected.json)
  every field right ≥90%; with timing, s/photo of the hand-checked photos at ``--jobs 1``
  ≤2.5 and ``--jobs 2``'s speed-up ≥1.7×.
- **Accuracy**: F1 per field and every field right, in all, over the Latin-script cards,
  per source (truth.jsonl's ``group``, else the folder's name) and per ``kind``
  (photo | scan, where the truth says); then precision, recall and counts.
- **Flags**: whether values under the review threshold (``Settings.review_threshold``)
  are the wrong ones. A *value* is a record's name, title, company or address, or each
  distinct e-mail, phone and website; *wrong unflagged* = wrong values at or above the
  threshold / wrong values; *right flagged* = right values below it / right values; a
  truth value nothing matched is *missed* (no confidence, in neither share). Per source
  and per field; see :class:`Flags`.
- **Speed**: wall time per ``--jobs`` count, the speed-up over ``--jobs 1``, and where
  each photo's time goes (load+find, OCR, parse+validate, QR, other) as the pipeline
  times it (``CardResult.timings``), per source.

Records this bench writes (``--save-predictions``) carry ``value_confidence``, each list
value's own confidence, beside the public record's keys; ``--predictions`` reads it back.
"""

from __future__ import annotations

import argparse
import difflib
import functools
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
if str(_REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(_REPO / "scripts"))  # siblings.py, when a test loads this by path

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
    """What one card in one photo says, as a person transcribed it (or the generator printed).

    Single-valued fields hold every acceptable form (empty when the card has none); list
    fields hold the values as written in the truth file. A photo of several cards has one
    Truth per card, all with the same ``image``.
    """

    image: Path
    name: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    company: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    #: Type of each phone (work|mobile|fax|toll-free|other), same order as ``phones``;
    #: None = unknown.
    phone_types: tuple[str | None, ...] = ()
    websites: tuple[str, ...] = ()
    address: str | None = None
    #: False when the person's name is printed only in a non-Latin script; None = not marked.
    latin: bool | None = None
    #: Extension of each phone, same order as ``phones``; None = the truth does not say
    #: (truth.jsonl has no extensions), unlike a tuple holding None (no extension).
    phone_exts: tuple[str | None, ...] | None = None
    #: The name split as the truth has it; None = not recorded.
    given_name: str | None = None
    family_name: str | None = None
    #: Index of the card among its photo's expected cards (reading order).
    card: int = 0
    #: The photo of the card's back (two-sided cards); it has no truth of its own.
    back: Path | None = None
    #: Hard cases the generator built into the card (its ``generator.cases``).
    cases: tuple[str, ...] = ()
    #: The source the photo comes from: truth.jsonl's ``group`` (one phone, table and
    #: light per source), else the name of the photo's folder.
    group: str = ""
    #: truth.jsonl's ``kind`` (photo | scan); None where the truth does not say.
    kind: str | None = None
    #: Transcribed by hand (a truth.jsonl line) rather than printed by the generator
    #: (an expected.json): the real cards the issue's targets are measured on.
    hand: bool = False

    @property
    def source_label(self) -> str:
        """The source to report this card under (its group, else its folder's name)."""
        return self.group or self.image.parent.name


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
    phone_exts: tuple[str | None, ...] = ()
    given_name: str | None = None
    family_name: str | None = None
    #: The back photo merged into this record, as the record names it.
    back: str | None = None
    #: The record's confidence per field (0..1); empty for records that carry none.
    confidence: Mapping[str, float] = field(default_factory=dict)
    #: Confidence of each value of a list field, in the record's order, where the record
    #: carries it (``value_confidence``, added by this benchmark to the records it saves;
    #: the public record holds only each list's least certain value).
    value_confidence: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: Record) -> Prediction:
        """Read a record leniently: missing keys mean no value, phones may be plain strings."""
        phones: list[str] = []
        types: list[str | None] = []
        exts: list[str | None] = []
        for phone in record.get("phones") or ():
            if isinstance(phone, Mapping):
                phones.append(str(phone.get("e164") or phone.get("raw") or ""))
                types.append(_opt_str(phone.get("type")))
                exts.append(_opt_str(phone.get("ext")))
            else:
                phones.append(str(phone))
                types.append(None)
                exts.append(None)
        conf = record.get("confidence")
        confidence = {
            str(k): float(v)
            for k, v in (conf.items() if isinstance(conf, Mapping) else ())
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        per_value = record.get("value_confidence")
        value_confidence = {
            str(k): tuple(_opt_float(c) for c in v)
            for k, v in (per_value.items() if isinstance(per_value, Mapping) else ())
            if isinstance(v, list)
        }
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
            phone_exts=tuple(exts),
            given_name=_opt_str(record.get("given_name")),
            family_name=_opt_str(record.get("family_name")),
            back=_opt_str(record.get("back")),
            confidence=confidence,
            value_confidence=value_confidence,
        )

    def values(self, field_name: str) -> list[tuple[str, float | None]]:
        """Each distinct value of a field (normalised) with its confidence, in record order.

        A list field's value takes its own confidence where the record carries it, else
        the field's (its least certain value's); a value seen twice counts once.
        """
        norm = NORMALIZERS[field_name]
        raw = getattr(self, field_name)
        items = raw if isinstance(raw, tuple) else (raw,)
        own = self.value_confidence.get(field_name, ())
        out: dict[str, float | None] = {}
        for i, value in enumerate(items):
            key = norm(value)
            if key and key not in out:
                conf = own[i] if i < len(own) else None
                out[key] = conf if conf is not None else self.confidence.get(field_name)
        return list(out.items())

    def has_value(self, field_name: str) -> bool:
        """Whether the record holds a value for a scored field (after normalisation)."""
        norm = NORMALIZERS[field_name]
        value = getattr(self, field_name)
        if isinstance(value, tuple):
            return any(norm(v) for v in value)
        return bool(norm(value))


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_float(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


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
                group=_label(row.get("group"), f"{where} group") or path.parent.name,
                kind=_label(row.get("kind"), f"{where} kind"),
                hand=True,
            )
        )
    return truths


def _label(value: object, where: str) -> str | None:
    """A ``group`` or ``kind``: a non-blank string, or absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value.strip()
    raise TruthError(f"{where}: expected a string, not {value!r}")


def _cases(row: Mapping[str, Any]) -> tuple[str, ...]:
    generator = row.get("generator")
    cases = generator.get("cases") if isinstance(generator, Mapping) else None
    return tuple(str(c) for c in cases) if isinstance(cases, list) else ()


def load_expected_json(path: Path) -> list[Truth]:
    """Read ``NAME.expected.json`` and find ``NAME.<ext>`` beside it.

    The file holds one record (the public record schema) or, for a photo of several cards,
    a list of records in reading order. A record whose ``back`` names a photo (two-sided
    card) makes that photo part of the card: it has no expected file of its own.

    Args:
        path: The expected.json file.

    Returns:
        One truth per card; none (with a warning) when no image of that name is beside it.

    Raises:
        TruthError: The file is not JSON or breaks the schema.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise TruthError(f"{path}: not JSON ({e.msg})") from e
    rows = data if isinstance(data, list) else [data]
    if not rows or not all(isinstance(row, dict) for row in rows):
        raise TruthError(f"{path}: expected a JSON object or a non-empty list of objects")
    stem = path.name[: -len(EXPECTED_SUFFIX)]
    images = sorted(
        p
        for p in path.parent.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and p.name[: -len(p.suffix)] == stem
    )
    if not images:
        log.warning("%s: no image named %s.<ext> beside it; skipped", path, stem)
        return []
    truths = []
    for index, row in enumerate(rows):
        where = f"{path} card {index}" if len(rows) > 1 else str(path)
        back = None
        if isinstance(row.get("back"), str) and row["back"]:
            back = path.parent / Path(row["back"]).name
            if not back.is_file():
                log.warning("%s: back photo %s does not exist; scored without it", where, back)
                back = None
        record = Prediction.from_record(row)
        truths.append(
            Truth(
                image=images[0],
                name=_forms(row.get("name"), f"{where} name"),
                title=_forms(row.get("title"), f"{where} title"),
                company=_forms(row.get("company"), f"{where} company"),
                emails=record.emails,
                phones=record.phones,
                phone_types=record.phone_types,
                websites=record.websites,
                address=record.address,
                latin=_latin(row.get("latin"), where),
                phone_exts=record.phone_exts,
                given_name=record.given_name,
                family_name=record.family_name,
                card=index,
                back=back,
                cases=_cases(row),
                group=_label(row.get("group"), f"{where} group") or path.parent.name,
                kind=_label(row.get("kind"), f"{where} kind"),
            )
        )
    return truths


def load_truths(directory: Path) -> list[Truth]:
    """Every truth in a folder: its ``*.expected.json`` files, then its ``truth.jsonl``.

    A photo named in truth.jsonl takes that truth even when it also has an expected.json.

    Args:
        directory: The folder of photos.

    Returns:
        Truths in natural file-name order (c_3 before c_11), a photo's cards in reading order.
    """
    by_image: dict[Path, list[Truth]] = {}
    for path in sorted(directory.glob(f"*{EXPECTED_SUFFIX}")):
        for truth in load_expected_json(path):
            by_image.setdefault(truth.image, []).append(truth)
    jsonl = directory / TRUTH_JSONL
    if jsonl.is_file():
        for truth in load_truth_jsonl(jsonl):
            if not truth.image.is_file():
                log.warning("%s names %s, which does not exist; skipped", jsonl, truth.image)
                continue
            by_image[truth.image] = [truth]
    return [t for image in sorted(by_image, key=natural_key) for t in by_image[image]]


def photos_of(truths: Sequence[Truth]) -> list[Path]:
    """The photos to scan for these truths: each photo once, a card's back after its front."""
    photos: dict[Path, None] = {}
    for truth in truths:
        photos[truth.image] = None
        if truth.back is not None:
            photos[truth.back] = None
    return list(photos)


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


#: Fields whose confidence is checked against the review threshold, in table order.
CALIBRATED_FIELDS: tuple[str, ...] = (*FIELDS, "address")
#: Above this many candidate assignments per photo, cards are paired greedily.
EXHAUSTIVE_LIMIT = 100_000


def _ext(value: str | None) -> str | None:
    """An extension's digits ('x204', 'ext. 204' → '204'); None when it has none."""
    return normalize_phone(value) or None


@dataclass(frozen=True)
class CardScore:
    """How well the record paired with one expected card matches it."""

    truth: Truth
    #: The record scored; None when no record of the photo was paired with this card.
    prediction: Prediction | None
    fields: Mapping[str, Counts]
    #: (true type, predicted type) of each phone found (digits match) whose true type is known.
    phone_type_pairs: tuple[tuple[str, str], ...] = ()
    #: (true, predicted) extension digits of each phone found where either has one; only
    #: when the truth records extensions.
    ext_pairs: tuple[tuple[str | None, str | None], ...] = ()
    address: Counts = field(default_factory=Counts)
    #: Similarity 0..1 of the normalised addresses; None when the truth has no address.
    address_similarity: float | None = None
    #: Whether given and family name are both right; None when the truth has no split.
    name_split: bool | None = None

    @property
    def wrong(self) -> tuple[str, ...]:
        """Fields not exactly right (a list field must match as a set; null↔empty is right)."""
        return tuple(f for f in FIELDS if self.fields[f].fp or self.fields[f].fn)

    @property
    def all_right(self) -> bool:
        """True when all six fields are exactly right."""
        return not self.wrong

    @property
    def phone_types_right(self) -> int:
        """Phones found whose type is right."""
        return sum(want == got for want, got in self.phone_type_pairs)

    @property
    def phone_types_known(self) -> int:
        """Phones found whose true type is known."""
        return len(self.phone_type_pairs)

    def right(self, field_name: str) -> bool:
        """Whether one field (one of CALIBRATED_FIELDS) is exactly right on this card."""
        counts = self.address if field_name == "address" else self.fields[field_name]
        return not (counts.fp or counts.fn)

    def agreement(self) -> tuple[int, int, int]:
        """How well the record fits: fields right that the card has, TPs (address too), -wrong."""
        real = sum(1 for f in FIELDS if self.fields[f].tp and f not in self.wrong)
        tp = sum(c.tp for c in self.fields.values()) + self.address.tp
        return real, tp, -len(self.wrong)

    def to_dict(self) -> dict[str, Any]:
        """Per-card detail, for ``--json``."""
        return {
            "image": str(self.truth.image),
            "expected_card": self.truth.card,
            "card": self.prediction.card if self.prediction else None,
            "status": self.prediction.status if self.prediction else "missing",
            "cases": list(self.truth.cases),
            "wrong": list(self.wrong),
            "fields": {f: self.fields[f].to_dict() for f in FIELDS},
            "address_similarity": self.address_similarity,
        }


def score_card(truth: Truth, prediction: Prediction | None) -> CardScore:
    """Compare one record with one expected card (a missing record scores as an empty one)."""
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
    true_exts = None
    if truth.phone_exts is not None:
        true_exts = {
            normalize_phone(p): _ext(e)
            for p, e in zip(truth.phones, truth.phone_exts, strict=False)
        }
    type_pairs: list[tuple[str, str]] = []
    ext_pairs: list[tuple[str | None, str | None]] = []
    pred_exts = pred.phone_exts or (None,) * len(pred.phones)
    for number, kind, ext in zip(pred.phones, pred.phone_types, pred_exts, strict=False):
        digits = normalize_phone(number)
        want = true_types.pop(digits, None)  # pop: count each number once
        if want is not None:
            type_pairs.append((want.lower(), (kind or "").lower()))
        if true_exts is not None and digits in true_exts:
            pair = (true_exts.pop(digits), _ext(ext))
            if pair != (None, None):
                ext_pairs.append(pair)
    address = compare_single([truth.address or ""], pred.address, "address")
    similarity = None
    if truth.address:
        similarity = difflib.SequenceMatcher(
            None, normalize_address(truth.address), normalize_address(pred.address)
        ).ratio()
    split = None
    if truth.given_name and truth.family_name:
        split = normalize_text(truth.given_name) == normalize_text(pred.given_name) and (
            normalize_text(truth.family_name) == normalize_text(pred.family_name)
        )
    return CardScore(
        truth,
        prediction,
        fields,
        tuple(type_pairs),
        tuple(ext_pairs),
        address,
        similarity,
        split,
    )


@dataclass(frozen=True)
class ExtraRecord:
    """A record paired with no expected card of its photo: each value in it is a false positive.

    A spurious card (a logo or a paper read as a card), a card split in two, or, for a
    two-sided card, a record of the back photo that the pipeline did not merge.
    """

    image: Path
    prediction: Prediction
    fields: Mapping[str, Counts]
    address: Counts
    #: True when the record came from the back photo of a two-sided card.
    from_back: bool = False

    @classmethod
    def of(cls, image: Path, prediction: Prediction, from_back: bool = False) -> ExtraRecord:
        """Score a record against an empty card, which makes every value a false positive."""
        empty = score_card(Truth(image=image), prediction)
        return cls(image, prediction, empty.fields, empty.address, from_back)

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "image": str(self.image),
            "source": self.prediction.source,
            "card": self.prediction.card,
            "from_back": self.from_back,
            "fields": [f for f in FIELDS if self.fields[f].fp],
        }


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def match_cards(
    truths: Sequence[Truth], predictions: Sequence[Prediction]
) -> tuple[list[CardScore], list[Prediction]]:
    """Pair a photo's records with its expected cards by best field agreement, in any order.

    Each card takes at most one record and each record at most one card; when the photo
    has several cards, a pair needs at least one value in common. The pairing maximises,
    over the photo, the fields right that the cards have, then the true positives, then the
    fewest wrong fields, then the lowest card indices. A single-card photo thus keeps its
    best record, as before; its other records now count as false positives.

    Returns:
        One score per expected card, in the order given, and the records left unpaired.
    """
    table = [[score_card(t, p) for p in predictions] for t in truths]
    # A lone card takes its photo's best record whatever it holds (the record says it is of
    # this photo); among several cards a pair needs a value in common to be told apart.
    options = [
        [j for j in range(len(predictions)) if len(truths) == 1 or row[j].agreement()[1]]
        for row in table
    ]
    size = 1
    for opts in options:
        size *= len(opts) + 1
    if size <= EXHAUSTIVE_LIMIT:
        empty = [score_card(t, None) for t in truths]
        chosen = _best_assignment(table, options, predictions, empty)
    else:
        chosen = _greedy_assignment(table, options, predictions)
    cards = [
        row[j] if j is not None else score_card(t, None)
        for t, row, j in zip(truths, table, chosen, strict=True)
    ]
    used = {j for j in chosen if j is not None}
    return cards, [p for j, p in enumerate(predictions) if j not in used]


def _pair_key(score: CardScore, pred: Prediction) -> tuple[int, ...]:
    return (*score.agreement(), -pred.card)


def _best_assignment(
    table: Sequence[Sequence[CardScore]],
    options: Sequence[Sequence[int]],
    predictions: Sequence[Prediction],
    empty: Sequence[CardScore],
) -> list[int | None]:
    """Try every pairing (photos hold a few cards, so this stays small).

    A card left unpaired counts as read empty (``empty``), so pairing it with a record
    that is no worse than nothing wins the tie.
    """
    best: tuple[tuple[int, ...], list[int | None]] = ((-(10**9),) * 4, [])

    def walk(i: int, used: frozenset[int], key: tuple[int, ...], picked: list[int | None]) -> None:
        nonlocal best
        if i == len(table):
            if key > best[0]:
                best = (key, list(picked))
            return
        for j in options[i]:
            if j not in used:
                pair = _pair_key(table[i][j], predictions[j])
                walk(i + 1, used | {j}, _add(key, pair), [*picked, j])
        walk(i + 1, used, _add(key, (*empty[i].agreement(), 0)), [*picked, None])

    walk(0, frozenset(), (0, 0, 0, 0), [])
    return best[1]


def _greedy_assignment(
    table: Sequence[Sequence[CardScore]],
    options: Sequence[Sequence[int]],
    predictions: Sequence[Prediction],
) -> list[int | None]:
    """Best pair first, for photos with too many cards and records to try every pairing."""
    pairs = sorted(
        ((i, j) for i, opts in enumerate(options) for j in opts),
        key=lambda ij: _pair_key(table[ij[0]][ij[1]], predictions[ij[1]]),
        reverse=True,
    )
    chosen: list[int | None] = [None] * len(table)
    used: set[int] = set()
    for i, j in pairs:
        if chosen[i] is None and j not in used:
            chosen[i] = j
            used.add(j)
    return chosen


def best_card(truth: Truth, predictions: Sequence[Prediction]) -> CardScore:
    """Score the record of a single-card photo that best matches its truth."""
    return match_cards([truth], predictions)[0][0]


def _path_key(path: Path) -> Path:
    return path.expanduser().resolve()


@dataclass(frozen=True)
class Assignment:
    """Records grouped by the photo they belong to."""

    #: Records per photo with truth (keyed by ``Truth.image``).
    by_image: Mapping[Path, list[Prediction]]
    #: Records of a two-sided card's back photo, keyed by the front's ``Truth.image``.
    backs: Mapping[Path, list[Prediction]]
    #: Sources that match no photo with truth.
    unmatched: list[str]


def assign(truths: Sequence[Truth], predictions: Iterable[Prediction]) -> Assignment:
    """Group records by the photo their ``source`` names.

    A source matches by resolved path first, then by file name when only one photo has that
    name (records written elsewhere, or from another working folder). A source naming the
    back photo of a two-sided card goes with its front, as a record of the back.
    """
    photos: dict[Path, tuple[Path, bool]] = {}
    for t in truths:
        photos[t.image] = (t.image, False)
        if t.back is not None:
            photos[t.back] = (t.image, True)
    by_path = {_path_key(p): target for p, target in photos.items()}
    name_count = Counter(p.name for p in photos)
    by_name = {p.name: target for p, target in photos.items() if name_count[p.name] == 1}
    grouped: dict[Path, list[Prediction]] = {}
    backs: dict[Path, list[Prediction]] = {}
    unmatched: list[str] = []
    for pred in predictions:
        source = Path(pred.source)
        target = by_path.get(_path_key(source)) if pred.source else None
        target = target or by_name.get(source.name)
        if target is None:
            unmatched.append(pred.source)
        else:
            image, from_back = target
            (backs if from_back else grouped).setdefault(image, []).append(pred)
    return Assignment(grouped, backs, unmatched)


@dataclass(frozen=True)
class Calibration:
    """Values at or above the review threshold and below it, and how many of each were right."""

    high_right: int = 0
    high_total: int = 0
    low_right: int = 0
    low_total: int = 0

    def add(self, confidence: float, right: bool, threshold: float) -> Calibration:
        """This tally with one more value counted."""
        if confidence >= threshold:
            return replace(self, high_right=self.high_right + right, high_total=self.high_total + 1)
        return replace(self, low_right=self.low_right + right, low_total=self.low_total + 1)

    def __add__(self, other: Calibration) -> Calibration:
        return Calibration(
            self.high_right + other.high_right,
            self.high_total + other.high_total,
            self.low_right + other.low_right,
            self.low_total + other.low_total,
        )

    @property
    def high_accuracy(self) -> float | None:
        """Share right of the values at or above the threshold."""
        return self.high_right / self.high_total if self.high_total else None

    @property
    def low_accuracy(self) -> float | None:
        """Share right of the values below the threshold."""
        return self.low_right / self.low_total if self.low_total else None

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "at_or_above": {"right": self.high_right, "total": self.high_total},
            "below": {"right": self.low_right, "total": self.low_total},
        }


@dataclass(frozen=True)
class Flags:
    """Whether the review threshold flags the values that are wrong, and only those.

    A *value* is one predicted value of a field: the name, title, company or address of a
    record, or each distinct e-mail, phone and website of it (after normalisation). It is
    *right* when it matches the truth of its card as the F1 table compares (a list value:
    when it is one of the card's values); every value of a record paired with no card is
    wrong. It is *flagged* when its confidence is below the threshold. A truth value that
    no predicted value matches is *missed*: it has no confidence, so it is counted apart
    (it is the F1 table's FN). Values that carry no confidence are *unscored*.
    """

    right: int = 0
    right_flagged: int = 0
    wrong: int = 0
    wrong_unflagged: int = 0
    missed: int = 0
    unscored: int = 0
    #: Sum over values with a confidence of (confidence − right)², for the Brier score.
    squares: float = 0.0

    def add(self, confidence: float | None, right: bool, threshold: float) -> Flags:
        """This tally with one more predicted value counted."""
        if confidence is None:
            return replace(self, unscored=self.unscored + 1)
        square = self.squares + (confidence - right) ** 2
        if right:
            flagged = int(confidence < threshold)
            return replace(
                self,
                right=self.right + 1,
                right_flagged=self.right_flagged + flagged,
                squares=square,
            )
        unflagged = int(confidence >= threshold)
        return replace(
            self, wrong=self.wrong + 1, wrong_unflagged=self.wrong_unflagged + unflagged,
            squares=square,
        )  # fmt: skip

    def __add__(self, other: Flags) -> Flags:
        return Flags(
            self.right + other.right,
            self.right_flagged + other.right_flagged,
            self.wrong + other.wrong,
            self.wrong_unflagged + other.wrong_unflagged,
            self.missed + other.missed,
            self.unscored + other.unscored,
            self.squares + other.squares,
        )

    @property
    def wrong_unflagged_share(self) -> float | None:
        """Share of the wrong values (with a confidence) at or above the threshold."""
        return self.wrong_unflagged / self.wrong if self.wrong else None

    @property
    def right_flagged_share(self) -> float | None:
        """Share of the right values (with a confidence) below the threshold."""
        return self.right_flagged / self.right if self.right else None

    @property
    def brier(self) -> float | None:
        """Mean squared gap between confidence and outcome over values with a confidence."""
        scored = self.right + self.wrong
        return self.squares / scored if scored else None

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "right": self.right,
            "right_flagged": self.right_flagged,
            "wrong": self.wrong,
            "wrong_unflagged": self.wrong_unflagged,
            "missed": self.missed,
            "unscored": self.unscored,
            "wrong_unflagged_share": self.wrong_unflagged_share,
            "right_flagged_share": self.right_flagged_share,
            "brier": self.brier,
        }


def truth_keys(truth: Truth, field_name: str) -> set[str]:
    """The normalised values a card's truth accepts for a field (any form, any list item)."""
    norm = NORMALIZERS[field_name]
    forms = [truth.address or ""] if field_name == "address" else getattr(truth, field_name)
    return {n for n in (norm(f) for f in forms) if n}


def value_flags(
    truth: Truth | None, pred: Prediction | None, missed: int, field_name: str, threshold: float
) -> Flags:
    """The :class:`Flags` of one field of one record against its card (None: no card)."""
    tally = Flags(missed=missed)
    if pred is None:
        return tally
    accepted = truth_keys(truth, field_name) if truth is not None else set()
    for key, conf in pred.values(field_name):
        tally = tally.add(conf, key in accepted, threshold)
    return tally


@dataclass(frozen=True)
class Scores:
    """Accuracy over a set of expected cards: per-card scores and their micro-averaged totals."""

    cards: tuple[CardScore, ...]
    #: Record sources that named no photo with a truth.
    unmatched: tuple[str, ...] = ()
    #: Records paired with no expected card of their photo (false positives).
    extras: tuple[ExtraRecord, ...] = ()

    @property
    def total(self) -> int:
        """Number of expected cards scored."""
        return len(self.cards)

    @property
    def fields(self) -> dict[str, Counts]:
        """Micro-averaged counts per field, the values of extra records counting as FPs."""
        out = {f: Counts() for f in FIELDS}
        scored: list[Mapping[str, Counts]] = [c.fields for c in self.cards]
        for fields in scored + [e.fields for e in self.extras]:
            for f in FIELDS:
                out[f] = out[f] + fields[f]
        return out

    @property
    def all_right(self) -> int:
        """Expected cards whose every field is right."""
        return sum(card.all_right for card in self.cards)

    @property
    def address(self) -> Counts:
        """Exact address matches, ignoring case, punctuation and spacing."""
        total = Counts()
        for counts in [c.address for c in self.cards] + [e.address for e in self.extras]:
            total = total + counts
        return total

    @property
    def address_similarity(self) -> float | None:
        """Mean address similarity over cards whose truth has an address."""
        sims = [c.address_similarity for c in self.cards if c.address_similarity is not None]
        return sum(sims) / len(sims) if sims else None

    @property
    def phone_types(self) -> tuple[int, int]:
        """(typed right, found with a known type) over all phones found."""
        return (
            sum(c.phone_types_right for c in self.cards),
            sum(c.phone_types_known for c in self.cards),
        )

    def phone_types_by_type(self) -> dict[str, tuple[int, int]]:
        """Per true type: (typed right, found), types in order of first appearance."""
        out: dict[str, tuple[int, int]] = {}
        for card in self.cards:
            for want, got in card.phone_type_pairs:
                right, found = out.get(want, (0, 0))
                out[want] = (right + (want == got), found + 1)
        return out

    @property
    def extensions(self) -> tuple[int, int]:
        """(right, phones found where the truth or the record has an extension)."""
        pairs = [p for c in self.cards for p in c.ext_pairs]
        return sum(a == b for a, b in pairs), len(pairs)

    @property
    def name_split(self) -> tuple[int, int]:
        """(given and family name both right, cards whose truth splits the name)."""
        splits = [c.name_split for c in self.cards if c.name_split is not None]
        return sum(splits), len(splits)

    def cards_found(self) -> tuple[int, int, int]:
        """Over photos of several expected cards: (cards paired, cards expected, extra records)."""
        counts = Counter(c.truth.image for c in self.cards)
        multi = {image for image, n in counts.items() if n > 1}
        cards = [c for c in self.cards if c.truth.image in multi]
        extra = sum(1 for e in self.extras if e.image in multi and not e.from_back)
        return sum(c.prediction is not None for c in cards), len(cards), extra

    def calibration(self, threshold: float) -> dict[str, Calibration]:
        """Per field, values at or above ``threshold`` and below it, and how many were right.

        A list field counts once per card (its record confidence is its least certain
        value's), right when the whole list is. Values without a confidence are left out.
        """
        out = {f: Calibration() for f in CALIBRATED_FIELDS}
        scored: list[tuple[Prediction, Callable[[str], bool]]] = [
            (c.prediction, c.right) for c in self.cards if c.prediction is not None
        ]
        scored += [(e.prediction, _never) for e in self.extras]
        for pred, right in scored:
            for f in CALIBRATED_FIELDS:
                conf = pred.confidence.get(f)
                if conf is not None and pred.has_value(f):
                    out[f] = out[f].add(conf, right(f), threshold)
        return out

    def flags(self, threshold: float) -> dict[str, Flags]:
        """Per field (address too), and over the six fields as ``"all"``: see :class:`Flags`."""
        out = {f: Flags() for f in CALIBRATED_FIELDS}
        for card in self.cards:
            for f in CALIBRATED_FIELDS:
                missed = (card.address if f == "address" else card.fields[f]).fn
                out[f] = out[f] + value_flags(card.truth, card.prediction, missed, f, threshold)
        for extra in self.extras:
            for f in CALIBRATED_FIELDS:
                out[f] = out[f] + value_flags(None, extra.prediction, 0, f, threshold)
        total = Flags()
        for f in FIELDS:
            total = total + out[f]
        out["all"] = total
        return out

    def by(self, key: Callable[[Truth], str | None]) -> dict[str, Scores]:
        """The scores of the cards of each value of ``key`` (None leaves a card out), sorted."""
        labels = sorted({k for c in self.cards if (k := key(c.truth)) is not None})
        return {label: self.subset(functools.partial(_truth_is, key, label)) for label in labels}

    def cases(self) -> dict[str, Scores]:
        """The scores of the cards of each generator hard case, cases in alphabetical order."""
        names = sorted({case for c in self.cards for case in c.truth.cases})
        return {case: self.subset(functools.partial(_has_case, case)) for case in names}

    def subset(self, keep: Callable[[CardScore], bool]) -> Scores:
        """The scores of the cards ``keep`` accepts, with the extra records of their photos."""
        cards = tuple(c for c in self.cards if keep(c))
        images = {c.truth.image for c in cards}
        extras = tuple(e for e in self.extras if e.image in images)
        return Scores(cards, self.unmatched, extras)

    def to_dict(self, threshold: float | None = None) -> dict[str, Any]:
        """Everything, for ``--json``."""
        right, known = self.phone_types
        ext_right, ext_total = self.extensions
        split_right, split_total = self.name_split
        found, expected, extra = self.cards_found()
        out: dict[str, Any] = {
            "cards": self.total,
            "every_field_right": self.all_right,
            "fields": {f: c.to_dict() for f, c in self.fields.items()},
            "address": self.address.to_dict(),
            "address_similarity": self.address_similarity,
            "phone_types": {"right": right, "found": known},
            "phone_types_by_type": {
                t: {"right": r, "found": n} for t, (r, n) in self.phone_types_by_type().items()
            },
            "extensions": {"right": ext_right, "total": ext_total},
            "name_split": {"right": split_right, "total": split_total},
            "multi_card_photos": {"found": found, "expected": expected, "extra": extra},
            "extra_records": [e.to_dict() for e in self.extras],
            "per_card": [c.to_dict() for c in self.cards],
        }
        if threshold is not None:
            out["calibration"] = {
                "threshold": threshold,
                "fields": {f: c.to_dict() for f, c in self.calibration(threshold).items()},
            }
            out["flags"] = {f: c.to_dict() for f, c in self.flags(threshold).items()}
        return out


def _truth_is(key: Callable[[Truth], str | None], label: str, card: CardScore) -> bool:
    return key(card.truth) == label


def _has_case(case: str, card: CardScore) -> bool:
    return case in card.truth.cases


def _never(_field: str) -> bool:
    return False


def _brief(scores: Scores, threshold: float) -> dict[str, Any]:
    """The figures of one source or kind, for ``--json``: F1s, every field right, flags."""
    return {
        "cards": scores.total,
        "every_field_right": scores.all_right,
        "f1": {f: c.f1 for f, c in scores.fields.items()},
        "flags": {f: c.to_dict() for f, c in scores.flags(threshold).items()},
    }


def latin_only(scores: Scores) -> Scores:
    """The cards whose truth is marked ``latin: true`` (unmarked cards are left out)."""
    return scores.subset(lambda card: card.truth.latin is True)


def score(truths: Sequence[Truth], records: Iterable[Record]) -> Scores:
    """Score public JSON records against truths.

    Args:
        truths: One per expected card; the cards of one photo share its ``image``.
        records: Records whose ``source`` names a photo; several per photo are allowed.

    Returns:
        The scores: each photo's records paired with its cards (:func:`match_cards`); a
        card without a record counts as one with every field empty, and a record without
        a card (or from a back photo) as false positives.
    """
    found = assign(truths, (Prediction.from_record(r) for r in records))
    by_image: dict[Path, list[Truth]] = {}
    for t in truths:
        by_image.setdefault(t.image, []).append(t)
    cards: dict[int, CardScore] = {}
    extras: list[ExtraRecord] = []
    for image, group in by_image.items():
        scored, left = match_cards(group, found.by_image.get(image, []))
        cards.update({id(t): s for t, s in zip(group, scored, strict=True)})
        extras += [ExtraRecord.of(image, p) for p in left]
        extras += [ExtraRecord.of(image, p, from_back=True) for p in found.backs.get(image, [])]
    return Scores(tuple(cards[id(t)] for t in truths), tuple(found.unmatched), tuple(extras))


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
    #: Seconds per stage of each photo, as the pipeline measured it in the worker (see
    #: :data:`STAGES`), keyed by the photo's path; empty for the baseline.
    timings: Mapping[str, Mapping[str, float]] = field(default_factory=dict, compare=False)

    def stages(self, photos: Iterable[str] | None = None) -> dict[str, float]:
        """Seconds per stage (and ``total``) summed over ``photos`` (all timed photos: None)."""
        keep = (
            self.timings
            if photos is None
            else {p: self.timings[p] for p in photos if p in self.timings}
        )
        out = dict.fromkeys((*STAGES, "total"), 0.0)
        for timing in keep.values():
            total = timing.get("total", 0.0)
            known = 0.0
            for stage in STAGES[:-1]:
                out[stage] += timing.get(stage, 0.0)
                known += timing.get(stage, 0.0)
            out["other"] += max(0.0, total - known)
            out["total"] += total
        return out

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
            "stages": self.stages() if self.timings else None,
            "timed_photos": len(self.timings),
        }


#: The stages a photo's time is split into, as the pipeline names them; ``other`` is the
#: rest of the worker's time on the photo (checks, building the results).
STAGES: tuple[str, ...] = ("find", "ocr", "parse", "qr", "other")
#: How the report names each stage.
STAGE_LABELS: Mapping[str, str] = {
    "find": "load+find",
    "ocr": "OCR",
    "parse": "parse+validate",
    "qr": "QR",
    "other": "other",
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
    from cardscan.reading.pipeline import scan_batch

    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    timings: dict[str, Mapping[str, float]] = {}
    failed = 0

    def keep_timings(result: Any) -> None:
        # Called for each photo's cards before two sides are merged: every photo's timings.
        timing = getattr(result, "timings", None)
        if timing and result.source not in timings:
            timings[result.source] = dict(timing)

    start = time.perf_counter()
    for result in scan_batch(paths, settings, keep_timings):
        records.append(with_value_confidence(result.to_record(), result.contact))
        failed += int(not result.ok)
        # Progress counts photos; a photo may yield several cards.
        if result.source not in seen:
            seen.add(result.source)
            progress.advance()
    seconds = time.perf_counter() - start
    progress.close()
    run = SpeedRun(
        "cardscan", settings.jobs, len(paths), seconds, len(records), failed, timings=timings
    )
    return run, records


def with_value_confidence(record: dict[str, Any], contact: Any) -> dict[str, Any]:
    """The record with ``value_confidence``: each list value's own confidence, in order.

    The public record keeps one confidence per field (a list's least certain value); the
    flag tables judge each e-mail, phone and website by its own.
    """
    per_value = {f: [round(v.confidence, 3) for v in getattr(contact, f, ())] for f in LIST_FIELDS}
    return {**record, "value_confidence": per_value}


def baseline_command(settings: Settings) -> list[str]:
    """``tesseract`` plus the options that make it read like cardscan's (binary, tessdata, lang).

    Uses the binary cardscan would use, so the ratio compares work, not installations.
    """
    # "auto" is cardscan's choice per card; plain Tesseract reads with its first pass's.
    lang = "eng" if settings.lang == "auto" else settings.lang
    try:
        from cardscan.reading.ocr import check_tesseract

        info = check_tesseract(settings.tesseract_cmd, lang)
        extra = ["--tessdata-dir", info.tessdata] if info.tessdata else []
        return [info.path, *extra, "-l", lang]
    except ImportError:
        return ["tesseract", "-l", lang]


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
    """Address, phone types, extensions, name split and cards found: not in every-field-right."""
    a = scores.address
    right, known = scores.phone_types
    lines = [
        "| measure | value |",
        "|---|---|",
        f"| address exact (P / R / F1) | {_ratio(a.precision)} / {_ratio(a.recall)} "
        f"/ {_ratio(a.f1)} |",
        f"| address similarity, mean | {_ratio(scores.address_similarity)} |",
        f"| phone type right, of phones found | {_share(right, known)} |",
    ]
    by_type = scores.phone_types_by_type()
    if len(by_type) > 1:
        for kind, (r, n) in by_type.items():
            lines.append(f"| phone type right, {kind} | {_share(r, n)} |")
    ext_right, ext_total = scores.extensions
    if ext_total:
        lines.append(
            f"| extension right, of phones found with one (truth or record) "
            f"| {_share(ext_right, ext_total)} |"
        )
    split_right, split_total = scores.name_split
    if split_total:
        lines.append(f"| given and family name right | {_share(split_right, split_total)} |")
    found, expected, extra = scores.cards_found()
    if expected:
        lines.append(
            f"| cards found in photos of several cards | {_share(found, expected)}, {extra} extra |"
        )
    spurious = sum(1 for e in scores.extras if not e.from_back)
    if spurious:
        lines.append(f"| records paired with no expected card (FP) | {spurious} |")
    backs = sum(1 for e in scores.extras if e.from_back)
    if backs or any(c.truth.back for c in scores.cards):
        lines.append(f"| records of a back photo not merged with the front (FP) | {backs} |")
    return "\n".join(lines)


def _accuracy_cell(right: int, total: int) -> str:
    return f"{right}/{total} ({right / total:.2f})" if total else "0/0"


def render_calibration(scores: Scores, threshold: float) -> str:
    """Per field: how often values at or above the review threshold were right, and below it.

    Confidence means something when the values below the threshold are where the errors are.
    """
    table = scores.calibration(threshold)
    lines = [
        f"| field | ≥{threshold:g} right/total (acc) | <{threshold:g} right/total (acc) |",
        "|---|---|---|",
    ]
    total = Calibration()
    for name, c in table.items():
        total = total + c
        lines.append(
            f"| {name} | {_accuracy_cell(c.high_right, c.high_total)} "
            f"| {_accuracy_cell(c.low_right, c.low_total)} |"
        )
    lines.append(
        f"| all fields | {_accuracy_cell(total.high_right, total.high_total)} "
        f"| {_accuracy_cell(total.low_right, total.low_total)} |"
    )
    return "\n".join(lines)


def render_cases(scores: Scores) -> str:
    """Every field right per generator hard case, and the fields most often wrong there."""
    lines = ["| case | cards | every field right | wrong fields (cards) |", "|---|---|---|---|"]
    for case, subset in scores.cases().items():
        wrong = Counter(f for c in subset.cards for f in c.wrong)
        extra = len(subset.extras)
        shown = ", ".join(f"{f} {n}" for f, n in wrong.most_common())
        if extra:
            shown = f"{shown}; {extra} extra record{'s' if extra > 1 else ''}".lstrip("; ")
        lines.append(
            f"| {case} | {subset.total} | {_share(subset.all_right, subset.total)} "
            f"| {shown or '–'} |"
        )
    return "\n".join(lines)


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


TARGETS_NOTE = (
    "Accuracy and flag targets: the hand-transcribed cards (truth.jsonl) marked `latin: "
    "true`, all folders together; generated targets: each folder of expected.json truths; "
    "s/photo: the pipeline's own time per hand-checked photo in the --jobs 1 run; speed-up: "
    "wall time of the whole --jobs 1 pass over that of --jobs 2."
)
STAGES_NOTE = (
    "s/photo in worker: the pipeline's time per photo as measured inside the worker "
    "(with --jobs 2 two photos run at once, so it exceeds wall time / photos). Shares of "
    "that time: load+find = decoding the photo and finding the cards; OCR = Tesseract "
    "passes, orientation and re-reads; parse+validate = fields, validation, confidence; "
    "QR = decoding QR codes; other = the rest (result building). Rows per source follow "
    "each run's all-photos row."
)
FLAGS_NOTE = (
    "A *value* is one predicted name, title, company or address, or each distinct e-mail, "
    "phone and website of a record. It is *right* when it matches its card's truth as the "
    "F1 table compares (a list value: when it is one of the card's values); every value of "
    "a record paired with no card is wrong. *Wrong unflagged*: wrong values whose confidence "
    "is at or above the review threshold {t:g}, of all wrong values. *Right flagged*: right "
    "values below it, of all right values. A list value has its own confidence where the "
    "record carries it (runs of this bench; saved predictions keep it in "
    "`value_confidence`), else its field's (the list's least certain value). *Missed*: "
    "truth values no predicted value matches (the F1 table's FN): they have no confidence "
    "and count in neither share. *Unscored*: values without a confidence, left out. Brier: "
    "mean (confidence − right)² over values with a confidence. `all` is the six fields of "
    "the F1 table; address is shown apart."
)


def _pct_cell(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "–"


def render_flag_summary(rows: Sequence[tuple[str, Scores]], threshold: float) -> str:
    """Per card set: values right, wrong and missed, and the two flag shares (six fields)."""
    lines = [
        f"| cards | values | right | wrong | missed | unscored "
        f"| wrong unflagged (target ≤{TARGET_WRONG_UNFLAGGED:.0%}) "
        f"| right flagged (target ≤{TARGET_RIGHT_FLAGGED:.0%}) | Brier |",
        "|---" * 9 + "|",
    ]
    for label, scores in rows:
        f = scores.flags(threshold)["all"]
        lines.append(
            f"| {label} | {f.right + f.wrong} | {f.right} | {f.wrong} | {f.missed} "
            f"| {f.unscored} | {_pct_cell(f.wrong_unflagged, f.wrong)} "
            f"| {_pct_cell(f.right_flagged, f.right)} | {_ratio(f.brier)} |"
        )
    return "\n".join(lines)


def render_flag_fields(rows: Sequence[tuple[str, Scores]], threshold: float, wrong: bool) -> str:
    """Per card set and field: wrong values unflagged (``wrong``) or right values flagged."""
    columns = [*FIELDS, "all", "address"]
    lines = ["| cards | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for label, scores in rows:
        flags = scores.flags(threshold)
        cells = [
            _pct_cell(flags[c].wrong_unflagged, flags[c].wrong)
            if wrong
            else _pct_cell(flags[c].right_flagged, flags[c].right)
            for c in columns
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: Issue 11's targets ("Done when"), on the hand-transcribed Latin-name cards.
TARGET_ALL_RIGHT = 0.60
TARGET_F1: Mapping[str, float] = {
    "name": 0.92,
    "title": 0.88,
    "company": 0.85,
    "emails": 0.95,
    "phones": 0.92,
    "websites": 0.92,
}
TARGET_WRONG_UNFLAGGED = 0.15
TARGET_RIGHT_FLAGGED = 0.10
#: Each generated set (expected.json folders such as samples/): every field right.
TARGET_GENERATED_ALL_RIGHT = 0.90
#: Seconds per photo with --jobs 1 on the real photos, and --jobs 2's speed-up over it.
TARGET_SECONDS = 2.5
TARGET_SPEEDUP = 1.7


@dataclass(frozen=True)
class Target:
    """One line of the targets table: what is measured, the figure, and whether it is met."""

    label: str
    measured: str
    met: bool | None

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {"target": self.label, "measured": self.measured, "met": self.met}


def _at_least(value: float | None, goal: float) -> bool | None:
    return None if value is None else value >= goal - 1e-9


def _at_most(value: float | None, goal: float) -> bool | None:
    return None if value is None else value <= goal + 1e-9


def targets(scores: Scores, threshold: float, runs: Sequence[SpeedRun] = ()) -> list[Target]:
    """Issue 11's "Done when" checked on these scores (and speed runs, when timed).

    Accuracy and flag targets are measured on the hand-transcribed cards marked
    ``latin: true`` (``../shared/cards`` and ``../shared/cards2`` together); the generated
    target on each folder of expected.json truths; speed on the hand-transcribed photos.
    """
    out: list[Target] = []
    real = scores.subset(lambda c: c.truth.hand and c.truth.latin is True)
    if real.total:
        where = f"{real.total} hand-checked Latin-name cards"
        share = real.all_right / real.total
        out.append(
            Target(
                f"every field right ≥{TARGET_ALL_RIGHT:.0%} ({where})",
                _share(real.all_right, real.total),
                _at_least(share, TARGET_ALL_RIGHT),
            )
        )
        for f, goal in TARGET_F1.items():
            f1 = real.fields[f].f1
            out.append(Target(f"F1 {f} ≥{goal:.2f}", _ratio(f1), _at_least(f1, goal)))
        flags = real.flags(threshold)["all"]
        out.append(
            Target(
                f"wrong values unflagged ≤{TARGET_WRONG_UNFLAGGED:.0%}",
                _pct_cell(flags.wrong_unflagged, flags.wrong),
                _at_most(flags.wrong_unflagged_share, TARGET_WRONG_UNFLAGGED),
            )
        )
        out.append(
            Target(
                f"right values flagged ≤{TARGET_RIGHT_FLAGGED:.0%}",
                _pct_cell(flags.right_flagged, flags.right),
                _at_most(flags.right_flagged_share, TARGET_RIGHT_FLAGGED),
            )
        )
    generated = scores.subset(lambda c: not c.truth.hand)
    for folder, subset in generated.by(lambda t: t.image.parent.name).items():
        share = subset.all_right / subset.total
        out.append(
            Target(
                f"{folder} (generated): every field right ≥{TARGET_GENERATED_ALL_RIGHT:.0%}",
                _share(subset.all_right, subset.total),
                _at_least(share, TARGET_GENERATED_ALL_RIGHT),
            )
        )
    photos = [str(p) for p in photos_of([c.truth for c in scores.cards if c.truth.hand])]
    one = next((r for r in runs if r.jobs == 1), None)
    if one is not None and photos:
        stages = one.stages(photos)
        timed = sum(p in one.timings for p in photos)
        per_photo = stages["total"] / timed if timed else None
        out.append(
            Target(
                f"--jobs 1 s/photo on the {timed} hand-checked photos ≤{TARGET_SECONDS:g} "
                "(pipeline time per photo)",
                "–" if per_photo is None else f"{per_photo:.2f}",
                _at_most(per_photo, TARGET_SECONDS),
            )
        )
    for run in runs:
        if one is not None and run.jobs == 2 and run.seconds:
            speedup = one.seconds / run.seconds
            out.append(
                Target(
                    f"--jobs 2 speed-up over --jobs 1 ≥{TARGET_SPEEDUP:g}× (all photos timed)",
                    f"{speedup:.2f}×",
                    _at_least(speedup, TARGET_SPEEDUP),
                )
            )
    return out


def render_targets(rows: Sequence[Target]) -> str:
    """The targets as a table, each with ✓ (met), ✗ (not met) or – (not measurable)."""
    lines = ["| target | measured | met |", "|---|---|---|"]
    for t in rows:
        mark = {True: "✓", False: "✗", None: "–"}[t.met]
        lines.append(f"| {t.label} | {t.measured} | {mark} |")
    return "\n".join(lines)


def render_stages(runs: Sequence[SpeedRun], groups: Mapping[str, str] | None = None) -> str:
    """Per run (and per source for each run): seconds per photo in the worker, share per stage.

    ``groups`` maps a photo's path to its source; with more than one source, each run gets a
    row per source under its all-photos row.
    """
    head = " | ".join(STAGE_LABELS[s] for s in STAGES)
    lines = [
        f"| run | photos timed | s/photo in worker | {head} |",
        "|---" * (len(STAGES) + 3) + "|",
    ]
    by_source: dict[str, list[str]] = {}
    for path, source in (groups or {}).items():
        by_source.setdefault(source, []).append(path)
    for run in runs:
        if not run.timings:
            continue
        subsets: list[tuple[str, list[str] | None]] = [(f"--jobs {run.jobs}, all", None)]
        if len(by_source) > 1:
            subsets += [(f"--jobs {run.jobs}, {s}", ps) for s, ps in sorted(by_source.items())]
        for label, photos in subsets:
            stages = run.stages(photos)
            timed = len(run.timings) if photos is None else sum(p in run.timings for p in photos)
            if not timed:
                continue
            total = stages["total"]
            shares = " | ".join(f"{100 * stages[s] / total:.0f}%" if total else "–" for s in STAGES)
            lines.append(f"| {label} | {timed} | {total / timed:.2f} | {shares} |")
    return "\n".join(lines)


def speedups(runs: Sequence[SpeedRun]) -> list[str]:
    """One sentence per run with more than one job: its throughput against --jobs 1's."""
    one = next((r for r in runs if r.jobs == 1 and r.seconds), None)
    if one is None:
        return []
    return [
        f"--jobs {r.jobs} reads {one.seconds / r.seconds:.2f}× as fast as --jobs 1 "
        f"(wall {r.seconds:.1f} s against {one.seconds:.1f} s)."
        for r in runs
        if r.jobs > 1 and r.seconds
    ]


def render_details(scores: Scores) -> str:
    """Which fields each expected card got wrong, and the records paired with no card."""
    lines = ["| photo | card | record | wrong fields |", "|---|---|---|---|"]
    for card in scores.cards:
        record = "–" if card.prediction is None else str(card.prediction.card)
        wrong = ", ".join(card.wrong) or "–"
        lines.append(f"| {card.truth.image.name} | {card.truth.card} | {record} | {wrong} |")
    for extra in scores.extras:
        what = "back photo's own record" if extra.from_back else "extra record"
        fp = ", ".join(f for f in FIELDS if extra.fields[f].fp) or "no values"
        lines.append(f"| {extra.image.name} | – | {extra.prediction.card} | {what}: FP {fp} |")
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
    p.add_argument("--jobs", type=parse_jobs, default=[1], help="worker counts to time: 1,2")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N photos")
    p.add_argument("--region", help="default region for phone numbers (ISO 3166, e.g. JP)")
    p.add_argument(
        "--lang",
        default="auto",
        help="Tesseract languages: auto (cardscan's default), eng, eng+deu",
    )
    p.add_argument(
        "--predictions",
        type=Path,
        metavar="FILE.jsonl",
        help="score these records instead of running cardscan (no speed table)",
    )
    p.add_argument(
        "--ocr",
        type=Path,
        action="append",
        metavar="CACHE.jsonl",
        help="replay OCR recorded once by `scripts/calibrate.py record` instead of running "
        "cardscan: parsing, confidence and QR codes run again, Tesseract does not (no speed "
        "table); repeat for several caches",
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
    p.add_argument(
        "--match",
        action="store_true",
        help="benchmark the contact matcher instead (scripts/matchbench.py; no DIR; "
        "the other options are matchbench's, e.g. --store --febrl)",
    )
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


def replay_ocr(caches: Sequence[Path], settings: Settings) -> list[dict[str, Any]]:
    """Records of OCR recorded by ``scripts/calibrate.py record``, parsed by this checkout.

    The fast loop for parser work: OCR once, then parse, calibrate and score in seconds.
    """
    from siblings import load_sibling

    module = load_sibling("calibrate", "cardscan_calibrate")
    for cache in caches:
        if not cache.is_file():
            raise TruthError(f"{cache}: no such OCR cache (record one with calibrate.py record)")
    records: list[dict[str, Any]] = module.replay(module.load_cache(caches), settings)
    return records


def run_matchbench(argv: Sequence[str]) -> int:
    """``--match``: run scripts/matchbench.py (matcher precision/recall, speed) with ``argv``."""
    from siblings import load_sibling

    module = load_sibling("matchbench", "matchbench")
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
    if args.limit is not None:
        # --limit counts photos (a two-sided card's back goes with its front), not cards.
        keep = set(list(dict.fromkeys(t.image for t in truths))[: args.limit])
        truths = [t for t in truths if t.image in keep]
    images = photos_of(truths) or _images_without_truth(args.dirs)[: args.limit]
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
        elif args.ocr:
            header = environment(None)
            records = replay_ocr(args.ocr, settings)
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
        sources = scores.by(lambda t: t.source_label)
        kinds = scores.by(lambda t: t.kind)
        rows = [
            *sets.values(),
            *((f"source {k}: {v.total}", v) for k, v in sources.items()),
            *((f"kind {k}: {v.total}", v) for k, v in kinds.items()),
        ]
        threshold = settings.review_threshold
        checks = targets(scores, threshold, runs)
        if checks:
            out += ["", "## Targets (issue 11, Done when)", "", render_targets(checks)]
            out += ["", TARGETS_NOTE]
        out += ["", "## Accuracy", "", render_summary(rows)]
        for label, subset in sets.values():
            out += ["", render_accuracy(subset, f"Accuracy: {label} cards")]
        out += ["", "### Address, phone types, extensions, cards found", ""]
        out.append(render_secondary(scores))
        out += ["", f"## Flags: does the review threshold ({threshold:g}) catch the errors?", ""]
        out += [render_flag_summary(rows, threshold), ""]
        out += ["### Wrong values not flagged, per field", ""]
        out += [render_flag_fields(rows, threshold, wrong=True), ""]
        out += ["### Right values flagged, per field", ""]
        out += [render_flag_fields(rows, threshold, wrong=False), ""]
        out.append(FLAGS_NOTE.format(t=threshold))
        out += ["", f"### Confidence against the review threshold ({threshold:g}), per card", ""]
        out += [render_calibration(scores, threshold), ""]
        out.append("Values without a confidence are left out; a list field counts once per card.")
        if any(c.truth.cases for c in scores.cards):
            out += ["", "### Per hard case (generator)", "", render_cases(scores)]
        if args.details:
            out += ["", "### Per photo", "", render_details(scores)]
        report["accuracy"] = {key: s.to_dict(threshold) for key, (_, s) in sets.items()}
        report["by_source"] = {k: _brief(v, threshold) for k, v in sources.items()}
        report["by_kind"] = {k: _brief(v, threshold) for k, v in kinds.items()}
        report["targets"] = [t.to_dict() for t in checks]
        if any(c.truth.cases for c in scores.cards):
            report["cases"] = {
                case: {"cards": s.total, "every_field_right": s.all_right}
                for case, s in scores.cases().items()
            }
    else:
        out += ["", "No truth files found: accuracy not measured."]
    if runs:
        out += ["", f"## Speed: {len(images)} photos", "", render_speed(runs, baseline)]
        out += ["", "cards/s and s/card count photos; wall time of the whole pass."]
        out += speedups(runs)
        if any(r.timings for r in runs):
            groups = {str(t.image): t.source_label for t in truths}
            groups.update({str(t.back): t.source_label for t in truths if t.back})
            out += ["", "### Where the time goes", "", render_stages(runs, groups), ""]
            out.append(STAGES_NOTE)
        report["speed"] = [r.to_dict() for r in runs]
        report["baseline"] = baseline.to_dict() if baseline else None
    print("\n".join(out))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
