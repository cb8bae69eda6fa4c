"""A straightened card made ready for OCR: orientation, light, skew and scale."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from cardscan.reading.imaging.base import Image8, _f32, _to_gray, _u8

#: Median glyph height, in pixels, of the text handed to Tesseract. On the real photos
#: 22–26 read best (30 and more lost words); glyphs mix x-height letters and capitals.
_TARGET_TEXT_HEIGHT = 26.0
#: Small cards in a big photo are enlarged at most this much: beyond, there is no detail.
_MAX_UPSCALE = 4.0
#: Gaussian sigma (px) of the denoising before flattening the light.
_DENOISE_SIGMA = 0.7
#: Background gray below which a region with no print is treated as light-on-dark.
_DARK_PAPER = 100
#: The ink level that becomes black: this percentile of the (normalised) ink pixels.
_INK_LEVEL_PCT = 30.0
#: Normalised gray at and above which a pixel is paper (255). Clipping harder (225)
#: thinned faint serif text and cost words on the real photos.
_PAPER_LEVEL = 250.0
#: Upper bound on the long side of the OCR image: keeps one Tesseract call well under 2 s.
_MAX_OCR_SIDE = 4000
#: Residual skew that prepare_for_ocr straightens out; larger angles are the detector's job.
_MAX_SKEW = 10.0


def rotate(image: Image8, degrees: int) -> Image8:
    """Rotate clockwise by a multiple of 90° (exact, no resampling).

    Raises:
        ValueError: ``degrees`` is not a multiple of 90.
    """
    d = degrees % 360
    if d == 0:
        return image.copy()
    if d == 90:
        return _u8(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE))
    if d == 180:
        return _u8(cv2.rotate(image, cv2.ROTATE_180))
    if d == 270:
        return _u8(cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE))
    raise ValueError(f"rotation must be a multiple of 90 degrees, not {degrees}")


def orientation_candidates(card: Image8) -> list[int]:
    """Clockwise rotations (0, 90, 180, 270) that may make the card's text upright, best first.

    Text lines are found by smearing ink along rows and along columns: the direction that
    yields long thin blobs is the direction of the text. Upright Latin text has many more
    ascenders (capitals, digits, b d f h k l t) than descenders (g j p q y), so the side of
    the lines where glyph tops scatter is the top.

    Args:
        card: The straightened card, BGR or gray.

    Returns:
        All four rotations, the most likely first; the pipeline OCRs the first one or two.
    """
    gray = _shrink_for_orientation(_denoised_gray(card))
    return _orientations(_ink_mask(_normalise(gray)))


def _shrink_for_orientation(gray: Image8) -> Image8:
    """A copy small enough (long side 1200 px) for the orientation cues to be cheap."""
    scale = min(1.0, 1200.0 / max(gray.shape))
    if scale < 1.0:
        gray = _u8(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    return gray


def _orientations(ink: Image8) -> list[int]:
    """The four rotations ranked from an ink mask (see :func:`orientation_candidates`)."""
    comps = _glyphs(ink)
    if len(comps) < 3:
        return [0, 180, 90, 270]
    size = float(np.median(np.maximum(comps[:, 3], comps[:, 2])))
    horizontal = _line_strength(ink, comps, size, axis=0)
    vertical = _line_strength(ink, comps, size, axis=1)
    up_h = _upright_cue(ink, size)
    up_v = _upright_cue(rotate(ink, 90), size)
    pair_h = [0, 180] if up_h >= 0 else [180, 0]
    pair_v = [90, 270] if up_v >= 0 else [270, 90]
    return pair_h + pair_v if horizontal >= vertical else pair_v + pair_h


def _glyphs(ink: Image8) -> npt.NDArray[np.int32]:
    """Stats (x, y, w, h, area) of connected components that could be characters."""
    stats = np.asarray(cv2.connectedComponentsWithStats(ink, connectivity=8)[2], np.int32)
    keep = _glyph_like(stats, ink.shape)
    keep[0] = False
    return stats[keep]


def _glyph_like(stats: npt.NDArray[np.int32], shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Which component stats rows have the size of a character (row 0, background, too)."""
    limit = 0.25 * min(shape[:2])
    return np.asarray(
        (stats[:, 4] >= 6)
        & (np.maximum(stats[:, 2], stats[:, 3]) >= 4)
        & (stats[:, 2] < limit)
        & (stats[:, 3] < limit)
    )


