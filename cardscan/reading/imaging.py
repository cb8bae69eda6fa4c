"""Photo in, OCR-ready card images out: loading, card detection, orientation and clean-up."""

from __future__ import annotations

import io
import itertools
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from cardscan.errors import InputImageError

__all__ = [
    "REGION_VARIANTS",
    "Card",
    "PreparedCard",
    "QrCode",
    "decode_qr",
    "find_cards",
    "has_text_structure",
    "load_image",
    "montage",
    "orientation_candidates",
    "prepare",
    "prepare_card",
    "prepare_for_ocr",
    "reading_order",
    "region_variant",
    "rotate",
    "thumbnail_jpeg",
]

#: An 8-bit image: BGR (H×W×3) or grayscale (H×W).
Image8 = npt.NDArray[np.uint8]
_Float = npt.NDArray[np.float32]
_Points = npt.NDArray[np.float64]


def _u8(a: object) -> Image8:
    """An OpenCV result typed as the uint8 array it is (no copy)."""
    return np.asarray(a, dtype=np.uint8)


def _f32(a: object) -> _Float:
    """An OpenCV result typed as the float32 array it is (no copy)."""
    return np.asarray(a, dtype=np.float32)


log = logging.getLogger(__name__)

# OpenCV logs to the terminal on its own ("[ WARN:0@15.8] ... QR: ECI is not supported"),
# past the CLI's logger and -q; its errors are raised as exceptions anyway. A level the
# user set in OPENCV_LOG_LEVEL is left alone.
if "OPENCV_LOG_LEVEL" not in os.environ:
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

#: Pixels above which a photo is decoded at half (or a quarter...) its size.
_READ_MAX_PIXELS = 64_000_000

# Registering is idempotent and only adds HEIF to Pillow's table of openers; doing it at
# import keeps load_image itself free of global side effects.
pillow_heif.register_heif_opener()

#: Longest side of the working copy used to look for the card: enough to place the edges
#: within a few pixels, small enough that detection costs a few tens of milliseconds.
_DETECT_SIDE = 1000
#: A card smaller than this share of the photo is more likely a logo, a label or noise.
_MIN_CARD_AREA = 0.04
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
#: Cards are 1.55–1.8 : 1; beyond this (after perspective) a quad is a strip, not a card.
_MAX_ASPECT = 3.2
#: Colour difference (8-bit Lab, chroma doubled) across an outline that counts as an edge.
_EDGE_STEP = 10.0
#: Edge support below which an outline is not trusted (cards on a table score 0.8–1; text
#: blocks and printed boxes of a card that fills the frame score about 0.5).
_MIN_SUPPORT = 0.6
#: Long/short side ratios a card outline may have (1.55–1.8 flat, more or less in perspective).
_CARD_RATIO = (1.35, 2.05)
#: Within this many pixels of the border (detection copy) an outline runs along the frame,
#: and such a stretch counts as this much support.
_BORDER_PX = 3
_OFF_FRAME = 0.35
#: Focal length of a phone's main camera over the image diagonal (0.6 for 26 mm equivalent on
#: the full frame, more on a crop of it).
_PHONE_FOCAL = 0.7
#: Normalised gray (paper = 255) that a glyph must reach somewhere to count as print
#: when looking for text outside a candidate outline.
_TEXT_DARK = 130
#: Interior angles of a card seen in perspective by a hand-held phone stay near 90°.
_MIN_ANGLE, _MAX_ANGLE = 50.0, 130.0
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


# --------------------------------------------------------------------------- loading


