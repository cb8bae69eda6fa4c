"""Photo in, OCR-ready card images out: loading, card detection, orientation and clean-up.

One module per concern: :mod:`.load` reads photos (formats, EXIF, HEIC, pixel limits),
:mod:`.find` finds the cards in them (outlines, then print: :mod:`.printed`), with the
quadrilateral work in :mod:`.geometry`; :mod:`.qrcode` decodes QR codes;
:mod:`.preparation` makes a straightened card ready for OCR; :mod:`.view` draws a card for
a person to check; :mod:`.base` holds what they share. The names other modules use are
re-exported here, so ``imaging.find_cards`` (and a test's monkeypatch of it) keeps working.
"""

from __future__ import annotations

from cardscan.reading.imaging.base import Image8, limit_threads, single_threaded
from cardscan.reading.imaging.find import Card, find_cards, reading_order
from cardscan.reading.imaging.load import MIN_SIDE, load_image, thumbnail_jpeg
from cardscan.reading.imaging.preparation import (
    REGION_VARIANTS,
    PreparedCard,
    has_text_structure,
    montage,
    orientation_candidates,
    prepare,
    prepare_card,
    prepare_for_ocr,
    region_variant,
    rotate,
)
from cardscan.reading.imaging.printed import TEXT_CROP_SCORE
from cardscan.reading.imaging.qrcode import QrCode, decode_qr
from cardscan.reading.imaging.view import card_view

__all__ = [
    "MIN_SIDE",
    "REGION_VARIANTS",
    "TEXT_CROP_SCORE",
    "Card",
    "Image8",
    "PreparedCard",
    "QrCode",
    "card_view",
    "decode_qr",
    "find_cards",
    "has_text_structure",
    "limit_threads",
    "load_image",
    "montage",
    "orientation_candidates",
    "prepare",
    "prepare_card",
    "prepare_for_ocr",
    "reading_order",
    "region_variant",
    "rotate",
    "single_threaded",
    "thumbnail_jpeg",
]
