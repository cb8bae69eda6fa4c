"""Moving a store forward: an SQLite store written by the release before Alembic.

The schema scripts of that release (versions 1-3, ``PRAGMA user_version``) are copied
here verbatim, so these tests build the very file an existing user has, whatever the
package's own copy becomes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy
from alembic import command
from conftest import dump, sql
from test_store import contact

from cardscan.book.ingest import Ingester
from cardscan.book.store import Store, head, open_store
from cardscan.book.store.connect import parse_location, postgres_engine
from cardscan.book.store.copy import copy_store
from cardscan.book.store.legacy import APPLICATION_ID, LEGACY_VERSION
from cardscan.book.store.migrate import alembic_config
from cardscan.book.store.schema import HEAD_REVISION, metadata
from cardscan.errors import StoreError
from cardscan.outputs.followup import priority_label

#: The released cardscan's schema scripts, one per version (never edit).
RELEASED_SCRIPTS = (
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

#: The released cardscan's application id ("CRDS").
RELEASED_APPLICATION_ID = 0x43524453

#: A row in every table of schema 3, as the released cardscan wrote them.
ROWS = """
INSERT INTO runs VALUES (1, 'scan', 'ada', '2026-01-02T09:00:00+00:00',
    '2026-01-02T09:05:00+00:00', '{"photos": 2}');
INSERT INTO contacts VALUES (1, 'Ada Quill', 'Ada', 'Quill', 'Analyst', 'Brightwater Ltd',
    '1 Harbour Way', 'card a.jpg', '2026-01-02T09:00:00+00:00', '2026-01-02T09:00:00+00:00', NULL);
INSERT INTO contacts VALUES (2, 'Ada Quill', NULL, NULL, NULL, 'Brightwater', NULL,
    'card b.jpg', '2026-01-02T09:01:00+00:00', '2026-01-02T09:01:00+00:00', 1);
INSERT INTO contacts VALUES (3, 'Bo Lind', NULL, NULL, 'Owner', 'Lind & Daughters', NULL,
    'import:csv', '2026-01-03T10:00:00+00:00', '2026-01-03T10:00:00+00:00', NULL);
INSERT INTO contact_values VALUES (1, 1, 'email', 'ada@brightwater.example',
    'Ada@Brightwater.example', NULL, NULL, 0.93, 'card a.jpg', '2026-01-02T09:00:00+00:00',
    '2026-01-02T09:01:00+00:00');
INSERT INTO contact_values VALUES (2, 1, 'phone', '+12025550143', '(202) 555-0143', 'mobile',
    '12', 1.0, 'card a.jpg', '2026-01-02T09:00:00+00:00', '2026-01-02T09:00:00+00:00');
INSERT INTO contact_values VALUES (3, 2, 'email', 'ada@brightwater.example',
    'ada@brightwater.example', NULL, NULL, 0.8, 'card b.jpg', '2026-01-02T09:01:00+00:00',
    '2026-01-02T09:01:00+00:00');
INSERT INTO contact_values VALUES (4, 3, 'website', 'lind.example', 'https://lind.example/',
    NULL, NULL, NULL, 'import:csv', '2026-01-03T10:00:00+00:00', '2026-01-03T10:00:00+00:00');
INSERT INTO match_keys VALUES ('e:ada@brightwater.example', 1);
INSERT INTO match_keys VALUES ('n:quill', 1);
INSERT INTO match_keys VALUES ('n:lind', 3);
INSERT INTO history VALUES (1, 1, 'Intern', 'Globex Foods', NULL, '2025-06-01T00:00:00+00:00',
    'import:csv');
INSERT INTO conflicts VALUES (1, 1, 'company', 'Brightwater Ltd', 'Brightwater', 'card b.jpg',
    '2026-01-02T09:01:00+00:00');
INSERT INTO events VALUES (1, 'Spring Fair', '2026-03-01', 'Hall 2', '2026-01-01T08:00:00+00:00');
INSERT INTO cards VALUES (1, 'aa', 0, '/photos/a.jpg', '2026-01-02T09:00:00+00:00', 1, 1,
    '{"name": "Ada Quill"}');
