"""Typed, frozen records that flow through the pipeline, each carrying confidence and provenance.

Data flow: image → ``OcrResult`` (``Word`` s with boxes) → ``Contact`` (``Field`` s that name
the words they came from) → ``CardResult`` (status, error, contact, OCR text) → JSON record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PhoneType(str, Enum):
    """What a phone number is for, as printed by its label (T/Tel, M/Mobile, F/Fax…)."""

    WORK = "work"
    MOBILE = "mobile"
    FAX = "fax"
    #: Free to call (800/888… in North America, 0800 in Europe): a company line, not a person's.
    TOLL_FREE = "toll-free"
    OTHER = "other"


class CardStatus(str, Enum):
    """Whether a card (or a photo that should have held one) was read."""

    OK = "ok"
    FAILED = "failed"


def mean_conf(words: Iterable[Word]) -> float:
    """Mean OCR confidence of ``words``, weighted by length (0 when there are none).

    Weighting by length keeps a stray one-letter token from counting as much as a word.
    """
    ws = list(words)
    total = sum(len(w.text) for w in ws)
    return sum(w.conf * len(w.text) for w in ws) / total if total else 0.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels of the image that was OCR'd."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        """The x coordinate just past the box."""
        return self.left + self.width

    @property
    def bottom(self) -> int:
        """The y coordinate just past the box."""
        return self.top + self.height

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return self.left + self.width / 2

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return self.top + self.height / 2

    def union(self, other: Box) -> Box:
        """The smallest box holding both boxes."""
        left = min(self.left, other.left)
        top = min(self.top, other.top)
        return Box(
            left, top, max(self.right, other.right) - left, max(self.bottom, other.bottom) - top
        )


@dataclass(frozen=True)
class Word:
    """One word as Tesseract read it.

    ``conf`` is Tesseract's confidence scaled to 0..1. ``block``/``par``/``line`` are
    Tesseract's layout ids; together they say which line the word belongs to.
    """

    text: str
    conf: float
    box: Box
    block: int = 0
    par: int = 0
    line: int = 0

    @property
    def line_key(self) -> tuple[int, int, int]:
        """The (block, paragraph, line) triple that identifies this word's line."""
        return (self.block, self.par, self.line)


