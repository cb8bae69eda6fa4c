"""Reading: one photo in, contacts with confidence out.

The flow, in the order the data takes: :mod:`~cardscan.reading.imaging` finds and
straightens each card, :mod:`~cardscan.reading.ocr` reads its words,
:mod:`~cardscan.reading.read` picks the orientation and reading of a card,
:mod:`~cardscan.reading.parse` turns words into fields, :mod:`~cardscan.reading.validate`
checks phones and e-mails, :mod:`~cardscan.reading.qr` reads QR codes,
:mod:`~cardscan.reading.combine` joins the sides of a card, and
:mod:`~cardscan.reading.pipeline` runs the whole per-photo step.
"""