INSERT INTO cards VALUES (2, 'bb', 0, '/photos/b.jpg', '2026-01-02T09:01:00+00:00', 1, 2,
    '{"name": "Ada Quill"}');
INSERT INTO attendance VALUES (1, 1, 1, 0, '2026-02-01T08:00:00+00:00',
    '2026-03-01T18:00:00+00:00', 'roster');
INSERT INTO attendance VALUES (1, 3, 0, 1, NULL, '2026-03-01T18:30:00+00:00', 'door');
INSERT INTO met VALUES (1, 1, 1, 1, 1, '2026-03-01T18:05:00+00:00');
INSERT INTO notes VALUES (1, 1, 'Wants the catalogue', '2026-03-01T18:06:00+00:00', 1, 1);
INSERT INTO tags VALUES (1, 'vip');
INSERT INTO tags VALUES (3, 'supplier');
INSERT INTO reviews VALUES (1, 1, 3, 0.61, '["company differs"]', 'open',
    '2026-01-03T10:00:00+00:00', NULL);
INSERT INTO audit VALUES (1, '2026-01-02T09:01:00+00:00', 'ada', 'merge', '[1, 2]',
    'merged contact 2 into 1', '{}', '{}', 0, NULL, NULL);
INSERT INTO tasks VALUES (1, 1, NULL, 'email', '2026-03-02', 1, 'open', 1, 'met at the fair',
    '2026-03-01T19:00:00+00:00', NULL, NULL);
INSERT INTO tasks VALUES (2, 1, 3, 'intro', '2026-03-09', 2, 'done', 1, '',
    '2026-03-01T19:00:00+00:00', '2026-03-05T10:00:00+00:00', 1);
INSERT INTO settings VALUES ('cadence', '3,7,30');
INSERT INTO corrections VALUES (1, 1, 'title', 'Analist', 'Analyst', 'ada',
    '2026-01-02T10:00:00+00:00');
