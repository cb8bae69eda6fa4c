"""Views of a card for a person to check."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from cardscan.errors import InputImageError
from cardscan.reading.imaging.base import Image8, _u8
from cardscan.reading.imaging.geometry import _warp
from cardscan.reading.imaging.load import _header_size, load_image_reduced
from cardscan.reading.imaging.preparation import rotate

#: Bytes of decoded photos :func:`card_view` keeps: a photo of several cards is decoded
#: once for all of them (a report, the app's next card), about three 12-Mpx photos.
CACHE_BYTES = 128 * 1024 * 1024

#: (path, mtime, size, pixel limit) -> (image, its reduction factor), oldest first.
_CacheKey = tuple[str, int, int, int]
_cache: OrderedDict[_CacheKey, tuple[Image8, int]] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the decoded photos :func:`card_view` keeps."""
    with _cache_lock:
        _cache.clear()


def _decoded(path: Path, max_pixels: int, reduce: int) -> tuple[Image8, int]:
    """The photo as :func:`load_image_reduced` gives it, from the cache when unchanged.

    A photo decoded finer than asked serves too (a larger card of it came first); one
    decoded coarser is decoded again and replaced. Keyed by the file's modification time
    and size too, so a photo replaced since is read again. The image is shared by every
    caller, so it is made read-only.
    """
    try:
        st = path.stat()
    except OSError:
        return load_image_reduced(path, max_pixels, reduce)  # it says what is wrong
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, max_pixels)
    with _cache_lock:
        kept = _cache.get(key)
        if kept is not None and kept[1] <= reduce:
            _cache.move_to_end(key)
            return kept
    # Decoded outside the lock: two threads asking for one photo at once both decode it,
    # rather than every other photo waiting.
    image, factor = load_image_reduced(path, max_pixels, reduce)
    image.flags.writeable = False
    with _cache_lock:
        _cache[key] = (image, factor)
        _cache.move_to_end(key)
        total = sum(im.nbytes for im, _f in _cache.values())
        while total > CACHE_BYTES and _cache:
            old, _f = _cache.popitem(last=False)[1]
            total -= old.nbytes
    return image, factor


def _reduction(path: Path, quad: np.ndarray | None, max_side: int) -> int:
    """The largest decoder reduction (1, 2, 4, 8) that leaves the card ``max_side`` pixels.

    The straightened card is as long as the longest side of its outline in the photo
    (the whole photo when there is none), then shrunk to ``max_side``: decoding smaller
    than that would only throw resolution away that the view keeps.
    """
    if quad is not None:
        longest = max(float(np.linalg.norm(quad[i] - quad[i - 1])) for i in range(4))
    else:
        size = _header_size(path)
        if size is None:
            return 1
        longest = float(max(size))
    reduce = 1
    while reduce < 8 and longest / (reduce * 2) >= max_side:
        reduce *= 2
    return reduce


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

    The photo is decoded no larger than the view needs (a JPEG at a half, a quarter or an
    eighth) and kept for the next card of it (:data:`CACHE_BYTES`); the corners are
    scaled to match, so the view is the same card as from the full photo.

    Raises:
        InputImageError: the photo cannot be read (moved, deleted, damaged).
    """
    p = Path(path)
    corners = np.array(quad, dtype=np.float64) if quad is not None and len(quad) == 4 else None
    image, factor = _decoded(p, max_pixels, _reduction(p, corners, max_side))
    if corners is not None:
        # A decoded pixel i covers photo pixels factor*i .. factor*i + factor-1.
        image = _warp(image, (corners - (factor - 1) / 2) / factor)
    image = rotate(image, rotation)
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        image = _u8(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise InputImageError(f"{path}: the card could not be encoded as JPEG")
    return bytes(buf.tobytes()), int(image.shape[1]), int(image.shape[0])
