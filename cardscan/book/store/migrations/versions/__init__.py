"""Alembic revisions of the store schema (one file each; the revision id is the version)."""
