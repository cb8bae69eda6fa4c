"""Views of a card for a person to check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from cardscan.errors import InputImageError
from cardscan.reading.imaging.base import _u8
from cardscan.reading.imaging.geometry import _warp
from cardscan.reading.imaging.load import load_image
from cardscan.reading.imaging.preparation import rotate


def card_view(
    path: str | Path,
    quad: Sequence[Sequence[float]] | None,
    rotation: int = 0,
    max_side: int = 1600,
    max_pixels: int = 120_000_000,
) -> tuple[bytes, int, int]:
    """The straightened, upright card of a photo as a JPEG, for a person to check it.

    ``quad`` is the card's corners in the photo as :func:`find_cards` gave them (None: the
    whole photo), ``rotation`` the clockwise turn its text needed. Returns the JPEG with
    its width and height.

    Raises:
        InputImageError: the photo cannot be read (moved, deleted, damaged).
    """
    image = load_image(path, max_pixels)
    if quad is not None and len(quad) == 4:
        image = _warp(image, np.array(quad, dtype=np.float64))
    image = rotate(image, rotation)
    h, w = image.shape[:2]
    factor = min(1.0, max_side / max(h, w))
    if factor < 1.0:
        image = _u8(cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA))
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise InputImageError(f"{path}: the card could not be encoded as JPEG")
    return bytes(buf.tobytes()), int(image.shape[1]), int(image.shape[0])
