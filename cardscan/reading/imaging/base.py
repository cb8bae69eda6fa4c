"""What every part of the imaging package shares: image types, OpenCV's threads and logging."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import numpy as np
import numpy.typing as npt

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


# OpenCV logs to the terminal on its own ("[ WARN:0@15.8] ... QR: ECI is not supported"),
# past the CLI's logger and -q; its errors are raised as exceptions anyway. A level the
# user set in OPENCV_LOG_LEVEL is left alone.
if "OPENCV_LOG_LEVEL" not in os.environ:
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


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


def _to_gray(image: Image8) -> Image8:
    if image.ndim == 2:
        return image
    return _u8(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
