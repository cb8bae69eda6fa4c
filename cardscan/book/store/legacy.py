"""The hand-written SQLite schema scripts of cardscan before Alembic (versions 1 to 3).

Kept verbatim, never edited: a store written by an older cardscan at version 1 or 2 runs
the scripts it lacks to reach version 3, the schema the first Alembic revision starts
from (:mod:`.migrate`). Versions were counted in ``PRAGMA user_version``.
"""

from __future__ import annotations

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

#: The last hand-written version; the first Alembic revision is this schema.
LEGACY_VERSION = len(MIGRATIONS)

#: ``PRAGMA application_id`` of a cardscan SQLite store ("CRDS"), so no other program's
#: SQLite file is taken for one (and ``file(1)`` can tell what it is).
APPLICATION_ID = 0x43524453
