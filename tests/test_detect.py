"""Several cards in one photo: imaging.find_cards on generated tabletop photos."""

from __future__ import annotations

import functools
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import SAMPLES, load_script

from cardscan.reading import imaging

ms = load_script("make_samples")

#: Tabletop photos: (name, seed, number of cards, whether one card is on dark stock).
TABLES = [
    ("two", 11, 2, False),
    ("three-dark", 12, 3, True),
    ("four", 13, 4, False),
    ("four-dark", 14, 4, True),
]


def _card(rng: random.Random, dark: bool) -> tuple[np.ndarray, str]:
    """A rendered card of an invented person; on dark stock when asked (else on light)."""
    for _ in range(40):
        person = ms.make_person(rng, rng.choice(ms.LOCALE_ORDER))
        layout = rng.choice(ms.LAYOUTS)
        try:
            design = ms.design_card(person, rng, layout)
        except ValueError:
            continue
        if design.dark == dark:
            return ms.render_card(person, rng, design), design.stock
    raise AssertionError("no design of the stock asked for")


@functools.cache
def tabletop(seed: int, n: int, dark: bool) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
    """A photo of ``n`` cards on a table, their true corners, and their stocks."""
    rng = random.Random(seed)
    cards, stocks = [], []
    for i in range(n):
        card, stock = _card(rng, dark and i == 1)
        cards.append(card)
        stocks.append(stock)
    photo, quads = ms.photograph_table(cards, rng)
    return photo, quads, stocks


def iou(a: object, b: object) -> float:
    pa, pb = np.asarray(a, np.float32), np.asarray(b, np.float32)
    inter = cv2.intersectConvexConvex(pa, pb)[0]
    return float(inter / (cv2.contourArea(pa) + cv2.contourArea(pb) - inter))


def match(found: list[imaging.Card], truth: list[np.ndarray]) -> list[int]:
    """For each card found, the index of the true card it covers (by best overlap)."""
    return [max(range(len(truth)), key=lambda j: iou(c.quad, truth[j])) for c in found]


@pytest.mark.parametrize(("name", "seed", "n", "dark"), TABLES, ids=[t[0] for t in TABLES])
def test_every_card_on_the_table_is_found_once(name: str, seed: int, n: int, dark: bool) -> None:
    photo, truth, stocks = tabletop(seed, n, dark)
    found = imaging.find_cards(photo)
    assert len(found) == n
    which = match(found, truth)
    assert sorted(which) == list(range(n))
    for card, j in zip(found, which, strict=True):
        assert iou(card.quad, truth[j]) > 0.9
        assert card.score >= 0.45
    if dark:
        assert len(set(stocks)) >= 2


@pytest.mark.parametrize(("name", "seed", "n", "dark"), TABLES, ids=[t[0] for t in TABLES])
def test_cards_come_in_reading_order(name: str, seed: int, n: int, dark: bool) -> None:
    photo, truth, _ = tabletop(seed, n, dark)
    found = imaging.find_cards(photo)
    assert match(found, truth) == imaging.reading_order([q.tolist() for q in truth])


def corner_error(found: object, truth: np.ndarray) -> float:
    """The largest distance between matching corners, over the quad's four turns."""
    f = np.asarray(found, np.float64)
    return min(float(np.linalg.norm(np.roll(f, k, axis=0) - truth, axis=1).max()) for k in range(4))


def test_each_card_is_straightened_to_a_card_shape() -> None:
    # What matters: each card's corners land on the printed card's corners, and the
    # straightened image has the card's proportions. (A test of the rim's colour spread
    # sat at the edge of its bound and flipped with the OpenCV version.)
    photo, truth, _ = tabletop(13, 4, False)
    found = imaging.find_cards(photo)
    for card, j in zip(found, match(found, truth), strict=True):
        long_side = float(np.linalg.norm(truth[j] - np.roll(truth[j], 1, axis=0), axis=1).max())
        assert corner_error(card.quad, truth[j]) < 0.03 * long_side
        h, w = card.image.shape[:2]
        sides = np.linalg.norm(truth[j] - np.roll(truth[j], 1, axis=0), axis=1)
        true_ratio = max(sides[0] + sides[2], sides[1] + sides[3]) / min(
            sides[0] + sides[2], sides[1] + sides[3]
        )
        assert abs(max(h, w) / min(h, w) / true_ratio - 1) < 0.08


def test_turned_cards_are_found() -> None:
    rng = random.Random(21)
    cards = [_card(rng, False)[0] for _ in range(3)]
    cards[1] = np.ascontiguousarray(np.rot90(cards[1]))
    photo, truth = ms.photograph_table(cards, rng)
    found = imaging.find_cards(photo)
    assert sorted(match(found, truth)) == [0, 1, 2]


def test_reading_order_rows_then_columns() -> None:
    def box(x: float, y: float, w: float = 100, h: float = 60) -> list[tuple[float, float]]:
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]

    # Second row slightly higher on the right; a tall (turned) card in the first row.
    quads = [box(300, 210), box(0, 200), box(150, 0, 60, 100), box(0, 10)]
    assert imaging.reading_order(quads) == [3, 2, 1, 0]
    assert imaging.reading_order([]) == []


def test_a_blank_card_back_is_not_a_card() -> None:
    rng = random.Random(5)
    card = _card(rng, False)[0]
    photo, truth = ms.photograph_table([np.full_like(card, 248), card], rng)
    found = imaging.find_cards(photo)
    assert len(found) == 1
    assert iou(found[0].quad, truth[1]) > 0.9


