"""The contact store: every contact, card, event and decision cardscan has seen, in SQLite.

This is the only module that speaks SQL. The rest of cardscan calls :class:`Store`
methods and gets frozen records back, so a server database (a PostgreSQL URL for a team)
can be added later behind the same methods without touching the callers.

Design:

- One file, private to its owner (0600, its folder 0700), in WAL mode so readers never
  wait for a writer. The schema is migrated forward with ``PRAGMA user_version``.
- Every email, phone, website and social handle is a row of its own with its kind, type,
  source and first/last seen, so merging two contacts never has to choose between values.
- Contacts are never deleted: a contact merged into another keeps its row with
  ``merged_into`` set, and every merge or edit is written to the audit log with the rows
  it touched before and after, so :meth:`Store.undo` can put them back exactly.
- Writes happen in :meth:`Store.transaction`; a process killed at any moment leaves the
  store as it was before the transaction began.
"""

from __future__ import annotations

import errno
import getpass
import json
import logging
import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cardscan.errors import StoreError
from cardscan.files import make_private_dirs, why
from cardscan.models import Contact, Field, Phone, PhoneType

log = logging.getLogger(__name__)

#: Kinds of multi-valued contact details; each value is its own row.
VALUE_KINDS = ("email", "phone", "website", "social")

#: The schema, one script per version; a store at version N runs scripts N+1… on open.
#: Never edit a released script: add the next one.
MIGRATIONS: tuple[str, ...] = (
    # Version 1.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        who TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        name TEXT,
        given_name TEXT,
        family_name TEXT,
        title TEXT,
        company TEXT,
        address TEXT,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        merged_into INTEGER REFERENCES contacts(id)
    );
    CREATE INDEX contacts_merged_into ON contacts(merged_into);
    CREATE TABLE contact_values (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        kind TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'website', 'social')),
        value TEXT NOT NULL,
        display TEXT NOT NULL,
        type TEXT,
        ext TEXT,
        confidence REAL,
        source TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        UNIQUE (contact_id, kind, value)
    );
    CREATE INDEX contact_values_value ON contact_values(kind, value);
    CREATE TABLE match_keys (
        key TEXT NOT NULL,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        PRIMARY KEY (key, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX match_keys_contact ON match_keys(contact_id);
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        title TEXT,
        company TEXT,
        address TEXT,
        until TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX history_contact ON history(contact_id);
    CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        field TEXT NOT NULL,
        kept TEXT NOT NULL,
        other TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX conflicts_contact ON conflicts(contact_id);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        date TEXT,
        place TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        card INTEGER NOT NULL,
        path TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        contact_id INTEGER REFERENCES contacts(id),
        record TEXT NOT NULL,
        UNIQUE (sha256, card)
    );
    CREATE INDEX cards_contact ON cards(contact_id);
    CREATE TABLE attendance (
        event_id INTEGER NOT NULL REFERENCES events(id),
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        registered INTEGER NOT NULL DEFAULT 0,
        walk_in INTEGER NOT NULL DEFAULT 0,
        registered_at TEXT,
        arrived_at TEXT,
        source TEXT NOT NULL,
        PRIMARY KEY (event_id, contact_id)
    );
    CREATE INDEX attendance_contact ON attendance(contact_id);
    CREATE TABLE met (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES events(id),
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        card_id INTEGER NOT NULL REFERENCES cards(id),
        run_id INTEGER REFERENCES runs(id),
        at TEXT NOT NULL,
        UNIQUE (event_id, card_id)
    );
    CREATE INDEX met_contact ON met(contact_id);
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        text TEXT NOT NULL,
        at TEXT NOT NULL,
        event_id INTEGER REFERENCES events(id),
        run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX notes_contact ON notes(contact_id);
    CREATE TABLE tags (
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        tag TEXT NOT NULL,
        PRIMARY KEY (contact_id, tag)
    ) WITHOUT ROWID;
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        a_id INTEGER NOT NULL REFERENCES contacts(id),
        b_id INTEGER NOT NULL REFERENCES contacts(id),
        score REAL NOT NULL,
        reasons TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'apart')),
        created_at TEXT NOT NULL,
        decided_at TEXT
    );
    CREATE INDEX reviews_a ON reviews(a_id);
    CREATE INDEX reviews_b ON reviews(b_id);
    CREATE INDEX reviews_status ON reviews(status);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        contacts TEXT NOT NULL,
        summary TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0,
        undone_at TEXT,
        undone_by TEXT
    );
    """,
    # Version 2: the follow-up plan (tasks that come due and schedule the next touch) and
    # per-store settings such as the cadence, so ``task done`` uses the plan's cadence.
    """
    CREATE TABLE tasks (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        other_id INTEGER REFERENCES contacts(id),
        kind TEXT NOT NULL,
        due TEXT NOT NULL,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'skipped')),
        event_id INTEGER REFERENCES events(id),
        reason TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        done_at TEXT,
        after_id INTEGER REFERENCES tasks(id)
    );
    CREATE INDEX tasks_contact ON tasks(contact_id);
    CREATE INDEX tasks_other ON tasks(other_id);
    CREATE INDEX tasks_status ON tasks(status, due);
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # Version 3: a person's corrections (what they typed, replaced or removed, so no machine
    # brings the old value back), the contacts a person has checked, and each card's
    # geometry in its photo (corners, rotation, word boxes) for the review app.
    """
    CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        field TEXT NOT NULL,
        before TEXT,
        after TEXT,
        who TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX corrections_contact ON corrections(contact_id);
    CREATE TABLE checked (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
        who TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE card_geometry (
        card_id INTEGER PRIMARY KEY REFERENCES cards(id),
        geometry TEXT NOT NULL
    );
    """,
)

#: Tables holding a contact's state, and how to select one contact's rows in each.
#: A snapshot of these rows is what an audit entry keeps, and what undo puts back.
_CONTACT_SCOPE: tuple[tuple[str, str], ...] = (
    ("contacts", "id IN ({ids})"),
    ("contact_values", "contact_id IN ({ids})"),
    ("match_keys", "contact_id IN ({ids})"),
    ("history", "contact_id IN ({ids})"),
    ("conflicts", "contact_id IN ({ids})"),
    ("attendance", "contact_id IN ({ids})"),
    ("met", "contact_id IN ({ids})"),
    ("notes", "contact_id IN ({ids})"),
    ("tags", "contact_id IN ({ids})"),
    ("reviews", "a_id IN ({ids}) OR b_id IN ({ids})"),
    ("tasks", "contact_id IN ({ids}) OR other_id IN ({ids})"),
    # Schema 3; an audit entry written before it has no rows of these, and undo skips them.
    ("corrections", "contact_id IN ({ids})"),
    ("checked", "contact_id IN ({ids})"),
)

_STORE_HINT = "check the path given by --db or CARDSCAN_DB, and that the disk is not full"


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
    """One follow-up task. ``other_id`` is the second person of an introduction."""

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


#: Single-valued contact fields a person can set.
SINGLE_FIELDS = ("name", "given_name", "family_name", "title", "company", "address")

