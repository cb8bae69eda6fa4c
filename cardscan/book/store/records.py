"""The store's records: frozen dataclasses the store hands out, and small shared helpers."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cardscan.models import Contact, Field, Phone, PhoneType

#: Kinds of multi-valued contact details; each value is its own row.
VALUE_KINDS = ("email", "phone", "website", "social")


def now_iso() -> str:
    """The current time in UTC, to the second, as ISO 8601 (how the store writes times)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def local_time(at: str | None, fmt: str = "%H:%M") -> str:
    """A stored UTC time as the user reads it, in their time zone ("" for none).

    Text that is not an ISO time is shown as it is.
    """
    if not at:
        return ""
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone().strftime(fmt)
    except ValueError:
        return at


def current_user() -> str:
    """The OS user name, recorded in the audit log as who made a change."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers) and no LOGNAME/USER
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def value_key(kind: str, text: str) -> str:
    """The normalised form that tells two values of ``kind`` apart.

    ``Jane@Example.COM`` and ``jane@example.com`` are one address; ``https://www.ex.com/``
    and ``ex.com`` one website. Phones are keyed by their E.164 form by the caller; a
    number that did not validate is keyed by its digits.
    """
    value = text.strip()
    if kind == "email" or kind == "social":
        return value.lower()
    if kind == "website":
        value = value.lower()
        for prefix in ("https://", "http://"):
            value = value.removeprefix(prefix)
        return value.removeprefix("www.").rstrip("/")
    if kind == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        return ("+" + digits) if value.startswith("+") else digits
    raise ValueError(f"unknown value kind {kind!r}")


@dataclass(frozen=True)
class StoredValue:
    """One email, phone, website or social handle of a contact, with where it came from."""

    id: int
    kind: str
    value: str
    display: str
    type: str | None
    ext: str | None
    confidence: float | None
    source: str
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class PastJob:
    """What a contact was before a newer card or import changed it ("was X at Y")."""

    title: str | None
    company: str | None
    address: str | None
    until: str
    source: str

    def describe(self) -> str:
        """Human wording: ``was Sales Lead at Acme (until 2025-03-01)``."""
        parts = []
        if self.title or self.company:
            job = " at ".join(p for p in (self.title, self.company) if p)
            parts.append(f"was {job}")
        if self.address:
            parts.append(f"lived/worked at {self.address}")
        return f"{'; '.join(parts)} (until {self.until[:10]})"


@dataclass(frozen=True)
class Conflict:
    """Two sources disagreed on a single-valued field; ``kept`` won, ``other`` is kept here."""

    field: str
    kept: str
    other: str
    source: str
    at: str


@dataclass(frozen=True)
class StoredContact:
    """A contact as the store holds it. ``merged_into`` is set when it lives on in another."""

    id: int
    name: str | None
    given_name: str | None
    family_name: str | None
    title: str | None
    company: str | None
    address: str | None
    source: str
    created_at: str
    seen_at: str
    merged_into: int | None
    values: tuple[StoredValue, ...] = ()
    history: tuple[PastJob, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    notes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def of_kind(self, kind: str) -> tuple[StoredValue, ...]:
        """The values of one kind (``email``, ``phone``, ``website``, ``social``)."""
        return tuple(v for v in self.values if v.kind == kind)

    @property
    def label(self) -> str:
        """A short human label: the name, else the first email or the company."""
        emails = self.of_kind("email")
        return self.name or (emails[0].display if emails else None) or self.company or "?"

    def to_contact(self) -> Contact:
        """The contact as a pipeline :class:`Contact` (for matching and exports)."""

        def one(value: str | None) -> Field[str] | None:
            return Field(value, 1.0, "store") if value else None

        def many(kind: str) -> tuple[Field[str], ...]:
            return tuple(
                Field(v.display, v.confidence if v.confidence is not None else 1.0, v.source)
                for v in self.of_kind(kind)
            )

        phones = tuple(
            Field(
                Phone(
                    raw=v.display,
                    e164=v.value if v.value.startswith("+") else None,
                    type=_phone_type(v.type),
                    valid=v.value.startswith("+"),
                    extension=v.ext,
                ),
                v.confidence if v.confidence is not None else 1.0,
                v.source,
            )
            for v in self.of_kind("phone")
        )
        return Contact(
            name=one(self.name),
            given_name=self.given_name,
            family_name=self.family_name,
            title=one(self.title),
            company=one(self.company),
            emails=many("email"),
            phones=phones,
            websites=many("website"),
            address=one(self.address),
            social=many("social"),
        )


def _phone_type(text: str | None) -> PhoneType:
    try:
        return PhoneType(text or "other")
    except ValueError:
        return PhoneType.OTHER


@dataclass(frozen=True)
class Event:
    """An event people register for, arrive at and are met at."""

    id: int
    name: str
    date: str | None
    place: str | None
    created_at: str


@dataclass(frozen=True)
class Attendance:
    """One person's place in an event: registered, walked in, arrived when."""

    event_id: int
    contact_id: int
    registered: bool
    walk_in: bool
    registered_at: str | None
    arrived_at: str | None
    source: str