def limit_threads() -> None:
    """Keep OpenCV to one thread in this process.

    A batch runs one worker process per core; OpenCV's own thread pool in each of them
    would compete for the same cores and slow the batch down.
    """
    cv2.setNumThreads(1)


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run OpenCV on one thread inside the block, then restore the caller's setting.

    ``--jobs 1`` promises one core: without this, OpenCV's pool would quietly use all of
    them in the calling process.
    """
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


#: Shortest side, in pixels, a card photo must have: below it no card text is legible
#: (a 3.5 in card at this width leaves about 4 px per capital letter of 8 pt text).
MIN_SIDE = 100


def load_image(path: str | Path, max_pixels: int, min_side: int = 0) -> Image8:
    """Read a photo as an upright BGR image.

    The pixel count is checked from the file header before anything is decoded, so a
    decompression bomb or a panorama is refused cheaply. EXIF orientation is applied.

    Args:
        path: An image file: JPEG, PNG, TIFF, WebP, BMP, HEIC/HEIF (anything Pillow opens).
        max_pixels: Refuse images with more pixels than this.
        min_side: Refuse images whose shorter side is below this (``MIN_SIDE`` for cards).

    Returns:
        The image as a contiguous H×W×3 ``uint8`` BGR array.

    Raises:
        InputImageError: The file is missing, not a regular file, empty, unreadable, not an
            image, corrupt or truncated, smaller than ``min_side`` or larger than
            ``max_pixels``.
    """
    p = Path(path)
    name = str(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputImageError(
            f"{name}: no such file", "check the path and the spelling of the file name"
        ) from None
    except PermissionError:
        raise InputImageError(
            f"{name}: permission denied", "make the file and its folder readable"
        ) from None
    except OSError as e:
        raise InputImageError(
            f"{name}: cannot be read ({e.strerror or e})", "check the path and the disk"
        ) from None
    if p.is_dir():
        raise InputImageError(
            f"{name}: is a directory, not an image",
            "pass the image files, or let the caller expand the folder into its images",
        )
    if not p.is_file():
        raise InputImageError(f"{name}: is not a regular file", "pass an image file")
    if st.st_size == 0:
        raise InputImageError(
            f"{name}: is empty (0 bytes)", "copy the photo again; the transfer may have failed"
        )
    size = _header_size(p)
    if size is not None and size[0] * size[1] > max_pixels:
        raise _too_large(name, size[0], size[1], max_pixels)
    try:
        with warnings.catch_warnings():
            # Pillow warns of a "decompression bomb" above 89 Mpx; the pixel limit that
            # counts is the caller's, checked from the header and again just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(p)
        with im:
            width, height = im.size
            if width * height > max_pixels:
                raise _too_large(name, width, height, max_pixels)
            if min(width, height) < min_side:
                raise InputImageError(
                    f"{name}: image is too small to read a card ({width}×{height} pixels)",
                    "use the original photo rather than a thumbnail or preview",
                )
            array = _rgb_array(ImageOps.exif_transpose(_reduced(im, name)))
    except InputImageError:
        raise
    except PermissionError:
        raise InputImageError(
            f"{name}: permission denied", "make the file readable (chmod u+r)"
        ) from None
    except UnidentifiedImageError:
        kind = _header_format(p)
        if kind is not None:
            # It starts like an image, but its header does not hold together.
            raise InputImageError(
                f"{name}: {kind} image is damaged or truncated (its header cannot be read)",
                "copy or export the photo again; the file looks damaged",
            ) from None
        raise InputImageError(
            f"{name}: not an image, or in a format cardscan cannot read",
            "use JPEG, PNG, TIFF, WebP, BMP or HEIC",
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's own hard limit (twice its warning level), reached only when the
        # caller's pixel limit is higher still.
        raise InputImageError(
            f"{name}: image is too large to open safely ({_one_line(e)})",
            "resize the photo to a smaller size",
        ) from None
    except MemoryError:
        raise InputImageError(
            f"{name}: not enough memory to decode the image",
            "resize the photo, or lower the pixel limit (max_pixels) to skip such files",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        # Pillow signals truncated or corrupt data with any of these, depending on the codec.
        raise InputImageError(
            f"{name}: image data is damaged or truncated ({_one_line(e)})",
            "copy or export the photo again; the file looks damaged",
        ) from None
    if array.ndim != 3 or array.shape[2] != 3 or array.size == 0:
        raise InputImageError(f"{name}: image has no usable pixels", "use a colour or gray photo")
    return _u8(cv2.cvtColor(array, cv2.COLOR_RGB2BGR))


def _one_line(e: BaseException) -> str:
    """An exception's text on one line (libheif's messages end in a newline)."""
    return " ".join(str(e).split()) or type(e).__name__


def _reduced(im: Image.Image, name: str) -> Image.Image:
    """The decoded image, at a reduced scale when it has more than ``_READ_MAX_PIXELS``.

    A 108-megapixel phone photo decodes to a third of a gigabyte, and every copy the
    reader makes costs as much again; half its side is still far more than a card needs.
    JPEGs are decoded at the reduced scale directly (Pillow's draft mode).
    """
    width, height = im.size
    factor = 1
    while width * height / (factor * factor) > _READ_MAX_PIXELS:
        factor *= 2
    if factor == 1:
        im.load()
        return im
    if im.format == "JPEG":
        im.draft(im.mode, (width // factor, height // factor))
    im.load()
    if im.size[0] > width // factor + 1:
        im = im.reduce(max(1, round(im.size[0] / (width // factor))))
    log.info(
        "%s: %d×%d pixels, read at %d×%d (enough for a card; saves memory)",
        name, width, height, im.size[0], im.size[1],
    )  # fmt: skip
    return im


def _header_format(path: Path) -> str | None:
    """The image format a file's first bytes announce (``PNG``, ``JPEG``...), or None."""
    try:
        with path.open("rb") as fp:
            prefix = fp.read(16)
    except OSError:
        return None
    Image.preinit()
    Image.init()
    for fmt in list(Image.ID):
        accept = Image.OPEN[fmt][1]
        verdict = accept(prefix) if accept is not None else False
        if verdict and not isinstance(verdict, str):
            return "HEIC" if fmt in ("HEIF", "AVIF") else fmt
    return None


def _header_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the file header, or None when no plugin recognises it.

    Asks Pillow's format plugins directly rather than through ``Image.open``: that applies
    Pillow's global pixel limit (a warning above 89 Mpx, an error above 179 Mpx), and
    load_image enforces the caller's ``max_pixels`` instead. Reads only the header.
    """
    try:
        with path.open("rb") as fp:
            prefix = fp.read(16)
            Image.preinit()
            for fmt in list(Image.ID):
                factory, accept = Image.OPEN[fmt]
                verdict = True if accept is None else accept(prefix)
                if not verdict or isinstance(verdict, str):
                    continue
                fp.seek(0)
                try:
                    width, height = factory(fp, str(path)).size
                except Exception:  # a damaged header: Image.open will say what is wrong
                    return None
                return int(width), int(height)
    except OSError:
        return None
    return None


def _rgb_array(im: Image.Image) -> npt.NDArray[np.uint8]:
    """Any Pillow mode as 8-bit RGB: transparency over white, 16-bit and float scaled."""
    if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    if im.mode.startswith("I") or im.mode == "F":
        # 16-bit and float gray (scanners, TIFF): Pillow's RGB conversion would clip.
        a = np.asarray(im, dtype=np.float64)
        top = float(a.max()) if a.size else 0.0
        if top > 255:
            a = a * (255.0 / (65535.0 if top <= 65535 else top))
        gray = np.clip(a, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    return np.asarray(im if im.mode == "RGB" else im.convert("RGB"))


def _too_large(name: str, width: int, height: int, max_pixels: int) -> InputImageError:
    return InputImageError(
        f"{name}: image is too large ({width}×{height} = {width * height:,} pixels; "
        f"the limit is {max_pixels:,})",
        "resize the photo to a smaller size, or raise the pixel limit (max_pixels)",
    )


def thumbnail_jpeg(
    path: str | Path, max_side: int = 480, quality: int = 80, max_pixels: int = 120_000_000
) -> bytes:
    """A small upright JPEG of a photo, for a report to embed.

    JPEGs are decoded at a reduced scale (Pillow's draft mode): a 12-megapixel photo takes
    about a third of the time of a full decode. EXIF orientation is applied as in
    :func:`load_image`.

    Args:
        path: An image file of any format :func:`load_image` reads.
        max_side: Longest side of the thumbnail in pixels; smaller photos are not enlarged.
        quality: JPEG quality (1-95).
        max_pixels: Refuse images with more pixels than this.

    Returns:
        The JPEG file's bytes.

    Raises:
        InputImageError: The file cannot be read as an image, for the reasons
            :func:`load_image` gives.
    """
    p = Path(path)
    small: Image.Image | None = None
    try:
        size = _header_size(p) if p.is_file() else None
        if size is not None and size[0] * size[1] <= max_pixels:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                opened = Image.open(p)
            with opened as im:
                im.draft("RGB", (max_side, max_side))
                im.load()
                small = Image.fromarray(_rgb_array(ImageOps.exif_transpose(im)))
    except Exception:
        # Any failure of the quick path is left to load_image below, so a bad photo is
        # reported in exactly the words a scan would use.
        small = None
    if small is None:
        bgr = load_image(p, max_pixels)
        small = Image.fromarray(np.ascontiguousarray(bgr[:, :, ::-1]))
    small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


# --------------------------------------------------------------------------- detection


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
        glyph = max(scene.glyph, _PRINT_KERNEL / 2) if len(scene.text) else _PRINT_KERNEL / 2
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


def _corners(quad: _Points) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y)) for x, y in quad)


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
    glyph: float

    @classmethod
    def of(cls, small: Image8) -> _Scene:
        lab = _u8(cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_BGR2LAB))
        masks, not_table, dist8 = _segment(lab, _edge_map(lab))
        text, glyph = _text_glyphs(_to_gray(small))
        return cls(lab, lab.astype(np.float32), masks, not_table, dist8, text, glyph)

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


def _corner_skew(quad: _Points) -> float:
    """The largest difference, in degrees, between a corner's angle and a right angle."""
    worst = 0.0
    for i in range(4):
        u = quad[i - 1] - quad[i]
        v = quad[(i + 1) % 4] - quad[i]
        cosang = float(np.dot(u, v) / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-9))
        worst = max(worst, abs(math.degrees(math.acos(max(-1.0, min(1.0, cosang)))) - 90.0))
    return worst


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
    return _text_glyphs(gray)[0]


def _text_glyphs(gray: Image8) -> tuple[_Points, float]:
    """:func:`_text_points`, and the median glyph size in pixels (0 without text)."""
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
        return np.zeros((0, 2)), 0.0
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
    return np.stack([cx[in_line], cy[in_line]], axis=1).astype(np.float64), size


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


# --------------------------------------------------------------------------- text-led search

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
_PRINT_STEP = 40
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
    floor = max(4.0, 3.0 * float(np.median(np.hypot(gx[::4, ::4], gy[::4, ::4]))))
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
        reach = _SIDE_REACH * depth + 3 * glyph
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
        depth_now = float(np.dot(lines[i][0] - p_opp, n))
        for ratio in (_ID1_RATIO, 1 / _ID1_RATIO):
            want = span * ratio
            if want > depth_now and want <= 2.2 * max(depth_now, 1.0):
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


# --------------------------------------------------------------------------- QR codes

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


# --------------------------------------------------------------------------- orientation


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


# --------------------------------------------------------------------------- OCR clean-up


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


def _to_gray(image: Image8) -> Image8:
    if image.ndim == 2:
        return image
    return _u8(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


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


# --------------------------------------------------------------------------- region variants

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


# --------------------------------------------------------------------------- review views


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
