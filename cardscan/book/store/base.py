"""The store's plumbing: one connection, transactions that lock what they must, queries.

Every query is SQL text both SQLite and PostgreSQL run the same (through SQLAlchemy's
``text()`` with bound values); the few places the two differ ask :attr:`StoreBase.backend`.

Several writers at once (two check-in desks, four scans into one store): a write
transaction takes the store's write lock when it begins, so the match-then-insert of
ingest, a merge or a check-in never interleaves with another writer's.

- SQLite: ``BEGIN IMMEDIATE`` (the database's one write lock; a second writer waits up to
  15 s). Readers never wait (WAL).
- PostgreSQL: ``pg_advisory_xact_lock`` on one key per store, taken at ``BEGIN`` and
  released at commit or rollback. Readers never wait (MVCC), and each statement of a
  READ COMMITTED transaction sees every writer that committed before the lock was
  granted. One lock for the whole critical section (rather than SERIALIZABLE with
  retries) because the section runs the caller's code between the reads and the writes
  (matching, the review app's callbacks), which may not be safe to run twice; and row
  locks alone cannot stop two desks inserting the same new person (there is no row to
  lock yet). Writes are short (one photo, one check-in, one batch of an import), so the
  lock is held for milliseconds.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from cardscan.book.store.connect import (
    in_transaction,
    sqlite_change_mark,
    store_error,
)
from cardscan.book.store.records import current_user, now_iso

log = logging.getLogger(__name__)

#: The advisory lock key of a store's write lock on PostgreSQL ("CRDS" as an integer,
#: the SQLite file's application id), paired with the store's schema.
WRITE_LOCK = 0x43524453

Params = Sequence[Any] | Mapping[str, Any]
_S = TypeVar("_S", bound="StoreBase")

__all__ = ["IntegrityError", "StoreBase", "canonical", "chunks", "placeholders", "row_order"]


@functools.lru_cache(maxsize=1024)
def _named(sql: str) -> TextClause:
    """``?`` placeholders as named binds ``:p0, :p1…`` (the SQL holds no ``?`` in text)."""
    count = iter(range(sql.count("?")))
    return text(re.sub(r"\?", lambda _m: f":p{next(count)}", sql))


def _binds(params: Params) -> dict[str, Any]:
    if isinstance(params, Mapping):
        return dict(params)
    return {f"p{i}": v for i, v in enumerate(params)}


def placeholders(n: int) -> str:
    """``?,?,…`` for an ``IN`` list of ``n`` values."""
    return ",".join("?" * n)


class StoreBase:
    """The connection, transactions and query helpers the store's parts build on."""

    def __init__(self, conn: Connection, location: str, *, user: str | None = None) -> None:
        self._conn = conn
        self.location = location
        #: ``sqlite`` or ``postgresql``.
        self.backend = conn.dialect.name
        self._depth = 0
        #: Who the audit log says made a change: ``--user``, else the OS user.
        self.who = user or current_user()
        #: Clock for every timestamp the store writes; tests replace it.
        self.clock: Callable[[], str] = now_iso

    # -- plumbing --------------------------------------------------------------------

    def close(self) -> None:
        """Close the database (uncommitted work is rolled back)."""
        engine = self._conn.engine
        try:
            self._conn.close()
        finally:
            engine.dispose()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _dbapi(self) -> Any:
        return self._conn.connection.dbapi_connection

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them land, or (on an exception or a kill) none do.

        The outermost call takes the store's write lock (see the module's docstring);
        nested calls join the outer transaction through a savepoint, so an inner
        failure that the caller handles undoes only the inner part.

        Raises:
            StoreError: the database cannot be written (locked too long, disk full).
        """
        depth = self._depth
        try:
            if depth == 0:
                self._begin()
            else:
                self._conn.execute(_named(f"SAVEPOINT sp{depth}"))
        except DBAPIError as e:
            self._roll_back(depth)
            raise store_error(self.location, e) from e
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            self._roll_back(depth)
            raise
        self._depth -= 1
        try:
            self._conn.execute(_named("COMMIT" if depth == 0 else f"RELEASE SAVEPOINT sp{depth}"))
        except DBAPIError as e:
            self._roll_back(depth)
            raise store_error(self.location, e) from e

    def _begin(self) -> None:
        if self.backend == "sqlite":
            # IMMEDIATE takes the write lock now, not at the first write: two cardscan
            # processes then queue up instead of failing halfway.
            self._conn.execute(_named("BEGIN IMMEDIATE"))
        else:
            self._conn.execute(text("BEGIN"))
            if not self.read_only:
                # One lock per store: a database may hold several (one per schema).
                self._conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
                    {"k": WRITE_LOCK},
                )

    #: Opened for reading only (set by :func:`open_store`).
    read_only = False

    def _roll_back(self, depth: int) -> None:
        """Undo a failed transaction (or savepoint) without hiding why it failed.

        SQLite rolls the whole transaction back by itself on some errors (a full disk,
        an I/O error); a ROLLBACK then would fail with "no transaction is active" and
        replace the error that says what went wrong.
        """
        if self._conn.invalidated:
            # An interrupt (Ctrl-C, SIGTERM) landed inside a statement: SQLAlchemy dropped
            # the database connection and the transaction with it. Nothing was committed;
            # clear the state so the interrupt (not a "roll back first" error) is reported.
            try:
                self._conn.rollback()
            except SQLAlchemyError:
                log.debug("reset after an interrupted statement failed", exc_info=True)
            return
        if not in_transaction(self._dbapi):
            return
        try:
            if depth == 0:
                self._conn.execute(text("ROLLBACK"))
            else:
                self._conn.execute(_named(f"ROLLBACK TO SAVEPOINT sp{depth}"))
                self._conn.execute(_named(f"RELEASE SAVEPOINT sp{depth}"))
        except DBAPIError:
            log.debug("rollback failed in %s", self.location, exc_info=True)

    def _q(self, sql: str, params: Params = ()) -> Any:
        """Run one statement (``?`` or ``:name`` binds); its CursorResult, rows untyped."""
        try:
            return self._conn.execute(_named(sql), _binds(params))
        except IntegrityError:
            raise
        except DBAPIError as e:
            raise store_error(self.location, e) from e

    def _many(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [_binds(r) for r in rows]
        if not batch:
            return
        try:
            self._conn.execute(_named(sql), batch)
        except IntegrityError:
            raise
        except DBAPIError as e:
            raise store_error(self.location, e) from e

    def _one(self, sql: str, params: Params = ()) -> Any:
        row = self._q(sql, params).fetchone()
        return None if row is None else row[0]

    def _insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row's id (``RETURNING id`` on both databases)."""
        return int(self._q(sql + " RETURNING id", params).scalar_one())

    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` is open on this store."""
        return self._depth > 0

    def others_mark(self) -> int | None:
        """A number that changes when another connection commits to the store (SQLite).

        Read inside a transaction, it says whether anyone else wrote since the last one.
        PostgreSQL has no such counter: None, meaning "assume someone did".
        """
        if self.backend == "sqlite":
            return int(self._one("PRAGMA data_version"))
        return None

    @property
    def schema_version(self) -> int:
        """The schema version the store is at (3 is the last hand-written SQLite one)."""
        return int(self._one("SELECT version_num FROM alembic_version"))

    def check(self) -> list[str]:
        """Problems the database finds in the store and its references (empty when healthy).

        PostgreSQL checks pages and references as it writes; SQLite is asked to look.
        """
        if self.backend != "sqlite":
            return []
        problems = [r[0] for r in self._q("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"broken reference in {r[0]}" for r in self._q("PRAGMA foreign_key_check")]
        return problems

    def change_mark(self) -> tuple[int, int]:
        """A value that changes whenever the store does (by this connection or another).

        Lets a long-running reader (the review app) keep what it computed until then.
        On PostgreSQL it is the next transaction id, which moves on every write to the
        server (so it may also move when nothing in the store changed: that only costs
        a recomputation).
        """
        if self.backend == "sqlite":
            return sqlite_change_mark(self._dbapi)
        return int(self._one("SELECT txid_snapshot_xmax(txid_current_snapshot())")), 0

    # -- runs ------------------------------------------------------------------------

    def start_run(self, kind: str, detail: dict[str, Any] | None = None) -> int:
        """Record the start of a scan, import or check-in session; returns its id."""
        with self.transaction():
            return self._insert(
                "INSERT INTO runs (kind, who, started_at, detail) VALUES (?, ?, ?, ?)",
                (kind, self.who, self.clock(), json.dumps(detail or {}, ensure_ascii=False)),
            )

    def finish_run(self, run_id: int) -> None:
        """Mark a run finished (a run without an end time was interrupted)."""
        with self.transaction():
            self._q("UPDATE runs SET finished_at = ? WHERE id = ?", (self.clock(), run_id))


def row_order(row: Sequence[Any]) -> tuple[str, ...]:
    """A sort key for snapshot rows of mixed types."""
    return tuple("" if v is None else f"{type(v).__name__}:{v}" for v in row)


def canonical(snapshot: dict[str, Any] | list[Any]) -> str:
    """One text per state, so two snapshots (or rows) compare equal exactly when they do."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size`` (bound-parameter limits)."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