def _line_strength(ink: Image8, comps: npt.NDArray[np.int32], size: float, axis: int) -> float:
    """Total length of the long thin blobs left after smearing glyphs along one axis."""
    only = np.zeros_like(ink)
    for x, y, w, h, _ in comps:
        only[y : y + h, x : x + w] = 255
    k = max(3, round(1.2 * size))
    kernel = np.ones((1, k), np.uint8) if axis == 0 else np.ones((k, 1), np.uint8)
    smeared = cv2.morphologyEx(only, cv2.MORPH_CLOSE, kernel)
    n, _, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    along = stats[1:n, 2] if axis == 0 else stats[1:n, 3]
    across = stats[1:n, 3] if axis == 0 else stats[1:n, 2]
    long_ = along >= 3.5 * np.maximum(across, 1)
    return float(along[long_].sum())


def _upright_cue(ink: Image8, size: float) -> float:
    """Positive when horizontal text lines in ``ink`` are the right way up, negative when not.

    Within each line, glyph bottoms cluster on the baseline while tops scatter above the
    x-height; the count of glyphs reaching well above the typical top against those
    reaching well below the typical bottom is the cue.
    """
    comps = _glyphs(ink)
    if len(comps) < 4:
        return 0.0
    k = max(3, round(1.2 * size))
    only = np.zeros_like(ink)
    for x, y, w, h, _ in comps:
        only[y : y + h, x : x + w] = 255
    smeared = cv2.morphologyEx(only, cv2.MORPH_CLOSE, np.ones((1, k), np.uint8))
    _, labels = cv2.connectedComponents(smeared, connectivity=8)
    cy = comps[:, 1] + comps[:, 3] // 2
    cx = comps[:, 0] + comps[:, 2] // 2
    line_of = labels[cy, cx]
    up = down = 0
    for lab in np.unique(line_of):
        if lab == 0:
            continue
        members = comps[line_of == lab]
        if len(members) < 4:
            continue
        tops = members[:, 1]
        bottoms = members[:, 1] + members[:, 3]
        mt, mb = float(np.median(tops)), float(np.median(bottoms))
        xh = max(2.0, mb - mt)
        up += int(np.count_nonzero(tops < mt - 0.2 * xh))
        down += int(np.count_nonzero(bottoms > mb + 0.2 * xh))
    if up + down == 0:
        return 0.0
    return (up - down) / (up + down)


def prepare_for_ocr(card: Image8) -> Image8:
    """Turn a straightened card into a clean grayscale image for Tesseract.

    Uneven light is divided out, light-on-dark areas are inverted so all text is dark on
    light, a small residual skew is straightened and the image is scaled so the typical
    glyph is about 26 px tall. Anti-aliased edges are kept: Tesseract's LSTM reads clean
    grayscale better than a hard binarisation. Works the same on a card whose text runs
    vertically, so the result may be rotated by 90° multiples afterwards.

    Args:
        card: The card, BGR or gray.

    Returns:
        A grayscale ``uint8`` image, dark text on white, long side at most 4000 px.
    """
    return _prepare_flat(_normalise(_denoised_gray(card)))


def prepare(card: Image8) -> tuple[Image8, list[int]]:
    """:func:`prepare_for_ocr` and :func:`orientation_candidates` of a card in one go.

    Both start by evening out the card's light, the costliest step; this does it once.
    """
    prepared = prepare_card(card)
    return prepared.image, list(prepared.candidates)


@dataclass(frozen=True, eq=False)
class PreparedCard:
    """A card ready for OCR, with what re-reading parts of it needs.

    Attributes:
        image: The OCR image, as :func:`prepare_for_ocr` makes it.
        candidates: Rotations to try, best first, as :func:`orientation_candidates` ranks them.
        gray: The card in gray before its light was evened out (the card's own geometry).
        angle: The residual skew straightened out of ``image`` (degrees, counter-clockwise).
        scale: The enlargement from ``gray`` to ``image``.
    """

    image: Image8
    candidates: tuple[int, ...]
    gray: Image8
    angle: float
    scale: float

    def raw(self) -> Image8:
        """``gray`` put into ``image``'s geometry: pixel for pixel, light not evened out.

        Evening out the light clips whatever is lighter than its surroundings, such as
        white print on a band the flattening took for paper; the raw gray still has it.
        """
        return _rotate_scale(self.gray, self.angle, self.scale)


