"""Opening a store: an SQLite file (checked, private, migrated) or a PostgreSQL database."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from cardscan.book.store.connect import (
    NO_STORE_HINT,
    Location,
    create_store_file,
    make_private,
    parse_location,
    postgres_engine,
    refuse_foreign,
    sqlite_engine,
    store_error,
)
from cardscan.book.store.merge import Store
from cardscan.book.store.schema import HEAD_REVISION
from cardscan.errors import StoreError

log = logging.getLogger(__name__)


def open_store(
    location: str | Path,
    *,
    create: bool = True,
    read_only: bool = False,
    user: str | None = None,
) -> Store:
    """Open the store at a path, ``sqlite:///`` URL or ``postgresql://`` URL, migrating it.

    An SQLite file is checked to be a cardscan store (its SQLite header and application
    id) before anything is written to it: another program's database is refused as it
    is. A new file is created readable by its owner only, and the folders made for it
    too; an existing store readable by others is made private. A PostgreSQL database
    must exist (``createdb``); cardscan makes its tables in it.

    Args:
        location: a file path, ``sqlite:///PATH`` or ``postgresql://USER@HOST/DB``.
        create: make the store when there is none (commands that add to it); otherwise
            a missing SQLite store is an error naming the path (a mistyped ``--db``).
        read_only: for commands that only read: nothing is written, so a store in a
            read-only folder or on a full disk can still be read. A store whose schema
            is older than this cardscan's is migrated first if it can be written.
        user: who the audit log names for the changes made (default: the OS user).

    Raises:
        StoreError: the location is a URL of another database or written wrong, there is
            no store there (``create`` false), the file is not a cardscan store or is
            damaged, was written by a newer cardscan, the server cannot be reached or
            refused the login, or the store cannot be opened or written.
    """
    where = parse_location(location)
    if where.backend == "postgresql":
        return _open_postgres(where, create=create, read_only=read_only, user=user)
    path = where.path
    assert path is not None
    if not path.exists():
        if not create:
            raise StoreError(f"no contact store at {path}", NO_STORE_HINT)
        create_store_file(path)
    elif path.is_dir():
        raise StoreError(f"{path} is a folder, not a contact store", NO_STORE_HINT)
    refuse_foreign(path)
    if read_only:
        store = _open_sqlite_read_only(path, user)
        if store is not None:
            return store
    return _open_sqlite(path, user)


def _connection(engine: Engine, location: str) -> Connection:
    try:
        return engine.connect()
    except DBAPIError as e:
        engine.dispose()
        raise store_error(location, e) from e


def _open_sqlite_read_only(path: Path, user: str | None) -> Store | None:
    """The store opened for reading only, or None if it must first be migrated."""
    conn = _connection(sqlite_engine(path, read_only=True), str(path))
    store = Store(conn, str(path), user=user)
    store.read_only = True
    try:
        current = is_current(conn)
    except DBAPIError as e:
        store.close()
        raise store_error(str(path), e) from e
    if not current:
        store.close()
        return None
    return store


def _open_sqlite(path: Path, user: str | None) -> Store:
    make_private(path)
    conn = _connection(sqlite_engine(path), str(path))
    store = Store(conn, str(path), user=user)
    try:
        conn.execute(text("PRAGMA journal_mode = WAL"))
        # WAL + NORMAL: durable across application crashes.
        conn.execute(text("PRAGMA synchronous = NORMAL"))
        _migrate(store)
    except DBAPIError as e:
        store.close()
        raise store_error(str(path), e) from e
    except BaseException:
        store.close()
        raise
    return store


def _migrate(store: Store) -> None:
    # Alembic is imported only when a store needs it (a new or an older store).
    from cardscan.book.store.migrate import migrate

    with store.transaction():
        migrate(store._conn, store.location)


def is_current(conn: Connection) -> bool:
    """Whether the store is at this cardscan's schema (then it is opened as it is)."""
    if not inspect(conn).has_table("alembic_version"):
        return False
    found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return found == HEAD_REVISION


def head() -> str:
    """The schema revision this cardscan writes (the newest Alembic revision)."""
    return HEAD_REVISION


def _open_postgres(where: Location, *, create: bool, read_only: bool, user: str | None) -> Store:
    assert where.url is not None
    shown = where.shown
    conn = _connection(postgres_engine(where.url), shown)
    store = Store(conn, shown, user=user)
    try:
        # A writer waits for another's write lock a minute at most, then says so.
        conn.execute(text("SET lock_timeout = '60s'"))
        if not is_current(conn):
            if not create and not _has_tables(conn):
                raise StoreError(
                    f"no contact store at {shown} (the database is empty)", NO_STORE_HINT
                )
            _migrate(store)
        if read_only:
            conn.execute(text("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"))
            store.read_only = True
    except DBAPIError as e:
        store.close()
        raise store_error(shown, e) from e
    except BaseException:
        store.close()
        raise
    return store


def _has_tables(conn: Connection) -> bool:
    return bool(inspect(conn).get_table_names())
