"""RapidOCR: PP-OCR detection and recognition models run by onnxruntime, from its own wheel.

This is the only module that imports ``rapidocr`` or ``onnxruntime``. The models are the
files inside the rapidocr wheel, named by path, so nothing is ever downloaded. Each
process loads them once, on first use, and runs them on one thread: cardscan already
runs one worker per core, and onnxruntime's own thread pool would fight them for the cores.

Two ways to read:

* :func:`read_image`: detection then recognition over a whole card image, as an
  :class:`~cardscan.models.OcrResult` whose words have boxes in that image's coordinates
  and one line id per detected line;
* :func:`recognize`: the recognizer alone over line crops (about 40 ms a line on one
  core, against seconds for detection over a whole card).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from cardscan.errors import MissingDependencyError, OcrError
from cardscan.models import Box, OcrResult, Word

log = logging.getLogger(__name__)

#: How to get the engine where it is missing.
INSTALL_HINT = (
    "install it with `pip install rapidocr onnxruntime` (wheels exist for Linux x86_64 and "
    "aarch64, macOS arm64 and Windows), or read with --engine tesseract"
)

#: The model files inside the rapidocr wheel (its ``models`` folder) cardscan uses.
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"

#: Text lines whose recognition score is below this are left out of a whole-card reading.
MIN_SCORE = 0.5

_LOCK = threading.Lock()


@dataclass(frozen=True)
class RapidInfo:
    """The installed engine: versions and the model files it reads."""

    version: str
    onnxruntime: str
    models: Path


@functools.cache
def available() -> bool:
    """Whether rapidocr and onnxruntime are installed (without importing them; asked once)."""
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime"))


@functools.lru_cache(maxsize=1)
def check_rapid() -> RapidInfo:
    """The installed engine and its model folder.

    Raises:
        MissingDependencyError: rapidocr or onnxruntime is missing, or the wheel's model
            files are not where the wheel puts them.
    """
    if not available():
        raise MissingDependencyError("RapidOCR is not installed", INSTALL_HINT)
    spec = importlib.util.find_spec("rapidocr")
    assert spec is not None and spec.origin is not None
    models = Path(spec.origin).parent / "models"
    missing = [m for m in (DET_MODEL, REC_MODEL) if not (models / m).is_file()]
    if missing:
        raise MissingDependencyError(
            f"RapidOCR's model files are missing from {models}: {', '.join(missing)}",
            "reinstall it with `pip install --force-reinstall rapidocr`",
        )
    return RapidInfo(metadata.version("rapidocr"), metadata.version("onnxruntime"), models)


#: The loaded engine, with the id of the process that loaded it (never shared by a fork).
_ENGINE: list[tuple[int, Any]] = []


def _engine() -> Any:
    """This process's RapidOCR object, loaded on first use with one thread and local models."""
    pid = os.getpid()
    with _LOCK:
        if _ENGINE and _ENGINE[0][0] == pid:
            return _ENGINE[0][1]
        info = check_rapid()
        # OpenMP builds of the runtime read this once, when loaded: one thread per worker.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        from rapidocr import RapidOCR
        from rapidocr.utils.log import logger as rapid_logger

        # Its logger prints every model path it loads, and "no text found" warnings, straight
        # to the terminal; cardscan reports failures itself.
        rapid_logger.setLevel(logging.ERROR)
        one = 1
        engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.use_cls": False,
                "Global.text_score": MIN_SCORE,
                "EngineConfig.onnxruntime.intra_op_num_threads": one,
                "EngineConfig.onnxruntime.inter_op_num_threads": one,
                "Det.model_path": str(info.models / DET_MODEL),
                "Rec.model_path": str(info.models / REC_MODEL),
                "Cls.model_path": str(info.models / CLS_MODEL),
            }
        )
        rapid_logger.setLevel(logging.ERROR)
        _ENGINE[:] = [(pid, engine)]
        return engine


def _bgr(image: np.ndarray) -> np.ndarray:
    """A 3-channel uint8 copy of a gray or colour image, as the models take."""
    if image.ndim == 2:
        return np.ascontiguousarray(np.repeat(image[:, :, None], 3, axis=2))
    return np.ascontiguousarray(image[:, :, :3])