def prepare_card(card: Image8) -> PreparedCard:
    """:func:`prepare` with the raw gray and geometry kept, for re-reading weak regions."""
    gray = _denoised_gray(card)
    flat = _normalise(gray)
    ink, angle, scale = _geometry(flat)
    image = _rotate_scale(_finish(flat, ink), angle, scale)
    candidates = _orientations(_ink_mask(_shrink_for_orientation(flat)))
    return PreparedCard(image, tuple(candidates), gray, angle, scale)


def _prepare_flat(flat: Image8) -> Image8:
    """The OCR image from a card whose light is already evened out."""
    ink, angle, scale = _geometry(flat)
    return _rotate_scale(_finish(flat, ink), angle, scale)


def _geometry(flat: Image8) -> tuple[Image8, float, float]:
    """The ink mask, residual skew and scale that turn a flattened card into the OCR image."""
    ink = _ink_mask(flat)
    vertical, angle = _text_axis_and_skew(ink)
    text_h = _text_height(ink, vertical)
    scale = _TARGET_TEXT_HEIGHT / text_h if text_h > 0 else 1.0
    h, w = flat.shape
    rad = math.radians(angle)
    turned = max(
        w * abs(math.cos(rad)) + h * abs(math.sin(rad)),
        w * abs(math.sin(rad)) + h * abs(math.cos(rad)),
    )
    scale = min(scale, _MAX_UPSCALE, (_MAX_OCR_SIDE - 2) / turned)
    return ink, angle, scale


def _denoised_gray(image: Image8) -> Image8:
    """Gray with sensor and JPEG speckle softened.

    A slight blur, not a median: a 3×3 median erases the 1 px strokes of small type. On
    the blurred, noisy synthetic photos it raised the words Tesseract read by about 6 %;
    on the real photos the difference was within noise.
    """
    return _u8(cv2.GaussianBlur(_to_gray(image), (0, 0), _DENOISE_SIGMA))


def _normalise(gray: Image8) -> Image8:
    """Divide out the paper's local brightness, inverting areas printed light-on-dark.

    The background is a wide median: wider than strokes, so text does not leak into it.
    Where light specks outnumber dark ones the region is light text on dark stock; there
    the image and its background are both inverted before dividing. Deciding per region
    handles a dark band with white text above a light body.
    """
    h, w = gray.shape
    f = max(1.0, min(h, w) / 160.0)
    sw, sh = max(16, round(w / f)), max(16, round(h / f))
    small = _u8(cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_AREA))
    k = max(5, (round(min(sw, sh) / 8) | 1))
    bg_small = _u8(cv2.medianBlur(small, k))
    diff = small.astype(np.int16) - bg_small.astype(np.int16)
    box = (2 * k + 1, 2 * k + 1)
    bright = _f32(cv2.blur((diff > 25).astype(np.float32), box))
    dark = _f32(cv2.blur((diff < -25).astype(np.float32), box))
    # Where there is no print to tell, a dark background is taken as inverted anyway:
    # dividing by a dark background amplifies its noise into speckle, inverting does not.
    evidence = (bright + dark) > 0.01
    inverted_print = (bright > 1.3 * dark) & evidence
    inv_small = (inverted_print | (~evidence & (bg_small < _DARK_PAPER))).astype(np.float32)
    inv_small = _f32(cv2.GaussianBlur(inv_small, (0, 0), k / 3.0))
    bg = _f32(cv2.resize(bg_small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR))
    g = gray.astype(np.float32)
    out = g / np.maximum(bg, 1.0)
    if inv_small.max() >= 0.05:
        weight = _f32(cv2.resize(inv_small, (w, h), interpolation=cv2.INTER_LINEAR))
        inverted = (255.0 - g) / np.maximum(255.0 - bg, 1.0)
        out = (1.0 - weight) * out + weight * inverted
    return np.clip(out * 255.0, 0, 255).astype(np.uint8)


def _ink_mask(flat: Image8) -> Image8:
    """Text pixels of a normalised image (paper near 255) as 255, the rest 0."""
    otsu = _u8(cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1])
    # Otsu on a card that is nearly all paper can split the paper's own noise in two;
    # whatever it says, near-white is never ink.
    return otsu & _u8(cv2.threshold(flat, 190, 255, cv2.THRESH_BINARY_INV)[1])


