"""Quadrilaterals in a photo: fitting, checking, refining and straightening a card's outline."""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

from cardscan.reading.imaging.base import Image8, _f32, _Float, _Points, _u8

#: A card smaller than this share of the photo is more likely a logo, a label or noise.
_MIN_CARD_AREA = 0.04
#: Cards are 1.55–1.8 : 1; beyond this (after perspective) a quad is a strip, not a card.
_MAX_ASPECT = 3.2
#: Colour difference (8-bit Lab, chroma doubled) across an outline that counts as an edge.
_EDGE_STEP = 10.0
#: Long/short side ratios a card outline may have (1.55–1.8 flat, more or less in perspective).
_CARD_RATIO = (1.35, 2.05)
#: Within this many pixels of the border (detection copy) an outline runs along the frame,
#: and such a stretch counts as this much support.
_BORDER_PX = 3
_OFF_FRAME = 0.35
#: Focal length of a phone's main camera over the image diagonal (0.6 for 26 mm equivalent on
#: the full frame, more on a crop of it).
_PHONE_FOCAL = 0.7
#: Interior angles of a card seen in perspective by a hand-held phone stay near 90°.
_MIN_ANGLE, _MAX_ANGLE = 50.0, 130.0


def _corners(quad: _Points) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y)) for x, y in quad)


def _corner_skew(quad: _Points) -> float:
    """The largest difference, in degrees, between a corner's angle and a right angle."""
    worst = 0.0
    for i in range(4):
        u = quad[i - 1] - quad[i]
        v = quad[(i + 1) % 4] - quad[i]
        cosang = float(np.dot(u, v) / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-9))
        worst = max(worst, abs(math.degrees(math.acos(max(-1.0, min(1.0, cosang)))) - 90.0))
    return worst


def _overlap(a: _Points, b: _Points) -> float:
    """The area two convex quads share, over the smaller one's area."""
    if (
        a[:, 0].max() <= b[:, 0].min()
        or b[:, 0].max() <= a[:, 0].min()
        or a[:, 1].max() <= b[:, 1].min()
        or b[:, 1].max() <= a[:, 1].min()
    ):
        return 0.0
    pa, pb = a.astype(np.float32), b.astype(np.float32)
    inter = float(cv2.intersectConvexConvex(pa, pb)[0])
    return inter / max(1e-9, min(cv2.contourArea(pa), cv2.contourArea(pb)))


def _inside(quad: _Points, pts: _Points) -> npt.NDArray[np.bool_]:
    """Which points lie inside a convex quad (corners in either winding)."""
    if len(pts) == 0:
        return np.zeros(0, bool)
    crosses = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        crosses.append((b[0] - a[0]) * (pts[:, 1] - a[1]) - (b[1] - a[1]) * (pts[:, 0] - a[0]))
    c = np.stack(crosses)
    return np.asarray((c >= 0).all(axis=0) | (c <= 0).all(axis=0))


