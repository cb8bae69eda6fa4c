"""Settings: the one options object, built once at the edge (CLI or caller) and passed down."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from cardscan.errors import ConfigError

#: OCR engines a run may ask for (cardscan.reading.ocr.ENGINES says what each does).
ENGINES: tuple[str, ...] = ("auto", "tesseract", "rapidocr")

#: File name endings cardscan reads as photos when walking a directory.
IMAGE_SUFFIXES: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".heic", ".heif"}
)


@dataclass(frozen=True)
class Settings:
    """Every knob of a run, with its default. Build variants with :meth:`with_`."""

    #: ISO 3166 region used for numbers printed without a country code; None = infer from card.
    region: str | None = None
    #: Tesseract language(s), "+"-joined as Tesseract takes them ("eng", "eng+deu"), or
    #: "auto": English, plus each card's own language when its data is installed.
    lang: str = "auto"
    #: Worker processes for a batch; 1 runs in the calling process.
    jobs: int = 1
    #: Seconds one Tesseract call may take before it is abandoned.
    ocr_timeout: float = 60.0
    #: Fields below this confidence get a "check this field" item in the follow-up list.
    review_threshold: float = 0.6
    #: Images above this many pixels are refused (decompression bombs, panoramas).
    max_pixels: int = 120_000_000
    #: Explicit path to the tesseract binary; None = wheel, then PATH.
    tesseract_cmd: str | None = None
    #: OCR engine: "auto" (Tesseract, with RapidOCR's second reading of each line when
    #: RapidOCR is installed), "tesseract" or "rapidocr" (see cardscan.reading.ocr).
    engine: str = "auto"
    #: Where a batch is read: None on this machine (``jobs`` worker processes), "local" on
    #: a Dask LocalCluster of ``jobs`` workers, or a Dask scheduler's address
    #: (``tcp://host:8786``) whose workers are sent the photos' bytes.
    cluster: str | None = None

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ConfigError(f"jobs must be at least 1, not {self.jobs}", "use --jobs 1 or more")
        if self.region is not None and (len(self.region) != 2 or not self.region.isalpha()):
            raise ConfigError(
                f"region {self.region!r} is not a two-letter country code",
                "use an ISO 3166 code such as US, GB, DE or JP",
            )
        if self.ocr_timeout <= 0:
            raise ConfigError("ocr_timeout must be positive", "use --timeout 30 or similar")
        if not 0 <= self.review_threshold <= 1:
            raise ConfigError("review_threshold must lie between 0 and 1")
        if not self.lang or any(not part.isidentifier() for part in self.lang.split("+")):
            raise ConfigError(
                f"language {self.lang!r} is not a Tesseract language list",
                "use codes such as eng, deu or eng+deu",
            )
        if self.engine not in ENGINES:
            raise ConfigError(
                f"OCR engine {self.engine!r} is not one of {', '.join(ENGINES)}",
                "use --engine auto, tesseract or rapidocr",
            )
        if self.region is not None and self.region != self.region.upper():
            object.__setattr__(self, "region", self.region.upper())

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def default_db_path() -> Path:
    """Where the contact store lives unless ``--db`` or ``CARDSCAN_DB`` says otherwise.

    The per-user data folder of each platform: ``$XDG_DATA_HOME/cardscan`` (default
    ``~/.local/share/cardscan``) on Linux, ``~/Library/Application Support/cardscan`` on
    macOS, ``%LOCALAPPDATA%\\cardscan`` on Windows.
    """
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        # The XDG spec says a relative value is invalid and must be ignored.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "cardscan" / "contacts.db"
