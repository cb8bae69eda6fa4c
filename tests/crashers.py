"""Stand-in per-photo workers for batch tests; module-level so worker processes import them."""

from __future__ import annotations

import os
from pathlib import Path

from cardscan.config import Settings
from cardscan.models import CardResult, Contact, Field
from cardscan.reading.ocr import TesseractInfo


def crash_on_poison(path: str | Path, settings: Settings, info: TesseractInfo) -> list[CardResult]:
    """Kill the worker process outright on a photo named *poison*, as a decoder crash would."""
    if "poison" in Path(path).name:
        os._exit(70)
    return [CardResult(str(path), contact=Contact(name=Field(Path(path).stem, 0.9)))]


def sides_by_name(path: str | Path, settings: Settings, info: TesseractInfo) -> list[CardResult]:
    """A front gives a name and an e-mail, a back a website; a "logo" back reads nothing."""
    from cardscan.models import CardStatus

    stem = Path(path).stem
    if "logo" in stem:
        return [CardResult(str(path), status=CardStatus.FAILED, error=f"{path}: no text")]
    if stem.endswith("back"):
        return [CardResult(str(path), contact=Contact(websites=(Field("example.org", 0.9),)))]
    return [
        CardResult(
            str(path),
            contact=Contact(name=Field(stem, 0.9), emails=(Field(f"{stem}@example.org", 0.9),)),
        )
    ]


#: What ``check_tesseract`` would say, for runs whose workers never call Tesseract.
FAKE_INFO = TesseractInfo("/nonexistent/tesseract", "5.5.0", "setting", None, ("eng",))


def slow_card(path: str | Path, settings: Settings, info: TesseractInfo) -> list[CardResult]:
    """A card read in CARD_DELAY seconds; a photo with "slow" in its name takes a minute in a child
    process (as Tesseract runs in one), so only a kill ends it early."""
    import subprocess
    import sys
    import time

    stem = Path(path).stem
    if "slow" in stem:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(60)"], check=False)
    else:
        time.sleep(float(os.environ.get("CARD_DELAY", "0.2")))
    email = (Field(f"{stem}@example.org", 0.9),)
    return [CardResult(str(path), contact=Contact(name=Field(f"Person {stem}", 0.9), emails=email))]


def spanish_card(path: str | Path, settings: Settings, info: TesseractInfo) -> list[CardResult]:
    """A card whose text looks Spanish when its photo is named es-*: read.py then says
    Tesseract has no spa data (``info`` has English only), as it would on a real card."""
    from cardscan.models import Box, OcrResult, Word
    from cardscan.reading import read

    stem = Path(path).stem
    text = "ana@empresa.es +34 911 222 333 calle" if stem.startswith("es-") else "ada@x.example"
    words = tuple(
        Word(t, 0.9, Box(40 + 120 * i, 40, 100, 30), 1, 1, 1) for i, t in enumerate(text.split())
    )
    read._card_model(OcrResult(words, 1200, 700), info)
    return [CardResult(str(path), contact=Contact(name=Field(f"Person {stem}", 0.9)))]


def from_bytes(
    path: str | Path,
    settings: Settings,
    info: TesseractInfo | None = None,
    *,
    data: bytes | None = None,
) -> list[CardResult]:
    """A card named by the photo's bytes, as a cluster worker gets them (never the file).

    A photo named *poison* kills its worker process; *broken* photos and ones the caller
    could not read (``data`` None) fail as the real reader says.
    """
    from cardscan.errors import InputImageError
    from cardscan.models import CardStatus
    from cardscan.reading import imaging

    name = Path(path).name
    if "poison" in name:
        os._exit(70)
    if data is None or "broken" in name:
        try:
            imaging.load_image(path, settings.max_pixels, data=data)
        except InputImageError as e:
            return [CardResult(str(path), status=CardStatus.FAILED, error=e.message)]
    assert data is not None
    text = data.decode()
    email = (Field(f"{text.replace(' ', '.')}@example.org", 0.9),)
    return [CardResult(str(path), contact=Contact(name=Field(text.title(), 0.9), emails=email))]


def slow_from_bytes(
    path: str | Path,
    settings: Settings,
    info: TesseractInfo | None = None,
    *,
    data: bytes | None = None,
) -> list[CardResult]:
    """:func:`from_bytes` taking CARD_DELAY seconds a photo (default 0.3)."""
    import time

    time.sleep(float(os.environ.get("CARD_DELAY", "0.3")))
    return from_bytes(path, settings, info, data=data)