def _text_height(ink: Image8, vertical: bool) -> float:
    """Median glyph extent across the text lines (0 when there is too little text)."""
    comps = _glyphs(ink)
    if len(comps) < 5:
        return 0.0
    hs = comps[:, 2 if vertical else 3].astype(np.float64)
    ws = comps[:, 3 if vertical else 2].astype(np.float64)
    # Rules, frames and merged blobs are long and flat; specks are tiny.
    plausible = (hs >= 5) & (ws <= 3.0 * hs) & (hs <= 0.2 * min(ink.shape))
    if plausible.sum() < 5:
        return 0.0
    return float(np.median(hs[plausible]))


def _text_axis_and_skew(ink: Image8) -> tuple[bool, float]:
    """Whether text runs vertically, and the small rotation (degrees, CCW) that levels it.

    Projection profiles: across text lines the ink sum alternates sharply between lines and
    gaps, and most sharply when the lines are exactly level.
    """
    h, w = ink.shape
    s = min(1.0, 700.0 / max(h, w))
    small = _u8(cv2.resize(ink, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)) if s < 1 else ink
    sh, sw = small.shape
    centre = (sw / 2.0, sh / 2.0)

    def sharpness(angle: float) -> tuple[float, float]:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        r = _u8(cv2.warpAffine(small, m, (sw, sh), flags=cv2.INTER_NEAREST))
        rows = r.sum(axis=1, dtype=np.float64)
        cols = r.sum(axis=0, dtype=np.float64)
        return float(np.sum(np.diff(rows) ** 2)), float(np.sum(np.diff(cols) ** 2))

    coarse = np.arange(-_MAX_SKEW, _MAX_SKEW + 0.01, 1.0)
    scores = np.array([sharpness(a) for a in coarse])
    axis = 1 if scores[:, 1].max() > scores[:, 0].max() else 0
    best = float(coarse[int(np.argmax(scores[:, axis]))])
    fine = np.arange(best - 0.8, best + 0.81, 0.2)
    fine_scores = [sharpness(a)[axis] for a in fine]
    best = float(fine[int(np.argmax(fine_scores))])
    return axis == 1, (best if abs(best) >= 0.3 else 0.0)


