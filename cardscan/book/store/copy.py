"""Copying a whole store to another (an SQLite file onto the team's PostgreSQL server).

Every row of every table is copied with its id, so the audit log's snapshots, undo, card
links and task chains mean the same in the copy. The copy is one transaction: a copy
that fails or is killed leaves the target empty.
"""

from __future__ import annotations

from cardscan.book.store.base import StoreBase
from cardscan.book.store.schema import metadata
from cardscan.errors import StoreError

#: Rows sent to the target per statement.
BATCH = 1000


def copy_store(source: StoreBase, target: StoreBase) -> dict[str, int]:
    """Copy every row of ``source`` into the empty store ``target``; rows copied per table.

    Raises:
        StoreError: the target already holds contacts, cards, events or runs.
    """
    if source.location == target.location:
        raise StoreError(f"cannot copy {source.location} onto itself")
    held = [t for t in ("contacts", "cards", "events", "runs") if target._one(f"SELECT 1 FROM {t}")]
    if held:
        raise StoreError(
            f"{target.location} is not empty (it holds {', '.join(held)})",
            "copy into a new store: a new file, or an empty PostgreSQL database (createdb)",
        )
    counts: dict[str, int] = {}
    with target.transaction():
        if target.backend == "sqlite":
            target._q("PRAGMA defer_foreign_keys = ON")
        else:
            target._q("SET CONSTRAINTS ALL DEFERRED")
        for table in metadata.sorted_tables:
            columns = [c.name for c in table.columns]
            names = ", ".join(columns)
            order = ", ".join(c.name for c in table.primary_key.columns)
            insert = (
                f"INSERT INTO {table.name} ({names}) VALUES ({', '.join(':' + c for c in columns)})"
            )
            result = source._q(f"SELECT {names} FROM {table.name} ORDER BY {order}")
            counts[table.name] = 0
            while rows := result.fetchmany(BATCH):
                target._many(insert, [dict(zip(columns, row, strict=True)) for row in rows])
                counts[table.name] += len(rows)
        if target.backend == "postgresql":
            # New rows continue after the copied ids.
            for table in metadata.sorted_tables:
                if "id" in table.columns and table.columns["id"].primary_key:
                    target._q(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                        f" coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"
                    )
    return counts
