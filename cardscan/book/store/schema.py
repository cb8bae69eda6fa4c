"""The store's tables, written once for SQLite and PostgreSQL (SQLAlchemy Core MetaData).

This is the schema as it stands (the head of the migrations): a new store is made from
it and stamped with :data:`HEAD_REVISION`; an existing store runs the revisions in
``migrations/versions`` to get here (see :mod:`.migrate`). Schema 3 is the last schema of
the hand-written SQLite store, adopted as it is; revision 0004 added ``tasks.top``. To
change a table, change it here *and* add a revision that makes the same change (a test
checks the revisions end at these tables).

Portable choices:

- Ids are ``INTEGER PRIMARY KEY`` on SQLite and ``SERIAL`` on PostgreSQL.
- Times are ISO 8601 text in UTC (sorting them as text sorts them in time).
- Yes/no columns are integers 0/1 on both, and queries compare them with ``= 1``.
- Event names are unique ignoring case: ``COLLATE NOCASE`` on SQLite (as before), a unique
  index on ``lower(name)`` on PostgreSQL; queries compare ``lower(name)``.
- References are ``DEFERRABLE``: undo takes rows out and puts them back with their ids,
  and the references are checked at commit, when the set is whole again.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
)


def build_metadata() -> MetaData:
    """The schema's tables (a new MetaData each call, so a migration can freeze its own)."""
    md = MetaData()

    def ref(target: str) -> ForeignKey:
        return ForeignKey(target, deferrable=True, initially="IMMEDIATE")

    Table(
        "runs",
        md,
        Column("id", Integer, primary_key=True),
        Column("kind", Text, nullable=False),
        Column("who", Text, nullable=False),
        Column("started_at", Text, nullable=False),
        Column("finished_at", Text),
        Column("detail", Text, nullable=False, server_default="{}"),
    )
    Table(
        "contacts",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", Text),
        Column("given_name", Text),
        Column("family_name", Text),
        Column("title", Text),
        Column("company", Text),
        Column("address", Text),
        Column("source", Text, nullable=False),
        Column("created_at", Text, nullable=False),
        Column("seen_at", Text, nullable=False),
        Column("merged_into", Integer, ref("contacts.id")),
        Index("contacts_merged_into", "merged_into"),
    )
    Table(
        "contact_values",
        md,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("kind", Text, nullable=False),
        Column("value", Text, nullable=False),
        Column("display", Text, nullable=False),
        Column("type", Text),
        Column("ext", Text),
        Column("confidence", Float),
        Column("source", Text, nullable=False),
        Column("first_seen", Text, nullable=False),
        Column("last_seen", Text, nullable=False),
        CheckConstraint("kind IN ('email', 'phone', 'website', 'social')"),
        UniqueConstraint("contact_id", "kind", "value"),
        Index("contact_values_value", "kind", "value"),
    )
    Table(
        "match_keys",
        md,
        Column("key", Text, nullable=False),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        PrimaryKeyConstraint("key", "contact_id"),
        Index("match_keys_contact", "contact_id"),
        sqlite_with_rowid=False,
    )
    Table(
        "history",
        md,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("title", Text),
        Column("company", Text),
        Column("address", Text),
        Column("until", Text, nullable=False),
        Column("source", Text, nullable=False),
        Index("history_contact", "contact_id"),
    )
    Table(
        "conflicts",
        md,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("field", Text, nullable=False),
        Column("kept", Text, nullable=False),
        Column("other", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("at", Text, nullable=False),
        Index("conflicts_contact", "contact_id"),
    )
    events = Table(
        "events",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "name",
            Text().with_variant(Text(collation="NOCASE"), "sqlite"),
            nullable=False,
            unique=True,
        ),
        Column("date", Text),
        Column("place", Text),
        Column("created_at", Text, nullable=False),
    )
    Index("events_name_lower", func.lower(events.c.name), unique=True).ddl_if(dialect="postgresql")
    Table(
        "cards",
        md,
        Column("id", Integer, primary_key=True),
        Column("sha256", Text, nullable=False),
        Column("card", Integer, nullable=False),
        Column("path", Text, nullable=False),
        Column("seen_at", Text, nullable=False),
        Column("run_id", Integer, ref("runs.id")),
        Column("contact_id", Integer, ref("contacts.id")),
        Column("record", Text, nullable=False),
        UniqueConstraint("sha256", "card"),
        Index("cards_contact", "contact_id"),
    )
    Table(
        "attendance",
        md,
        Column("event_id", Integer, ref("events.id"), nullable=False),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("registered", Integer, nullable=False, server_default="0"),
        Column("walk_in", Integer, nullable=False, server_default="0"),
        Column("registered_at", Text),
        Column("arrived_at", Text),
        Column("source", Text, nullable=False),
        PrimaryKeyConstraint("event_id", "contact_id"),
        Index("attendance_contact", "contact_id"),
    )
    Table(
        "met",
        md,
        Column("id", Integer, primary_key=True),
        Column("event_id", Integer, ref("events.id"), nullable=False),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("card_id", Integer, ref("cards.id"), nullable=False),
        Column("run_id", Integer, ref("runs.id")),
        Column("at", Text, nullable=False),
        UniqueConstraint("event_id", "card_id"),
        Index("met_contact", "contact_id"),
    )
    Table(
        "notes",
        md,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("text", Text, nullable=False),
        Column("at", Text, nullable=False),
        Column("event_id", Integer, ref("events.id")),
        Column("run_id", Integer, ref("runs.id")),
        Index("notes_contact", "contact_id"),
    )
    Table(
        "tags",
        md,
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("tag", Text, nullable=False),
        PrimaryKeyConstraint("contact_id", "tag"),
        sqlite_with_rowid=False,
    )
    Table(
        "reviews",
        md,
        Column("id", Integer, primary_key=True),
        Column("a_id", Integer, ref("contacts.id"), nullable=False),
        Column("b_id", Integer, ref("contacts.id"), nullable=False),
        Column("score", Float, nullable=False),
        Column("reasons", Text, nullable=False),
        Column("status", Text, nullable=False, server_default="open"),
        Column("created_at", Text, nullable=False),
        Column("decided_at", Text),
        CheckConstraint("status IN ('open', 'merged', 'apart')"),
        Index("reviews_a", "a_id"),
        Index("reviews_b", "b_id"),
        Index("reviews_status", "status"),
    )
    Table(
        "audit",
        md,
        Column("id", Integer, primary_key=True),
        Column("at", Text, nullable=False),
        Column("who", Text, nullable=False),
        Column("action", Text, nullable=False),
        Column("contacts", Text, nullable=False),
        Column("summary", Text, nullable=False),
        Column("before", Text, nullable=False),
        Column("after", Text, nullable=False),
        Column("undone", Integer, nullable=False, server_default="0"),
        Column("undone_at", Text),
        Column("undone_by", Text),
    )
    Table(
        "tasks",
        md,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("other_id", Integer, ref("contacts.id")),
        Column("kind", Text, nullable=False),
        Column("due", Text, nullable=False),
        Column("priority", Integer, nullable=False),
        Column("status", Text, nullable=False, server_default="open"),
        Column("event_id", Integer, ref("events.id")),
        Column("reason", Text, nullable=False, server_default=""),
        Column("created_at", Text, nullable=False),
        Column("done_at", Text),
        Column("after_id", Integer, ref("tasks.id")),
        # The N of the ``--top N`` that made this a priority-1 task (revision 0004).
        Column("top", Integer),
        CheckConstraint("status IN ('open', 'done', 'skipped')"),
        Index("tasks_contact", "contact_id"),
        Index("tasks_other", "other_id"),
        Index("tasks_status", "status", "due"),
    )
    Table(
        "settings",
        md,
        Column("key", Text, primary_key=True),
        Column("value", Text, nullable=False),
        sqlite_with_rowid=False,
    )
    Table(
        "corrections",
        md,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ref("contacts.id"), nullable=False),
        Column("field", Text, nullable=False),
        Column("before", Text),
        Column("after", Text),
        Column("who", Text, nullable=False),
        Column("at", Text, nullable=False),
        Index("corrections_contact", "contact_id"),
    )
    Table(
        "checked",
        md,
        Column("contact_id", Integer, ref("contacts.id"), primary_key=True, autoincrement=False),
        Column("who", Text, nullable=False),
        Column("at", Text, nullable=False),
    )
    Table(
        "card_geometry",
        md,
        Column("card_id", Integer, ref("cards.id"), primary_key=True, autoincrement=False),
        Column("geometry", Text, nullable=False),
    )
    return md


#: The Alembic revision these tables are at (the head of migrations/versions; a test
#: checks the two agree). Opening a store at this revision needs no Alembic at all.
HEAD_REVISION = "0004"

#: The tables as they stand; the queries name their columns from here.
metadata = build_metadata()


def primary_key(table: str) -> list[str]:
    """The columns of a table's primary key, in order."""
    return [c.name for c in metadata.tables[table].primary_key.columns]