def _rotate_scale(img: Image8, angle: float, scale: float) -> Image8:
    if scale < 1.0:
        # Shrinking by area first avoids the aliasing a warp would add.
        img = _u8(cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        scale = 1.0
    if angle == 0.0:
        if abs(scale - 1.0) < 0.02:
            return img
        return _u8(cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
    h, w = img.shape
    rad = math.radians(angle)
    cos, sin = abs(math.cos(rad)), abs(math.sin(rad))
    nw = round((w * cos + h * sin) * scale)
    nh = round((w * sin + h * cos) * scale)
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, scale)
    m[0, 2] += nw / 2.0 - w / 2.0
    m[1, 2] += nh / 2.0 - h / 2.0
    return _u8(
        cv2.warpAffine(
            img,
            m,
            (nw, nh),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
    )


def _finish(flat: Image8, ink: Image8) -> Image8:
    """Stretch contrast so the ink is black and paper white, keeping the anti-aliased ramp.

    Division leaves faint print (thin serifs, gray type) mid-gray; stretching from the
    ink's own level makes every stroke as dark as Tesseract expects.
    """
    values = flat[ink > 0]
    lo = float(np.percentile(values, _INK_LEVEL_PCT)) if values.size > 50 else 0.0
    lo = min(lo, _PAPER_LEVEL - 60.0)
    lut = np.clip((np.arange(256, dtype=np.float32) - lo) / (_PAPER_LEVEL - lo), 0.0, 1.0)
    return _u8(cv2.LUT(flat, (lut * 255.0).astype(np.uint8)))


#: Ways to show Tesseract one region again when the whole-card pass read it badly:
#: ``plain`` the OCR image's own pixels, read out of the page's context; ``otsu`` those
#: binarised at the region's own threshold (faint or gray print); ``raw`` the photo's
#: gray before the light was evened out, only stretched (print the flattening washed
#: out, white on colour); ``large`` the plain crop enlarged again (small print). Every
#: variant is turned dark-on-light. (A locally thresholded raw variant was tried too:
#: it fixed nothing the others did not.)
REGION_VARIANTS = ("plain", "otsu", "raw", "large")


def region_variant(
    image: Image8, raw: Image8 | None, box: tuple[int, int, int, int], name: str, scale: float
) -> Image8:
    """One region of an OCR image, as variant ``name`` of :data:`REGION_VARIANTS`.

    Args:
        image: The OCR image (gray, dark text on white), turned as it was read.
        raw: :meth:`PreparedCard.raw` turned the same way; needed by ``raw``.
        box: (left, top, width, height) of the region in ``image``.
        name: Which variant.
        scale: Enlargement of the crop (``large`` doubles it).

    Returns:
        A gray ``uint8`` image of the region, dark text on light, ``scale`` times its size.

    Raises:
        ValueError: ``name`` is not a variant, the box is empty, or ``raw`` is needed but None.
    """
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(image.shape[1], x + w), min(image.shape[0], y + h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"region {box} lies outside the image")
    if name == "raw":
        if raw is None:
            raise ValueError("variant raw needs the raw gray")
        crop = _dark_on_light(_to_gray(raw)[y0:y1, x0:x1])
        lo, hi = np.percentile(crop, (2.0, 98.0))
        span = max(float(hi) - float(lo), 1.0)
        crop = _u8(np.clip((crop.astype(np.float32) - float(lo)) * (255.0 / span), 0, 255))
        return _scaled(crop, scale)
    crop = _dark_on_light(image[y0:y1, x0:x1])
    if name == "plain":
        return _scaled(crop, scale)
    if name == "large":
        return _scaled(crop, 2.0 * scale)
    if name == "otsu":
        out = _scaled(crop, scale)
        return _u8(cv2.threshold(out, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1])
    raise ValueError(f"unknown region variant {name!r}; use one of {', '.join(REGION_VARIANTS)}")


def _dark_on_light(crop: Image8) -> Image8:
    """The crop inverted when most of it is darker than its Otsu threshold (light print)."""
    if crop.size == 0:
        return crop
    level, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    dark_share = float(np.count_nonzero(crop < level)) / crop.size
    return _u8(255 - crop) if dark_share > 0.5 else crop


def _scaled(img: Image8, scale: float) -> Image8:
    if abs(scale - 1.0) < 0.02:
        return img
    interpolation = cv2.INTER_CUBIC if scale > 1.0 else cv2.INTER_AREA
    return _u8(cv2.resize(img, None, fx=scale, fy=scale, interpolation=interpolation))


def montage(strips: list[Image8], gap: int, margin: int = 16) -> tuple[Image8, list[int]]:
    """Stack gray strips on white, one under another, to read them in one Tesseract call.

    A Tesseract call costs a process start and a model load (about 80 ms) before it reads
    a pixel; reading every region and variant of a card in one image pays that once.

    Args:
        strips: Gray images, left-aligned in order.
        gap: White rows between strips (at least the tallest text, so lines stay apart).
        margin: White border around everything.

    Returns:
        The montage, and the top row of each strip in it.
    """
    width = max(s.shape[1] for s in strips) + 2 * margin
    tops: list[int] = []
    y = margin
    for s in strips:
        tops.append(y)
        y += s.shape[0] + gap
    canvas = np.full((y - gap + margin, width), 255, np.uint8)
    for s, top in zip(strips, tops, strict=True):
        canvas[top : top + s.shape[0], margin : margin + s.shape[1]] = s
    return canvas, tops


def has_text_structure(image: Image8, box: tuple[int, int, int, int]) -> bool:
    """Whether the ink in ``box`` looks like a line of glyphs rather than a logo or a rule.

    Glyphs are several separate marks of similar height sitting side by side; a logo, an
    icon or a rule is one big mark or a few irregular ones. Words Tesseract reads with low
    confidence where there is no such structure are the garbage logos turn into.
    """
    x, y, w, h = box
    crop = _dark_on_light(image[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)])
    if crop.size == 0 or min(crop.shape) < 4:
        return False
    ink = _u8(cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1])
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return False
    stats = stats[1:]
    total = float(stats[:, 4].sum())
    hs = stats[:, 3].astype(np.float64)
    ws = stats[:, 2].astype(np.float64)
    tall = max(float(hs.max()), 1.0)
    glyph = (hs >= 0.3 * tall) & (ws <= 2.5 * hs) & (stats[:, 4] >= 6)
    if int(np.count_nonzero(glyph)) < 2:
        return False
    # Most of the ink must be in glyph-sized marks: a logo is mostly one filled shape.
    if float(stats[glyph, 4].sum()) < 0.6 * total:
        return False
    cy = stats[glyph, 1] + stats[glyph, 3] / 2.0
    return float(np.std(cy)) <= 0.35 * float(np.median(hs[glyph]))
