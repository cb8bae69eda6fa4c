"""Reading photos: files, formats (HEIC through pillow-heif), EXIF orientation, pixel limits."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
import numpy.typing as npt
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from cardscan.errors import InputImageError
from cardscan.reading.imaging.base import Image8, _u8

log = logging.getLogger(__name__)

#: Pixels above which a photo is decoded at half (or a quarter...) its size.
_READ_MAX_PIXELS = 64_000_000

# Registering is idempotent and only adds HEIF to Pillow's table of openers; doing it at
# import keeps load_image itself free of global side effects.
pillow_heif.register_heif_opener()


#: Shortest side, in pixels, a card photo must have: below it no card text is legible
#: (a 3.5 in card at this width leaves about 4 px per capital letter of 8 pt text).
MIN_SIDE = 100


def load_image(
    path: str | Path, max_pixels: int, min_side: int = 0, *, data: bytes | None = None
) -> Image8:
    """Read a photo as an upright BGR image.

    The pixel count is checked from the file header before anything is decoded, so a
    decompression bomb or a panorama is refused cheaply. EXIF orientation is applied.

    Args:
        path: An image file: JPEG, PNG, TIFF, WebP, BMP, HEIC/HEIF (anything Pillow opens).
        max_pixels: Refuse images with more pixels than this.
        min_side: Refuse images whose shorter side is below this (``MIN_SIDE`` for cards).
        data: The photo's bytes, read by the caller (a cluster worker that does not share
            the disk): then ``path`` only names the photo in messages and is not opened.

    Returns:
        The image as a contiguous H×W×3 ``uint8`` BGR array.

    Raises:
        InputImageError: The file is missing, not a regular file, empty, unreadable, not an
            image, corrupt or truncated, smaller than ``min_side`` or larger than
            ``max_pixels``.
    """
    return _load(path, max_pixels, min_side, 1, data)[0]


def load_image_reduced(path: str | Path, max_pixels: int, reduce: int) -> tuple[Image8, int]:
    """Read a photo as :func:`load_image` does, decoded at ``1/reduce`` its size if cheap.

    A JPEG is decoded at a half, a quarter or an eighth directly (the decoder's DCT
    scaling, Pillow's draft mode), several times faster than in full; other formats, and
    photos :func:`load_image` already reads reduced (above 64 Mpx), are read as it reads
    them. Coordinates in :func:`load_image`'s pixels (a card's corners) are divided by the
    returned factor to fall on the same points of the image returned.

    Args:
        path: An image file, as for :func:`load_image`.
        max_pixels: Refuse images with more pixels than this.
        reduce: 1, 2, 4 or 8: the largest reduction the caller can use.

    Returns:
        The image and the factor it was reduced by against :func:`load_image` (1 to ``reduce``).

    Raises:
        InputImageError: as :func:`load_image`.
    """
    if reduce not in (1, 2, 4, 8):
        raise ValueError(f"reduce must be 1, 2, 4 or 8, not {reduce}")
    return _load(path, max_pixels, 0, reduce)


def _load(
    path: str | Path, max_pixels: int, min_side: int, reduce: int, data: bytes | None = None
) -> tuple[Image8, int]:
    p = Path(path)
    name = str(path)
    if data is not None:
        if not data:
            raise InputImageError(
                f"{name}: is empty (0 bytes)", "copy the photo again; the transfer may have failed"
            )
        return _decode(io.BytesIO(data), name, max_pixels, min_side, reduce)
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
    return _decode(p, name, max_pixels, min_side, reduce)


def _decode(
    source: Path | io.BytesIO, name: str, max_pixels: int, min_side: int, reduce: int
) -> tuple[Image8, int]:
    """:func:`load_image` past the file checks: ``source`` is the file or its bytes."""
    size = _header_size(source)
    if size is not None and size[0] * size[1] > max_pixels:
        raise _too_large(name, size[0], size[1], max_pixels)
    try:
        with warnings.catch_warnings():
            # Pillow warns of a "decompression bomb" above 89 Mpx; the pixel limit that
            # counts is the caller's, checked from the header and again just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if isinstance(source, io.BytesIO):
                source.seek(0)  # after the header was read
            im = Image.open(source)
        with im:
            width, height = im.size
            if width * height > max_pixels:
                raise _too_large(name, width, height, max_pixels)
            if min(width, height) < min_side:
                raise InputImageError(
                    f"{name}: image is too small to read a card ({width}×{height} pixels)",
                    "use the original photo rather than a thumbnail or preview",
                )
            decoded, factor = _reduced(im, name, reduce)
            array = _rgb_array(ImageOps.exif_transpose(decoded))
    except InputImageError:
        raise
    except PermissionError:
        raise InputImageError(
            f"{name}: permission denied", "make the file readable (chmod u+r)"
        ) from None
    except UnidentifiedImageError:
        kind = _header_format(source)
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
    return _u8(cv2.cvtColor(array, cv2.COLOR_RGB2BGR)), factor


def _one_line(e: BaseException) -> str:
    """An exception's text on one line (libheif's messages end in a newline)."""
    return " ".join(str(e).split()) or type(e).__name__


def _reduced(im: Image.Image, name: str, reduce: int = 1) -> tuple[Image.Image, int]:
    """The decoded image, at a reduced scale when it has more than ``_READ_MAX_PIXELS``.

    A 108-megapixel phone photo decodes to a third of a gigabyte, and every copy the
    reader makes costs as much again; half its side is still far more than a card needs.
    JPEGs are decoded at the reduced scale directly (Pillow's draft mode).

    A JPEG below that size is decoded at ``1/reduce`` when the caller asks; the second
    value is the factor applied that way (1 when none was).
    """
    width, height = im.size
    factor = 1
    while width * height / (factor * factor) > _READ_MAX_PIXELS:
        factor *= 2
    if factor == 1:
        if reduce > 1 and im.format == "JPEG":
            # The decoder scales by 1/2, 1/4 or 1/8 to the smallest size at least this.
            im.draft(im.mode, (-(-width // reduce), -(-height // reduce)))
            im.load()
            return im, round(width / im.size[0])
        im.load()
        return im, 1
    if im.format == "JPEG":
        im.draft(im.mode, (width // factor, height // factor))
    im.load()
    if im.size[0] > width // factor + 1:
        im = im.reduce(max(1, round(im.size[0] / (width // factor))))
    log.info(
        "%s: %d×%d pixels, read at %d×%d (enough for a card; saves memory)",
        name, width, height, im.size[0], im.size[1],
    )  # fmt: skip
    return im, 1


def _opened(source: Path | io.BytesIO) -> contextlib.AbstractContextManager[BinaryIO]:
    """The photo's bytes from the start: its file opened, or its bytes rewound."""
    if isinstance(source, Path):
        return source.open("rb")
    source.seek(0)
    return contextlib.nullcontext(source)


def _header_format(source: Path | io.BytesIO) -> str | None:
    """The image format a file's first bytes announce (``PNG``, ``JPEG``...), or None."""
    try:
        with _opened(source) as fp:
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


def _header_size(source: Path | io.BytesIO) -> tuple[int, int] | None:
    """Width and height from the file header, or None when no plugin recognises it.

    Asks Pillow's format plugins directly rather than through ``Image.open``: that applies
    Pillow's global pixel limit (a warning above 89 Mpx, an error above 179 Mpx), and
    load_image enforces the caller's ``max_pixels`` instead. Reads only the header.
    """
    try:
        with _opened(source) as fp:
            prefix = fp.read(16)
            Image.preinit()
            for fmt in list(Image.ID):
                factory, accept = Image.OPEN[fmt]
                verdict = True if accept is None else accept(prefix)
                if not verdict or isinstance(verdict, str):
                    continue
                fp.seek(0)
                try:
                    width, height = factory(fp, str(source)).size
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