def _side_ratio(quad: _Points) -> float:
    sides = [float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) for i in range(4)]
    a, b = (sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2
    return max(a, b) / max(min(a, b), 1e-6)


def _enclosing_quad(hull: _Points) -> _Points | None:
    """Shrink a convex polygon to four sides, each time dropping the side that costs least area.

    Dropping a side extends its two neighbours to where they meet, which keeps the polygon
    enclosing the blob; rounded or clipped card corners come out as sharp ones.
    """
    h32 = hull.astype(np.float32)
    approx = cv2.approxPolyDP(h32, 0.004 * cv2.arcLength(h32, True), True)
    pts = list(np.asarray(approx, dtype=np.float64).reshape(-1, 2))
    while len(pts) > 4:
        n = len(pts)
        best_i, best_cost, best_pt = -1, math.inf, None
        for i in range(n):
            a, b, c, d = pts[i - 1], pts[i], pts[(i + 1) % n], pts[(i + 2) % n]
            x = _intersect(a, b, c, d)
            if x is None:
                continue
            cost = abs(_cross(b - x, c - x)) / 2.0
            if cost < best_cost:
                best_i, best_cost, best_pt = i, cost, x
        if best_pt is None:
            return None
        i = best_i
        pts[i] = best_pt
        del pts[(i + 1) % n]
    if len(pts) < 4:
        return None
    return np.array(pts, dtype=np.float64)


def _cross(u: _Points, v: _Points) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def _intersect(
    a: _Points,
    b: _Points,
    c: _Points,
    d: _Points,
) -> _Points | None:
    """Where line a→b (extended past b) meets line d→c (extended past c), or None."""
    r, s = b - a, c - d
    denom = _cross(r, s)
    if abs(denom) < 1e-9:
        return None
    t = _cross(d - a, s) / denom
    u = _cross(d - a, r) / denom
    # Both sides must be extended forwards; meeting behind means a reflex result.
    if t < 1.0 - 1e-9 or u < 1.0 - 1e-9:
        return None
    return a + t * r


def _order_corners(quad: _Points) -> _Points:
    """Clockwise on screen, starting at the corner nearest the top-left."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    quad = quad[np.argsort(angles)]
    start = int(np.argmin(quad[:, 0] + quad[:, 1]))
    return np.roll(quad, -start, axis=0)


def _plausible(quad: _Points, w: int, h: int, min_area: float = _MIN_CARD_AREA) -> bool:
    area = cv2.contourArea(quad.astype(np.float32))
    # The whole frame is the fallback, not a detection.
    if not min_area * w * h <= area <= 0.95 * w * h:
        return False
    if not cv2.isContourConvex(quad.astype(np.float32)):
        return False
    margin = 0.05 * max(w, h)
    if (quad[:, 0] < -margin).any() or (quad[:, 0] > w + margin).any():
        return False
    if (quad[:, 1] < -margin).any() or (quad[:, 1] > h + margin).any():
        return False
    sides = [float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) for i in range(4)]
    long_ = (sides[0] + sides[2]) / 2
    short = (sides[1] + sides[3]) / 2
    if min(long_, short) <= 0 or max(long_, short) / min(long_, short) > _MAX_ASPECT:
        return False
    for i in range(4):
        u = quad[i - 1] - quad[i]
        v = quad[(i + 1) % 4] - quad[i]
        cosang = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
        ang = math.degrees(math.acos(max(-1.0, min(1.0, cosang))))
        if not _MIN_ANGLE <= ang <= _MAX_ANGLE:
            return False
    return True


def _edge_support(lab: _Float, quad: _Points, w: int, h: int) -> float:
    """Share of the outline that lies on a colour step (the weakest sides count most).

    Each side is sampled away from the corners, and the colour just outside it is compared
    with the colour just inside. Along a card's edge the two differ everywhere (the card is
    not the table), even where a two-tone card changes colour; a side drawn through print
    finds paper on both sides. Samples on the photo's border (a card running out of frame)
    count for a little: enough for a card cut by one or two borders, too little for a
    printed block in a photo that the card fills, whose other sides all run along borders.
    """
    per_side = []
    offsets = np.arange(-4, 5, dtype=np.float32)
    weights = np.array([1.0, 2.0, 2.0], dtype=np.float32)
    t = np.linspace(0.1, 0.9, 48, dtype=np.float32)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.linalg.norm(d))
        if length < 1:
            return 0.0
        normal = np.array([-d[1], d[0]], dtype=np.float32) / length
        px = (a[0] + t * d[0]).astype(np.float32)
        py = (a[1] + t * d[1]).astype(np.float32)
        xs = px[:, None] + offsets[None, :] * normal[0]
        ys = py[:, None] + offsets[None, :] * normal[1]
        strip = cv2.remap(lab, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        step = (strip[:, -2:].mean(axis=1) - strip[:, :2].mean(axis=1)) * weights
        size = np.sqrt((step**2).sum(axis=1))
        # A step like its neighbour's: the two sides of a real edge keep their colours along
        # it (changing at most where a two-tone card changes tone), print does not.
        change = np.sqrt(((step[1:] - step[:-1]) ** 2).sum(axis=1))
        alike = change <= 0.5 * np.maximum(size[1:], size[:-1])
        steady = np.zeros(len(t), bool)
        steady[1:] |= alike
        steady[:-1] |= alike
        strong = (size >= _EDGE_STEP) & steady
        m = _BORDER_PX
        off = (px < m) | (py < m) | (px > w - 1 - m) | (py > h - 1 - m)
        frac = (np.count_nonzero(strong & ~off) + _OFF_FRAME * np.count_nonzero(off)) / len(t)
        per_side.append(float(frac))
    per_side.sort()
    return 0.35 * per_side[0] + 0.25 * per_side[1] + 0.2 * per_side[2] + 0.2 * per_side[3]


def _refine_quad(image: Image8, quad: _Points, step: float) -> _Points:
    """Move each side onto the card edge at full resolution and meet the sides again.

    Found on the downscaled copy, the corners are only good to a few full-size pixels.
    ``step`` is the size of one pixel of that copy in the photo.
    """
    Line = tuple[float, float, float, float]
    lines: list[Line | None] = []
    reach = max(3.0, 2.0 * step)
    t = np.linspace(0.12, 0.88, 40)
    offs = np.arange(-reach, reach + 1e-6, 1.0)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.linalg.norm(d))
        if length < 8:
            return quad
        normal = np.array([-d[1], d[0]]) / length
        xs = (a[0] + t[:, None] * d[0] + offs[None, :] * normal[0]).astype(np.float32)
        ys = (a[1] + t[:, None] * d[1] + offs[None, :] * normal[1]).astype(np.float32)
        strip = _f32(cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
        prof = strip.mean(axis=2) if strip.ndim == 3 else strip
        # Smoothing along the side (not across it) steadies the step without moving it.
        prof = _f32(cv2.GaussianBlur(prof, (1, 5), 0))
        deriv = np.abs(np.diff(prof, axis=1))
        j = np.argmax(deriv, axis=1)
        strength = deriv[np.arange(len(t)), j]
        keep = strength >= max(4.0, 0.5 * float(np.median(strength)))
        if keep.sum() < 8:
            lines.append(None)
            continue
        shift = offs[j] + 0.5
        pts = np.stack(
            [a[0] + t * d[0] + shift * normal[0], a[1] + t * d[1] + shift * normal[1]], axis=1
        )[keep]
        fit = np.asarray(
            cv2.fitLine(pts.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01), np.float64
        ).ravel()
        lines.append((float(fit[2]), float(fit[3]), float(fit[0]), float(fit[1])))
    out = quad.copy()
    for i in range(4):
        prev_line, next_line = lines[i - 1], lines[i]
        if prev_line is None or next_line is None:
            continue
        p = _line_meet(prev_line, next_line)
        if p is not None and np.linalg.norm(p - quad[i]) <= 2 * reach:
            out[i] = p
    return out


def _line_meet(
    l1: tuple[float, float, float, float], l2: tuple[float, float, float, float]
) -> _Points | None:
    x1, y1, dx1, dy1 = l1
    x2, y2, dx2, dy2 = l2
    denom = dx1 * dy2 - dy1 * dx2
    if abs(denom) < 1e-6:
        return None
    t = ((x2 - x1) * dy2 - (y2 - y1) * dx2) / denom
    return np.array([x1 + t * dx1, y1 + t * dy1])


def _warp(image: Image8, quad: _Points) -> Image8:
    h, w = image.shape[:2]
    tl, tr, br, bl = quad
    top, bottom = float(np.linalg.norm(tr - tl)), float(np.linalg.norm(br - bl))
    left, right = float(np.linalg.norm(bl - tl)), float(np.linalg.norm(br - tr))
    ratio = _aspect_ratio(quad, w, h)
    # Keep the resolution of the nearest (largest) side so small text loses nothing.
    out_w = max(top, bottom)
    out_h = out_w / ratio
    if out_h < max(left, right):
        out_h = max(left, right)
        out_w = out_h * ratio
    ow, oh = max(8, round(out_w)), max(8, round(out_h))
    dst = np.array([[0, 0], [ow - 1, 0], [ow - 1, oh - 1], [0, oh - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return _u8(
        cv2.warpPerspective(
            image, m, (ow, oh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    )


def _aspect_ratio(quad: _Points, w: int, h: int) -> float:
    """Width/height of the real rectangle behind a quad seen through a pinhole camera.

    Zhang & He (2007), "Whiteboard scanning and image enhancement": with the principal point
    at the photo centre, the two vanishing points give the focal length and the true aspect.
    Seen nearly head-on the focal length cannot be measured, so a phone's typical one is
    used (it then hardly matters). An answer far from the ratio of the mean side lengths
    means the model does not fit (a cropped photo, say); then the side lengths win.
    """
    tl, tr, br, bl = quad
    side = float(
        (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl))
        / max(float(np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)), 1e-9)
    )
    c = np.array([w / 2.0, h / 2.0])
    m1, m2, m3, m4 = (np.append(p - c, 1.0) for p in (tl, tr, bl, br))
    d2 = float(np.dot(np.cross(m2, m4), m3))
    d3 = float(np.dot(np.cross(m3, m4), m2))
    if abs(d2) < 1e-9 or abs(d3) < 1e-9:
        return side
    n2 = float(np.dot(np.cross(m1, m4), m3)) / d2 * m2 - m1
    n3 = float(np.dot(np.cross(m1, m4), m2)) / d3 * m3 - m1
    diag = math.hypot(w, h)
    f2 = (_PHONE_FOCAL * diag) ** 2
    if abs(n2[2] * n3[2]) > 1e-12:
        measured = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2])
        if (0.3 * diag) ** 2 <= measured <= (3.0 * diag) ** 2:
            f2 = measured
    num = (n2[0] ** 2 + n2[1] ** 2) / f2 + n2[2] ** 2
    den = (n3[0] ** 2 + n3[1] ** 2) / f2 + n3[2] ** 2
    if num <= 0 or den <= 0:
        return side
    ratio = math.sqrt(num / den)
    return ratio if 0.8 <= ratio / side <= 1.25 else side