_VALUE_NOUNS = {"email": "e-mail", "phone": "phone", "website": "website", "social": "handle"}


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


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class Store:
    """The contact store. Open with :func:`open_store`; use as a context manager to close.

    Methods that change data open a transaction of their own when called outside
    :meth:`transaction`, so each is atomic; callers group several in one
    ``with store.transaction():`` to make them atomic together.
    """

    def __init__(self, conn: sqlite3.Connection, location: str) -> None:
        self._conn = conn
        self.location = location
        self._depth = 0
        self.who = current_user()
        #: Clock for every timestamp the store writes; tests replace it.
        self.clock: Callable[[], str] = now_iso

    # -- plumbing --------------------------------------------------------------------

    def close(self) -> None:
        """Close the database (uncommitted work is rolled back)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them land, or (on an exception or a kill) none do.

        Nested calls join the outer transaction through a savepoint, so an inner
        failure that the caller handles undoes only the inner part.

        Raises:
            StoreError: the database cannot be written (locked too long, disk full).
        """
        depth = self._depth
        try:
            if depth == 0:
                # IMMEDIATE takes the write lock now, not at the first write: two cardscan
                # processes then queue up instead of failing halfway.
                self._conn.execute("BEGIN IMMEDIATE")
            else:
                self._conn.execute(f"SAVEPOINT sp{depth}")
        except sqlite3.Error as e:
            raise _store_error(self.location, e) from e
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            self._roll_back(depth)
            raise
        self._depth -= 1
        try:
            self._conn.execute("COMMIT" if depth == 0 else f"RELEASE sp{depth}")
        except sqlite3.Error as e:
            self._roll_back(depth)
            raise _store_error(self.location, e) from e

    def _roll_back(self, depth: int) -> None:
        """Undo a failed transaction (or savepoint) without hiding why it failed.

        SQLite rolls the whole transaction back by itself on some errors (a full disk,
        an I/O error); a ROLLBACK then would fail with "no transaction is active" and
        replace the error that says what went wrong.
        """
        if not self._conn.in_transaction:
            return
        try:
            if depth == 0:
                self._conn.execute("ROLLBACK")
            else:
                self._conn.execute(f"ROLLBACK TO sp{depth}")
                self._conn.execute(f"RELEASE sp{depth}")
        except sqlite3.Error:
            log.debug("rollback failed in %s", self.location, exc_info=True)

    def _q(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as e:
            raise _store_error(self.location, e) from e

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as e:
            raise _store_error(self.location, e) from e

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._q(sql, params).fetchone()
        return None if row is None else row[0]

    @property
    def schema_version(self) -> int:
        """The schema version the store is at (``PRAGMA user_version``)."""
        return int(self._one("PRAGMA user_version"))

    def check(self) -> list[str]:
        """Problems SQLite finds in the file and its references (empty when healthy)."""
        problems = [r[0] for r in self._q("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"broken reference in {r[0]}" for r in self._q("PRAGMA foreign_key_check")]
        return problems

    # -- runs ------------------------------------------------------------------------

    def start_run(self, kind: str, detail: dict[str, Any] | None = None) -> int:
        """Record the start of a scan, import or check-in session; returns its id."""
        with self.transaction():
            cur = self._q(
                "INSERT INTO runs (kind, who, started_at, detail) VALUES (?, ?, ?, ?)",
                (kind, self.who, self.clock(), json.dumps(detail or {}, ensure_ascii=False)),
            )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int) -> None:
        """Mark a run finished (a run without an end time was interrupted)."""
        with self.transaction():
            self._q("UPDATE runs SET finished_at = ? WHERE id = ?", (self.clock(), run_id))

    # -- contacts --------------------------------------------------------------------

    def add_contact(
        self, contact: Contact, source: str, keys: Iterable[str] = (), seen_at: str | None = None
    ) -> int:
        """Store a new contact with its values and blocking keys; returns its id."""
        at = seen_at or self.clock()
        with self.transaction():
            cur = self._q(
                "INSERT INTO contacts (name, given_name, family_name, title, company, address,"
                " source, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    contact.name.value if contact.name else None,
                    contact.given_name,
                    contact.family_name,
                    contact.title.value if contact.title else None,
                    contact.company.value if contact.company else None,
                    contact.address.value if contact.address else None,
                    source,
                    self.clock(),
                    at,
                ),
            )
            contact_id = int(cur.lastrowid or 0)
            self._add_values(contact_id, contact, source, at)
            self._file_keys(contact_id, keys)
        return contact_id

    def _add_values(self, contact_id: int, contact: Contact, source: str, at: str) -> None:
        rows: dict[tuple[str, str], tuple[Any, ...]] = {}
        for kind, fields in (
            ("email", contact.emails),
            ("website", contact.websites),
            ("social", contact.social),
        ):
            for f in fields:
                if f.value.strip():
                    key = value_key(kind, f.value)
                    rows.setdefault(
                        (kind, key),
                        (contact_id, kind, key, f.value, None, None, f.confidence, source, at, at),
                    )
        for p in contact.phones:
            phone = p.value
            # A number that did not validate is kept by its digits alone: a "+" it was
            # typed with must not make it look like an E.164 number to matching and exports.
            key = phone.e164 or value_key("phone", phone.raw).lstrip("+")
            if key:
                rows.setdefault(
                    ("phone", key),
                    (
                        contact_id,
                        "phone",
                        key,
                        phone.raw or key,
                        phone.type.value,
                        phone.extension,
                        p.confidence,
                        source,
                        at,
                        at,
                    ),
                )
        self._many(
            "INSERT OR IGNORE INTO contact_values (contact_id, kind, value, display, type, ext,"
            " confidence, source, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            list(rows.values()),
        )

    def set_keys(self, contact_id: int, keys: Iterable[str]) -> None:
        """Replace a contact's blocking keys (what :meth:`candidates` looks up)."""
        with self.transaction():
            self._q("DELETE FROM match_keys WHERE contact_id = ?", (contact_id,))
            self._file_keys(contact_id, keys)

    def _file_keys(self, contact_id: int, keys: Iterable[str]) -> None:
        self._many(
            "INSERT OR IGNORE INTO match_keys (key, contact_id) VALUES (?, ?)",
            [(k, contact_id) for k in sorted(set(keys))],
        )

    def candidates(
        self, keys: Iterable[str], *, max_block: int | None = None, always: tuple[str, ...] = ()
    ) -> set[int]:
        """Live contacts sharing at least one blocking key with ``keys`` (never a full scan).

        A key filed for more than ``max_block`` contacts (a very common name) is passed
        over, as it says little and costs most; keys starting with a prefix in ``always``
        (e-mail, phone) never are.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        if max_block is not None:
            # Each key's block is counted only up to max_block + 1 rows: a name shared by
            # 10,000 contacts costs no more to pass over than one shared by max_block + 1.
            wanted = [
                k
                for k in wanted
                if k.startswith(always)
                or self._one(
                    "SELECT count(*) FROM (SELECT 1 FROM match_keys WHERE key = ? LIMIT ?)",
                    (k, max_block + 1),
                )
                <= max_block
            ]
            if not wanted:
                return set()
        sql = (
            "SELECT DISTINCT contact_id FROM match_keys"
            f" WHERE key IN ({_placeholders(len(wanted))})"
        )
        params: list[Any] = wanted
        # Merged contacts lose their keys, so every id found here is live.
        return {int(r[0]) for r in self._q(sql, params)}

    def live_id(self, contact_id: int) -> int:
        """The contact that ``contact_id`` lives on in, following merges.

        Raises:
            StoreError: there is no such contact.
        """
        seen = set()
        current: int | None = contact_id
        while current is not None and current not in seen:
            seen.add(current)
            row = self._q("SELECT merged_into FROM contacts WHERE id = ?", (current,)).fetchone()
            if row is None:
                raise StoreError(
                    f"no contact {contact_id} in {self.location}",
                    "`cardscan contacts` lists them",
                )
            if row[0] is None:
                return current
            current = int(row[0])
        raise StoreError(f"contact {contact_id} is merged in a loop in {self.location}")

    def contact(self, contact_id: int, *, full: bool = True) -> StoredContact:
        """One contact by id (merged or not).

        Raises:
            StoreError: there is no such contact.
        """
        found = self.contacts([contact_id], full=full)
        if not found:
            raise StoreError(f"no contact {contact_id} in {self.location}")
        return found[0]

    def contacts(
        self, ids: Iterable[int] | None = None, *, full: bool = False
    ) -> list[StoredContact]:
        """Contacts by id, in id order; ``None`` means every live contact.

        ``full`` also loads history, conflicts, notes and tags (matching needs only the
        values, so it skips them).
        """
        if ids is None:
            where, params = "merged_into IS NULL", []
        else:
            params = sorted(set(ids))
            if not params:
                return []
            where = f"id IN ({_placeholders(len(params))})"
        out = []
        # SQLite allows 32766 parameters; chunking keeps huge id lists under that.
        for chunk in _chunks(params, 900) if params else [[]]:
            clause = where if ids is None else f"id IN ({_placeholders(len(chunk))})"
            rows = self._q(
                "SELECT id, name, given_name, family_name, title, company, address, source,"
                f" created_at, seen_at, merged_into FROM contacts WHERE {clause} ORDER BY id",
                chunk,
            ).fetchall()
            if not rows:
                continue
            cids = [r[0] for r in rows]
            marks = _placeholders(len(cids))
            values: dict[int, list[StoredValue]] = {c: [] for c in cids}
            for r in self._q(
                "SELECT contact_id, id, kind, value, display, type, ext, confidence, source,"
                f" first_seen, last_seen FROM contact_values WHERE contact_id IN ({marks})"
                " ORDER BY id",
                cids,
            ):
                values[r[0]].append(StoredValue(*r[1:]))
            extra: dict[str, dict[int, list[Any]]] = {
                k: {c: [] for c in cids} for k in ("history", "conflicts", "notes", "tags")
            }
            if full:
                for r in self._q(
                    "SELECT contact_id, title, company, address, until, source FROM history"
                    f" WHERE contact_id IN ({marks}) ORDER BY until, id",
                    cids,
                ):
                    extra["history"][r[0]].append(PastJob(*r[1:]))
                for r in self._q(
                    "SELECT contact_id, field, kept, other, source, at FROM conflicts"
                    f" WHERE contact_id IN ({marks}) ORDER BY id",
                    cids,
                ):
                    extra["conflicts"][r[0]].append(Conflict(*r[1:]))
                for r in self._q(
                    f"SELECT contact_id, text FROM notes WHERE contact_id IN ({marks}) ORDER BY id",
                    cids,
                ):
                    extra["notes"][r[0]].append(r[1])
                for r in self._q(
                    f"SELECT contact_id, tag FROM tags WHERE contact_id IN ({marks}) ORDER BY tag",
                    cids,
                ):
                    extra["tags"][r[0]].append(r[1])
            for r in rows:
                out.append(
                    StoredContact(
                        r[0],
                        r[1],
                        r[2],
                        r[3],
                        r[4],
                        r[5],
                        r[6],
                        r[7],
                        r[8],
                        r[9],
                        r[10],
                        values=tuple(values[r[0]]),
                        history=tuple(extra["history"][r[0]]),
                        conflicts=tuple(extra["conflicts"][r[0]]),
                        notes=tuple(extra["notes"][r[0]]),
                        tags=tuple(extra["tags"][r[0]]),
                    )
                )
        return out

    def match_rows(self, ids: Iterable[int]) -> list[MatchRow]:
        """What the matcher needs of some contacts, read lean: the per-card hot path.

        :meth:`contacts` builds full records (every value's source and dates); matching
        a card reads dozens of candidates and needs only names, job and values.
        """
        wanted = sorted(set(ids))
        out = []
        for chunk in _chunks(wanted, 900):
            marks = _placeholders(len(chunk))
            values: dict[int, list[tuple[str, str, str | None]]] = {c: [] for c in chunk}
            for cid, kind, value, typ in self._q(
                "SELECT contact_id, kind, value, type FROM contact_values"
                f" WHERE contact_id IN ({marks}) ORDER BY id",
                chunk,
            ):
                values[cid].append((kind, value, typ))
            out += [
                MatchRow(r[0], r[1], r[2], r[3], r[4], r[5], tuple(values[r[0]]))
                for r in self._q(
                    "SELECT id, name, given_name, family_name, company, title FROM contacts"
                    f" WHERE id IN ({marks}) ORDER BY id",
                    chunk,
                )
            ]
        return out

    def search(self, text: str) -> list[int]:
        """Live contacts whose name, title, company or a value contains ``text`` (any case)."""
        escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        rows = self._q(
            "SELECT id FROM contacts WHERE merged_into IS NULL AND (name LIKE ?1 ESCAPE '\\'"
            " OR title LIKE ?1 ESCAPE '\\' OR company LIKE ?1 ESCAPE '\\')"
            " UNION SELECT c.id FROM contact_values v JOIN contacts c ON c.id = v.contact_id"
            " WHERE c.merged_into IS NULL"
            " AND (v.value LIKE ?1 ESCAPE '\\' OR v.display LIKE ?1 ESCAPE '\\') ORDER BY 1",
            (like,),
        )
        return [int(r[0]) for r in rows]

    def event_contacts(self, event_id: int) -> list[int]:
        """Live contacts registered for, arrived at or met at an event."""
        rows = self._q(
            "SELECT contact_id FROM attendance WHERE event_id = ?1"
            " UNION SELECT contact_id FROM met WHERE event_id = ?1",
            (event_id,),
        )
        return [c.id for c in self.contacts(int(r[0]) for r in rows) if c.merged_into is None]

    def merged_from(self, contact_id: int) -> list[int]:
        """The contacts merged straight into ``contact_id``, oldest first."""
        rows = self._q("SELECT id FROM contacts WHERE merged_into = ? ORDER BY id", (contact_id,))
        return [int(r[0]) for r in rows]

    def count_contacts(self) -> int:
        """How many live (not merged away) contacts the store holds."""
        return int(self._one("SELECT count(*) FROM contacts WHERE merged_into IS NULL"))

    def find_by_value(self, kind: str, text: str) -> set[int]:
        """Live contacts holding a value (an email, a phone in E.164…), compared normalised."""
        key = text if kind == "phone" and text.startswith("+") else value_key(kind, text)
        rows = self._q(
            "SELECT DISTINCT c.id FROM contact_values v JOIN contacts c ON c.id = v.contact_id"
            " WHERE v.kind = ? AND v.value = ? AND c.merged_into IS NULL",
            (kind, key),
        )
        return {int(r[0]) for r in rows}

    def add_note(
        self,
        contact_id: int,
        text: str,
        event_id: int | None = None,
        run_id: int | None = None,
    ) -> bool:
        """Attach a note, unless the contact already has that very note; True if added."""
        with self.transaction():
            if self._one(
                "SELECT 1 FROM notes WHERE contact_id = ? AND text = ?", (contact_id, text)
            ):
                return False
            self._q(
                "INSERT INTO notes (contact_id, text, at, event_id, run_id) VALUES (?, ?, ?, ?, ?)",
                (contact_id, text, self.clock(), event_id, run_id),
            )
        return True

    def add_tags(self, contact_id: int, tags: Iterable[str]) -> None:
        """Tag a contact (tags it already has are left as they are)."""
        with self.transaction():
            self._many(
                "INSERT OR IGNORE INTO tags (contact_id, tag) VALUES (?, ?)",
                [(contact_id, t) for t in tags],
            )

    # -- cards -----------------------------------------------------------------------

    def card_seen(self, sha256: str, card: int) -> CardSeen | None:
        """The stored card for a photo's content hash and card index, if it was read before."""
        row = self._q(
            "SELECT id, sha256, card, path, contact_id FROM cards WHERE sha256 = ? AND card = ?",
            (sha256, card),
        ).fetchone()
        return CardSeen(*row) if row else None

    def add_card(
        self,
        sha256: str,
        card: int,
        path: str,
        contact_id: int | None,
        record: dict[str, Any],
        run_id: int | None = None,
    ) -> int:
        """Record a card image read into a contact; returns the card id."""
        with self.transaction():
            cur = self._q(
                "INSERT INTO cards (sha256, card, path, seen_at, run_id, contact_id, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sha256,
                    card,
                    path,
                    self.clock(),
                    run_id,
                    contact_id,
                    json.dumps(record, ensure_ascii=False),
                ),
            )
        return int(cur.lastrowid or 0)

    def set_card_contact(self, card_id: int, contact_id: int | None) -> None:
        """Record which contact a card was read into."""
        with self.transaction():
            self._q("UPDATE cards SET contact_id = ? WHERE id = ?", (contact_id, card_id))

    def count_cards(self) -> int:
        """How many card images the store has read (failed photos waiting are not counted)."""
        return int(self._one("SELECT count(*) FROM cards WHERE contact_id IS NOT NULL"))

    # -- merging and the audit log ---------------------------------------------------

    def merge(
        self,
        keep: int,
        other: int,
        keys_of: Callable[[StoredContact], Iterable[str]],
        *,
        same_company: Callable[[str, str], bool] | None = None,
        same_title: Callable[[str, str], bool] | None = None,
        action: str = "merge",
        summary: str = "",
        review_id: int | None = None,
        explicit_split: bool = False,
    ) -> int:
        """Fold contact ``other`` into ``keep`` without losing a value; returns the audit id.

        - Every email/phone/website/handle of ``other`` that ``keep`` lacks is added;
          a value both hold keeps the earliest first-seen and latest last-seen.
        - A changed title or company: the newer contact's job becomes current and the
          older one is kept as history ("was X at Y"); the same for the address. A value
          one side lacks never replaces the other's: a row without a title leaves the
          title alone, a row without a company the job.
        - A different name, another spelling of the same company (a shorter form, an OCR
          misread) or of the same title is recorded as a conflict, never as history;
          ``keep``'s stays.
        - Notes, tags, attendance and "met at" links move to ``keep``.
        - ``other`` stays in the store with ``merged_into = keep``; rows it shares with
          ``keep`` (a value or note both hold) stay with it rather than being deleted, so
          an undo never has to reuse a freed row id.

        ``keys_of`` computes the merged contact's blocking keys, ``same_company`` says
        whether two company names are one employer ("Acme" and "Acme Inc."), and
        ``same_title`` whether two titles (or addresses) are one but for an OCR slip; the
        matcher owns all three. Without them, values must be equal but for case and punctuation.
        ``review_id`` is the review this merge decides; it is closed as part of the merge,
        so undoing the merge reopens it. ``explicit_split``: ``other``'s given and family
        name were given apart by a person or a CRM, and replace ``keep``'s (a machine's
        guess that may have them swapped).

        Raises:
            StoreError: either contact does not exist, is already merged, or they are one.
        """
        if keep == other:
            raise StoreError(f"cannot merge contact {keep} into itself")
        with self.transaction():
            a, b = self.contact(keep, full=False), self.contact(other, full=False)
            for c in (a, b):
                if c.merged_into is not None:
                    raise StoreError(
                        f"contact {c.id} was already merged into contact {c.merged_into}",
                        f"merge into contact {self.live_id(c.id)} instead",
                    )
            ids = (keep, other)
            before = self._snapshot(ids)
            self._fold_fields(a, b, same_company or _same_text, same_title or _same_text)
            if explicit_split and b.given_name and b.family_name:
                self._q(
                    "UPDATE contacts SET given_name = ?, family_name = ? WHERE id = ?",
                    (b.given_name, b.family_name, keep),
                )
            self._fold_values(keep, other)
            for table in ("history", "conflicts", "met"):
                self._q(f"UPDATE {table} SET contact_id = ? WHERE contact_id = ?", (keep, other))
            self._q(
                "UPDATE notes SET contact_id = ? WHERE contact_id = ? AND text NOT IN"
                " (SELECT text FROM notes WHERE contact_id = ?)",
                (keep, other, keep),
            )
            self._q(
                "INSERT OR IGNORE INTO tags (contact_id, tag)"
                " SELECT ?, tag FROM tags WHERE contact_id = ?",
                (keep, other),
            )
            self._q("DELETE FROM tags WHERE contact_id = ?", (other,))
            self._fold_attendance(keep, other)
            self._keep_corrections(keep, other)
            # Follow-up tasks follow the person; an introduction of the two to each other
            # no longer makes sense once they are one.
            self._q("UPDATE tasks SET contact_id = ? WHERE contact_id = ?", (keep, other))
            self._q("UPDATE tasks SET other_id = ? WHERE other_id = ?", (keep, other))
            self._q(
                "UPDATE tasks SET status = 'skipped', done_at = ? WHERE contact_id = ?"
                " AND other_id = ? AND status = 'open'",
                (self.clock(), keep, keep),
            )
            self._q("DELETE FROM match_keys WHERE contact_id = ?", (other,))
            self._q(
                "UPDATE contacts SET merged_into = ?, seen_at = ? WHERE id = ?",
                (keep, b.seen_at, other),
            )
            self._q("UPDATE contacts SET seen_at = max(seen_at, ?) WHERE id = ?", (b.seen_at, keep))
            self.set_keys(keep, keys_of(self.contact(keep, full=False)))
            if review_id is not None:
                self.set_review_status(review_id, "merged")
            text = summary or f"merged contact {other} ({b.label}) into {keep} ({a.label})"
            return self._audit(action, ids, text, before, self._snapshot(ids))

    def _fold_fields(
        self,
        a: StoredContact,
        b: StoredContact,
        same_company: Callable[[str, str], bool],
        same_title: Callable[[str, str], bool],
    ) -> None:
        """Single-valued fields of ``b`` into ``a``: fill gaps, keep the old as history."""
        b_newer = b.seen_at >= a.seen_at
        newer, older = (b, a) if b_newer else (a, b)
        same = _same_text
        updates: dict[str, str | None] = {}
        past_job: tuple[str | None, str | None] | None = None
        if a.company and b.company and not same_company(a.company, b.company):
            # A new employer: the whole newer job is current, the older one is history.
            updates.update(title=newer.title, company=newer.company)
            past_job = (older.title, older.company)
        else:
            company = a.company or b.company
            updates["company"] = company
            if a.title and b.title and not same_title(a.title, b.title):
                updates["title"] = newer.title
                past_job = (older.title, older.company or company)
            else:
                updates["title"] = a.title or b.title
        address = a.address or b.address
        past_address = None
        # An address within an OCR slip of the other is another spelling (a conflict),
        # not a move.
        if a.address and b.address and not same_title(a.address, b.address):
            address, past_address = newer.address, older.address
        if past_job or past_address:
            title, company = past_job or (None, None)
            self._q(
                "INSERT INTO history (contact_id, title, company, address, until, source)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (a.id, title, company, past_address, newer.seen_at, older.source),
            )
        updates["address"] = address
        spellings = [("name", a.name, b.name)]
        if updates.get("company") == a.company:
            spellings.append(("company", a.company, b.company))
        if updates.get("title") == a.title:
            spellings.append(("title", a.title, b.title))
        if address == a.address:
            spellings.append(("address", a.address, b.address))
        for name, mine, theirs in spellings:
            if mine and theirs and not same(mine, theirs):
                self._q(
                    "INSERT INTO conflicts (contact_id, field, kept, other, source, at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (a.id, name, mine, theirs, b.source, self.clock()),
                )
        if not a.name:
            updates.update(name=b.name, given_name=b.given_name, family_name=b.family_name)
        else:
            updates["given_name"] = a.given_name or b.given_name
            updates["family_name"] = a.family_name or b.family_name
        sets = ", ".join(f"{k} = ?" for k in updates)
        self._q(f"UPDATE contacts SET {sets} WHERE id = ?", (*updates.values(), a.id))

    def _fold_values(self, keep: int, other: int) -> None:
        for kind, value, first, last, typ, conf, row_id in self._q(
            "SELECT kind, value, first_seen, last_seen, type, confidence, id"
            " FROM contact_values WHERE contact_id = ?",
            (other,),
        ).fetchall():
            mine = self._q(
                "SELECT id, type FROM contact_values"
                " WHERE contact_id = ? AND kind = ? AND value = ?",
                (keep, kind, value),
            ).fetchone()
            if mine is None:
                self._q("UPDATE contact_values SET contact_id = ? WHERE id = ?", (keep, row_id))
                continue
            # The same value seen twice: keep's row now spans both sightings; other's row
            # stays with the merged-away contact.
            self._q(
                "UPDATE contact_values SET first_seen = min(first_seen, ?),"
                " last_seen = max(last_seen, ?), confidence = max(coalesce(confidence, 0), ?),"
                " type = CASE WHEN type IS NULL OR type = 'other' THEN coalesce(?, type)"
                " ELSE type END WHERE id = ?",
                (first, last, conf if conf is not None else 0, typ, mine[0]),
            )

    def _fold_attendance(self, keep: int, other: int) -> None:
        for row in self._q(
            "SELECT event_id, registered, walk_in, registered_at, arrived_at FROM attendance"
            " WHERE contact_id = ?",
            (other,),
        ).fetchall():
            event_id, registered, walk_in, registered_at, arrived_at = row
            mine = self._q(
                "SELECT registered, walk_in, registered_at, arrived_at FROM attendance"
                " WHERE event_id = ? AND contact_id = ?",
                (event_id, keep),
            ).fetchone()
            if mine is None:
                self._q(
                    "UPDATE attendance SET contact_id = ? WHERE event_id = ? AND contact_id = ?",
                    (keep, event_id, other),
                )
                continue
            reg = bool(mine[0] or registered)
            arrivals = [t for t in (mine[3], arrived_at) if t]
            regs = [t for t in (mine[2], registered_at) if t]
            self._q(
                "UPDATE attendance SET registered = ?, walk_in = ?, registered_at = ?,"
                " arrived_at = ? WHERE event_id = ? AND contact_id = ?",
                (
                    int(reg),
                    0 if reg else int(bool(mine[1] or walk_in)),
                    min(regs) if regs else None,
                    min(arrivals) if arrivals else None,
                    event_id,
                    keep,
                ),
            )
            self._q(
                "DELETE FROM attendance WHERE event_id = ? AND contact_id = ?", (event_id, other)
            )

    @contextmanager
    def audited(self, action: str, ids: Sequence[int], summary: str) -> Iterator[list[int]]:
        """Record the changes made inside the block to contacts ``ids`` as one audit entry.

        Yields a list that receives the audit id once the block has finished.
        """
        out: list[int] = []
        with self.transaction():
            before = self._snapshot(ids)
            yield out
            out.append(self._audit(action, ids, summary, before, self._snapshot(ids)))

    def _audit(
        self,
        action: str,
        ids: Sequence[int],
        summary: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> int:
        cur = self._q(
            "INSERT INTO audit (at, who, action, contacts, summary, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.clock(),
                self.who,
                action,
                json.dumps(list(ids)),
                summary,
                _canonical(before),
                _canonical(after),
            ),
        )
        return int(cur.lastrowid or 0)

    def _snapshot(self, ids: Sequence[int]) -> dict[str, Any]:
        """Every row of every contact-state table that belongs to ``ids``."""
        marks = _placeholders(len(ids))
        snap: dict[str, Any] = {}
        for table, scope in _CONTACT_SCOPE:
            where = scope.format(ids=marks)
            cur = self._q(f"SELECT * FROM {table} WHERE {where}", list(ids) * where.count("IN"))
            columns = [d[0] for d in cur.description]
            snap[table] = {"columns": columns, "rows": sorted(cur.fetchall(), key=_row_order)}
        return snap

    def audit_entries(self, contact_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """The newest audit entries, optionally only those touching one contact."""
        rows = self._q(
            "SELECT id, at, who, action, contacts, summary, undone FROM audit"
            " ORDER BY id DESC LIMIT ?",
            (limit if contact_id is None else -1,),
        ).fetchall()
        entries = [_audit_entry(r) for r in rows]
        if contact_id is not None:
            entries = [e for e in entries if contact_id in e.contacts][:limit]
        return entries

    def audit_entry(self, audit_id: int) -> AuditEntry:
        """One audit entry.

        Raises:
            StoreError: no entry has that id.
        """
        row = self._q(
            "SELECT id, at, who, action, contacts, summary, undone FROM audit WHERE id = ?",
            (audit_id,),
        ).fetchone()
        if row is None:
            raise StoreError(
                f"no merge or edit {audit_id} in {self.location}",
                "the ids are printed when a merge happens and by `cardscan review`",
            )
        return _audit_entry(row)

    def undo(self, audit_id: int) -> AuditEntry:
        """Put back the rows an audit entry changed, exactly as they were before it.

        Only the change itself is reverted: a note, tag or "met at" link added to the
        contacts since stays. Refused while a later merge of the same contacts stands (it
        decided its fields from what this change left), and when a row the change wrote
        was changed again since (a check-in): undoing would silently drop that later
        change. The message names the later entries to undo first.

        Raises:
            StoreError: no such entry, already undone, or a later change builds on it.
        """
        entry = self.audit_entry(audit_id)
        if entry.undone:
            raise StoreError(
                f"{entry.action} {audit_id} was already undone",
                "nothing to do; `cardscan review` shows the pairs still open",
            )
        with self.transaction():
            before_text, after_text = self._q(
                "SELECT before, after FROM audit WHERE id = ?", (audit_id,)
            ).fetchone()
            before, after = json.loads(before_text), json.loads(after_text)
            plan = [
                (table, self._revert_plan(table, before[table], after[table]))
                for table, _scope in _CONTACT_SCOPE
                if table in before  # tables added after the entry was written
            ]
            later = [
                (int(r[0]), str(r[1]))
                for r in self._q(
                    "SELECT id, action, contacts FROM audit WHERE id > ? AND undone = 0",
                    (audit_id,),
                )
                if set(json.loads(r[2])) & set(entry.contacts)
            ]
            merges = [i for i, action in later if action == "merge"]
            if merges or any(stale for _table, (_gone, _made, stale) in plan):
                first = merges or [i for i, _action in later]
                hint = (
                    f"undo the later changes first: {', '.join(map(str, sorted(first)[::-1]))}"
                    if first
                    else "the contacts were changed since by a roster import; "
                    "decide the pair again with `cardscan review`"
                )
                raise StoreError(
                    f"cannot undo {entry.action} {audit_id}: contacts "
                    f"{', '.join(map(str, entry.contacts))} changed after it",
                    hint,
                )
            # Rows are taken out and put back with their ids; references between them
            # are checked at commit, when the set is whole again.
            self._q("PRAGMA defer_foreign_keys = ON")
            for table, (_gone, made, _stale) in reversed(plan):
                key = self._primary_key(table, before[table]["columns"])
                self._many(
                    f"DELETE FROM {table} WHERE "
                    + " AND ".join(f"{before[table]['columns'][i]} = ?" for i in key),
                    [[row[i] for i in key] for row in made],
                )
            for table, (gone, _made, _stale) in plan:
                if gone:
                    cols = before[table]["columns"]
                    self._many(
                        f"INSERT INTO {table} ({', '.join(cols)})"
                        f" VALUES ({_placeholders(len(cols))})",
                        gone,
                    )
            self._q(
                "UPDATE audit SET undone = 1, undone_at = ?, undone_by = ? WHERE id = ?",
                (self.clock(), self.who, audit_id),
            )
        return self.audit_entry(audit_id)

    def _revert_plan(
        self, table: str, before: dict[str, Any], after: dict[str, Any]
    ) -> tuple[list[list[Any]], list[list[Any]], bool]:
        """Rows to put back, rows to take out, and whether the change was built on since.

        Built on since: a row the change wrote is no longer as it left it, or a row to
        put back has its key taken by another row.
        """
        old = {_canonical(r): r for r in before["rows"]}
        new = {_canonical(r): r for r in after["rows"]}
        gone = [r for k, r in old.items() if k not in new]
        made = [r for k, r in new.items() if k not in old]
        columns = before["columns"]
        key = self._primary_key(table, columns)
        where = " AND ".join(f"{columns[i]} = ?" for i in key)

        def current(row: list[Any]) -> str | None:
            found = self._q(
                f"SELECT * FROM {table} WHERE {where}", [row[i] for i in key]
            ).fetchone()
            return None if found is None else _canonical(list(found))

        stale = any(current(r) != _canonical(r) for r in made)
        taking_out = {tuple(r[i] for i in key) for r in made}
        stale = stale or any(
            tuple(r[i] for i in key) not in taking_out and current(r) is not None for r in gone
        )
        return gone, made, stale

    def _primary_key(self, table: str, columns: Sequence[str]) -> list[int]:
        """Positions in ``columns`` of the table's primary key."""
        pk = sorted((int(r[5]), str(r[1])) for r in self._q(f"PRAGMA table_info({table})") if r[5])
        return [list(columns).index(name) for _order, name in pk]

    # -- a person's corrections (cardscan edit, the review app) -------------------------
    #
    # What a person typed is the strongest value in the store: it is marked ``user`` (full
    # confidence), and every correction is a row of ``corrections`` (who, when, before,
    # after) inside an audited change, so ``cardscan undo`` reverts it. A merge (a later
    # card, a re-import, a duplicate decided) re-applies the typed fields and gives a
    # value the person replaced or removed back to the merged-away contact.

    def correct(
        self,
        contact_id: int,
        changes: Sequence[Change],
        keys_of: Callable[[StoredContact], Iterable[str]],
        *,
        accept: bool = False,
        summary: str = "",
    ) -> int:
        """Apply a person's changes to a live contact as one audited edit; returns its id.

        ``keys_of`` recomputes the contact's blocking keys (the matcher owns them).
        ``accept`` also marks the contact checked by this person.

        Raises:
            StoreError: no such contact, it was merged into another, or a change names a
                value the contact does not have.
        """
        current = self.contact(contact_id, full=False)
        if current.merged_into is not None:
            raise StoreError(
                f"contact {contact_id} was merged into contact {self.live_id(contact_id)}",
                f"edit contact {self.live_id(contact_id)} instead",
            )
        text = summary or f"edited contact {contact_id} ({current.label})"
        with self.audited("edit", [contact_id], text) as audit_id:
            for change in changes:
                self._apply_change(contact_id, change)
            if accept:
                self._q(
                    "INSERT OR REPLACE INTO checked (contact_id, who, at) VALUES (?, ?, ?)",
                    (contact_id, self.who, self.clock()),
                )
            if changes:
                self.set_keys(contact_id, keys_of(self.contact(contact_id, full=False)))
        return audit_id[0]

    def _apply_change(self, contact_id: int, change: Change) -> None:
        at = self.clock()
        if change.field in SINGLE_FIELDS:
            before = self._one(f"SELECT {change.field} FROM contacts WHERE id = ?", (contact_id,))
            after = change.after.strip() if change.after and change.after.strip() else None
            if before == after:
                return
            self._q(f"UPDATE contacts SET {change.field} = ? WHERE id = ?", (after, contact_id))
            self._note_correction(contact_id, change.field, before, after, at)
            return
        if change.field not in VALUE_KINDS:
            raise ValueError(f"unknown field {change.field!r}")
        kind = change.field
        noun = _VALUE_NOUNS[kind]

        def row_of(key: str) -> tuple[Any, ...] | None:
            found: tuple[Any, ...] | None = self._q(
                "SELECT id, type, ext FROM contact_values"
                " WHERE contact_id = ? AND kind = ? AND value = ?",
                (contact_id, kind, key),
            ).fetchone()
            return found

        old = row_of(change.before) if change.before is not None else None
        if change.before is not None and old is None:
            raise StoreError(
                f"contact {contact_id} has no {noun} {change.before}",
                f"`cardscan contacts {contact_id}` shows its values",
            )
        if change.after is None:  # remove
            assert old is not None
            self._q("DELETE FROM contact_values WHERE id = ?", (old[0],))
            self._note_correction(contact_id, kind, change.before, None, at)
            return
        key = change.key or value_key(kind, change.after)
        mine = row_of(key)
        if old is not None and mine is not None and old[0] != mine[0]:
            # Replaced by a value the contact already has: the two become one row.
            self._q("DELETE FROM contact_values WHERE id = ?", (old[0],))
        target = mine or old
        if target is None:
            self._q(
                "INSERT INTO contact_values (contact_id, kind, value, display, type, ext,"
                " confidence, source, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, 1.0, 'user', ?, ?)",
                (
                    contact_id,
                    kind,
                    key,
                    change.after,
                    change.type or ("work" if kind == "phone" else None),
                    change.ext,
                    at,
                    at,
                ),
            )
        else:
            self._q(
                "UPDATE contact_values SET value = ?, display = ?, type = coalesce(?, type),"
                " ext = coalesce(?, ext), confidence = 1.0, source = 'user', last_seen = ?"
                " WHERE id = ?",
                (key, change.after, change.type, change.ext, at, target[0]),
            )
        if change.before != key or change.type is not None:
            self._note_correction(contact_id, kind, change.before, key, at)

    def _note_correction(
        self, contact_id: int, field: str, before: str | None, after: str | None, at: str
    ) -> None:
        self._q(
            "INSERT INTO corrections (contact_id, field, before, after, who, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (contact_id, field, before, after, self.who, at),
        )

    def corrections_of(self, contact_id: int) -> list[CorrectionRow]:
        """Every correction a person made to a contact (or to one merged into it), oldest first."""
        ids = sorted(self._with_merged([contact_id]))
        return [
            CorrectionRow(*r)
            for r in self._q(
                "SELECT id, contact_id, field, before, after, who, at FROM corrections"
                f" WHERE contact_id IN ({_placeholders(len(ids))}) ORDER BY id",
                ids,
            )
        ]

    def typed_fields(self, contact_id: int) -> dict[str, str | None]:
        """The single-valued fields a person set on a contact, with what they typed last."""
        out: dict[str, str | None] = {}
        for r in self._q(
            "SELECT field, after FROM corrections WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        ):
            if r[0] in SINGLE_FIELDS:
                out[str(r[0])] = r[1]
        return out

    def _keep_corrections(self, keep: int, other: int) -> None:
        """After a merge: the person's fields win, and values they took out stay out."""
        self._q("UPDATE corrections SET contact_id = ? WHERE contact_id = ?", (keep, other))
        typed = self.typed_fields(keep)
        if typed:
            row = self._q(
                f"SELECT {', '.join(typed)} FROM contacts WHERE id = ?", (keep,)
            ).fetchone()
            for (field, value), now in zip(typed.items(), row, strict=True):
                if now == value:
                    continue
                self._q(f"UPDATE contacts SET {field} = ? WHERE id = ?", (value, keep))
                if now and value and field in ("name", "title", "company", "address"):
                    self._q(
                        "INSERT INTO conflicts (contact_id, field, kept, other, source, at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (keep, field, value, now, "merge (a person's value kept)", self.clock()),
                    )
        # A value the person replaced or removed, brought back by the merged contact, stays
        # with that contact (not lost, not current); one the person typed stays theirs.
        for kind, before in self._q(
            "SELECT DISTINCT field, before FROM corrections WHERE contact_id = ?"
            " AND before IS NOT NULL AND (after IS NULL OR after != before)",
            (keep,),
        ).fetchall():
            if kind in VALUE_KINDS:
                self._q(
                    "UPDATE OR IGNORE contact_values SET contact_id = ? WHERE contact_id = ?"
                    " AND kind = ? AND value = ? AND source != 'user'",
                    (other, keep, kind, before),
                )

    def checked(self, ids: Iterable[int] | None = None) -> dict[int, tuple[str, str]]:
        """Contacts a person accepted as checked → (who, when)."""
        if ids is None:
            rows = self._q("SELECT contact_id, who, at FROM checked").fetchall()
        else:
            rows = []
            for chunk in _chunks(sorted(set(ids)), 900):
                rows += self._q(
                    "SELECT contact_id, who, at FROM checked"
                    f" WHERE contact_id IN ({_placeholders(len(chunk))})",
                    chunk,
                ).fetchall()
        return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def corrected_fields(self, ids: Iterable[int]) -> dict[int, set[str]]:
        """Each contact's fields a person set or changed (``name``, ``email``…)."""
        out: dict[int, set[str]] = {}
        for chunk in _chunks(sorted(set(ids)), 900):
            for cid, field in self._q(
                "SELECT DISTINCT contact_id, field FROM corrections"
                f" WHERE contact_id IN ({_placeholders(len(chunk))})",
                chunk,
            ):
                out.setdefault(int(cid), set()).add(str(field))
        return out

    def change_mark(self) -> tuple[int, int]:
        """A value that changes whenever the store does (by this connection or another).

        Lets a long-running reader (the review app) keep what it computed until then.
        """
        version = int(self._one("PRAGMA data_version"))
        return version, self._conn.total_changes

    # -- card geometry (the straightened card and its word boxes) -------------------------

    def set_card_geometry(self, card_id: int, geometry: dict[str, Any]) -> None:
        """Keep where a card lies in its photo (corners, rotation, word boxes)."""
        with self.transaction():
            self._q(
                "INSERT OR REPLACE INTO card_geometry (card_id, geometry) VALUES (?, ?)",
                (card_id, json.dumps(geometry, ensure_ascii=False)),
            )

    def card_geometry(self, card_id: int) -> dict[str, Any] | None:
        """A card's stored geometry, or None (cards read before schema 3 have none)."""
        text = self._one("SELECT geometry FROM card_geometry WHERE card_id = ?", (card_id,))
        if text is None:
            return None
        try:
            found = json.loads(text)
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    def card(self, card_id: int) -> StoredCard:
        """One stored card by id.

        Raises:
            StoreError: there is no such card.
        """
        row = self._q(
            "SELECT id, path, card, seen_at, record FROM cards WHERE id = ?", (card_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no card {card_id} in {self.location}")
        try:
            record = json.loads(row[4])
        except ValueError:
            record = {}
        return StoredCard(row[0], row[1], row[2], row[3], record)

    # -- review queue ----------------------------------------------------------------

    def queue_review(self, a_id: int, b_id: int, score: float, reasons: Sequence[str]) -> int:
        """Queue an uncertain pair for a person to decide; returns the review id.

        A pair already queued (either way round) is not queued twice.
        """
        with self.transaction():
            existing = self._one(
                "SELECT id FROM reviews WHERE (a_id = ? AND b_id = ?) OR (a_id = ? AND b_id = ?)",
                (a_id, b_id, b_id, a_id),
            )
            if existing is not None:
                return int(existing)
            cur = self._q(
                "INSERT INTO reviews (a_id, b_id, score, reasons, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (a_id, b_id, score, json.dumps(list(reasons), ensure_ascii=False), self.clock()),
            )
        return int(cur.lastrowid or 0)

    def reviews(self, status: str = "open") -> list[Review]:
        """Reviews with a status (``open``, ``merged``, ``apart``), oldest first."""
        return [
            Review(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6])
            for r in self._q(
                "SELECT id, a_id, b_id, score, reasons, status, created_at FROM reviews"
                " WHERE status = ? ORDER BY id",
                (status,),
            )
        ]

    def set_review_status(self, review_id: int, status: str) -> None:
        """Close (``merged``/``apart``) or reopen (``open``) a review."""
        with self.transaction():
            self._q(
                "UPDATE reviews SET status = ?, decided_at = ? WHERE id = ?",
                (status, None if status == "open" else self.clock(), review_id),
            )

    def keep_apart(self, review_id: int) -> int:
        """Record that a review's two contacts are different people; returns the audit id.

        Raises:
            StoreError: there is no such review.
        """
        row = self._q("SELECT a_id, b_id FROM reviews WHERE id = ?", (review_id,)).fetchone()
        if row is None:
            raise StoreError(f"no review {review_id} in {self.location}")
        ids = (int(row[0]), int(row[1]))
        summary = f"kept contacts {ids[0]} and {ids[1]} apart (review {review_id})"
        with self.audited("apart", ids, summary) as audit_id:
            self.set_review_status(review_id, "apart")
        return audit_id[0]

    # -- events ----------------------------------------------------------------------

    def create_event(self, name: str, date: str | None, place: str | None) -> Event:
        """Create an event; names are unique, ignoring case.

        Raises:
            StoreError: an event with that name exists.
        """
        try:
            with self.transaction():
                cur = self._q(
                    "INSERT INTO events (name, date, place, created_at) VALUES (?, ?, ?, ?)",
                    (name, date, place, self.clock()),
                )
        except sqlite3.IntegrityError as e:
            raise StoreError(
                f"an event named {name!r} already exists",
                "choose another name (add the date or the place), or use the existing event",
            ) from e
        return self.event(str(cur.lastrowid))

    def events(self) -> list[Event]:
        """Every event, newest date first."""
        return [
            Event(*r)
            for r in self._q(
                "SELECT id, name, date, place, created_at FROM events"
                " ORDER BY coalesce(date, created_at) DESC, id DESC"
            )
        ]

    def event(self, ref: str) -> Event:
        """An event by name (ignoring case) or by id.

        Raises:
            StoreError: no such event.
        """
        row = self._q(
            "SELECT id, name, date, place, created_at FROM events WHERE name = ?", (ref,)
        ).fetchone()
        if row is None and ref.isdigit():
            row = self._q(
                "SELECT id, name, date, place, created_at FROM events WHERE id = ?", (int(ref),)
            ).fetchone()
        if row is None:
            raise StoreError(
                f"no event {ref!r} in {self.location}",
                "create it with `cardscan event create NAME`; `cardscan event list` shows them",
            )
        return Event(*row)

    def attendance(self, event_id: int, contact_id: int) -> Attendance | None:
        """One contact's attendance of an event, if any."""
        row = self._q(
            "SELECT event_id, contact_id, registered, walk_in, registered_at, arrived_at, source"
            " FROM attendance WHERE event_id = ? AND contact_id = ?",
            (event_id, contact_id),
        ).fetchone()
        return _attendance(row) if row else None

    def attendees(self, event_id: int) -> list[Attendance]:
        """Everyone registered for or arrived at an event, by contact id."""
        return [
            _attendance(r)
            for r in self._q(
                "SELECT event_id, contact_id, registered, walk_in, registered_at, arrived_at,"
                " source FROM attendance WHERE event_id = ? ORDER BY contact_id",
                (event_id,),
            )
        ]

    def register(self, event_id: int, contact_id: int, source: str) -> bool:
        """Put a contact on an event's roster; False if they were already on it."""
        with self.transaction():
            row = self.attendance(event_id, contact_id)
            if row is not None and row.registered:
                return False
            if row is None:
                self._q(
                    "INSERT INTO attendance (event_id, contact_id, registered, registered_at,"
                    " source) VALUES (?, ?, 1, ?, ?)",
                    (event_id, contact_id, self.clock(), source),
                )
            else:  # a walk-in who registers afterwards is registered after all
                self._q(
                    "UPDATE attendance SET registered = 1, walk_in = 0, registered_at = ?"
                    " WHERE event_id = ? AND contact_id = ?",
                    (self.clock(), event_id, contact_id),
                )
        return True

    def arrive(self, event_id: int, contact_id: int, at: str, source: str) -> Attendance:
        """Mark a contact arrived (a walk-in when not registered); the earliest time counts."""
        with self.transaction():
            row = self.attendance(event_id, contact_id)
            if row is None:
                self._q(
                    "INSERT INTO attendance (event_id, contact_id, walk_in, arrived_at, source)"
                    " VALUES (?, ?, 1, ?, ?)",
                    (event_id, contact_id, at, source),
                )
            elif row.arrived_at is None:
                self._q(
                    "UPDATE attendance SET arrived_at = ? WHERE event_id = ? AND contact_id = ?",
                    (at, event_id, contact_id),
                )
            found = self.attendance(event_id, contact_id)
        assert found is not None
        return found

    def link_met(
        self, event_id: int, contact_id: int, card_id: int, run_id: int | None = None
    ) -> bool:
        """Record that a card was collected at an event ("met at"); False if already linked."""
        with self.transaction():
            cur = self._q(
                "INSERT OR IGNORE INTO met (event_id, contact_id, card_id, run_id, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (event_id, contact_id, card_id, run_id, self.clock()),
            )
        return cur.rowcount > 0

    def met_at(self, contact_id: int) -> list[Event]:
        """The events where a contact's cards were collected."""
        return [
            Event(*r)
            for r in self._q(
                "SELECT DISTINCT e.id, e.name, e.date, e.place, e.created_at FROM met m"
                " JOIN events e ON e.id = m.event_id WHERE m.contact_id = ? ORDER BY e.id",
                (contact_id,),
            )
        ]

    def event_stats(self, event_id: int) -> EventStats:
        """Registered, arrived, walk-ins, no-shows and cards scanned at one event.

        ``arrived`` counts everyone checked in, walk-ins included (as ``event list`` and the
        report show it); ``walk_ins`` are those of them who had not registered.
        """
        registered, came, arrived, walk_ins = self._q(
            "SELECT coalesce(sum(registered), 0),"
            " coalesce(sum(registered AND arrived_at IS NOT NULL), 0),"
            " coalesce(sum(arrived_at IS NOT NULL), 0),"
            " coalesce(sum(walk_in), 0) FROM attendance a JOIN contacts c ON c.id = a.contact_id"
            " WHERE a.event_id = ? AND c.merged_into IS NULL",
            (event_id,),
        ).fetchone()
        cards = int(self._one("SELECT count(*) FROM met WHERE event_id = ?", (event_id,)))
        return EventStats(
            int(registered), int(arrived), int(walk_ins), int(registered) - int(came), cards
        )

    # -- what the exports, the follow-up plan and the report read ----------------------

    def _with_merged(self, ids: Iterable[int]) -> dict[int, int]:
        """``ids`` and every contact merged into one of them (directly or not) → that id.

        A card keeps the contact it was first read into; after a merge it belongs to the
        contact that one lives on in.
        """
        wanted = {int(i): int(i) for i in ids}
        for child, root in self._merged_roots().items():
            if root in wanted:
                wanted[child] = root
        return wanted

    def _merged_roots(self) -> dict[int, int]:
        """Every merged-away contact → the live contact it lives on in (one query)."""
        parent = dict(self._q("SELECT id, merged_into FROM contacts WHERE merged_into IS NOT NULL"))
        roots = {}
        for child in parent:
            seen, node = {child}, parent[child]
            while node in parent and node not in seen:
                seen.add(node)
                node = parent[node]
            roots[int(child)] = int(node)
        return roots

    def meetings(self, ids: Iterable[int]) -> dict[int, list[Meeting]]:
        """Where and when each contact's cards were collected, oldest first.

        A card scanned with ``--event`` is a meeting at that event (on the event's date when
        it has one); a card scanned without one is a meeting on the day it was scanned.
        """
        owner = self._with_merged(ids)
        out: dict[int, list[Meeting]] = {}
        for chunk in _chunks(sorted(owner), 900):
            marks = _placeholders(len(chunk))
            for row in self._q(
                "SELECT c.contact_id, c.id, c.path, c.seen_at, e.id, e.name, e.date, e.place,"
                " e.created_at FROM cards c LEFT JOIN met m ON m.card_id = c.id"
                f" LEFT JOIN events e ON e.id = m.event_id WHERE c.contact_id IN ({marks})"
                " ORDER BY c.seen_at, c.id",
                chunk,
            ):
                event = Event(*row[4:]) if row[4] is not None else None
                on = (event.date if event and event.date else row[3])[:10]
                out.setdefault(owner[int(row[0])], []).append(Meeting(event, on, row[1], row[2]))
        for found in out.values():
            found.sort(key=lambda m: (m.on, m.card_id or 0))
        return out

    def cards_of(self, ids: Iterable[int]) -> dict[int, list[StoredCard]]:
        """The card images read into each contact, with the record read from each."""
        owner = self._with_merged(ids)
        out: dict[int, list[StoredCard]] = {}
        for chunk in _chunks(sorted(owner), 900):
            for row in self._q(
                "SELECT contact_id, id, path, card, seen_at, record FROM cards"
                f" WHERE contact_id IN ({_placeholders(len(chunk))}) ORDER BY seen_at, id",
                chunk,
            ):
                try:
                    record = json.loads(row[5])
                except ValueError:  # written by this module, but never let one row stop a run
                    record = {}
                out.setdefault(owner[int(row[0])], []).append(
                    StoredCard(row[1], row[2], row[3], row[4], record)
                )
        for found in out.values():
            found.sort(key=lambda c: (c.seen_at, c.id))
        return out

    def attendance_of(self, ids: Iterable[int]) -> dict[int, list[tuple[Event, Attendance]]]:
        """Each contact's registrations and arrivals, with their events."""
        out: dict[int, list[tuple[Event, Attendance]]] = {}
        for chunk in _chunks(sorted(set(ids)), 900):
            for row in self._q(
                "SELECT e.id, e.name, e.date, e.place, e.created_at, a.event_id, a.contact_id,"
                " a.registered, a.walk_in, a.registered_at, a.arrived_at, a.source"
                " FROM attendance a JOIN events e ON e.id = a.event_id"
                f" WHERE a.contact_id IN ({_placeholders(len(chunk))}) ORDER BY e.id",
                chunk,
            ):
                out.setdefault(int(row[6]), []).append((Event(*row[:5]), _attendance(row[5:])))
        return out

    def contact_ids(
        self,
        *,
        event_id: int | None = None,
        since: str | None = None,
        tag: str | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[int]:
        """Live contacts, narrowed to an event's people, those seen since a date, a tag, ids."""
        where: list[str] = ["c.merged_into IS NULL"]
        params: list[Any] = []
        if ids is not None:
            wanted = sorted(set(ids))
            if len(wanted) > 900:  # SQLite's bound-parameter limit: narrow afterwards
                keep = set(wanted)
                found = self.contact_ids(event_id=event_id, since=since, tag=tag)
                return [c for c in found if c in keep]
            where.append(f"c.id IN ({_placeholders(len(wanted))})")
            params += wanted
        if event_id is not None:
            where.append(
                "c.id IN (SELECT contact_id FROM attendance WHERE event_id = ?"
                " UNION SELECT contact_id FROM met WHERE event_id = ?)"
            )
            params += [event_id, event_id]
        if since is not None:
            where.append("c.seen_at >= ?")
            params.append(since)
        if tag is not None:
            where.append("c.id IN (SELECT contact_id FROM tags WHERE tag = ? COLLATE NOCASE)")
            params.append(tag)
        rows = self._q(
            f"SELECT c.id FROM contacts c WHERE {' AND '.join(where)} ORDER BY c.id", params
        )
        return [int(r[0]) for r in rows]

    def engaged_ids(self) -> set[int]:
        """Contacts the follow-up plan concerns: met (a card), on an event's list, or with a task.

        A store filled from a CRM export holds many people you did not just meet; reading
        only these keeps planning fast however large the store grows.
        """
        rows = self._q(
            "SELECT contact_id FROM cards WHERE contact_id IS NOT NULL"
            " UNION SELECT contact_id FROM attendance UNION SELECT contact_id FROM tasks"
            " UNION SELECT other_id FROM tasks WHERE other_id IS NOT NULL"
        )
        roots = self._merged_roots()
        return {roots.get(int(r[0]), int(r[0])) for r in rows}

    def remove_tags(self, contact_id: int, tags: Iterable[str]) -> int:
        """Take tags off a contact; returns how many it had."""
        with self.transaction():
            removed = 0
            for tag in tags:
                removed += self._q(
                    "DELETE FROM tags WHERE contact_id = ? AND tag = ?", (contact_id, tag)
                ).rowcount
        return removed

    # -- follow-up tasks -----------------------------------------------------------------

    def add_task(
        self,
        contact_id: int,
        kind: str,
        due: str,
        priority: int,
        *,
        other_id: int | None = None,
        event_id: int | None = None,
        reason: str = "",
        after_id: int | None = None,
    ) -> int:
        """Add an open follow-up task; returns its id."""
        with self.transaction():
            cur = self._q(
                "INSERT INTO tasks (contact_id, other_id, kind, due, priority, event_id, reason,"
                " created_at, after_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    contact_id,
                    other_id,
                    kind,
                    due,
                    priority,
                    event_id,
                    reason,
                    self.clock(),
                    after_id,
                ),
            )
        return int(cur.lastrowid or 0)

    def tasks(
        self, *, status: str | None = "open", contact_ids: Iterable[int] | None = None
    ) -> list[Task]:
        """Tasks by status (None: all), optionally of some contacts, by due date then priority."""
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = (
            "SELECT id, contact_id, other_id, kind, due, priority, status, event_id, reason,"
            " created_at, done_at, after_id FROM tasks"
        )
        wanted = None if contact_ids is None else sorted(set(contact_ids))
        if wanted is not None and len(wanted) <= 900:
            # A few contacts (``task done``): the index, not a scan of every task.
            where.append(f"contact_id IN ({_placeholders(len(wanted))})")
            params += wanted
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = [Task(*r) for r in self._q(sql + " ORDER BY due, priority, id", params)]
        if wanted is not None and len(wanted) > 900:
            chosen = set(wanted)
            rows = [t for t in rows if t.contact_id in chosen]
        return rows

    def task(self, task_id: int) -> Task:
        """One task by id.

        Raises:
            StoreError: there is no such task.
        """
        row = self._q(
            "SELECT id, contact_id, other_id, kind, due, priority, status, event_id, reason,"
            " created_at, done_at, after_id FROM tasks WHERE id = ?",
            (task_id,),
        ).fetchone()
        if row is None:
            raise StoreError(
                f"no task {task_id} in {self.location}",
                "the ids are in the first column of followup tasks.csv and `cardscan task list`",
            )
        return Task(*row)

    def set_task_status(self, task_id: int, status: str) -> None:
        """Mark a task done, skipped, or open again (recording when)."""
        with self.transaction():
            done_at = None if status == "open" else self.clock()
            self._q(
                "UPDATE tasks SET status = ?, done_at = ? WHERE id = ?", (status, done_at, task_id)
            )

    def setting(self, key: str) -> str | None:
        """A stored setting (such as the follow-up cadence), or None."""
        row = self._q("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting for later runs."""
        with self.transaction():
            self._q(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- failed photos (the review queue shows them; cards rows without a contact) ----------

    def record_failed_card(
        self, sha256: str, card: int, path: str, record: dict[str, Any], run_id: int | None
    ) -> int | None:
        """Keep a photo that could not be read as a card without a contact; returns its id.

        Read again and failed again: the row is brought up to date (a dismissal stays).
        None when that card was read into a contact before (nothing to show).
        """
        with self.transaction():
            row = self._q(
                "SELECT id, contact_id, record FROM cards WHERE sha256 = ? AND card = ?",
                (sha256, card),
            ).fetchone()
            if row is None:
                return self.add_card(sha256, card, path, None, record, run_id)
            if row[1] is not None:
                return None
            old = json.loads(row[2] or "{}")
            if isinstance(old, dict) and old.get("dismissed"):
                record = {**record, "dismissed": old["dismissed"]}
            self._q(
                "UPDATE cards SET path = ?, record = ?, run_id = ?, seen_at = ? WHERE id = ?",
                (path, json.dumps(record, ensure_ascii=False), run_id, self.clock(), row[0]),
            )
            return int(row[0])

    def failed_cards(self) -> list[StoredCard]:
        """Photos that could not be read and were not typed in yet, oldest first."""
        out = []
        for row in self._q(
            "SELECT id, path, card, seen_at, record FROM cards WHERE contact_id IS NULL"
            " ORDER BY seen_at, id"
        ):
            try:
                record = json.loads(row[4])
            except ValueError:
                record = {}
            out.append(StoredCard(row[0], row[1], row[2], row[3], record))
        return out

    def drop_failed_cards(self, sha256: str, path: str) -> int:
        """Forget failures of a photo now read (same content, or same file); returns how many."""
        with self.transaction():
            cur = self._q(
                "DELETE FROM cards WHERE contact_id IS NULL AND (sha256 = ? OR path = ?)",
                (sha256, path),
            )
        return cur.rowcount

    def card_contact(self, card_id: int) -> int | None:
        """The live contact a card was read (or typed) into; None: none (a failed photo)."""
        found = self._one("SELECT contact_id FROM cards WHERE id = ?", (card_id,))
        return None if found is None else self.live_id(int(found))

    def set_card_record(self, card_id: int, record: dict[str, Any]) -> None:
        """Replace a card's stored record (a failed photo dismissed, or brought back)."""
        with self.transaction():
            self._q(
                "UPDATE cards SET record = ? WHERE id = ?",
                (json.dumps(record, ensure_ascii=False), card_id),
            )


def _audit_entry(r: Sequence[Any]) -> AuditEntry:
    return AuditEntry(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], bool(r[6]))


def _attendance(row: Sequence[Any]) -> Attendance:
    return Attendance(row[0], row[1], bool(row[2]), bool(row[3]), row[4], row[5], row[6])


def _same_text(a: str, b: str) -> bool:
    """Equal but for case, spacing and punctuation ("ACME, Inc." vs "Acme Inc")."""

    def norm(s: str) -> str:
        return " ".join("".join(ch if ch.isalnum() else " " for ch in s.casefold()).split())

    return norm(a) == norm(b)


def _row_order(row: Sequence[Any]) -> tuple[str, ...]:
    return tuple("" if v is None else f"{type(v).__name__}:{v}" for v in row)


def _canonical(snapshot: dict[str, Any] | list[Any]) -> str:
    """One text per state, so two snapshots (or rows) compare equal exactly when they do."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _store_error(location: str, error: sqlite3.Error) -> StoreError:
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{location} is busy: another cardscan is writing to it",
            "wait for it to finish and run the command again",
        )
    if "full" in text or ("disk I/O" in text and _disk_full(location)):
        return StoreError(
            f"cannot write the contact store {location}: disk full (nothing was changed)",
            "free some space on that disk and run the command again, or point --db at "
            "a store on another disk",
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"cannot write the contact store {location}: no write access (the file or its "
            "folder is read-only)",
            _READ_ONLY_HINT,
        )
    if "malformed" in text or "corrupt" in text:
        return StoreError(
            f"the contact store {location} is damaged ({text})",
            "restore it from a backup (`sqlite3 FILE .recover` may save most rows), "
            "or point --db at a new file",
        )
    return StoreError(f"cannot use the contact store {location}: {text}", _STORE_HINT)


_READ_ONLY_HINT = (
    "commands that only read (contacts, export, report, event list) still work; to change "
    "it, make the file and its folder writable, or point --db at a copy"
)

#: What to do when --db names no store.
_NO_STORE_HINT = (
    "check the path given by --db or CARDSCAN_DB; `cardscan scan`, `import` or "
    "`event create` make a new store"
)


def _disk_full(location: str | Path) -> bool:
    """Whether the disk holding ``location`` has no space left for a write."""
    try:
        fs = os.statvfs(Path(location).parent)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False
    return fs.f_bavail * fs.f_frsize < 64 * 1024


def _os_reason(e: OSError, location: str | Path) -> tuple[str, str]:
    """What an OSError on the store means for a person, and what to do about it."""
    reason = why(e)
    if reason == "disk full":
        return reason, "free some space on that disk, or point --db at another disk"
    if reason == "no write access":
        return reason, _READ_ONLY_HINT
    return reason, _STORE_HINT


def _uri(path: Path, **query: str) -> str:
    """A ``file:`` URI for SQLite (a path holding ``?`` or ``#`` stays a path)."""
    quoted = urllib.parse.quote(str(path.resolve()))
    return f"file:{quoted}?" + "&".join(f"{k}={v}" for k, v in query.items())


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open ``path`` without writing anything, even in a read-only folder or a full disk.

    ``mode=ro`` still needs the ``-shm`` file of a store in WAL mode; where that cannot
    be made, the file is read as it stands on disk (``immutable``).
    """
    try:
        conn = sqlite3.connect(
            _uri(path, mode="ro"),
            uri=True,
            isolation_level=None,
            timeout=15.0,
            check_same_thread=False,
        )
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        return sqlite3.connect(
            _uri(path, mode="ro", immutable="1"),
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )


def _refuse_foreign(path: Path) -> None:
    """Refuse a file that is not a cardscan store, before anything touches it.

    Nothing here writes: the header is read as bytes, the rest through a read-only
    connection. Another program's database keeps its mode, journal mode and bytes.

    Raises:
        StoreError: not SQLite, another program's database, or a newer cardscan's store.
    """
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        reason, hint = _os_reason(e, path)
        raise StoreError(f"cannot read the contact store {path}: {reason}", hint) from e
    if not header:
        return  # a new store (made empty by open_store, or by the user)
    other = "point --db or CARDSCAN_DB at another file; cardscan will create it"
    if not header.startswith(b"SQLite format 3\x00"):
        raise StoreError(f"{path} is not a cardscan contact store (not an SQLite database)", other)
    # Read through SQLite, not from the header bytes: in WAL mode the latest application
    # id and schema version may still sit in the -wal file.
    try:
        conn = _connect_read_only(path)
        try:
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {r[0] for r in rows}
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        if "malformed" in str(e) or "corrupt" in str(e):
            raise _store_error(str(path), e) from e
        raise StoreError(f"{path} is not a cardscan contact store ({e})", other) from e
    # Stores made before the application id was set are recognised by their tables.
    ours = {"contacts", "audit"} <= tables
    if app_id not in (0, APPLICATION_ID) or (
        app_id == 0 and ((version == 0 and tables) or (version > 0 and not ours))
    ):
        raise StoreError(
            f"{path} is not a cardscan contact store (it is another program's database)", other
        )
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{path} was written by a newer cardscan (schema {version}, this one knows up "
            f"to {len(MIGRATIONS)})",
            "upgrade cardscan: pip install -U cardscan",
        )


def _store_path(location: str | Path) -> Path:
    text = str(location)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme != "sqlite":
            raise StoreError(
                f"{scheme} stores are not supported yet: {text}",
                "use a file path for --db (a local SQLite store)",
            )
        text = text.split("://", 1)[1].removeprefix("/") if text.startswith("sqlite:///") else text
    return Path(text).expanduser()


def open_store(location: str | Path, *, create: bool = True, read_only: bool = False) -> Store:
    """Open the store at a path or ``sqlite:///`` URL, migrating it as needed.

    The file is checked to be a cardscan store (its SQLite header and application id)
    before anything is written to it: another program's database is refused as it is.
    A new file is created readable by its owner only, and the folders made for it too;
    an existing store readable by others is made private.

    Args:
        location: a file path or ``sqlite:///`` URL.
        create: make the store when there is none (commands that add to it); otherwise
            a missing store is an error naming the path (a mistyped ``--db``).
        read_only: for commands that only read: nothing is written, so a store in a
            read-only folder or on a full disk can still be read. A store whose schema
            is older than this cardscan's is migrated first if it can be written.

    Raises:
        StoreError: the location is a server URL this version cannot use, there is no
            store there (``create`` false), the file is not a cardscan store or is
            damaged, was written by a newer cardscan, or cannot be opened or written
            (no write access, disk full).
    """
    path = _store_path(location)
    if not path.exists():
        if not create:
            raise StoreError(f"no contact store at {path}", _NO_STORE_HINT)
        _create_store_file(path)
    elif path.is_dir():
        raise StoreError(f"{path} is a folder, not a contact store", _NO_STORE_HINT)
    _refuse_foreign(path)
    if read_only:
        store = _open_read_only(path)
        if store is not None:
            return store
    return _open_read_write(path)


def _create_store_file(path: Path) -> None:
    try:
        make_private_dirs(path.parent)
        # Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the
        # same mode as the database.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process made it first
    except OSError as e:
        reason, hint = _os_reason(e, path)
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            hint = "you may not write there: choose a file in a folder of yours with --db"
        raise StoreError(f"cannot create the contact store {path}: {reason}", hint) from e


def _open_read_only(path: Path) -> Store | None:
    """The store opened for reading only, or None if it must first be migrated."""
    try:
        conn = _connect_read_only(path)
        conn.execute("PRAGMA foreign_keys = ON")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as e:
        raise _store_error(str(path), e) from e
    if version < len(MIGRATIONS):
        conn.close()
        return None
    return Store(conn, str(path))


def _open_read_write(path: Path) -> Store:
    try:
        fd = os.open(path, os.O_RDWR)
        try:
            if os.fstat(fd).st_mode & 0o077:
                log.warning("%s was readable by others; it is now private to you", path)
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        conn = sqlite3.connect(path, isolation_level=None, timeout=15.0, check_same_thread=False)
    except OSError as e:
        reason, hint = _os_reason(e, path)
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = "no write access (the file or its folder is read-only)"
        raise StoreError(f"cannot open the contact store {path}: {reason}", hint) from e
    except sqlite3.Error as e:
        raise _store_error(str(path), e) from e
    store = Store(conn, str(path))
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable across app crashes
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(store)
    except sqlite3.DatabaseError as e:
        conn.close()
        raise _store_error(str(path), e) from e
    except BaseException:
        conn.close()
        raise
    return store


#: ``PRAGMA application_id`` of a cardscan store ("CRDS"), so no other program's SQLite
#: file is taken for one (and ``file(1)`` can tell what it is).
APPLICATION_ID = 0x43524453


def _migrate(store: Store) -> None:
    conn = store._conn
    version = store.schema_version
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{store.location} was written by a newer cardscan (schema {version}, this one "
            f"knows up to {len(MIGRATIONS)})",
            "upgrade cardscan: pip install -U cardscan",
        )
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # Another program's database: writing cardscan's tables into it would damage it.
    # (Stores made before the application id was set are recognised by their tables.)
    foreign = app_id not in (0, APPLICATION_ID) or (
        bool(tables) if version == 0 else not {"contacts", "audit"} <= tables
    )
    if foreign:
        raise StoreError(
            f"{store.location} is not a cardscan contact store (it is another program's database)",
            "point --db or CARDSCAN_DB at another file; cardscan will create it",
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        log.info("migrating %s to schema %d", store.location, number)
        stamp = f"PRAGMA application_id = {APPLICATION_ID};" if number == 1 else ""
        # One transaction per step: a migration killed halfway leaves the old version.
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\n{stamp}\nCOMMIT;"
            )
        except BaseException as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Two processes opening a new store at once: the other one migrated it.
            if isinstance(e, sqlite3.Error) and store.schema_version >= number:
                continue
            raise