def recognize(crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    """The text of each line crop, with the recognizer's score (0..1), in order.

    Raises:
        MissingDependencyError: the engine is not installed.
        OcrError: the runtime failed on these crops.
    """
    if not crops:
        return []
    engine = _engine()
    try:
        out = engine.recognize_txt([_bgr(c) for c in crops])
    except MissingDependencyError:
        raise
    except Exception as e:  # the runtime's own error types are not part of its API
        raise OcrError(f"RapidOCR failed on {len(crops)} lines: {e}") from e
    texts = out.txts or ()
    scores = out.scores or ()
    return [(str(t), float(s)) for t, s in zip(texts, scores, strict=False)]


def read_image(image: np.ndarray, rotation: int = 0) -> OcrResult:
    """Detect and read every text line of an upright card image.

    Each detected line becomes one line of words (block = its rank, top to bottom), each
    word with the box the recognizer gives it in ``image``'s coordinates and its score.

    Raises:
        MissingDependencyError: the engine is not installed.
        OcrError: the runtime failed on this image.
    """
    height, width = int(image.shape[0]), int(image.shape[1])
    engine = _engine()
    try:
        out = engine(_bgr(image), return_word_box=True)
    except MissingDependencyError:
        raise
    except Exception as e:
        raise OcrError(f"RapidOCR failed: {e}") from e
    if out.boxes is None or out.txts is None or len(out.txts) == 0:
        return OcrResult((), width, height, rotation)
    words: list[Word] = []
    word_results = list(out.word_results or ())
    for n, (quad, text, score) in enumerate(zip(out.boxes, out.txts, out.scores, strict=False)):
        line_box = _box(np.asarray(quad), width, height)
        parts = word_results[n] if n < len(word_results) else ()
        line_words = _line_words(str(text), float(score), line_box, parts, width, height)
        words += [Word(w.text, w.conf, w.box, n + 1, 1, 1) for w in line_words]
    return OcrResult(tuple(words), width, height, rotation)


def _box(quad: np.ndarray, width: int, height: int) -> Box:
    """The upright box around a quadrilateral, kept inside the image."""
    xs, ys = quad[:, 0], quad[:, 1]
    left, top = max(0, int(np.floor(xs.min()))), max(0, int(np.floor(ys.min())))
    right, bottom = min(width, int(np.ceil(xs.max()))), min(height, int(np.ceil(ys.max())))
    return Box(left, top, max(1, right - left), max(1, bottom - top))


def _line_words(
    text: str,
    score: float,
    line_box: Box,
    parts: Sequence[Any],
    width: int,
    height: int,
) -> list[Word]:
    """A detected line's words: the recognizer's own word boxes when it gives them.

    Its word boxes hold the words of Latin text; for unspaced scripts it gives one box
    per run of characters. When they do not spell the line's text, the line's words are
    laid out over its box by their share of its characters.
    """
    words: list[Word] = []
    for part in parts or ():
        try:
            w_text, w_score, quad = part
        except (TypeError, ValueError):
            words = []
            break
        if quad is None or not str(w_text).strip():
            continue
        words.append(
            Word(str(w_text).strip(), float(w_score), _box(np.asarray(quad), width, height))
        )
    if words and "".join(w.text for w in words) == "".join(text.split()):
        return _regroup(words, text.split())
    return spread_words(text, score, line_box)


def _regroup(parts: list[Word], tokens: list[str]) -> list[Word]:
    """The recognizer's pieces as words, runs of unspaced-script pieces joined.

    Its word boxes hold the words of spaced scripts; Japanese or Chinese comes one piece
    per character, and a run of them becomes one word with the union of their boxes,
    unless the line's text has a space between them.
    """
    spaced = {len("".join(tokens[: i + 1])) for i in range(len(tokens) - 1)}
    out: list[Word] = []
    at = 0
    for part in parts:
        prev = out[-1] if out else None
        if prev and at not in spaced and _unspaced(prev.text[-1]) and _unspaced(part.text[0]):
            b, c = prev.box, part.box
            left, top = min(b.left, c.left), min(b.top, c.top)
            right, bottom = max(b.right, c.right), max(b.bottom, c.bottom)
            out[-1] = Word(
                prev.text + part.text,
                min(prev.conf, part.conf),
                Box(left, top, right - left, bottom - top),
            )
        else:
            out.append(part)
        at += len(part.text)
    return out


def _unspaced(ch: str) -> bool:
    """Whether a character belongs to a script written without spaces (CJK, kana)."""
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalnum()


def spread_words(text: str, score: float, box: Box) -> list[Word]:
    """A line's words laid over its box by their share of its characters, left to right."""
    tokens = text.split()
    if not tokens:
        return []
    total = sum(len(t) for t in tokens) + (len(tokens) - 1)
    unit = box.width / max(total, 1)
    out: list[Word] = []
    x = float(box.left)
    for token in tokens:
        w = max(1, round(len(token) * unit))
        out.append(Word(token, score, Box(round(x), box.top, w, box.height)))
        x += (len(token) + 1) * unit
    return out