def test_a_phone_beside_a_card_is_not_a_second_card() -> None:
    # Showing the time, a phone has print and a card's outline, but not a card's size.
    rng = random.Random(6)
    card = _card(rng, False)[0]
    phone = np.full((840, 1750, 3), 25, np.uint8)
    cv2.rectangle(phone, (60, 40), (1690, 800), (70, 60, 50), -1)
    cv2.putText(phone, "12:45", (500, 330), cv2.FONT_HERSHEY_SIMPLEX, 6, (240, 240, 240), 12)
    photo, _ = ms.photograph_table([card, phone], rng)
    assert len(imaging.find_cards(photo)) == 1


def sample_photos() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in (".jpg", ".heic", ".png"))


@pytest.mark.parametrize("path", sample_photos()[::3], ids=lambda p: p.name)
def test_single_card_photos_still_give_one_card(path: Path) -> None:
    photo = imaging.load_image(path, 50_000_000)
    found = imaging.find_cards(photo)
    assert len(found) == 1
    # The card found is the one the single-card choice makes (no tabletop path taken).
    scene = imaging.find._Scene.of(_small(photo))
    best = imaging.find._best_single(scene, scene.outlines(scene.masks, first=True))
    assert (best is None) == (found[0].quad is None)


def _small(photo: np.ndarray) -> np.ndarray:
    factor = -(-max(photo.shape[:2]) // imaging.find._DETECT_SIDE)
    if factor == 1:
        return photo
    return np.asarray(
        cv2.resize(photo, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    )


def test_a_card_filling_the_photo_is_not_split() -> None:
    rng = random.Random(8)
    card = _card(rng, False)[0]
    found = imaging.find_cards(card)
    assert len(found) == 1


def test_outlines_that_overlap_are_one_card() -> None:
    quad = np.array([[10, 10], [110, 10], [110, 70], [10, 70]], np.float64)
    assert imaging.geometry._overlap(quad, quad + 5) > 0.8
    assert imaging.geometry._overlap(quad, quad + 200) == 0.0


def test_a_group_of_cards_is_not_a_card() -> None:
    def outline(x: float, y: float, w: float, h: float) -> imaging.find._Outline:
        quad = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float64)
        return imaging.find._Outline(quad, 1.0, w * h / 1e6, 1.0, False)

    group = outline(0, 0, 360, 100)
    left, right = outline(0, 0, 170, 100), outline(190, 0, 170, 100)
    logo = outline(20, 20, 40, 30)
    assert imaging.find._is_group(group, [group, left, right])
    assert not imaging.find._is_group(group, [group, left])
    assert not imaging.find._is_group(left, [left, logo])


# --------------------------------------------------------------- white cards on pale tables


@functools.cache
def pale(seed: int, n: int, fill: float | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """A photo of ``n`` light cards on a pale table (barely any edge), and their corners."""
    rng = random.Random(seed)
    cards = [_card(rng, False)[0] for _ in range(n)]
    return ms.photograph_pale_table(cards, rng, fill)


@pytest.mark.parametrize(("seed", "fill"), [(1, None), (2, None), (3, 0.9)])
def test_a_white_card_on_a_pale_table_is_found(seed: int, fill: float | None) -> None:
    # Real phone photos of a white card on a light table: the card is a few gray levels
    # lighter than the table, a soft shadow its only clear edge. The outline search alone
    # kept the whole photo.
    photo, truth = pale(seed, 1, fill)
    found = imaging.find_cards(photo)
    assert len(found) == 1
    assert found[0].quad is not None
    assert iou(found[0].quad, truth[0]) > 0.9


def test_cards_on_a_pale_table_are_found_from_their_print() -> None:
    # Three cards whose outlines do not stand out from the table (the outline search
    # found two of them): each is found from its print, searched outwards to its edges.
    photo, truth = pale(41, 3, None)
    found = imaging.find_cards(photo)
    assert len(found) == 3
    assert sorted(match(found, truth)) == [0, 1, 2]
    for card, j in zip(found, match(found, truth), strict=True):
        assert iou(card.quad, truth[j]) > 0.9


def test_a_large_photo_without_card_edges_is_cut_around_the_print() -> None:
    # Print on a table of the paper's very colour: no edge to find. The whole 5-megapixel
    # photo would make OCR read small print badly; a crop around the print, with a
    # margin, holds all of it.
    rng = random.Random(3)
    card = _card(rng, False)[0]
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    ink = gray < 160
    photo = np.full((1950, 2600, 3), 226, np.uint8)
    noise = np.random.default_rng(0).normal(0, 2, photo.shape[:2])
    photo = np.clip(photo + noise[:, :, None], 0, 255).astype(np.uint8)
    y0, x0 = 600, 800
    h, w = ink.shape
    region = photo[y0 : y0 + h, x0 : x0 + w]
    region[ink] = card[ink]
    found = imaging.find_cards(photo)
    assert len(found) == 1
    quad = found[0].quad
    assert quad is not None
    ys, xs = np.nonzero(ink)
    corners = [
        (x0 + xs.min(), y0 + ys.min()),
        (x0 + xs.max(), y0 + ys.min()),
        (x0 + xs.max(), y0 + ys.max()),
        (x0 + xs.min(), y0 + ys.max()),
    ]
    inside = cv2.pointPolygonTest(np.asarray(quad, np.float32), (0.0, 0.0), False)
    assert inside < 0  # the photo's corner is left out
    for x, y in corners:
        assert cv2.pointPolygonTest(np.asarray(quad, np.float32), (float(x), float(y)), False) >= 0
    assert cv2.contourArea(np.asarray(quad, np.float32)) < 0.5 * photo.shape[0] * photo.shape[1]
