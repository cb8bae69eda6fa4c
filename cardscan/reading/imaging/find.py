"""Finding the cards in a photo: outlines standing out from the table, then cards found by print."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from cardscan.reading.imaging.base import Image8, _Float, _Points, _to_gray, _u8
from cardscan.reading.imaging.geometry import (
    _CARD_RATIO,
    _EDGE_STEP,
    _MIN_CARD_AREA,
    _corner_skew,
    _corners,
    _edge_support,
    _enclosing_quad,
    _inside,
    _order_corners,
    _overlap,
    _plausible,
    _refine_quad,
    _side_ratio,
    _warp,
)
from cardscan.reading.imaging.preparation import _glyph_like, _glyphs, _ink_mask, _normalise
from cardscan.reading.imaging.printed import (
    _CARD_LINK,
    _MIN_PRINT_HELD,
    _PRINT_KERNEL,
    _TEXT_CROP_MIN_SIDE,
    _TEXT_LINK,
    _card_around_text,
    _clip_quad,
    _gradients,
    _print_points,
    _text_clusters,
)

#: Longest side of the working copy used to look for the card: enough to place the edges
#: within a few pixels, small enough that detection costs a few tens of milliseconds.
_DETECT_SIDE = 1000
#: Among several cards of about the same size, each may cover this little of the photo:
#: eight cards photographed from above fill the frame between them.
_MIN_SHARED_AREA = 0.012
#: Contours of each segmentation looked at: a tabletop holds up to about ten cards.
_MAX_CARDS = 12
#: Edge support each card after the first needs: outlines of logos, photos and hands
#: score 0.5-0.7, cards lying apart on a table 0.9-1.
_MIN_SUPPORT_MORE = 0.7
#: ... and one of the very size of those found (within ``_ALIKE`` in log area) needs this.
_MIN_SUPPORT_ALIKE = 0.45
_ALIKE = math.log(1.3)
#: ... and corners within this many degrees of square.
_MAX_SKEW_ALIKE = 20.0
#: Share of its outline a card's blob covers at least when it lies among others: a card's
#: blob is solid (0.96-1), a block of text or a stretch of table is ragged (0.5-0.9).
_MIN_FILL = 0.92
#: Two outlines overlapping by more than this share of the smaller are not two cards.
_MAX_OVERLAP = 0.15
#: Cards in one photo differ in size by at most this factor (formats and perspective).
_AREA_SPREAD = 2.0
#: A card among others must show this many glyph-like marks inside its edges on a copy of
#: this long side (generated tabletop cards show 7 to several hundred, a blur-ruined one 3,
#: a blank card back none).
_PRINT_CHECK_SIDE = 600
_MIN_GLYPHS = 3
#: Opening, in short sides of the cards found, that takes a thumb off a card's blob.
_THUMB_CUT = 0.55
#: Times the photo is searched again with the cards found so far masked out.
_PEEL_ROUNDS = 2
#: Edge support below which an outline is not trusted (cards on a table score 0.8–1; text
#: blocks and printed boxes of a card that fills the frame score about 0.5).
_MIN_SUPPORT = 0.6
#: Normalised gray (paper = 255) that a glyph must reach somewhere to count as print
#: when looking for text outside a candidate outline.
_TEXT_DARK = 130


@dataclass(frozen=True, eq=False)
class Card:
    """One card found in a photo.

    Attributes:
        image: The card, straightened to a flat rectangle, BGR.
        quad: The card's corners in the photo (top-left, top-right, bottom-right,
            bottom-left as they appear), or None when the whole photo was kept.
        score: How sure the detection is, 0..1 (0 for the whole-photo fallback).
    """

    image: Image8
    quad: tuple[tuple[float, float], ...] | None
    score: float


def find_cards(image: Image8) -> list[Card]:
    """Find every business card in a photo and straighten each one.

    Candidate outlines come from several segmentations of a downscaled copy (difference
    from the table colour, brightness, edges); each is reduced to the quadrilateral that
    best encloses it and scored by how much of its outline lies on a real edge. When two or
    more card-shaped outlines of about the same size lie apart (a tabletop shot of several
    cards), each is a card; the cards found are masked out and the photo searched again,
    which finds cards the first segmentation merged with the table. Otherwise the best
    outline is the one card. Each is warped at full resolution to a rectangle with the
    card's estimated aspect ratio.

    Args:
        image: The photo, BGR (a gray image is accepted too).

    Returns:
        The cards in reading order (rows top to bottom, each left to right). When no card
        edge is found, e.g. a scan or a photo cropped to the card, the whole image with
        ``quad=None`` and score 0.
    """
    if image.ndim == 2:
        image = _u8(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    h, w = image.shape[:2]
    # An integer factor lets INTER_AREA take its fast path (3× quicker on a 12 MP photo).
    factor = math.ceil(max(h, w) / _DETECT_SIDE)
    small = (
        _u8(cv2.resize(image, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA))
        if factor > 1
        else image
    )
    scene = _Scene.of(small)
    outlines = scene.outlines(scene.masks, first=True)
    step = np.array([w / small.shape[1], h / small.shape[0]], dtype=np.float64)

    def full_size(quad_small: _Points) -> _Points:
        quad = (quad_small + 0.5) * step - 0.5
        return _refine_quad(image, quad, float(step.max()))

    several = _several(scene, outlines)
    texts = _TextSearch(scene)
    cards = []
    for o in several if len(several) >= 2 else []:
        quad = full_size(o.quad)
        card = _warp(image, quad)
        # A phone, a blank card back or a dark patch of table can have a card's outline.
        if _has_print(card):
            cards.append(Card(image=card, quad=_corners(quad), score=round(float(o.score), 3)))
    if len(cards) == 1:
        # A card beside a blank card back (or another card-shaped thing without print).
        return cards + _more_cards(image, [several[0].quad], texts, full_size)
    if len(cards) >= 2:
        quads = [o.quad for o in several]
        cards += _more_cards(image, quads, texts, full_size)
        return [cards[i] for i in reading_order([c.quad or () for c in cards])]
    best = _best_single(scene, outlines)
    if best is None:
        return _by_text(image, texts, full_size)
    quad = full_size(best[0])
    cards = [Card(image=_warp(image, quad), quad=_corners(quad), score=round(float(best[1]), 3))]
    cards += _more_cards(image, [best[0]], texts, full_size)
    return [cards[i] for i in reading_order([c.quad or () for c in cards])]


def _more_cards(
    image: Image8,
    known: list[_Points],
    texts: _TextSearch,
    full_size: Callable[[_Points], _Points],
) -> list[Card]:
    """Cards the outline search missed beside those it found: pale cards on a pale table.

    Each is a cluster of print whose four card edges were all found, of the very size of
    the cards already found (within ``_ALIKE``: a phone or a box has another), apart from
    them, and printed.
    """
    typical = float(np.median([cv2.contourArea(q.astype(np.float32)) for q in known]))
    out: list[Card] = []
    taken = list(known)
    for quad_small, score, edged in texts.cards()[1:]:
        area = cv2.contourArea(quad_small.astype(np.float32))
        if not edged or abs(math.log(max(area, 1.0) / max(typical, 1.0))) > _ALIKE:
            continue
        if any(_overlap(quad_small, q) >= _MAX_OVERLAP for q in taken):
            continue
        quad = full_size(quad_small)
        card = _warp(image, quad)
        if _has_print(card):
            taken.append(quad_small)
            out.append(Card(image=card, quad=_corners(quad), score=score))
    return out


class _TextSearch:
    """Cards looked for from their print, computed once when first asked for."""

    def __init__(self, scene: _Scene) -> None:
        self.scene = scene
        self._found: list[tuple[_Points, float, bool]] | None = None
        self.points: _Points = np.zeros((0, 2))

    def cards(self) -> list[tuple[_Points, float, bool]]:
        """First the card holding all the photo's print, then those of each cluster of it.

        Each is (quad on the detection copy, score, whether all four edges were found);
        clusters whose edges were not all found, or that overlap one before, are left out.
        """
        if self._found is not None:
            return self._found
        scene = self.scene
        w, h = scene.size
        gray = scene.lab[..., 0]
        found: list[tuple[_Points, float, bool]] = []
        pts = self.points = _print_points(gray)
        # The box around the print is padded by about a stroke: the median glyph of the
        # photo (logos included) can be taller than the gap between print and card edge.
        glyph = _PRINT_KERNEL / 2
        clusters = _text_clusters(pts, w, h, _CARD_LINK)[:_MAX_CARDS]
        if clusters:
            # Looked at as one card first: all the print but stray bits (a lone line of a
            # newspaper on the table), since a card's name, logo and address can lie apart.
            coarse = _text_clusters(pts, w, h, _TEXT_LINK)
            share = [c for c in coarse if len(c) >= 0.1 * len(pts)]
            clusters.insert(0, np.concatenate(share or clusters[:1]))
        grads = _gradients(gray)
        few = [c[:: max(1, len(c) // 60)] for c in clusters[1:]]
        for i, cluster in enumerate(clusters):
            quad, score, edged = _card_around_text(grads, cluster, glyph, few)
            if i > 0 and not edged:
                continue
            if i == 0 or all(_overlap(quad, q) < _MAX_OVERLAP for q, _, _ in found[1:]):
                found.append((quad, score, edged))
        self._found = found
        return found


def _by_text(
    image: Image8, texts: _TextSearch, full_size: Callable[[_Points], _Points]
) -> list[Card]:
    """The cards of a photo whose outlines did not stand out: found from their print.

    Each cluster of print is looked at as one card (see :func:`_card_around_text`). Two
    or more clusters whose card edges were all found, lying apart, are that many cards;
    otherwise the card holding all the print, cut along the edges found and around the
    print elsewhere. With no print at all, the whole photo.
    """
    found = texts.cards()
    apart: list[tuple[_Points, float]] = []
    for quad_small, score, edged in found:
        if edged and all(_overlap(quad_small, q) < _MAX_OVERLAP for q, _ in apart):
            apart.append((quad_small, score))
    if len(apart) >= 2:
        # Several cards: those of about the typical size, each printed.
        areas = [cv2.contourArea(q.astype(np.float32)) for q, _ in apart]
        typical = float(np.median(areas))
        cards: list[Card] = []
        for (quad_small, score), area in zip(apart, areas, strict=True):
            if not 1 / _AREA_SPREAD <= area / max(typical, 1.0) <= _AREA_SPREAD:
                continue
            quad = full_size(quad_small)
            card = _warp(image, quad)
            if _has_print(card):
                cards.append(Card(image=card, quad=_corners(quad), score=score))
        # Cards lying on a table hold the photo's print between them; two printed boxes
        # of one card leave the rest of its print outside.
        held = np.zeros(len(texts.points), bool)
        for quad_small, _ in apart:
            held |= _inside(quad_small, texts.points)
        if len(cards) >= 2 and held.mean() >= _MIN_PRINT_HELD:
            return [cards[i] for i in reading_order([c.quad or () for c in cards])]
    if not found or not (found[0][2] or max(image.shape[:2]) >= _TEXT_CROP_MIN_SIDE):
        # A smaller photo is kept whole: OCR reads it well enough, and a crop around the
        # print could cut off a logo or a block of colour that holds no text.
        return [Card(image=image.copy(), quad=None, score=0.0)]
    quad_small, score, edged = found[0]
    quad = full_size(quad_small) if edged else _to_full(quad_small, image, texts.scene)
    return [Card(image=_warp(image, quad), quad=_corners(quad), score=score)]


def _to_full(quad_small: _Points, image: Image8, scene: _Scene) -> _Points:
    """A quad on the detection copy in photo coordinates, not moved onto any edge."""
    h, w = image.shape[:2]
    sw, sh = scene.size
    step = np.array([w / sw, h / sh], dtype=np.float64)
    return _clip_quad((quad_small + 0.5) * step - 0.5, w, h)


def _has_print(card: Image8) -> bool:
    """Whether a straightened card shows glyph-like marks away from its edges.

    The edges are left out: a sliver of table, shadow or thumb there makes marks too.
    """
    gray = _to_gray(card)
    scale = _PRINT_CHECK_SIDE / max(gray.shape)
    if scale < 1.0:
        gray = _u8(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    h, w = gray.shape
    my, mx = round(0.06 * h), round(0.06 * w)
    inner = gray[my : h - my, mx : w - mx]
    return inner.size > 0 and len(_glyphs(_ink_mask(_normalise(inner)))) >= _MIN_GLYPHS


@dataclass(frozen=True, eq=False)
class _Outline:
    """A candidate card outline on the detection copy.

    ``area`` is its share of the photo; ``fill`` the share of the outline its blob covers
    (a card's blob is solid, a block of text or a patch of grain is ragged); ``single``
    says whether the one-card choice may take it (a larger outline among the first few of
    its mask, not mostly empty of the photo's text).
    """

    quad: _Points
    score: float
    area: float
    fill: float
    single: bool


@dataclass(frozen=True, eq=False)
class _Scene:
    """The detection copy of a photo and what every search for outlines in it shares."""

    lab: Image8
    lab_f: _Float
    masks: list[Image8]
    not_table: Image8
    dist8: Image8
    text: _Points

    @classmethod
    def of(cls, small: Image8) -> _Scene:
        lab = _u8(cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_BGR2LAB))
        masks, not_table, dist8 = _segment(lab, _edge_map(lab))
        text = _text_points(_to_gray(small))
        return cls(lab, lab.astype(np.float32), masks, not_table, dist8, text)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the detection copy."""
        return self.lab.shape[1], self.lab.shape[0]

    def outlines(self, masks: list[Image8], first: bool, cut: int = 0) -> list[_Outline]:
        """Plausible outlines of the larger blobs of each mask, in mask order, largest first.

        With ``cut``, a ragged blob is also tried opened by a square of that side.
        """
        w, h = self.size
        out = []
        for mask in masks:
            contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            for rank, c in enumerate(sorted(contours, key=cv2.contourArea, reverse=True)):
                blob = cv2.contourArea(c)
                if rank >= _MAX_CARDS or blob < _MIN_SHARED_AREA * 0.7 * w * h:
                    break
                hull = cv2.convexHull(c).reshape(-1, 2).astype(np.float64)
                quad = _enclosing_quad(hull)
                if quad is None:
                    continue
                quad = _order_corners(quad)
                if not _plausible(quad, w, h, _MIN_SHARED_AREA):
                    continue
                area = cv2.contourArea(quad.astype(np.float32)) / (w * h)
                if cut > 2 and blob < _MIN_FILL * area * w * h:
                    out += self.outlines([_opened(np.asarray(c, np.int32), cut)], first=False)
                single = (
                    first and rank < 5 and blob >= _MIN_CARD_AREA * 0.7 * w * h
                ) and area >= _MIN_CARD_AREA
                if single:
                    # A card holds its text. When most text lies outside the outline, the
                    # outline is a box printed on a card that fills the photo (a scan, a
                    # cropped photo).
                    outside = len(self.text) - int(np.count_nonzero(_inside(quad, self.text)))
                    single = not (outside >= 10 and outside > 0.5 * len(self.text))
                score = _edge_support(self.lab_f, quad, w, h)
                out.append(_Outline(quad, score, area, blob / max(area * w * h, 1.0), single))
        return out


def _opened(contour: npt.NDArray[np.int32], side: int) -> Image8:
    """The blob of ``contour`` opened by a square of ``side`` (a mask reaching just past it)."""
    x, y, bw, bh = cv2.boundingRect(contour)
    mask = np.zeros((y + bh + 1, x + bw + 1), np.uint8)
    cv2.drawContours(mask, [contour], -1, 255, cv2.FILLED)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    crop = mask[y : y + bh, x : x + bw]
    mask[y : y + bh, x : x + bw] = _u8(cv2.morphologyEx(crop, cv2.MORPH_OPEN, kernel))
    return mask


def _best_single(scene: _Scene, outlines: list[_Outline]) -> tuple[_Points, float] | None:
    """The one card of a photo: the best supported of the larger outlines."""
    best: _Outline | None = None
    best_rank = 0.0
    for o in outlines:
        # Among well-supported outlines prefer the larger: a card holds printed boxes,
        # photos and colour bands whose outlines can be just as sharp as its own.
        rank = o.score * (0.75 + 0.25 * min(1.0, o.area / 0.35))
        if o.single and o.score >= _MIN_SUPPORT and (best is None or rank > best_rank):
            best, best_rank = o, rank
    if best is None:
        return None
    grown = _grow_to_card(scene.lab_f, scene.not_table, best.quad, best.score)
    return grown if grown is not None else (best.quad, best.score)


def _several(scene: _Scene, outlines: list[_Outline]) -> list[_Outline]:
    """The cards of a tabletop shot, or fewer than two when the photo shows one card.

    Only card-shaped outlines (grown to one if a band was left out) count. An outline that
    holds two or more of the others side by side is a group of cards the segmentation
    merged, not a card. The others are taken best supported first, skipping any that
    overlap one already taken; then those far from the typical size are dropped. Each
    round masks out the cards found and looks again, up to ``_PEEL_ROUNDS`` times.
    """
    chosen: list[_Outline] = []
    for round_ in range(_PEEL_ROUNDS + 1):
        if round_ > 0:
            # A thumb holding a card down joins its blob and spoils the outline; it is
            # narrower than the card, so opening by about half a card's short side takes it
            # off again (the card's cut corners come back when its outline is fitted).
            typical = float(np.median([o.area for o in chosen])) if chosen else 0.0
            cut = round(_THUMB_CUT * math.sqrt(typical * scene.size[0] * scene.size[1] / 1.7))
            outlines = scene.outlines(_without(scene, chosen), first=False, cut=cut)
        pool = _card_shaped(scene, outlines)
        pool = [o for o in pool if not _is_group(o, pool + chosen)]
        before = len(chosen)
        for o in pool:
            apart = all(_overlap(o.quad, c.quad) < _MAX_OVERLAP for c in chosen)
            if apart and _convincing(scene, o, chosen):
                chosen.append(o)
        chosen = _alike(chosen)
        if len(chosen) == before:
            break
    return chosen


def _alike(chosen: list[_Outline]) -> list[_Outline]:
    """The outlines of about the typical size; of two that differ too much, the first."""
    if len(chosen) == 2:
        small, large = sorted(o.area for o in chosen)
        return chosen if large <= _AREA_SPREAD * small else chosen[:1]
    if len(chosen) > 2:
        typical = float(np.median([o.area for o in chosen]))
        return [o for o in chosen if 1 / _AREA_SPREAD <= o.area / typical <= _AREA_SPREAD]
    return chosen


def _convincing(scene: _Scene, o: _Outline, chosen: list[_Outline]) -> bool:
    """Whether an outline is sure enough to be one more card beside those already found.

    The first must be as well supported as a lone card; later ones better, unless they have
    the very size of the cards found, which a logo, a photo or a hand rarely has, and
    square corners, lie inside the frame and differ from the table, which a patch of table
    between cards rarely does.
    """
    if not chosen:
        return o.score >= _MIN_SUPPORT
    if o.score >= _MIN_SUPPORT_MORE:
        return True
    typical = float(np.median([c.area for c in chosen]))
    if o.score < _MIN_SUPPORT_ALIKE or abs(math.log(o.area / typical)) > _ALIKE:
        return False
    w, h = scene.size
    margin = 0.02 * min(w, h)
    x, y = o.quad[:, 0], o.quad[:, 1]
    if x.min() < margin or y.min() < margin or x.max() > w - margin or y.max() > h - margin:
        return False
    if _corner_skew(o.quad) > _MAX_SKEW_ALIKE:
        return False
    inside = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(inside, np.round(o.quad).astype(np.int32), 1)
    return float(scene.not_table[inside > 0].mean()) >= 0.5 * 255


def _card_shaped(scene: _Scene, outlines: list[_Outline]) -> list[_Outline]:
    """Solid outlines with a card's proportions, best supported (then largest) first."""
    w, h = scene.size
    pool = []
    for o in outlines:
        if o.score < _MIN_SUPPORT_ALIKE or o.fill < _MIN_FILL:
            continue
        if not _CARD_RATIO[0] <= _side_ratio(o.quad) <= _CARD_RATIO[1]:
            grown = _grow_to_card(scene.lab_f, scene.not_table, o.quad, o.score)
            if grown is None:
                continue
            area = cv2.contourArea(grown[0].astype(np.float32)) / (w * h)
            o = _Outline(grown[0], grown[1], area, o.fill, o.single)
        pool.append(o)
    pool.sort(key=lambda o: (-round(o.score, 2), -o.area))
    return pool


def _is_group(o: _Outline, others: list[_Outline]) -> bool:
    """Whether an outline mostly holds two or more separate, similar card outlines."""
    inner = [c for c in others if c.area < 0.75 * o.area and _overlap(c.quad, o.quad) > 0.8]
    apart: list[_Outline] = []
    for c in sorted(inner, key=lambda c: -c.area):
        if c.area >= 0.4 * (apart[0].area if apart else c.area) and all(
            _overlap(c.quad, a.quad) < _MAX_OVERLAP for a in apart
        ):
            apart.append(c)
    return len(apart) >= 2 and sum(c.area for c in apart) >= 0.6 * o.area


def _without(scene: _Scene, chosen: list[_Outline]) -> list[Image8]:
    """The masks with the cards found so far taken out, and new splits of what is left.

    Taking the found cards out leaves cards that a mask had merged with their neighbours'
    shadows on their own; splitting the colour difference from the table and the
    brightness of what is left again separates cards the first splits had put with the
    table (a dark card beside light ones on a dark table, a light card beside a lighter
    one on a pale table).
    """
    w, h = scene.size
    gone = np.zeros((h, w), np.uint8)
    for o in chosen:
        cv2.fillConvexPoly(gone, np.round(o.quad).astype(np.int32), 255)
    keep = _u8(cv2.bitwise_not(cv2.dilate(gone, np.ones((5, 5), np.uint8))))
    k = max(3, round(0.012 * max(h, w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    # The first masks are closed already: opening trims what the cut left of found cards.
    out = [
        _u8(cv2.morphologyEx(cv2.bitwise_and(m, keep), cv2.MORPH_OPEN, kernel)) for m in scene.masks
    ]
    splits = []
    for channel, both in ((scene.dist8, False), (scene.lab[..., 0], True)):
        rest = channel[keep > 0]
        if rest.size:
            level = float(cv2.threshold(rest.reshape(-1, 1), 0, 255, cv2.THRESH_OTSU)[0])
            high = _u8((channel > level) * 255)
            splits += [high, _u8(cv2.bitwise_not(high))] if both else [high]
    # A light closing: a full one would bridge the narrow gaps between neighbouring cards.
    fine = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, k // 3 | 1),) * 2)
    for m in splits:
        closed = cv2.morphologyEx(cv2.bitwise_and(m, keep), cv2.MORPH_CLOSE, fine)
        out.append(_u8(cv2.morphologyEx(closed, cv2.MORPH_OPEN, kernel)))
    return out


def reading_order(quads: Sequence[Sequence[tuple[float, float]]]) -> list[int]:
    """The order in which to read cards lying in a photo: rows top to bottom, each left to right.

    A card joins a row when its vertical extent and the span all the row's cards share
    overlap by half the shorter of the two.

    Args:
        quads: Each card's corners in the photo, in any order (at least three points each).

    Returns:
        Indices into ``quads``, in reading order.
    """
    boxes = [np.asarray(q, dtype=np.float64).reshape(-1, 2) for q in quads]
    rows: list[list[int]] = []
    for i in sorted(range(len(boxes)), key=lambda i: float(boxes[i][:, 1].min())):
        top, bottom = float(boxes[i][:, 1].min()), float(boxes[i][:, 1].max())
        for row in rows:
            r_top = max(float(boxes[j][:, 1].min()) for j in row)
            r_bottom = min(float(boxes[j][:, 1].max()) for j in row)
            shared = min(bottom, r_bottom) - max(top, r_top)
            if shared >= 0.5 * min(bottom - top, r_bottom - r_top):
                row.append(i)
                break
        else:
            rows.append([i])
    rows.sort(key=lambda row: float(np.mean([boxes[j][:, 1].mean() for j in row])))
    return [j for row in rows for j in sorted(row, key=lambda j: float(boxes[j][:, 0].mean()))]


def _text_points(gray: Image8) -> _Points:
    """Centres of glyphs that sit in rows or columns of at least three: the photo's text."""
    flat = _normalise(_u8(cv2.GaussianBlur(gray, (3, 3), 0)))
    ink = _ink_mask(flat)
    n, labels, raw_stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    stats = np.asarray(raw_stats, dtype=np.int32)
    # Print is dark against its paper; wood grain and fabric only shade the table a little.
    dark = np.zeros(n, bool)
    dark[np.unique(labels[flat < _TEXT_DARK])] = True
    dark[0] = False
    comps = stats[dark & _glyph_like(stats, ink.shape)]
    if len(comps) < 3:
        return np.zeros((0, 2))
    size = float(np.median(np.maximum(comps[:, 2], comps[:, 3])))
    boxes = np.zeros_like(ink)
    for x, y, bw, bh, _ in comps:
        boxes[y : y + bh, x : x + bw] = 255
    cx = comps[:, 0] + comps[:, 2] // 2
    cy = comps[:, 1] + comps[:, 3] // 2
    in_line = np.zeros(len(comps), bool)
    k = max(3, round(1.5 * size))
    for kernel in (np.ones((1, k), np.uint8), np.ones((k, 1), np.uint8)):
        smeared = _u8(cv2.morphologyEx(boxes, cv2.MORPH_CLOSE, kernel))
        _, labels, raw, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
        lines = np.asarray(raw, dtype=np.int32)
        line_of = labels[cy, cx]
        counts = np.bincount(line_of, minlength=len(lines))
        long_side = np.maximum(lines[:, 2], lines[:, 3])
        short_side = np.maximum(np.minimum(lines[:, 2], lines[:, 3]), 1)
        # Letters nearly touch along a line; grain or a plank seam breaks into spaced dots.
        along = comps[:, 2] if kernel.shape[0] == 1 else comps[:, 3]
        filled = np.bincount(line_of, weights=along, minlength=len(lines))
        is_line = (counts >= 3) & (long_side >= 2.5 * short_side) & (filled >= 0.45 * long_side)
        in_line |= is_line[line_of] & (line_of > 0)
    return np.stack([cx[in_line], cy[in_line]], axis=1).astype(np.float64)


def _grow_to_card(
    lab_f: _Float, not_table: Image8, quad: _Points, score: float
) -> tuple[_Points, float] | None:
    """Push one side outwards over a strip of the card the segmentation left out.

    A dark band on a dark table (or a pale one on a pale table) drops out of every mask, and
    what is left is a rectangle too long for a card. If just beyond one side lies a strip
    that differs from the table and ends at an edge parallel to that side, it is card.
    """
    ratio = _side_ratio(quad)
    if _CARD_RATIO[0] <= ratio <= _CARD_RATIO[1]:
        return None
    h, w = not_table.shape
    centre = quad.mean(axis=0)
    t = np.linspace(0.1, 0.9, 40, dtype=np.float32)
    weights = np.array([1.0, 2.0, 2.0], dtype=np.float32)
    best: tuple[_Points, float] | None = None
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.linalg.norm(d))
        normal = np.array([-d[1], d[0]]) / max(length, 1e-6)
        if np.dot((a + b) / 2 - centre, normal) < 0:
            normal = -normal
        opposite = quad[(i + 2) % 4], quad[(i + 3) % 4]
        depth = abs(float(np.dot((opposite[0] + opposite[1]) / 2 - (a + b) / 2, normal)))
        reach = int(0.8 * depth)
        if reach < 8:
            continue
        offs = np.arange(-2, reach + 3, dtype=np.float32)
        xs = (a[0] + t[:, None] * d[0] + offs[None, :] * normal[0]).astype(np.float32)
        ys = (a[1] + t[:, None] * d[1] + offs[None, :] * normal[1]).astype(np.float32)
        strip = cv2.remap(lab_f, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        card_like = cv2.remap(not_table, xs, ys, cv2.INTER_NEAREST) > 0
        inside = (xs >= 0) & (xs <= w - 1) & (ys >= 0) & (ys <= h - 1)
        card_rows = (card_like & inside).mean(axis=0)
        m = len(offs)  # offs[j] == j - 2
        # Step across a line at offset offs[j], j = 2 .. m-3: two samples out minus two in.
        ahead = (strip[:, 3 : m - 1] + strip[:, 4:m]) / 2
        behind = (strip[:, 0 : m - 4] + strip[:, 1 : m - 3]) / 2
        strong = (np.sqrt((((ahead - behind) * weights) ** 2).sum(axis=2)) >= _EDGE_STEP).mean(
            axis=0
        )
        # Share of card-like pixels between the side and offs[j] (exclusive).
        covered = np.cumsum(card_rows[2:]) / np.arange(1, m - 1)
        j = np.arange(2, m - 2)
        # Look beyond the side's own edge, which is blurred over a few pixels.
        calm = np.nonzero(strong < 0.3)[0]
        if not len(calm):
            continue
        usable = (strong >= 0.6) & (j > j[calm[0]]) & (covered[np.maximum(j - 3, 0)] >= 0.85)
        if not usable.any():
            continue
        best_j = int(j[np.argmax(np.where(usable, strong, -1.0))])
        o = float(offs[best_j])
        grown = quad.copy()
        grown[i] = a + normal * (o + 0.5)
        grown[(i + 1) % 4] = b + normal * (o + 0.5)
        if not _CARD_RATIO[0] <= _side_ratio(grown) <= _CARD_RATIO[1]:
            continue
        if not _plausible(grown, w, h):
            continue
        new_score = _edge_support(lab_f, grown, w, h)
        if new_score >= max(_MIN_SUPPORT, score - 0.15) and (best is None or new_score > best[1]):
            best = (grown, new_score)
    return best


def _masks(lab: Image8, edges: Image8) -> tuple[list[Image8], Image8]:
    """Binary images in which the card may be one blob; which one works depends on the table.

    Also returns the mask of pixels that differ from the table by more than the table varies.
    """
    masks, not_table, _ = _segment(lab, edges)
    return masks, not_table


def _segment(lab: Image8, edges: Image8) -> tuple[list[Image8], Image8, Image8]:
    """:func:`_masks`, and each pixel's colour difference from the table (8-bit, doubled)."""
    h, w = lab.shape[:2]
    ring = max(4, round(0.03 * min(h, w)))
    border = np.concatenate(
        [
            lab[:ring].reshape(-1, 3),
            lab[-ring:].reshape(-1, 3),
            lab[:, :ring].reshape(-1, 3),
            lab[:, -ring:].reshape(-1, 3),
        ]
    ).astype(np.float32)
    bg = np.median(border, axis=0)
    # Lightness matters most, but coloured stock on a gray table differs mainly in a and b.
    dist = _lab_distance(lab.astype(np.float32), bg)
    dist8 = np.clip(dist * 2.0, 0, 255).astype(np.uint8)
    # How much the table itself varies (grain, light falloff): a card must differ by more.
    ring_dist = _lab_distance(border, bg)
    low = max(12.0, 1.5 * float(np.percentile(ring_dist, 90)))
    lightness = lab[..., 0]
    not_table = ((dist > low) * 255).astype(np.uint8)
    masks = [not_table]
    for src, inv in ((dist8, False), (lightness, False), (lightness, True)):
        flag = cv2.THRESH_BINARY_INV if inv else cv2.THRESH_BINARY
        masks.append(_u8(cv2.threshold(src, 0, 255, flag | cv2.THRESH_OTSU)[1]))
    masks.append(edges)
    k = max(3, round(0.012 * max(h, w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    # Closing fills the card's printed text, opening drops table grain and specks.
    out = [
        _u8(cv2.morphologyEx(cv2.morphologyEx(m, cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel))
        for m in masks
    ]
    return out, not_table, dist8


def _lab_distance(lab: _Float, ref: _Float) -> _Float:
    diff = lab - ref
    return np.sqrt(diff[..., 0] ** 2 + 4.0 * (diff[..., 1] ** 2 + diff[..., 2] ** 2))


def _edge_map(lab: Image8) -> Image8:
    edges = np.zeros(lab.shape[:2], np.uint8)
    for c in range(3):
        ch = lab[..., c]
        med = float(np.median(ch))
        lo, hi = (20, 50) if c == 0 else (8, 20)
        edges |= _u8(cv2.Canny(ch, max(lo, 0.33 * med) if c == 0 else lo, hi))
    return _u8(cv2.dilate(edges, np.ones((3, 3), np.uint8)))
