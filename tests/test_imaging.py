"""Tests for cardscan.reading.imaging on synthetic images drawn here (no Tesseract, no samples)."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from cardscan.errors import InputImageError
from cardscan.reading import imaging

# Invented text; Hershey fonts have real ascenders and descenders, which orientation needs.
LINES = (
    ("Jane Q. Example", 1.5, 3),
    ("Head of Widget Quality", 0.85, 2),
    ("Example Widgets Ltd", 1.0, 2),
    ("jane.example@example.com", 0.8, 2),
    ("Phone +1 555 0100 2345", 0.8, 2),
    ("12 Sample Road, Springfield", 0.8, 2),
)


def make_card(
    w: int = 1050,
    h: int = 600,
    paper: tuple[int, int, int] = (236, 234, 230),
    ink: tuple[int, int, int] = (40, 35, 30),
    text_scale: float = 1.0,
) -> np.ndarray:
    """A plain landscape card with six lines of text, left-aligned."""
    img = np.full((h, w, 3), paper, np.uint8)
    y = round(h * 0.2)
    for text, scale, thick in LINES:
        s = scale * text_scale * w / 1050
        cv2.putText(img, text, (round(w * 0.08), y), cv2.FONT_HERSHEY_SIMPLEX, s, ink,
                    max(1, round(thick * w / 1050)), cv2.LINE_AA)  # fmt: skip
        y += round(55 * s) + round(h * 0.03)
    return img


def table(w: int, h: int, seed: int = 0) -> np.ndarray:
    """A darker, grainy, unevenly lit surface."""
    rng = np.random.default_rng(seed)
    grain = cv2.resize(rng.normal(0, 1, (h // 8, w // 8)).astype(np.float32), (w, h))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 0.85 + 0.25 * (xx / w) - 0.1 * (yy / h)
    base = np.array([70, 95, 125], np.float32)  # brownish (BGR)
    out = base[None, None, :] * light[:, :, None] + 6 * grain[:, :, None]
    out += rng.normal(0, 2, (h, w, 1)).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def project_card(
    size_mm: tuple[float, float], frame: tuple[int, int], tilt: tuple[float, float, float],
    distance: float, shift: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:  # fmt: skip
    """Corners (TL, TR, BR, BL) of a card seen by a pinhole camera centred on the frame.

    ``tilt`` is the rotation about x, y and z in degrees; the focal length is 0.8 × the
    frame diagonal. A real camera, so the true aspect ratio is recoverable from the quad.
    """
    w_mm, h_mm = size_mm
    fw, fh = frame
    f = 0.8 * math.hypot(fw, fh)
    ax, ay, az = (math.radians(a) for a in tilt)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    pts = np.array([[-w_mm / 2, -h_mm / 2, 0], [w_mm / 2, -h_mm / 2, 0],
                    [w_mm / 2, h_mm / 2, 0], [-w_mm / 2, h_mm / 2, 0]])  # fmt: skip
    cam = pts @ (rz @ ry @ rx).T + np.array([shift[0], shift[1], distance])
    return np.stack(
        [f * cam[:, 0] / cam[:, 2] + fw / 2, f * cam[:, 1] / cam[:, 2] + fh / 2], axis=1
    )


def photograph(
    card: np.ndarray, quad: np.ndarray, frame: tuple[int, int], background: np.ndarray | None = None
) -> np.ndarray:
    """The card warped onto the table (or ``background``) so its corners land on ``quad``."""
    fw, fh = frame
    ch, cw = card.shape[:2]
    src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(card, m, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((ch, cw), np.float32), m, (fw, fh))
    bg = (table(fw, fh) if background is None else background).astype(np.float32)
    out = bg * (1 - mask[:, :, None]) + warped.astype(np.float32) * mask[:, :, None]
    return cv2.GaussianBlur(np.clip(out, 0, 255).astype(np.uint8), (0, 0), 0.7)


def nearest_corner_errors(found: tuple[tuple[float, float], ...], truth: np.ndarray) -> list[float]:
    pts = np.array(found)
    return [float(np.min(np.linalg.norm(pts - t, axis=1))) for t in truth]


# --------------------------------------------------------------------------- find_cards


@pytest.mark.parametrize(
    ("size_mm", "tilt", "distance"),
    [
        ((85.0, 55.0), (0.0, 0.0, 4.0), 260.0),  # EU card, almost head-on
        ((88.9, 50.8), (18.0, -8.0, -12.0), 240.0),  # US card, tilted away and turned
        ((85.0, 55.0), (-14.0, 16.0, 25.0), 230.0),  # strong perspective
    ],
)
def test_find_cards_locates_warped_card(size_mm, tilt, distance):
    frame = (1600, 1200)
    truth = project_card(size_mm, frame, tilt, distance, shift=(8.0, -5.0))
    photo = photograph(make_card(), truth, frame)

    cards = imaging.find_cards(photo)

    assert len(cards) == 1
    card = cards[0]
    assert card.quad is not None
    assert card.score > 0.6
    errors = nearest_corner_errors(card.quad, truth)
    # Sub-pixel in practice: the sides are refitted on the full-resolution photo.
    assert max(errors) < 2.0, errors  # px, in a 1600×1200 photo
    h, w = card.image.shape[:2]
    true_ratio = size_mm[0] / size_mm[1]
    assert w / h == pytest.approx(true_ratio, rel=0.02)
    # Full resolution: the straightened card is as wide as the card's nearest side.
    assert w >= 0.95 * max(np.linalg.norm(truth[1] - truth[0]), np.linalg.norm(truth[2] - truth[3]))


def test_find_cards_on_a_light_table_and_a_dark_card():
    frame = (1200, 900)
    truth = project_card((85.0, 55.0), frame, (8.0, 5.0, -6.0), 230.0)
    dark = make_card(paper=(45, 40, 38), ink=(230, 230, 230))
    light_table = np.clip(table(*frame).astype(np.int16) + 110, 0, 255).astype(np.uint8)
    photo = photograph(dark, truth, frame, light_table)

    card = imaging.find_cards(photo)[0]

    assert card.quad is not None
    assert max(nearest_corner_errors(card.quad, truth)) < 2.5


def test_find_cards_keeps_a_dark_band_on_a_dark_table():
    frame = (1200, 900)
    truth = project_card((85.0, 55.0), frame, (6.0, -4.0, 7.0), 230.0)
    card = make_card()
    card[:170] = (90, 45, 20)  # dark blue band across the top, close to the table's colour
    cv2.putText(card, "Example Widgets Ltd", (90, 110), cv2.FONT_HERSHEY_SIMPLEX, 1.3,
                (245, 245, 245), 3, cv2.LINE_AA)  # fmt: skip
    dark_table = (table(*frame).astype(np.float32) * 0.45).astype(np.uint8)
    photo = photograph(card, truth, frame, dark_table)

    found = imaging.find_cards(photo)[0]

    assert found.quad is not None
    assert max(nearest_corner_errors(found.quad, truth)) < 8.0
    h, w = found.image.shape[:2]
    assert w / h == pytest.approx(85 / 55, rel=0.05)


def test_band_left_out_by_segmentation_is_grown_back():
    # When a hand or a shadow spoils the segmentation, what is left of a band card is its
    # light body: too long for a card. The side next to the band must move out to its edge.
    frame = (900, 680)
    truth = project_card((85.0, 55.0), frame, (4.0, -3.0, 6.0), 180.0)
    card = make_card()
    card[:170] = (90, 45, 20)
    fw, fh = frame
    src = np.array([[0, 0], [1050, 0], [1050, 600], [0, 600]], np.float32)
    m = cv2.getPerspectiveTransform(src, truth.astype(np.float32))
    mask = cv2.warpPerspective(np.ones((600, 1050), np.uint8), m, frame) > 0
    photo = (table(fw, fh).astype(np.float32) * 0.45).astype(np.uint8)
    photo[mask] = cv2.warpPerspective(card, m, frame)[mask]
    body = cv2.perspectiveTransform(
        np.array([[[0, 170], [1050, 170], [1050, 600], [0, 600]]], np.float32), m
    )[0].astype(np.float64)
    lab = cv2.cvtColor(cv2.GaussianBlur(photo, (5, 5), 0), cv2.COLOR_BGR2LAB)
    _, not_table = imaging.find._masks(lab, imaging.find._edge_map(lab))

    grown = imaging.find._grow_to_card(lab.astype(np.float32), not_table, body, 1.0)

    assert grown is not None
    quad, score = grown
    assert score > 0.8
    assert max(nearest_corner_errors(tuple(map(tuple, quad)), truth)) < 4.0


def test_find_cards_falls_back_to_whole_image_when_card_fills_frame():
    scan = make_card(w=1400, h=800)
    # A printed colour box inside the card must not be mistaken for the card.
    cv2.rectangle(scan, (900, 60), (1300, 330), (150, 90, 30), -1)

    cards = imaging.find_cards(scan)

    assert len(cards) == 1
    assert cards[0].quad is None
    assert cards[0].score == 0.0
    assert cards[0].image.shape == scan.shape
    assert np.array_equal(cards[0].image, scan)


def test_find_cards_does_not_modify_its_input_and_card_is_frozen():
    frame = (1200, 900)
    photo = photograph(make_card(), project_card((85, 55), frame, (5, 5, 5), 240), frame)
    before = photo.copy()

    card = imaging.find_cards(photo)[0]

    assert np.array_equal(photo, before)
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.score = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_orientation_candidates_rank_the_true_rotation(turn):
    card = imaging.rotate(make_card(), turn)
    upright = (360 - turn) % 360

    candidates = imaging.orientation_candidates(card)

    assert sorted(candidates) == [0, 90, 180, 270]
    # The axis (horizontal vs vertical text) must be right; the pipeline OCRs two passes.
    assert candidates[0] % 180 == upright % 180
    assert upright in candidates[:2]
    # Latin text has more ascenders than descenders, which tells up from down.
    assert candidates[0] == upright


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_prepare_matches_its_two_halves(turn):
    card = imaging.rotate(make_card(), turn)

    image, candidates = imaging.prepare(card)

    assert np.array_equal(image, imaging.prepare_for_ocr(card))
    assert candidates[:2] == imaging.orientation_candidates(card)[:2]


def test_orientation_candidates_on_blank_card_returns_all_four():
    blank = np.full((300, 500, 3), 240, np.uint8)
    assert sorted(imaging.orientation_candidates(blank)) == [0, 90, 180, 270]


def test_rotate_is_exact_and_clockwise():
    img = np.zeros((2, 3), np.uint8)
    img[0, 0] = 255  # top-left
    r90 = imaging.rotate(img, 90)
    assert r90.shape == (3, 2)
    assert r90[0, 1] == 255  # top-left goes to top-right when turned clockwise
    assert np.array_equal(imaging.rotate(imaging.rotate(img, 270), 90), img)
    assert np.array_equal(imaging.rotate(img, 180), img[::-1, ::-1])
    assert np.array_equal(imaging.rotate(img, -90), imaging.rotate(img, 270))
    with pytest.raises(ValueError, match="multiple of 90"):
        imaging.rotate(img, 45)


# --------------------------------------------------------------------------- prepare_for_ocr


def glyph_height(gray: np.ndarray) -> float:
    """Median height of dark connected components, as a check independent of the module."""
    _, ink = cv2.threshold(gray, 128, 255, cv2.THRESH_BINARY_INV)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    hs = stats[1:n, 3]
    return float(np.median(hs[hs >= 4]))


def test_prepare_for_ocr_returns_gray_with_dark_text_on_white():
    out = imaging.prepare_for_ocr(make_card())
    assert out.ndim == 2
    assert out.dtype == np.uint8
    assert np.median(out) >= 250  # paper is white
    assert np.percentile(out, 1) <= 40  # strokes are black
    assert 0.01 < np.mean(out < 128) < 0.25


def test_prepare_for_ocr_scales_text_to_tesseract_size():
    small_text = make_card(w=700, h=400)  # glyphs about 10 px tall
    big_text = make_card(w=3000, h=1714)  # glyphs about 45 px tall

    small_out = imaging.prepare_for_ocr(small_text)
    big_out = imaging.prepare_for_ocr(big_text)

    assert small_out.shape[1] > small_text.shape[1] * 1.5
    assert big_out.shape[1] < big_text.shape[1]
    for out in (small_out, big_out):
        assert 18 <= glyph_height(out) <= 36


def test_prepare_for_ocr_caps_output_size():
    # Tiny glyphs on a big card would ask for a huge upscale.
    card = make_card(w=2400, h=1400, text_scale=0.3)
    out = imaging.prepare_for_ocr(card)
    assert max(out.shape) <= 4000


def test_prepare_for_ocr_inverts_white_text_on_dark_card():
    dark = make_card(paper=(50, 30, 20), ink=(245, 245, 245))

    out = imaging.prepare_for_ocr(dark)

    assert np.median(out) >= 240  # the dark stock became white paper
    assert 0.01 < np.mean(out < 128) < 0.25  # text is the dark minority


def test_prepare_for_ocr_inverts_a_dark_band_but_not_the_light_body():
    card = make_card(w=1050, h=600)
    card[:150] = (110, 60, 20)  # dark blue band across the top…
    cv2.putText(card, "Band Company Name", (80, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.4,
                (250, 250, 250), 3, cv2.LINE_AA)  # fmt: skip

    out = imaging.prepare_for_ocr(card)

    h = out.shape[0]
    band, body = out[: round(h * 0.25)], out[round(h * 0.3) :]
    for region in (band, body):
        assert np.median(region) >= 240
        assert 0.005 < np.mean(region < 128) < 0.3


def test_prepare_for_ocr_evens_out_a_shadow():
    card = make_card().astype(np.float32)
    w = card.shape[1]
    light = np.linspace(0.3, 1.0, w, dtype=np.float32)[None, :, None]  # dark on the left
    shaded = np.clip(card * light, 0, 255).astype(np.uint8)
    assert np.median(shaded[:, : w // 4]) < 90  # the text's corner really is in shadow

    out = imaging.prepare_for_ocr(shaded)

    left = out[:, : out.shape[1] // 4]
    assert np.median(left) >= 240  # the shaded paper is white, not gray
    # …and its text is still there, as dark as the text in full light.
    assert 0.02 < np.mean(left < 128) < 0.3
    assert np.percentile(left, 1) <= 40


def test_prepare_for_ocr_keeps_noisy_paper_clean():
    rng = np.random.default_rng(3)
    card = make_card().astype(np.float32)
    # Dim, noisy paper, as a phone gives in poor light.
    noisy = np.clip(card * 0.45 + rng.normal(0, 15, card.shape), 0, 255).astype(np.uint8)

    out = imaging.prepare_for_ocr(noisy)

    blank = out[:, out.shape[1] * 3 // 4 :]  # the card's right quarter holds no text
    assert np.mean(blank < 200) < 0.002  # no speckle that Tesseract could read as dots


def test_prepare_for_ocr_straightens_small_skew():
    card = make_card(w=1400, h=800)
    m = cv2.getRotationMatrix2D((700, 400), 4.0, 1.0)
    skewed = cv2.warpAffine(card, m, (1400, 800), borderValue=(236, 234, 230))

    out = imaging.prepare_for_ocr(skewed)

    # Row profile of level text has sharp gaps: few rows hold no ink when text is tilted.
    _, ink = cv2.threshold(out, 128, 1, cv2.THRESH_BINARY_INV)
    rows = ink.sum(axis=1)
    text_rows = rows[np.nonzero(rows)[0][0] : np.nonzero(rows)[0][-1]]
    _, ink_in = cv2.threshold(cv2.cvtColor(skewed, cv2.COLOR_BGR2GRAY), 128, 1,
                              cv2.THRESH_BINARY_INV)  # fmt: skip
    rows_in = ink_in.sum(axis=1)
    text_rows_in = rows_in[np.nonzero(rows_in)[0][0] : np.nonzero(rows_in)[0][-1]]
    assert np.mean(text_rows == 0) > np.mean(text_rows_in == 0) + 0.15


def test_prepare_for_ocr_does_not_modify_input():
    card = make_card()
    before = card.copy()
    imaging.prepare_for_ocr(card)
    assert np.array_equal(card, before)


# --------------------------------------------------------------------------- load_image


def write_jpeg(path: Path, rgb: np.ndarray, **kwargs: object) -> None:
    Image.fromarray(rgb).save(path, format="JPEG", quality=95, **kwargs)


def test_load_image_returns_bgr(tmp_path):
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    path = tmp_path / "red.png"
    Image.fromarray(rgb).save(path)

    img = imaging.load_image(path, max_pixels=10_000)

    assert img.shape == (40, 60, 3)
    assert img.dtype == np.uint8
    assert tuple(img[0, 0]) == (0, 0, 255)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "I;16"])
def test_load_image_converts_other_modes_to_three_channels(tmp_path, mode):
    path = tmp_path / f"img-{mode.replace(';', '')}.png"
    Image.new("RGB", (30, 20), (10, 200, 30)).convert(mode).save(path)

    img = imaging.load_image(str(path), max_pixels=10_000)

    assert img.shape == (20, 30, 3)


def test_load_image_puts_transparency_on_white(tmp_path):
    rgba = np.zeros((20, 30, 4), np.uint8)  # fully transparent black
    rgba[:, 15:] = (0, 0, 0, 255)  # opaque black right half
    path = tmp_path / "cut-out.png"
    Image.fromarray(rgba, "RGBA").save(path)

    img = imaging.load_image(path, max_pixels=10_000)

    assert img[10, 5].tolist() == [255, 255, 255]
    assert img[10, 25].tolist() == [0, 0, 0]


def test_load_image_scales_16_bit_gray(tmp_path):
    gray16 = np.full((20, 30), 40_000, np.uint16)
    path = tmp_path / "scan16.png"
    Image.fromarray(gray16).save(path)

    img = imaging.load_image(path, max_pixels=10_000)

    assert img.shape == (20, 30, 3)
    assert abs(int(img[0, 0, 0]) - round(40_000 / 257)) <= 1  # not clipped to white


def test_load_image_applies_exif_orientation(tmp_path):
    rgb = np.full((40, 60, 3), 255, np.uint8)
    rgb[:10, :10] = (255, 0, 0)  # red block in the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display", as phones write it
    path = tmp_path / "turned.jpg"
    write_jpeg(path, rgb, exif=exif.tobytes())

    img = imaging.load_image(path, max_pixels=10_000)

    assert img.shape == (60, 40, 3)  # displayed upright: portrait
    top_right = img[:8, -8:].reshape(-1, 3).mean(axis=0)
    assert top_right[2] > 200 and top_right[0] < 80  # red (BGR) moved to the top-right


def test_load_image_reads_heic(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    path = tmp_path / "photo.heic"
    rgb = np.zeros((64, 96, 3), np.uint8)
    rgb[:, :48] = (0, 0, 255)  # blue left half
    try:
        pillow_heif.register_heif_opener()
        Image.fromarray(rgb).save(path, format="HEIF", quality=90)
    except Exception as exc:  # encoder missing in this libheif build
        pytest.skip(f"pillow_heif cannot encode HEIC here: {exc}")

    img = imaging.load_image(path, max_pixels=100_000)

    assert img.shape == (64, 96, 3)
    assert img[32, 10, 0] > 180 and img[32, 10, 2] < 80  # blue is channel 0 in BGR


def assert_input_error(exc: pytest.ExceptionInfo[InputImageError], path: Path, word: str):
    err = exc.value
    assert str(path) in err.message
    assert word in err.message.lower()
    assert err.hint
    assert err.exit_code == InputImageError.exit_code


def test_load_image_missing_file(tmp_path):
    path = tmp_path / "nope.jpg"
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(path, max_pixels=10_000)
    assert_input_error(exc, path, "no such file")


def test_load_image_directory(tmp_path):
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(tmp_path, max_pixels=10_000)
    assert_input_error(exc, tmp_path, "directory")


def test_load_image_empty_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(path, max_pixels=10_000)
    assert_input_error(exc, path, "empty")


def test_load_image_text_file_named_jpg(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("Call Jane about the widgets on Monday.\n", encoding="utf-8")
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(path, max_pixels=10_000)
    assert_input_error(exc, path, "not an image")


def test_load_image_truncated_jpeg(tmp_path):
    rng = np.random.default_rng(0)
    full = tmp_path / "full.jpg"
    write_jpeg(full, rng.integers(0, 255, (200, 300, 3), dtype=np.uint8))
    path = tmp_path / "cut.jpg"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(path, max_pixels=1_000_000)
    assert_input_error(exc, path, "truncated")


def test_load_image_too_many_pixels_refused_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.new("RGB", (300, 200)).save(path)

    def no_decoding(self: object) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(path, max_pixels=50_000)
    assert_input_error(exc, path, "too large")
    assert "300×200" in exc.value.message
    assert "50,000" in exc.value.message
    assert exc.value.hint is not None and "resize" in exc.value.hint


def test_load_image_limit_is_ours_not_pillows(tmp_path):
    # 144 Mpx: above Pillow's own bomb limits (it would warn, or raise, without dimensions).
    path = tmp_path / "panorama.png"
    Image.new("1", (16000, 9000)).save(path)  # 1 bit per pixel: small and quick to write
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(path, max_pixels=120_000_000)
    assert_input_error(exc, path, "too large")
    assert "16000×9000" in exc.value.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_load_image_unreadable_file(tmp_path):
    path = tmp_path / "locked.jpg"
    write_jpeg(path, np.zeros((10, 10, 3), np.uint8))
    path.chmod(0)
    try:
        with pytest.raises(InputImageError) as exc:
            imaging.load_image(path, max_pixels=10_000)
        assert_input_error(exc, path, "permission")
    finally:
        path.chmod(0o644)


def test_load_image_refuses_images_below_min_side(tmp_path) -> None:
    from PIL import Image

    from cardscan.reading.imaging import load_image

    path = tmp_path / "thumb.png"
    Image.new("RGB", (150, 99), "white").save(path)
    assert load_image(path, 10**8).shape == (99, 150, 3)  # no minimum by default
    with pytest.raises(InputImageError, match=r"thumb\.png: image is too small .*150×99"):
        load_image(path, 10**8, min_side=100)


def test_load_image_png_with_a_broken_checksum_is_damaged_not_unknown(tmp_path):
    path = tmp_path / "scan.png"
    Image.new("RGB", (120, 80), (200, 200, 200)).save(path)
    data = bytearray(path.read_bytes())
    data[29] ^= 0xFF  # the IHDR chunk's CRC
    path.write_bytes(bytes(data))
    with pytest.raises(InputImageError) as exc:
        imaging.load_image(path, max_pixels=1_000_000)
    assert_input_error(exc, path, "damaged")
    assert "png" in exc.value.message.lower()
    assert "not an image" not in exc.value.message


def test_load_image_damaged_heic_message_is_one_line(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    full = tmp_path / "full.heic"
    try:
        pillow_heif.register_heif_opener()
        Image.new("RGB", (96, 64), (40, 90, 200)).save(full, format="HEIF", quality=80)
    except Exception as exc:  # encoder missing in this libheif build
        pytest.skip(f"pillow_heif cannot encode HEIC here: {exc}")
    data = full.read_bytes()
    for n, cut in enumerate((len(data) - 10, len(data) // 3)):
        path = tmp_path / f"cut{n}.heic"
        path.write_bytes(data[:cut])
        with pytest.raises(InputImageError) as exc:
            imaging.load_image(path, max_pixels=1_000_000)
        assert_input_error(exc, path, "damaged")
        assert "\n" not in exc.value.message


def test_load_image_very_large_photo_is_read_smaller_without_a_raw_warning(
    tmp_path, monkeypatch, caplog
):
    # Pillow warns (DecompressionBombWarning) above 89 Mpx; such a photo within the
    # caller's limit is read, at a reduced scale, with a note in the log instead.
    path = tmp_path / "huge.jpg"
    write_jpeg(path, np.full((800, 1200, 3), 180, np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 600_000)
    monkeypatch.setattr(imaging.load, "_READ_MAX_PIXELS", 300_000)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with caplog.at_level(logging.INFO, logger=imaging.load.__name__):
            img = imaging.load_image(path, max_pixels=2_000_000)
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)]
    assert img.shape[0] * img.shape[1] <= 300_000
    assert img.shape[1] / img.shape[0] == pytest.approx(1.5, rel=0.02)
    assert "huge.jpg" in caplog.text and "read at" in caplog.text


def test_opencv_logs_nothing_to_the_terminal():
    # OpenCV's own "[ WARN:0@15.8] ... QR: ECI is not supported" lines bypass -q.
    code = (
        "import cv2\n"
        "from cardscan.reading import imaging\n"
        "assert cv2.utils.logging.getLogLevel() == cv2.utils.logging.LOG_LEVEL_SILENT\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- card_view


def _card_photo(path: Path, orientation: int = 1) -> np.ndarray:
    """A 2400×1800 photo of a tilted card saved as JPEG; returns the card's upright corners.

    With ``orientation`` 6 the pixels are stored turned a quarter left, as a phone held
    upright stores them, and the EXIF tag turns them back.
    """
    frame = (2400, 1800)
    quad = project_card((85.0, 55.0), frame, (10.0, -6.0, 4.0), 200.0)
    rgb = photograph(make_card(), quad, frame)[:, :, ::-1]
    if orientation == 6:
        exif = Image.Exif()
        exif[0x0112] = 6
        write_jpeg(path, np.ascontiguousarray(np.rot90(rgb)), exif=exif.tobytes())
    else:
        write_jpeg(path, np.ascontiguousarray(rgb))
    return quad


def _full_photo_view(path: Path, quad: np.ndarray, max_side: int) -> np.ndarray:
    """The view the way it was made before: the full photo decoded, warped, shrunk."""
    card = imaging.geometry._warp(imaging.load_image(path, 120_000_000), quad)
    factor = max_side / max(card.shape[:2])
    return cv2.resize(card, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The reduction factor of each photo card_view decodes (an empty cache to start)."""
    imaging.view.clear_cache()
    seen: list[int] = []
    real = imaging.view.load_image_reduced

    def counted(path, max_pixels, reduce):
        image, factor = real(path, max_pixels, reduce)
        seen.append(factor)
        return image, factor

    monkeypatch.setattr(imaging.view, "load_image_reduced", counted)
    yield seen
    imaging.view.clear_cache()