@dataclass(frozen=True)
class Line:
    """Words Tesseract put on one text line, left to right."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        """The line's words joined by single spaces."""
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        """The box around every word of the line."""
        box = self.words[0].box
        for w in self.words[1:]:
            box = box.union(w.box)
        return box

    @property
    def conf(self) -> float:
        """Mean word confidence, weighted by word length."""
        return mean_conf(self.words)

    @property
    def height(self) -> float:
        """Median word height: a proxy for font size that ignores descenders of single words."""
        hs = sorted(w.box.height for w in self.words)
        return float(hs[len(hs) // 2])


@dataclass(frozen=True)
class OcrResult:
    """Everything Tesseract read from one card image."""

    words: tuple[Word, ...]
    width: int
    height: int
    #: Clockwise rotation in degrees that was applied to the card before OCR.
    rotation: int = 0
    #: The text a second OCR engine read on the same card (its lines joined by newlines),
    #: or None when no second reading ran. The confidence's second stage takes a value the
    #: second reading also holds as confirmed (:class:`cardscan.reading.calibration.Evidence`).
    second: str | None = None

    @property
    def lines(self) -> tuple[Line, ...]:
        """Words grouped into lines, in reading order (Tesseract's block/par/line order)."""
        groups: dict[tuple[int, int, int], list[Word]] = {}
        for w in self.words:
            groups.setdefault(w.line_key, []).append(w)
        lines = [Line(tuple(sorted(ws, key=lambda w: w.box.left))) for ws in groups.values()]
        return tuple(lines)

    @property
    def text(self) -> str:
        """The card's text, one line per OCR line."""
        return "\n".join(line.text for line in self.lines)

    @property
    def mean_conf(self) -> float:
        """Mean confidence over all words, weighted by length (0 when nothing was read)."""
        return mean_conf(self.words)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, used to record OCR output for replay in tests."""
        return {
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            **({"second": self.second} if self.second is not None else {}),
            "words": [
                [
                    w.text,
                    round(w.conf, 4),
                    w.box.left,
                    w.box.top,
                    w.box.width,
                    w.box.height,
                    w.block,
                    w.par,
                    w.line,
                ]
                for w in self.words
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OcrResult:
        """Rebuild a result written by :meth:`to_dict`."""
        words = tuple(
            Word(str(t), float(c), Box(int(x), int(y), int(w), int(h)), int(b), int(p), int(ln))
            for t, c, x, y, w, h, b, p, ln in data["words"]
        )
        second = data.get("second")
        return cls(
            words,
            int(data["width"]),
            int(data["height"]),
            int(data.get("rotation", 0)),
            None if second is None else str(second),
        )


@dataclass(frozen=True)
class Field(Generic[T]):
    """A parsed value with how sure we are of it and where it came from.

    ``source`` names the evidence ("ocr", "ocr+email", "email-domain", …) and ``raw`` keeps
    the text as read, so a repaired or normalised value can always be traced back.
    """

    value: T
    confidence: float
    source: str = "ocr"
    raw: str = ""


@dataclass(frozen=True)
class Phone:
    """A phone number as printed and, where it validates, in E.164 form."""

    raw: str
    e164: str | None
    type: PhoneType = PhoneType.WORK
    valid: bool = False
    extension: str | None = None

    @property
    def number(self) -> str:
        """The E.164 form when the number validated, else the text as printed."""
        return self.e164 or self.raw


@dataclass(frozen=True)
class Contact:
    """The person on one card. Every value is a :class:`Field`; missing ones are None/empty."""

    name: Field[str] | None = None
    given_name: str | None = None
    family_name: str | None = None
    title: Field[str] | None = None
    company: Field[str] | None = None
    emails: tuple[Field[str], ...] = ()
    phones: tuple[Field[Phone], ...] = ()
    websites: tuple[Field[str], ...] = ()
    address: Field[str] | None = None
    social: tuple[Field[str], ...] = ()
    #: Human-readable problems found while parsing/validating ("phone +1 555 … is not valid").
    issues: tuple[str, ...] = ()
    #: Given and family name were given apart by a person or a CRM (First/Last columns, a
    #: vCard's N), not guessed from the full name: the split wins over a machine's guess.
    name_split_explicit: bool = False

    def needs_check(self, threshold: float) -> dict[str, float]:
        """The fields whose confidence is below ``threshold``, with that confidence."""
        return {k: v for k, v in self.confidence().items() if v < threshold}

    def confidence(self) -> dict[str, float]:
        """Confidence per field name, for the fields that have a value.

        List fields report their least certain value: a checklist should flag the weakest.
        """
        out: dict[str, float] = {}
        for key in ("name", "title", "company", "address"):
            f = getattr(self, key)
            if f is not None:
                out[key] = round(f.confidence, 3)
        for key in ("emails", "phones", "websites", "social"):
            fs = getattr(self, key)
            if fs:
                out[key] = round(min(f.confidence for f in fs), 3)
        return out

    def provenance(self) -> dict[str, str]:
        """Where each field's values came from ("ocr", "qr", "ocr+email", "back", …).

        List fields join their values' distinct sources with "," in first-seen order.
        """
        out: dict[str, str] = {}
        for key in ("name", "title", "company", "address"):
            f = getattr(self, key)
            if f is not None:
                out[key] = f.source
        for key in ("emails", "phones", "websites", "social"):
            fs = getattr(self, key)
            if fs:
                out[key] = ",".join(dict.fromkeys(f.source for f in fs))
        return out


@dataclass(frozen=True)
class CardResult:
    """The outcome for one card (or for a photo that could not be read at all)."""

    source: str
    card: int = 0
    status: CardStatus = CardStatus.OK
    error: str | None = None
    contact: Contact = field(default_factory=Contact)
    text: str = ""
    #: Seconds spent on this card, for the benchmark and progress reporting.
    seconds: float = 0.0
    #: The photo of the card's other side when two photos were merged into this record.
    back: str | None = None
    #: Seconds per stage of reading the photo this card came from (``find``, ``ocr``, ``qr``,
    #: ``parse``, ``total``), shared by all cards of the photo; for the benchmark only, never
    #: part of the public record, and left out of comparisons.
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)
    #: Where the card lies in its photo and where its fields were read (corners, rotation,
    #: OCR word boxes, field → words), for the review app; not part of the public record.
    geometry: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        """True when the card was read."""
        return self.status is CardStatus.OK

    def to_record(self) -> dict[str, Any]:
        """The public JSON record (schema documented in README.md; keys are stable)."""
        c = self.contact
        return {
            "source": self.source,
            "back": self.back,
            "card": self.card,
            "status": self.status.value,
            "error": self.error,
            "name": c.name.value if c.name else None,
            "given_name": c.given_name,
            "family_name": c.family_name,
            "title": c.title.value if c.title else None,
            "company": c.company.value if c.company else None,
            "emails": [f.value for f in c.emails],
            "phones": [
                {
                    "e164": f.value.e164,
                    "type": f.value.type.value,
                    "ext": f.value.extension,
                    "raw": f.value.raw,
                }
                for f in c.phones
            ],
            "websites": [f.value for f in c.websites],
            "address": c.address.value if c.address else None,
            "social": [f.value for f in c.social],
            "confidence": c.confidence(),
            "provenance": c.provenance(),
            "text": self.text,
        }


#: The keys of :meth:`CardResult.to_record`, in order; part of the public interface.
RECORD_KEYS: tuple[str, ...] = (
    "source",
    "back",
    "card",
    "status",
    "error",
    "name",
    "given_name",
    "family_name",
    "title",
    "company",
    "emails",
    "phones",
    "websites",
    "address",
    "social",
    "confidence",
    "provenance",
    "text",
)


def card_result_from_record(record: dict[str, Any]) -> CardResult:
    """Rebuild a :class:`CardResult` from its public record (used to resume a run).

    Per-field confidence comes back from ``confidence``; word-level provenance does not,
    as the record does not carry it.
    """
    conf: dict[str, float] = record.get("confidence") or {}
    prov: dict[str, str] = record.get("provenance") or {}

    def src(key: str) -> str:
        # A list field's joined sources stay joined: the record does not say which is which.
        return prov.get(key) or "record"

    def one(key: str) -> Field[str] | None:
        value = record.get(key)
        return Field(value, float(conf.get(key, 1.0)), src(key)) if value else None

    def many(key: str) -> tuple[Field[str], ...]:
        return tuple(Field(v, float(conf.get(key, 1.0)), src(key)) for v in record.get(key) or ())

    phones = tuple(
        Field(
            Phone(
                raw=p.get("raw") or "",
                e164=p.get("e164"),
                type=PhoneType(p.get("type") or "other"),
                valid=bool(p.get("e164")),
                extension=p.get("ext"),
            ),
            float(conf.get("phones", 1.0)),
            src("phones"),
        )
        for p in record.get("phones") or ()
    )
    contact = Contact(
        name=one("name"),
        given_name=record.get("given_name"),
        family_name=record.get("family_name"),
        title=one("title"),
        company=one("company"),
        emails=many("emails"),
        phones=phones,
        websites=many("websites"),
        address=one("address"),
        social=many("social"),
    )
    return CardResult(
        source=str(record["source"]),
        back=record.get("back"),
        card=int(record.get("card") or 0),
        status=CardStatus(record.get("status") or "ok"),
        error=record.get("error"),
        contact=contact,
        text=record.get("text") or "",
    )