INSERT INTO checked VALUES (1, 'ada', '2026-01-02T10:00:00+00:00');
INSERT INTO card_geometry VALUES (1, '{"corners": [[0, 0], [10, 0], [10, 6], [0, 6]]}');
"""


def released_store(path: Path, version: int, rows: str = "") -> None:
    """A store file as the released cardscan left it at ``version``."""
    conn = sqlite3.connect(path)
    for number, script in enumerate(RELEASED_SCRIPTS[:version], start=1):
        stamp = f"PRAGMA application_id = {RELEASED_APPLICATION_ID};" if number == 1 else ""
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\n{stamp}\nCOMMIT;")
    conn.executescript(f"BEGIN;\n{rows}\nCOMMIT;")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def with_top(rows: dict[str, list[tuple]], tops: dict[int, int] | None = None) -> dict:
    """Rows of a schema-3 store as they read after revision 0004: tasks end with ``top``."""
    tops = tops or {}
    return rows | {"tasks": [(*t, tops.get(t[0])) for t in rows.get("tasks", [])]}


def raw_dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    conn.close()
    return found


def test_a_released_v3_store_is_adopted_with_every_row(tmp_path: Path) -> None:
    path = tmp_path / "contacts.db"
    released_store(path, 3, ROWS)
    before = raw_dump(path)
    assert len(before) == 19 and all(before.values())  # a row in every table
    with open_store(path, user="bo") as s:
        assert s.schema_version == int(head()) == 4
        assert dump(s) == with_top(before)
        assert sql(s, "SELECT version_num FROM alembic_version") == [(head(),)]
        # The adopted store works: case-insensitive event names, search, a merge and undo.
        assert s.event("SPRING FAIR").id == 1
        assert s.search("BRIGHTWATER") == [1]
        assert s.check() == []
        audit_id = Ingester(s).merge(1, 3)
        assert s.audit_entry(audit_id).who == "bo"
        s.undo(audit_id)
        after = dump(s)
        assert after | {"audit": []} == with_top(before) | {"audit": []}
        assert after["audit"][0] == before["audit"][0]
    # An older cardscan still reads it as its own: version 3, its application id.
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert conn.execute("PRAGMA application_id").fetchone()[0] == RELEASED_APPLICATION_ID
    conn.close()
    with open_store(path, read_only=True) as s:  # opened again: nothing left to migrate
        assert s.count_contacts() == 2


@pytest.mark.parametrize("version", [1, 2])
def test_older_released_stores_are_upgraded(tmp_path: Path, version: int) -> None:
    path = tmp_path / "contacts.db"
    rows = ROWS.split("INSERT INTO tasks")[0]  # the tables of version 1
    released_store(path, version, rows)
    before = raw_dump(path)
    with open_store(path) as s:
        assert s.schema_version == 4
        after = dump(s)
        assert {t: after[t] for t in before} == before
        assert {"tasks", "settings", "corrections", "checked", "card_geometry"} <= set(after)
        s.add_task(1, "email", "2026-04-01", 1)
        assert [t.kind for t in s.tasks()] == ["email"]


def test_a_store_at_an_unknown_revision_is_from_a_newer_cardscan(db_url: str) -> None:
    with open_store(db_url) as s:
        sql(s, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer cardscan") as info:
        open_store(db_url)
    assert "upgrade" in (info.value.hint or "")


def test_a_new_store_has_the_released_tables_on_both_databases(db_url: str) -> None:
    with open_store(db_url) as s:
        assert s.schema_version == int(head())
        tables = set(dump(s))
    released = {
        line.split()[2]
        for script in RELEASED_SCRIPTS
        for line in script.splitlines()
        if line.strip().startswith("CREATE TABLE")
    }
    assert tables == released


def test_the_schema_names_the_newest_alembic_revision() -> None:
    from cardscan.book.store import migrate

    assert migrate.head() == head()


# -- revision 0004: tasks.top -----------------------------------------------------------------

#: Tasks as cardscan at revision 0003 wrote them: ``--top N`` picks were told apart only by
#: their reason text (priority 1). Ids: the pick each task's ``top`` must read after 0004.
TOP_TASKS = """
INSERT INTO tasks VALUES (3, 3, NULL, 'thank-you', '2026-03-02', 1, 'open', 1,
    'ranked in the top 3 new contacts by --top 3', '2026-03-01T19:00:00+00:00', NULL, NULL);
INSERT INTO tasks VALUES (4, 3, NULL, 'check-in', '2026-04-02', 1, 'open', 1,
    'ranked in the top 12 new contacts by --top 12', '2026-03-01T19:00:00+00:00', NULL, 3);
INSERT INTO tasks VALUES (5, 3, NULL, 'meet', '2026-03-02', 1, 'done', 1,
    'ranked in the top 3 new contacts by --top 4', '2026-03-01T19:00:00+00:00', NULL, NULL);
INSERT INTO tasks VALUES (6, 3, NULL, 'meet', '2026-03-02', 2, 'open', 1,
    'ranked in the top 3 new contacts by --top 3', '2026-03-01T19:00:00+00:00', NULL, NULL);
INSERT INTO tasks VALUES (7, 3, NULL, 'meet', '2026-03-02', 1, 'open', 1,
    'ranked in the top 3 new contacts by --top 3 (noted)', '2026-03-01T19:00:00+00:00',
    NULL, NULL);
