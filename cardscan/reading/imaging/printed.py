"""Finding a card from its print: the edges searched outwards from the text, or a crop around it."""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np

from cardscan.reading.imaging.base import Image8, _f32, _Float, _Points, _u8
from cardscan.reading.imaging.geometry import (
    _CARD_RATIO,
    _inside,
    _line_meet,
    _order_corners,
    _plausible,
    _side_ratio,
)

#: Score of a card cut out around its print because no edge of it could be trusted (a
#: white card on a white table): some sides are the print's extent plus a margin.
TEXT_CROP_SCORE = 0.1
#: Long side (pixels) from which a photo whose card edges were not all found is cut
#: around its print: a 12-megapixel photo of a card on a table shrinks to the card's
#: part, while a scan or a photo cropped to the card stays whole.
_TEXT_CROP_MIN_SIDE = 2000
#: Text points within this share of the photo's long side of each other belong to one card.
_TEXT_LINK = 0.18
#: ... and for telling the cards of a tabletop apart, this share.
_CARD_LINK = 0.025
#: A cluster of print needs this many points to be looked at as a card.
_MIN_TEXT_POINTS = 40
#: Side (detection pixels) of the square that picks strokes of print, the step in gray
#: levels a stroke makes against its surroundings, and a cap on the points kept.
_PRINT_KERNEL = 9
_PRINT_STEP = 28
_MAX_PRINT_POINTS = 6000
#: Samples along each side, and how far past the print (in the print's extent across that
#: side, plus a few pixels) the card's edge is looked for.
_SIDE_SAMPLES = 48
_SIDE_REACH = 1.2
#: Peaks of each sample that may be the card's edge (its own, a neighbour's, a shadow's).
_PEAKS_PER_SAMPLE = 3
#: Share of the photo's print that several cards found from their print must hold.
_MIN_PRINT_HELD = 0.8
#: Candidate lines of each side tried in combination (nearest first).
_LINES_PER_SIDE = 3
#: An edge sample lies within this many detection pixels of the fitted line.
_LINE_TOL = 2.0
#: Share of a side's samples on its fitted line for the side to count as an edge.
_MIN_SIDE_SUPPORT = 0.45
#: Margin left around the print on a side without a trusted edge, in glyph sizes and at
#: least this share of the photo's long side.
_TEXT_MARGIN_GLYPHS = 4.0
_TEXT_MARGIN = 0.07
#: Long over short side of an ISO 7810 ID-1 card (85.6 × 54 mm); other formats are 1.6–1.8.
_ID1_RATIO = 85.6 / 54.0


