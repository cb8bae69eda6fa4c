"""Baseline: the schema of the last hand-written SQLite store (version 3).

An SQLite store written before Alembic, at version 3, is stamped with this revision
without running it (:mod:`cardscan.book.store.migrate`); a new store (SQLite or
PostgreSQL) runs it to make its tables. The revision id is the schema version.

Revision ID: 0003
Revises:
"""

from __future__ import annotations

from alembic import op

from cardscan.book.store.schema import build_metadata

revision = "0003"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Make every table of schema 3.

    ``build_metadata`` is the schema at this revision. The next revision that changes the
    tables must first copy it here (frozen), so this baseline keeps making schema 3.
    """
    build_metadata().create_all(op.get_bind())
