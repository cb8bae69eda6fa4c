"""QR codes on a card: found, straightened and decoded with OpenCV."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from cardscan.reading.imaging.base import Image8, _Points, _to_gray, _u8
from cardscan.reading.imaging.geometry import _corners

#: Long side of the copy searched for QR codes: the finder patterns of a code on a card
#: filling a third of a phone photo are still found there, and a photo without any
#: costs a few milliseconds.
_QR_SEARCH_SIDE = 1000
#: Side, in pixels, of the square a found code is straightened to before it is decoded:
#: 8 px per module for a version-10 code (a vCard with a few fields).
_QR_SIDE = 480


@dataclass(frozen=True)
class QrCode:
    """A QR code read from an image.

    Attributes:
        payload: The decoded text (a vCard, a MECARD, a URL, …).
        quad: The code's corners in the image's pixels, in the code's own order (its
            top-left, top-right, bottom-right, bottom-left as printed).
    """

    payload: str
    quad: tuple[tuple[float, float], ...]


def decode_qr(image: Image8) -> list[QrCode]:
    """Find and decode the QR codes in a photo or a straightened card.

    Codes are looked for on a downscaled copy (OpenCV's ArUco-based QR detector found every
    code of the generated test photos there, where the classic detector missed a third of
    them and took twice as long); each one found is straightened from the full-size image
    to a clean square and decoded there, which reads blurred and tilted codes the
    detector's own decoding gives up on.

    Args:
        image: BGR or gray.

    Returns:
        The codes that could be decoded, each payload once, in the order found. Empty when
        there is none (the usual case, decided on the small copy).
    """
    gray = _to_gray(image)
    small = gray
    # Shrinking by an integer factor first lets INTER_AREA take its fast path.
    factor = max(gray.shape) // _QR_SEARCH_SIDE
    if factor > 1:
        inv = 1 / factor
        small = _u8(cv2.resize(gray, None, fx=inv, fy=inv, interpolation=cv2.INTER_AREA))
    if max(small.shape) > _QR_SEARCH_SIDE:
        rest = _QR_SEARCH_SIDE / max(small.shape)
        small = _u8(cv2.resize(small, None, fx=rest, fy=rest, interpolation=cv2.INTER_AREA))
    scale = small.shape[1] / gray.shape[1]
    detector = cv2.QRCodeDetectorAruco()
    try:
        found, points = detector.detectMulti(small)
    except cv2.error:  # degenerate input (a few pixels, a flat image)
        return []
    if not found or points is None:
        return []
    codes: list[QrCode] = []
    for corners in np.asarray(points, dtype=np.float64).reshape(-1, 4, 2):
        payload, quad = _read_qr(gray, (corners + 0.5) / scale - 0.5, detector)
        if payload and all(c.payload != payload for c in codes):
            codes.append(QrCode(payload, _corners(quad)))
    return codes


def _read_qr(gray: Image8, quad: _Points, detector: cv2.QRCodeDetectorAruco) -> tuple[str, _Points]:
    """Decode the code found near ``quad``; its payload ("" if unreadable) and exact corners.

    First the area around it is searched again at full resolution: on the small copy the
    corners of a dense code are only good to a module or so. Failing that, the code is
    straightened from the rough corners and tried as is and binarised, by both decoders.
    """
    h, w = gray.shape
    pad = 0.3 * float((quad.max(axis=0) - quad.min(axis=0)).max())
    x0, y0 = (np.floor(quad.min(axis=0) - pad)).astype(int).clip(0)
    x1, y1 = np.ceil(quad.max(axis=0) + pad).astype(int)
    crop = gray[y0 : min(h, y1), x0 : min(w, x1)]
    scale = min(1.0, _QR_SEARCH_SIDE / max(crop.shape))
    if scale < 1.0:
        crop = _u8(cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    try:
        text, points, _ = detector.detectAndDecode(crop)
    except cv2.error:
        text, points = "", None
    if text and points is not None:
        exact = (np.asarray(points, np.float64).reshape(4, 2) + 0.5) / scale - 0.5
        return str(text), exact + np.array([x0, y0], dtype=np.float64)
    return _read_straightened(gray, quad, detector), quad


def _read_straightened(gray: Image8, quad: _Points, detector: cv2.QRCodeDetectorAruco) -> str:
    """Decode the code at ``quad`` straightened: as is and binarised, by both decoders."""
    lo, hi = _QR_SIDE // 6, _QR_SIDE // 6 + _QR_SIDE  # a margin for the code's quiet zone
    square = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), square)
    flat = _u8(
        cv2.warpPerspective(
            gray, m, (hi + lo, hi + lo), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
        )
    )
    binary = _u8(cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1])
    classic = cv2.QRCodeDetector()
    for img in (flat, binary):
        for reader, corners in ((detector, None), (detector, square), (classic, None)):
            try:
                if corners is None:
                    text = reader.detectAndDecode(img)[0]
                else:
                    text = reader.decode(img, corners.reshape(1, 4, 2))[0]
            except cv2.error:
                continue
            if text:
                return str(text)
    return ""