@pytest.mark.parametrize("orientation", [1, 6], ids=["stored-upright", "exif-turned"])
def test_card_view_decodes_small_and_shows_the_same_card(tmp_path, decodes, orientation):
    path = tmp_path / "card.jpg"
    quad = _card_photo(path, orientation)
    data, w, h = imaging.card_view(path, quad.tolist(), 0, 250)
    assert decodes == [4]  # the card is about 1100 px long: a quarter still leaves 250
    view = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    expected = _full_photo_view(path, quad, 250)
    assert (h, w) == view.shape[:2] and abs(w - expected.shape[1]) <= 1
    assert abs(h - expected.shape[0]) <= 1
    same = cv2.resize(view, expected.shape[1::-1], interpolation=cv2.INTER_AREA)
    # Blurred, so the two decoders' fine grain does not count; where the text is does.
    a, b = (cv2.GaussianBlur(x, (0, 0), 2.0).astype(int) for x in (same, expected))
    diff = np.abs(a - b).mean()
    # About 1.5 here; corners off by one pixel of the decoded photo give 5, unscaled 130.
    assert diff < 3.0, diff


def test_card_view_decodes_in_full_what_a_large_view_needs(tmp_path, decodes):
    path = tmp_path / "card.jpg"
    quad = _card_photo(path)
    _data, w, _h = imaging.card_view(path, quad.tolist(), 0, 1600)
    assert decodes == [1] and w < 1600  # the card is shorter than 1600 px: never enlarged
    png = tmp_path / "card.png"  # no reduced decoding outside JPEG
    Image.open(path).save(png)
    imaging.card_view(png, quad.tolist(), 0, 250)
    assert decodes == [1, 1]


