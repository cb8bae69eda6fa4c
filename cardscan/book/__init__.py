"""The address book: the contact store and everything that writes to it or reads it whole.

:mod:`~cardscan.book.store` (SQLite), :mod:`~cardscan.book.match` (is this someone we
know?), :mod:`~cardscan.book.ingest` (cards and imports into the store),
:mod:`~cardscan.book.importers` (CRM and address-book files), :mod:`~cardscan.book.events`
(rosters and check-in), and :mod:`~cardscan.book.entries` (one view of a contact for the
outputs).
"""
