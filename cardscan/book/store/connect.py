"""Where a store lives: a path or URL → an SQLAlchemy engine, and database errors in words.

``--db`` and ``CARDSCAN_DB`` take a file path or ``sqlite:///PATH`` (a local SQLite file,
private to its owner) or ``postgresql://USER@HOST[:PORT]/DB[?sslmode=…]`` (also
``postgresql+psycopg://`` and libpq's ``postgres://``) for a team's shared store. A
password comes from the URL, ``PGPASSWORD`` or ``~/.pgpass`` (libpq reads those) and is
never shown: every message names the URL with the password masked.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from cardscan.book.store.legacy import APPLICATION_ID, LEGACY_VERSION
from cardscan.book.store.schema import HEAD_REVISION
from cardscan.errors import StoreError
from cardscan.files import make_private_dirs, why

log = logging.getLogger(__name__)

STORE_HINT = "check the path given by --db or CARDSCAN_DB, and that the disk is not full"

READ_ONLY_HINT = (
    "commands that only read (contacts, export, report, event list) still work; to change "
    "it, make the file and its folder writable, or point --db at a copy"
)

#: What to do when --db names no store.
NO_STORE_HINT = (
    "check the path given by --db or CARDSCAN_DB; `cardscan scan`, `import` or "
    "`event create` make a new store"
)

_URL_HINT = (
    "give --db (or CARDSCAN_DB) a file path, sqlite:///PATH, or "
    "postgresql://USER@HOST[:PORT]/DATABASE for a team's PostgreSQL server"
)

#: ``scheme:`` at the start of a location (two letters at least: ``C:\\`` is a path).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):(.*)$", re.S)
#: Schemes read as a URL even when mistyped with one slash (``postgres:/host/db``).
_DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "mysql", "mariadb", "mssql", "oracle"}


@dataclass(frozen=True)
class Location:
    """A parsed ``--db``: an SQLite file, or a PostgreSQL server URL."""

    #: ``sqlite`` or ``postgresql``.
    backend: str
    #: The SQLite file (None for PostgreSQL).
    path: Path | None
    #: The SQLAlchemy URL for PostgreSQL (None for SQLite).
    url: URL | None

    @property
    def shown(self) -> str:
        """How messages name the store: the path, or the URL with its password masked."""
        if self.url is not None:
            return self.url.set(drivername="postgresql").render_as_string(hide_password=True)
        return str(self.path)


def mask(text: str) -> str:
    """A URL with its password replaced by ``***`` (text that is no URL as it is)."""
    return re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", text)


def parse_location(location: str | Path) -> Location:
    """Read ``--db``: a path, ``sqlite:///PATH``, or a PostgreSQL URL.

    Raises:
        StoreError: a URL of a database cardscan does not speak (``mysql://``) or one
            written wrong (``postgres:/host``), never taken for a folder name.
    """
    if isinstance(location, Path):
        return Location("sqlite", location.expanduser(), None)
    text = str(location).strip()
    found = _SCHEME.match(text)
    if found is None or (
        not found.group(2).startswith("/") and found.group(1).lower() not in _DATABASE_SCHEMES
    ):
        return Location("sqlite", Path(text).expanduser(), None)
    scheme, rest = found.group(1).lower(), found.group(2)
    if scheme == "sqlite":
        if not rest.startswith("///") or len(rest) == 3:
            raise StoreError(
                f"{mask(text)} is not an SQLite URL cardscan can use",
                "write sqlite:///relative/path.db or sqlite:////absolute/path.db, "
                "or give the file path itself",
            )
        return Location("sqlite", Path(urllib.parse.unquote(rest[3:])).expanduser(), None)
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        if not rest.startswith("//"):
            raise StoreError(
                f"{mask(text)} is not a PostgreSQL URL (it needs // after the scheme)",
                "write postgresql://USER@HOST[:PORT]/DATABASE",
            )
        try:
            url = make_url("postgresql+psycopg:" + rest)
        except (ArgumentError, ValueError) as e:
            raise StoreError(
                f"{mask(text)} is not a PostgreSQL URL cardscan can read", _URL_HINT
            ) from e
        if not url.database:
            raise StoreError(
                f"{mask(text)} names no database",
                "add the database after the host: postgresql://USER@HOST/DATABASE",
            )
        return Location("postgresql", None, url)
    raise StoreError(
        f"{mask(text)}: cardscan keeps contacts in SQLite or PostgreSQL, not {scheme}",
        _URL_HINT,
    )


# -- engines ---------------------------------------------------------------------------------


def postgres_engine(url: URL) -> Engine:
    """An engine for a PostgreSQL URL (psycopg 3; libpq reads PGPASSWORD and ~/.pgpass)."""
    try:
        import psycopg  # noqa: F401  (the driver is an extra: say so before connecting)
    except ImportError as e:
        raise StoreError(
            f"{Location('postgresql', None, url).shown}: the PostgreSQL driver is not installed",
            "pip install 'cardscan[postgres]'",
        ) from e
    return create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def sqlite_engine(path: Path, *, read_only: bool = False) -> Engine:
    """An engine over one SQLite connection made as cardscan always made it.

    Transactions are begun by the store itself (``BEGIN IMMEDIATE``), so the driver's
    own transaction handling is turned off.
    """

    def connect() -> sqlite3.Connection:
        if read_only:
            return connect_read_only(path)
        return sqlite3.connect(path, isolation_level=None, timeout=15.0, check_same_thread=False)

    engine = create_engine(
        "sqlite://", creator=connect, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    return engine


def uri(path: Path, **query: str) -> str:
    """A ``file:`` URI for SQLite (a path holding ``?`` or ``#`` stays a path)."""
    quoted = urllib.parse.quote(str(path.resolve()))
    return f"file:{quoted}?" + "&".join(f"{k}={v}" for k, v in query.items())


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open ``path`` without writing anything, even in a read-only folder or a full disk.

    ``mode=ro`` still needs the ``-shm`` file of a store in WAL mode; where that cannot
    be made, the file is read as it stands on disk (``immutable``).
    """
    try:
        conn = sqlite3.connect(
            uri(path, mode="ro"),
            uri=True,
            isolation_level=None,
            timeout=15.0,
            check_same_thread=False,
        )
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        return sqlite3.connect(
            uri(path, mode="ro", immutable="1"),
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )


def in_transaction(dbapi_connection: Any) -> bool:
    """Whether the driver connection has a transaction open (SQLite or psycopg)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        return dbapi_connection.in_transaction
    info = getattr(dbapi_connection, "info", None)
    status = getattr(info, "transaction_status", 0)
    return int(status) != 0  # psycopg: 0 is IDLE


def sqlite_change_mark(dbapi_connection: Any) -> tuple[int, int]:
    """SQLite's counter of commits by other connections, and this connection's changes."""
    version = int(dbapi_connection.execute("PRAGMA data_version").fetchone()[0])
    return version, int(dbapi_connection.total_changes)


# -- SQLite files ------------------------------------------------------------------------


def create_store_file(path: Path) -> None:
    """Make a new, empty store file readable by its owner only (its folders too)."""
    try:
        make_private_dirs(path.parent)
        # Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the
        # same mode as the database.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process made it first
    except OSError as e:
        reason, hint = os_reason(e, path)
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            hint = "you may not write there: choose a file in a folder of yours with --db"
        raise StoreError(f"cannot create the contact store {path}: {reason}", hint) from e


def make_private(path: Path) -> None:
    """Take read access away from others on an existing store file.

    Raises:
        StoreError: the file cannot be opened for writing.
    """
    try:
        fd = os.open(path, os.O_RDWR)
        try:
            if os.fstat(fd).st_mode & 0o077:
                log.warning("%s was readable by others; it is now private to you", path)
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as e:
        reason, hint = os_reason(e, path)
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = "no write access (the file or its folder is read-only)"
        raise StoreError(f"cannot open the contact store {path}: {reason}", hint) from e


def os_reason(e: OSError, location: str | Path) -> tuple[str, str]:
    """What an OSError on the store means for a person, and what to do about it."""
    reason = why(e)
    if reason == "disk full":
        return reason, "free some space on that disk, or point --db at another disk"
    if reason == "no write access":
        return reason, READ_ONLY_HINT
    return reason, STORE_HINT


def _disk_full(location: str | Path) -> bool:
    """Whether the disk holding ``location`` has no space left for a write."""
    try:
        fs = os.statvfs(Path(location).parent)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False
    return fs.f_bavail * fs.f_frsize < 64 * 1024


# -- errors in words ---------------------------------------------------------------------


def store_error(location: str, error: BaseException) -> StoreError:
    """A database error as a StoreError naming the store and what to do."""
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = mask(str(original).strip().splitlines()[0] if str(original).strip() else repr(original))
    if "://" in location:
        return _server_error(location, original, text)
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
            READ_ONLY_HINT,
        )
    if "malformed" in text or "corrupt" in text:
        return StoreError(
            f"the contact store {location} is damaged ({text})",
            "restore it from a backup (`sqlite3 FILE .recover` may save most rows), "
            "or point --db at a new file",
        )
    return StoreError(f"cannot use the contact store {location}: {text}", STORE_HINT)


def _server_error(location: str, original: BaseException, text: str) -> StoreError:
    """A PostgreSQL error, told by its SQLSTATE or libpq's words, with the fix."""
    code = getattr(original, "sqlstate", None) or ""
    lower = text.lower()
    url = make_url(location) if "://" in location else None
    user = (url.username if url else None) or "YOUR_USER"
    database = (url.database if url else None) or "DATABASE"
    if code == "3D000" or ("database" in lower and "does not exist" in lower):
        return StoreError(
            f"the PostgreSQL server at {location} has no database {database!r}",
            f"create it once on the server: createdb -O {user} {database}",
        )
    if code in ("28P01", "28000") or "password" in lower or "authentication" in lower:
        if "role" in lower and "does not exist" in lower:
            hint = f"create the user once on the server: createuser {user}"
        else:
            hint = (
                "put the password in ~/.pgpass (host:port:database:user:password, chmod 600) "
                "or PGPASSWORD, or check the user name in --db"
            )
        return StoreError(f"the PostgreSQL server at {location} refused the login ({text})", hint)
    if "role" in lower and "does not exist" in lower:
        return StoreError(
            f"the PostgreSQL server at {location} has no user {user!r}",
            f"create the user once on the server: createuser {user}",
        )
    if code in ("42501",) or "permission denied" in lower:
        return StoreError(
            f"the PostgreSQL user may not change the store at {location} ({text})",
            f"on the server: GRANT ALL ON DATABASE {database} TO {user} (or make it the owner)",
        )
    if code == "55P03" or "lock timeout" in lower:
        return StoreError(
            f"{location} is busy: another cardscan has been writing to it for a minute",
            "wait for it to finish and run the command again",
        )
    if code == "25006" or "read-only transaction" in lower:
        return StoreError(
            f"cannot write the contact store {location}: it is open for reading only",
            "open it without read_only to change it (the reading commands never write)",
        )
    if (
        code.startswith("08")
        or "connection" in lower
        or "could not connect" in lower
        or "could not translate host" in lower
        or "timeout" in lower
        or "ssl" in lower
    ):
        return StoreError(
            f"cannot reach the PostgreSQL server at {location} ({text})",
            "check the host and port in --db, that the server runs (pg_isready -h HOST) "
            "and accepts your address; for sslmode=require the server needs SSL",
        )
    return StoreError(
        f"cannot use the contact store {location}: {text}",
        "check the URL given by --db or CARDSCAN_DB",
    )


def refuse_foreign(path: Path) -> None:
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
        reason, hint = os_reason(e, path)
        raise StoreError(f"cannot read the contact store {path}: {reason}", hint) from e
    if not header:
        return  # a new store (made empty by open_store, or by the user)
    other = "point --db or CARDSCAN_DB at another file; cardscan will create it"
    if not header.startswith(b"SQLite format 3\x00"):
        raise StoreError(f"{path} is not a cardscan contact store (not an SQLite database)", other)
    # Read through SQLite, not from the header bytes: in WAL mode the latest application
    # id and schema version may still sit in the -wal file.
    try:
        conn = connect_read_only(path)
        try:
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {r[0] for r in rows}
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        if "malformed" in str(e) or "corrupt" in str(e):
            raise store_error(str(path), e) from e
        raise StoreError(f"{path} is not a cardscan contact store ({e})", other) from e
    # Stores made before the application id was set are recognised by their tables.
    ours = {"contacts", "audit"} <= tables
    if app_id not in (0, APPLICATION_ID) or (
        app_id == 0 and ((version == 0 and tables) or (version > 0 and not ours))
    ):
        raise StoreError(
            f"{path} is not a cardscan contact store (it is another program's database)", other
        )
    if version > LEGACY_VERSION:
        raise StoreError(
            f"{path} was written by a newer cardscan (schema {version}, this one knows up "
            f"to {HEAD_REVISION})",
            "upgrade cardscan: pip install -U cardscan",
        )
