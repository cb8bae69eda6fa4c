"""Bring a store's schema up to date with Alembic, from inside cardscan (no alembic.ini).

- A new store (an empty SQLite file, an empty PostgreSQL database or schema) is made from
  the current tables (:func:`.schema.build_metadata`) and stamped with the head revision,
  in one transaction: it runs no revision, so no revision ever meets a table that already
  has what it adds.
- A store under Alembic runs the revisions after its stamp (``0003`` → ``0004`` …).
- An SQLite store written before Alembic (``PRAGMA user_version`` 1 to 3, no
  ``alembic_version`` table) first runs the hand-written scripts it lacks up to version
  3 (:mod:`.legacy`), is stamped with the baseline revision (schema 3) and is upgraded
  from there, all in one transaction: killed halfway, it stays as it was.
- A store at a revision this cardscan does not know was written by a newer one and is
  refused, as is a database holding another program's tables.

A schema change is therefore two edits: the tables in :mod:`.schema` (what a new store
gets) and a revision in ``migrations/versions`` (what an existing store runs), with
``HEAD_REVISION`` moved to it; a test checks that the revisions end at the tables.

Migrations run inside the store's write transaction (``BEGIN IMMEDIATE`` on SQLite, the
advisory lock on PostgreSQL), so two processes opening a new store at once make its
tables once.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from cardscan.book.store.legacy import APPLICATION_ID, LEGACY_VERSION, MIGRATIONS
from cardscan.book.store.schema import HEAD_REVISION, build_metadata
from cardscan.errors import StoreError

log = logging.getLogger(__name__)

#: The revision an SQLite store written before Alembic is stamped with.
BASELINE = "0003"

_FOREIGN_HINT = "point --db or CARDSCAN_DB at another file; cardscan will create it"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made in code: the scripts ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@functools.lru_cache(maxsize=1)
def head() -> str:
    """The newest revision this cardscan knows."""
    found = _scripts().get_current_head()
    assert found is not None
    return found


def current_revision(connection: Connection) -> str | None:
    """The store's revision (None: not under Alembic yet)."""
    return MigrationContext.configure(connection).get_current_revision()


def migrate(connection: Connection, location: str) -> None:
    """Adopt or upgrade the store on ``connection``, inside the caller's transaction.

    Raises:
        StoreError: another program's database, or a store from a newer cardscan.
    """
    tables = set(inspect(connection).get_table_names())
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _adopt_sqlite(connection, location, tables)
    elif tables and "alembic_version" not in tables:
        raise StoreError(
            f"{location} holds another program's tables, not a cardscan store",
            "give cardscan a database of its own: createdb -O USER cardscan",
        )
    current = current_revision(connection)
    scripts = _scripts()
    if current is None:
        if tables - {"alembic_version"}:  # tables but no stamp: not a store cardscan made
            raise StoreError(
                f"{location} holds tables but no cardscan schema revision",
                "give cardscan a database of its own: createdb -O USER cardscan",
            )
        log.info("making a new store at %s (schema %s)", location, head())
        build_metadata().create_all(connection)
        MigrationContext.configure(connection).stamp(scripts, "head")
    elif current not in {s.revision for s in scripts.walk_revisions()}:
        raise _newer(location, current)
    elif current != head():
        log.info("migrating %s from %s to %s", location, current, head())
        command.upgrade(alembic_config(connection), "head")
    if sqlite:
        # Older cardscans read a store at user_version 3 as theirs; a revision that
        # changes the tables past what they can read raises it.
        version = int(connection.execute(text("PRAGMA user_version")).scalar_one())
        if version < LEGACY_VERSION:
            connection.execute(text(f"PRAGMA user_version = {LEGACY_VERSION}"))
        connection.execute(text(f"PRAGMA application_id = {APPLICATION_ID}"))


def _adopt_sqlite(connection: Connection, location: str, tables: set[str]) -> None:
    """An SQLite store from before Alembic: finish its hand-written versions, stamp it."""
    version = int(connection.execute(text("PRAGMA user_version")).scalar_one())
    app_id = int(connection.execute(text("PRAGMA application_id")).scalar_one())
    # Another program's database: writing cardscan's tables into it would damage it.
    # (Stores made before the application id was set are recognised by their tables.)
    foreign = app_id not in (0, APPLICATION_ID) or (
        bool(tables) if version == 0 else not {"contacts", "audit"} <= tables
    )
    if foreign:
        raise StoreError(
            f"{location} is not a cardscan contact store (it is another program's database)",
            _FOREIGN_HINT,
        )
    if "alembic_version" in tables:
        return
    if version > LEGACY_VERSION:
        raise _newer(location, str(version))
    if version == 0:
        return  # a new store: the revisions make it
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        log.info("migrating %s to schema %d", location, number)
        for statement in _statements(script):
            dbapi.execute(statement)
        dbapi.execute(f"PRAGMA user_version = {number}")
    MigrationContext.configure(connection).stamp(_scripts(), BASELINE)


def _statements(script: str) -> list[str]:
    """The statements of a legacy script (they hold no ``;`` inside)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def _newer(location: str, version: str) -> StoreError:
    return StoreError(
        f"{location} was written by a newer cardscan (schema {version}, this one knows up "
        f"to {HEAD_REVISION})",
        "upgrade cardscan: pip install -U cardscan",
    )