@dataclass(frozen=True)
class EventStats:
    """The counts ``cardscan event stats`` and ``event list`` show."""

    registered: int
    #: Everyone checked in, walk-ins included.
    arrived: int
    #: Of those who arrived, the ones who had not registered.
    walk_ins: int
    no_shows: int
    cards_scanned: int


@dataclass(frozen=True)
class Review:
    """A pair of contacts the matcher could not decide on, waiting for a person."""

    id: int
    a_id: int
    b_id: int
    score: float
    reasons: tuple[str, ...]
    status: str
    created_at: str


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change: who did what to which contacts, when, and whether it was undone."""

    id: int
    at: str
    who: str
    action: str
    contacts: tuple[int, ...]
    summary: str
    undone: bool


@dataclass(frozen=True)
class MatchRow:
    """What the matcher reads of a stored contact: names, job, and (kind, value, type) rows."""

    id: int
    name: str | None
    given_name: str | None
    family_name: str | None
    company: str | None
    title: str | None
    values: tuple[tuple[str, str, str | None], ...]


@dataclass(frozen=True)
class CardSeen:
    """A card image already in the store, keyed by photo content hash and card index."""

    id: int
    sha256: str
    card: int
    path: str
    contact_id: int | None


@dataclass(frozen=True)
class Meeting:
    """One time a contact's card was collected: at an event, or on a day without one."""

    event: Event | None
    #: ISO date: the event's date when it has one, else the day the card was scanned.
    on: str
    card_id: int | None
    path: str | None


@dataclass(frozen=True)
class StoredCard:
    """A card image the store has read, and the record read from it (with confidences)."""

    id: int
    path: str
    card: int
    seen_at: str
    record: dict[str, Any]


@dataclass(frozen=True)
class Task:
    """One follow-up task. ``other_id`` is the second person of an introduction.

    ``top`` is the N of the ``cardscan followup --top N`` that made this a priority-1
    task (None for every other task); ``reason`` says so in words.
    """

    id: int
    contact_id: int
    other_id: int | None
    kind: str
    due: str
    priority: int
    status: str
    event_id: int | None
    reason: str
    created_at: str
    done_at: str | None
    after_id: int | None
    top: int | None = None


#: Single-valued contact fields a person can set.
SINGLE_FIELDS = ("name", "given_name", "family_name", "title", "company", "address")

VALUE_NOUNS = {"email": "e-mail", "phone": "phone", "website": "website", "social": "handle"}


@dataclass(frozen=True)
class Change:
    """One correction a person makes to a contact.

    ``field`` is one of :data:`SINGLE_FIELDS` (``after`` the new text, None to clear it) or
    a value kind of :data:`VALUE_KINDS`: ``before`` is the stored key of the value replaced
    or removed (None to add one), ``after`` the new value as shown (None to remove),
    ``key`` its normalised key (E.164 for a phone), ``type``/``ext`` a phone's.
    """

    field: str
    after: str | None = None
    before: str | None = None
    key: str | None = None
    type: str | None = None
    ext: str | None = None


@dataclass(frozen=True)
class CorrectionRow:
    """A correction as stored: who changed which field of a contact, from what to what."""

    id: int
    contact_id: int
    field: str
    before: str | None
    after: str | None
    who: str
    at: str


def audit_entry_of(r: Sequence[Any]) -> AuditEntry:
    """An audit row (id, at, who, action, contacts, summary, undone) as a record."""
    return AuditEntry(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], bool(r[6]))


def attendance_of_row(row: Sequence[Any]) -> Attendance:
    """An attendance row (0/1 flags) as a record."""
    return Attendance(row[0], row[1], bool(row[2]), bool(row[3]), row[4], row[5], row[6])


def same_text(a: str, b: str) -> bool:
    """Equal but for case, spacing and punctuation ("ACME, Inc." vs "Acme Inc")."""

    def norm(s: str) -> str:
        return " ".join("".join(ch if ch.isalnum() else " " for ch in s.casefold()).split())

    return norm(a) == norm(b)