"""
#: The only exact ``--top N`` texts on priority-1 tasks above; tasks 1, 2 and 5-7 stay NULL.
TOP_FILLED = {3: 3, 4: 12}


def store_at_revision(location: str, revision: str, rows: str) -> dict[str, list[tuple]]:
    """A store as the cardscan of ``revision`` made it (its revisions run from nothing).

    Returns every row written, per table, as :func:`conftest.dump` reads them.
    """
    where = parse_location(location)
    if where.path is not None:
        where.path.parent.mkdir(parents=True, exist_ok=True)
        engine = sqlalchemy.create_engine(f"sqlite:///{where.path}")
    else:
        assert where.url is not None
        engine = postgres_engine(where.url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        if where.path is not None:  # what that cardscan's migrate() left on a file
            conn.exec_driver_sql(f"PRAGMA user_version = {LEGACY_VERSION}")
            conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        for statement in rows.split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        tables = sorted(set(sqlalchemy.inspect(conn).get_table_names()) - {"alembic_version"})
        written = {
            t: sorted((tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t}")), key=repr)
            for t in tables
        }
    engine.dispose()
    return written


def test_a_revision_0003_store_is_upgraded_and_its_top_picks_become_data(db_url: str) -> None:
    before = store_at_revision(db_url, "0003", ROWS + TOP_TASKS)
    assert len(before) == 19 and all(before.values()) and len(before["tasks"]) == 7
    assert all(len(t) == 12 for t in before["tasks"])  # no top column yet
    with open_store(db_url) as s:
        assert s.schema_version == int(head()) == 4
        assert dump(s) == with_top(before, TOP_FILLED)  # every row kept, top filled
        tasks = {t.id: t for t in s.tasks(status=None)}
        assert {i: t.top for i, t in tasks.items()} == {i: TOP_FILLED.get(i) for i in range(1, 8)}
        assert priority_label(tasks[3].priority, tasks[3].top) == "top 3"
        assert priority_label(tasks[1].priority, tasks[1].top) == "hot"  # an ordinary task
        assert tasks[3].reason == "ranked in the top 3 new contacts by --top 3"  # still said
        assert s.check() == []
    with open_store(db_url) as s:  # opened again: nothing left to do
        assert s.schema_version == 4 and s.task(4).top == 12


def test_the_revisions_from_nothing_end_at_the_tables_a_new_store_gets(db_url: str) -> None:
    # A schema change edits schema.py and adds a revision: the two must agree.
    store_at_revision(db_url, "head", "")
    with open_store(db_url) as s:
        made_by_revisions = tables_of(s)
    if "://" in db_url:  # PostgreSQL: empty the test's schema; cardscan makes it anew
        with open_store(db_url) as s:
            for table in [*reversed(metadata.sorted_tables), "alembic_version"]:
                sql(s, f"DROP TABLE {getattr(table, 'name', table)}")
        fresh = db_url
    else:  # SQLite: a second file
        fresh = db_url + "-new.db"
    with open_store(fresh) as s:
        assert s.schema_version == 4
        made_from_metadata = tables_of(s)
    assert made_by_revisions == made_from_metadata
    assert ("top", "INTEGER", True) in made_from_metadata["tasks"]["columns"]


def tables_of(store: Store) -> dict[str, dict[str, object]]:
    """Each table's columns (name, type, nullable), indexes, unique and foreign keys."""
    found = sqlalchemy.inspect(store._conn)
    return {
        t: {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(t)
            ),
            "indexes": sorted(
                (i["name"], tuple(map(str, i["column_names"])), bool(i["unique"]))
                for i in found.get_indexes(t)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(t)),
            "references": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in found.get_foreign_keys(t)
            ),
        }
        for t in found.get_table_names()
        if t != "alembic_version"
    }


def test_a_new_store_is_made_at_head_without_running_a_revision(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command as alembic_command

    def no_upgrade(*args: object, **kwargs: object) -> None:
        raise AssertionError("a new store ran a revision")

    monkeypatch.setattr(alembic_command, "upgrade", no_upgrade)
    with open_store(db_url) as s:
        assert s.schema_version == int(head())
        assert sql(s, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
        s.add_task(s.add_contact(contact("Ada Quill"), "desk"), "meet", "2026-04-01", 1, top=5)
        assert [t.top for t in s.tasks()] == [5]


def test_a_released_store_with_top_picks_upgrades_and_copies_with_them(
    tmp_path: Path, db_url: str
) -> None:
    source = tmp_path / "laptop.db"
    released_store(source, 3, ROWS + TOP_TASKS)
    before = raw_dump(source)
    with open_store(source) as laptop, open_store(db_url) as server:
        assert dump(laptop) == with_top(before, TOP_FILLED)
        copy_store(laptop, server)
        assert dump(server) == dump(laptop)
        assert server.task(3).top == 3