def _print_points(gray: Image8) -> _Points:
    """Where a photo is printed: pixels much darker (or lighter) than their surroundings.

    A black-hat (and top-hat) by a small square picks strokes of print, however small the
    type, and leaves out the broad, soft steps of a card's edge, its shadow and the light;
    specks of table grain are dropped as lone pixels.
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (_PRINT_KERNEL, _PRINT_KERNEL))
    dark = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
    light = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel)
    mask = (np.maximum(dark, light) >= _PRINT_STEP).astype(np.uint8)
    # Print comes in lines of strokes; a lone speck is grain or noise.
    near = cv2.boxFilter(mask.astype(np.float32), -1, (_PRINT_KERNEL * 2 + 1,) * 2)
    ys, xs = np.nonzero((mask > 0) & (near >= 0.08))
    if len(xs) > _MAX_PRINT_POINTS:
        keep = np.linspace(0, len(xs) - 1, _MAX_PRINT_POINTS).astype(np.int64)
        xs, ys = xs[keep], ys[keep]
    return np.stack([xs, ys], axis=1).astype(np.float64)


def _text_clusters(points: _Points, w: int, h: int, share: float) -> list[_Points]:
    """Groups of text points lying within ``share`` of the long side, most points first."""
    if len(points) < _MIN_TEXT_POINTS:
        return []
    link = max(4, round(share * max(w, h)))
    # On a coarse grid: a dilation by a large disc at full size would cost 100 ms.
    cell = max(1, link // 8)
    gw, gh = w // cell + 1, h // cell + 1
    mask = np.zeros((gh, gw), np.uint8)
    gx = np.clip((points[:, 0] // cell).astype(np.int64), 0, gw - 1)
    gy = np.clip((points[:, 1] // cell).astype(np.int64), 0, gh - 1)
    mask[gy, gx] = 255
    disc = max(3, (link // cell) | 1)
    mask = _u8(cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (disc, disc))))
    _, labels = cv2.connectedComponents(mask)
    lab = np.asarray(labels)[gy, gx]
    groups = [points[lab == k] for k in np.unique(lab) if k > 0]
    groups = [g for g in groups if len(g) >= _MIN_TEXT_POINTS]
    return sorted(groups, key=len, reverse=True)


def _side_lines(
    s: _Points, xs: _Points, ys: _Points, floor: float
) -> list[tuple[_Points, _Points, float, float]]:
    """Straight lines through the steps found across one side, nearest first.

    ``s`` holds the step at each sample (row) and offset outwards (column). Each sample
    offers its few strongest local peaks; lines are fitted through them by RANSAC, each
    line's points taken out before the next is looked for. Returns (point, direction,
    share of the samples on it, mean offset) for each line on enough of the samples.
    """
    n, m = s.shape
    if m < 3:
        return []
    peak = np.zeros_like(s, dtype=bool)
    peak[:, 1:-1] = (s[:, 1:-1] > s[:, :-2]) & (s[:, 1:-1] >= s[:, 2:]) & (s[:, 1:-1] >= floor)
    # The few strongest peaks of each sample.
    ranked = np.where(peak, s, -np.inf)
    top = np.argsort(-ranked, axis=1)[:, :_PEAKS_PER_SAMPLE]
    rows = np.repeat(np.arange(n), top.shape[1])
    cols = top.ravel()
    keep = np.isfinite(ranked[rows, cols])
    rows, cols = rows[keep], cols[keep]
    pts = np.stack([xs[rows, cols], ys[rows, cols]], axis=1)
    member = np.zeros((len(rows), n), np.float32)
    member[np.arange(len(rows)), rows] = 1.0
    rng = np.random.default_rng(0)
    lines = []
    alive = np.ones(len(pts), bool)
    for _ in range(3):
        idx = np.nonzero(alive)[0]
        if len(idx) < 4:
            break
        i, j = idx[rng.integers(0, len(idx), (2, 80))]
        d = pts[j] - pts[i]
        length = np.linalg.norm(d, axis=1)
        good = length > 1e-6
        if not good.any():
            break
        nrm = np.stack([-d[good, 1], d[good, 0]], axis=1) / length[good, None]
        dist = np.abs(
            (pts[None, :, 0] - pts[i[good], None, 0]) * nrm[:, None, 0]
            + (pts[None, :, 1] - pts[i[good], None, 1]) * nrm[:, None, 1]
        )
        inliers = (dist <= _LINE_TOL) & alive[None, :]
        # Samples (not peaks) on each line: a sample's two peaks count once.
        counts = (inliers.astype(np.float32) @ member > 0).sum(axis=1)
        best = int(np.argmax(counts))
        chosen = inliers[best]
        support = float(counts[best]) / n
        alive &= ~chosen
        if support < _MIN_SIDE_SUPPORT:
            break
        sel = pts[chosen]
        fit = np.asarray(cv2.fitLine(sel.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01)).ravel()
        offset = float(np.mean(cols[chosen]))
        lines.append((np.array([fit[2], fit[3]]), np.array([fit[0], fit[1]]), support, offset))
    return sorted(lines, key=lambda line: line[3])


def _gradients(gray: Image8) -> tuple[_Float, _Float, float]:
    """Lightness gradients of the detection copy after a blur, and the level of a real step."""
    g = _f32(cv2.GaussianBlur(gray, (0, 0), 1.5))
    gx = _f32(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3))
    gy = _f32(cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))
    floor = max(3.0, 2.0 * float(np.median(np.hypot(gx[::4, ::4], gy[::4, ::4]))))
    return gx, gy, floor


def _card_around_text(
    grads: tuple[_Float, _Float, float], pts: _Points, glyph: float, others: list[_Points]
) -> tuple[_Points, float, bool]:
    """The card holding a cluster of print: its edges found outwards from the print.

    The print's minimum-area rectangle gives the card's axes (text runs along the card).
    From each side of it, along the side's normal, each sample takes the strongest step in
    lightness out to the frame (or ``_SIDE_REACH`` of the print's extent); a side whose
    samples line up is the card's edge, even a faint one (a white card on a pale table
    steps by a few gray levels, but all along a straight line). A side without one is the
    print's side plus a margin. Returns the quad, its score and whether all four sides
    are edges. ``others`` are the photo's clusters of print (a few points of each): a
    card holds each whole or not at all.
    """
    gx, gy, floor = grads
    h, w = gx.shape
    rect = _order_corners(_text_box(pts, glyph))
    margin = max(_TEXT_MARGIN_GLYPHS * glyph, _TEXT_MARGIN * max(w, h))
    centre = rect.mean(axis=0)
    t = np.linspace(0.04, 0.96, _SIDE_SAMPLES)
    lines: list[tuple[_Points, _Points]] = []
    supports: list[float] = []
    normals: list[_Points] = []
    options: list[list[tuple[_Points, _Points, float, float]]] = []
    for i in range(4):
        a, b = rect[i], rect[(i + 1) % 4]
        d = b - a
        length = float(np.linalg.norm(d))
        normal = np.array([-d[1], d[0]]) / max(length, 1e-6)
        if np.dot((a + b) / 2 - centre, normal) < 0:
            normal = -normal
        depth = float(np.linalg.norm(rect[(i + 2) % 4] - b))
        # The side is extended past the print: the card is wider than its text block.
        ext = 0.25
        ts = -ext + (1 + 2 * ext) * t
        base = a[None, :] + ts[:, None] * d[None, :]
        # A thin block of print (a name alone) says little of how deep the card is.
        reach = _SIDE_REACH * max(depth, 0.6 * length) + 3 * glyph
        offs = np.arange(2.0, reach, 1.0)
        xs = base[:, 0:1] + offs[None, :] * normal[0]
        ys = base[:, 1:2] + offs[None, :] * normal[1]
        inside = (xs >= 1) & (xs <= w - 2) & (ys >= 1) & (ys <= h - 2)
        step = (
            _f32(cv2.remap(gx, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR))
            * normal[0]
            + _f32(cv2.remap(gy, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR))
            * normal[1]
        )
        # Paper lighter than the table steps down going out; a dark card steps up. The
        # nearest straight line is the card's own edge: further out lie its neighbours'.
        found = [
            line
            for sign in (-1.0, 1.0)
            for line in _side_lines(np.where(inside, sign * step, 0.0), xs, ys, floor)
        ]
        found.sort(key=lambda line: line[3])
        options.append(found[:_LINES_PER_SIDE])
        p, u, support = found[0][:3] if found else (np.zeros(2), np.zeros(2), 0.0)
        if support >= _MIN_SIDE_SUPPORT:
            lines.append((p, u))
        else:
            support = 0.0
            lines.append((a + normal * margin, d / max(length, 1e-6)))
        supports.append(support)
        normals.append(normal)
    card = _card_of_lines(options, pts, others, w, h)
    if card is not None:
        return card[0], card[1], True
    missing = [i for i in range(4) if supports[i] == 0.0]
    if len(missing) == 1:
        # Three edges found: the fourth lies where a card's proportions put it, unless
        # the print reaches further.
        i = missing[0]
        p_opp, u_opp = lines[(i + 2) % 4]
        p_adj, _ = lines[(i + 1) % 4]
        p_adj2, _ = lines[(i + 3) % 4]
        n = normals[i]
        span = abs(float(np.dot(p_adj - p_adj2, n @ np.array([[0, -1], [1, 0]]))))
        # How deep the print reaches from the opposite edge: the card reaches further.
        printed = float(np.dot(rect[i] - p_opp, n)) + glyph
        # The smaller of the two card shapes that holds the print (a landscape card's
        # text runs along its long side; a portrait card's along its short one).
        for want in sorted((span / _ID1_RATIO, span * _ID1_RATIO)):
            if printed <= want <= 2.2 * max(printed, 1.0):
                lines[i] = (p_opp + n * want, u_opp)
                break
    quad = []
    for i in range(4):
        (p1, u1), (p2, u2) = lines[i - 1], lines[i]
        x = _line_meet((p1[0], p1[1], u1[0], u1[1]), (p2[0], p2[1], u2[0], u2[1]))
        if x is None:
            return _clip_quad(_grown(rect, margin), w, h), TEXT_CROP_SCORE, False
        quad.append(x)
    q = _order_corners(np.array(quad))
    edged = min(supports) > 0
    ok_shape = _plausible(q, w, h, 0.0) and _inside(q, pts).mean() >= 0.95
    if not ok_shape:
        return _clip_quad(_grown(rect, margin), w, h), TEXT_CROP_SCORE, False
    if edged and _CARD_RATIO[0] - 0.1 <= _side_ratio(q) <= _CARD_RATIO[1] + 0.15:
        return q, round(float(np.mean(supports)), 3), True
    if edged:
        # Four straight lines, but not a card's proportions: a box printed on it, say.
        return _clip_quad(_grown(rect, margin), w, h), TEXT_CROP_SCORE, False
    return _clip_quad(q, w, h), TEXT_CROP_SCORE, False


def _card_of_lines(
    options: list[list[tuple[_Points, _Points, float, float]]],
    pts: _Points,
    others: list[_Points],
    w: int,
    h: int,
) -> tuple[_Points, float] | None:
    """The smallest card-shaped quad one candidate line of each side makes, holding the print.

    The nearest line of a side can be a printed rule (an underline, a band's edge) rather
    than the card's edge; the quad it makes with the others is then a strip, not a card.
    Of the combinations with a card's proportions, the smallest is the card itself (the
    larger ones reach to neighbouring cards or the shadow's outer edge).
    """
    if any(not o for o in options):
        return None
    best: tuple[_Points, float] | None = None
    best_area = math.inf
    for combo in itertools.product(*options):
        corners = []
        for i in range(4):
            p1, u1 = combo[i - 1][0], combo[i - 1][1]
            p2, u2 = combo[i][0], combo[i][1]
            x = _line_meet((p1[0], p1[1], u1[0], u1[1]), (p2[0], p2[1], u2[0], u2[1]))
            if x is None:
                break
            corners.append(x)
        if len(corners) < 4:
            continue
        q = _order_corners(np.array(corners))
        if not _CARD_RATIO[0] - 0.1 <= _side_ratio(q) <= _CARD_RATIO[1] + 0.15:
            continue
        area = cv2.contourArea(q.astype(np.float32))
        if area >= best_area or not _plausible(q, w, h, 0.0):
            continue
        if _inside(q, pts).mean() < 0.95:
            continue
        # A side through a block of print is a rule printed on the card, not its edge.
        if any(0.1 < _inside(q, c).mean() < 0.9 for c in others):
            continue
        best, best_area = (q, round(float(np.mean([line[2] for line in combo])), 3)), area
    return best


def _text_box(pts: _Points, glyph: float) -> _Points:
    """The rectangle around text points, turned the way the text lines run.

    Each angle within 45° of level is tried: projected across the lines, the points of
    a text block bunch into a few sharp peaks (one per line) when the angle is right.
    """
    best_angle, best_peak = 0.0, -1.0
    bin_ = max(1.0, glyph / 2)
    for deg in np.arange(-45.0, 45.0, 1.5):
        rad = math.radians(float(deg))
        c, s = math.cos(rad), math.sin(rad)
        for across in (-pts[:, 0] * s + pts[:, 1] * c, pts[:, 0] * c + pts[:, 1] * s):
            counts = np.bincount(((across - across.min()) / bin_).astype(np.int64))
            peak = float((counts.astype(np.float64) ** 2).sum())
            if peak > best_peak + 1e-9:
                best_angle, best_peak = float(deg), peak
    rad = math.radians(best_angle)
    c, s = math.cos(rad), math.sin(rad)
    u, v = np.array([c, s]), np.array([-s, c])
    along, across = pts @ u, pts @ v
    half = glyph / 2
    a0, a1 = along.min() - half, along.max() + half
    b0, b1 = across.min() - half, across.max() + half
    return np.array([a * u + b * v for a, b in ((a0, b0), (a1, b0), (a1, b1), (a0, b1))])


def _grown(rect: _Points, by: float) -> _Points:
    """A convex quad with each corner pushed ``by`` outwards along both its sides."""
    centre = rect.mean(axis=0)
    out = []
    for i in range(4):
        p = rect[i]
        u = p - rect[i - 1]
        v = p - rect[(i + 1) % 4]
        u = u / max(float(np.linalg.norm(u)), 1e-6)
        v = v / max(float(np.linalg.norm(v)), 1e-6)
        q = p + by * (u + v)
        out.append(q if np.dot(q - centre, p - centre) > 0 else p)
    return np.array(out)


def _clip_quad(quad: _Points, w: int, h: int) -> _Points:
    """A quad with its corners moved inside the frame."""
    out = quad.copy()
    out[:, 0] = np.clip(out[:, 0], 0, w - 1)
    out[:, 1] = np.clip(out[:, 1], 0, h - 1)
    return out
