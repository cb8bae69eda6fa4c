"""Alembic migrations of the store (run by cardscan.book.store.migrate; no alembic.ini)."""
