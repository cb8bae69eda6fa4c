"""The contact store: every contact, card, event and decision cardscan has seen.

One schema and one query layer for two databases, chosen by ``--db``: an SQLite file
(the default, nothing to set up) or a team's PostgreSQL server. Tables are SQLAlchemy
Core MetaData (:mod:`.schema`), queries portable SQL text, the schema migrated forward
by Alembic from inside cardscan (:mod:`.migrate`). The rest of cardscan calls
:class:`Store` methods and gets frozen records back (:mod:`.records`).

Design:

- SQLite: one file, private to its owner (0600, its folder 0700), in WAL mode so readers
  never wait for a writer. PostgreSQL: one database (or schema) per team.
- Every email, phone, website and social handle is a row of its own with its kind, type,
  source and first/last seen, so merging two contacts never has to choose between values.
- Contacts are never deleted: a contact merged into another keeps its row with
  ``merged_into`` set, and every merge or edit is written to the audit log (with who made
  it) and the rows it touched before and after, so :meth:`Store.undo` can put them back.
- Writes happen in :meth:`Store.transaction`, which takes the store's write lock; a
  process killed at any moment leaves the store as it was before the transaction began,
  and several writers at once never double a contact (:mod:`.base`).

Modules: ``records`` (frozen records), ``schema`` (tables), ``connect`` (URL → engine,
file privacy, errors in words), ``migrate`` and ``migrations/`` (Alembic), ``legacy``
(the hand-written SQLite scripts of versions 1-3), ``base``, ``contacts``, ``events``,
``audit`` and ``merge`` (the Store, by area), ``opening`` (:func:`open_store`).
"""

from __future__ import annotations

from cardscan.book.store.connect import Location, mask, parse_location
from cardscan.book.store.legacy import APPLICATION_ID, LEGACY_VERSION, MIGRATIONS
from cardscan.book.store.merge import Store
from cardscan.book.store.opening import head, open_store
from cardscan.book.store.records import (
    SINGLE_FIELDS,
    VALUE_KINDS,
    Attendance,
    AuditEntry,
    CardSeen,
    Change,
    Conflict,
    CorrectionRow,
    Event,
    EventStats,
    MatchRow,
    Meeting,
    PastJob,
    Review,
    StoredCard,
    StoredContact,
    StoredValue,
    Task,
    current_user,
    local_time,
    now_iso,
    value_key,
)

__all__ = [
    "APPLICATION_ID",
    "LEGACY_VERSION",
    "MIGRATIONS",
    "SINGLE_FIELDS",
    "VALUE_KINDS",
    "Attendance",
    "AuditEntry",
    "CardSeen",
    "Change",
    "Conflict",
    "CorrectionRow",
    "Event",
    "EventStats",
    "Location",
    "MatchRow",
    "Meeting",
    "PastJob",
    "Review",
    "Store",
    "StoredCard",
    "StoredContact",
    "StoredValue",
    "Task",
    "current_user",
    "head",
    "local_time",
    "mask",
    "now_iso",
    "open_store",
    "parse_location",
    "value_key",
]
