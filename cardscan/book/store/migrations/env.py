"""Alembic's environment for the store: run on the connection the store hands over.

cardscan runs its migrations itself when it opens a store (:mod:`..migrate`); there is no
alembic.ini. A developer adding a revision can run Alembic with a Config whose
``attributes["connection"]`` is an open connection, as :func:`..migrate.alembic_config`
makes one.
"""

from __future__ import annotations

from alembic import context

from cardscan.book.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: Alembic copies the table ("batch mode").
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