def test_card_view_reads_a_photo_once_for_its_cards_until_it_changes(tmp_path, decodes):
    path = tmp_path / "card.jpg"
    quad = _card_photo(path)
    other = quad + np.array([30.0, 20.0])  # another card of the same photo
    half = quad.copy()
    half[1:3, 0] = (quad[0, 0] + quad[1, 0]) / 2  # a smaller one: a quarter is too coarse
    first = imaging.card_view(path, quad.tolist(), 0, 250)
    imaging.card_view(path, other.tolist(), 90, 250)
    assert imaging.card_view(path, quad.tolist(), 0, 250) == first
    assert decodes == [4]
    imaging.card_view(path, half.tolist(), 0, 250)  # decoded at a half, kept instead
    imaging.card_view(path, quad.tolist(), 0, 250)  # the finer decode serves
    assert decodes == [4, 2]
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # the photo replaced
    imaging.card_view(path, quad.tolist(), 0, 250)
    assert decodes == [4, 2, 4]


def test_card_view_keeps_a_bounded_number_of_photos(tmp_path, decodes, monkeypatch):
    quads = []
    for i in range(3):
        quads.append(_card_photo(tmp_path / f"card{i}.jpg"))
    one = imaging.load.load_image_reduced(tmp_path / "card0.jpg", 120_000_000, 4)[0].nbytes
    monkeypatch.setattr(imaging.view, "CACHE_BYTES", 2 * one)
    for i, quad in enumerate(quads):
        imaging.card_view(tmp_path / f"card{i}.jpg", quad.tolist(), 0, 250)
    assert len(imaging.view._cache) == 2
    imaging.card_view(tmp_path / "card2.jpg", quads[2].tolist(), 0, 250)  # kept
    imaging.card_view(tmp_path / "card0.jpg", quads[0].tolist(), 0, 250)  # dropped: again
    assert len(decodes) == 4


def test_card_view_from_threads_at_once_gives_one_answer(tmp_path, decodes):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "card.jpg"
    quad = _card_photo(path).tolist()
    with ThreadPoolExecutor(4) as pool:
        views = list(pool.map(lambda _i: imaging.card_view(path, quad, 0, 250), range(8)))
    assert len({v[0] for v in views}) == 1
    assert 1 <= len(decodes) <= 4


def test_card_view_of_a_missing_photo_names_it(tmp_path, decodes):
    with pytest.raises(InputImageError, match=r"gone\.jpg: no such file"):
        imaging.card_view(tmp_path / "gone.jpg", None, 0, 250)
