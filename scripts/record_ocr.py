"""Re-record the OCR of the sample cards into tests/ocr_recorded/ (one JSON per sample).

Usage (from the repository root, after regenerating samples/)::

    python scripts/record_ocr.py            # record every sample that has no recording yet
    python scripts/record_ocr.py --force    # record them all again

The parser tests (tests/test_parse.py) replay these files without Tesseract and compare the
result with each sample's NAME.expected.json, so a change in the imaging or OCR code shows
up as a diff here, to be reviewed like any golden file.

To iterate on the parser or the confidence over a benchmark folder (real photos with a
truth.jsonl, or a generated set), record its OCR once and replay it instead::

    python scripts/calibrate.py record DIR --out /tmp/DIR.jsonl --lang auto
    python scripts/bench.py DIR --ocr /tmp/DIR.jsonl      # seconds, no Tesseract

Keep such recordings out of the repository: real cards' text must not enter it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cardscan.config import IMAGE_SUFFIXES, Settings  # noqa: E402
from cardscan.reading.pipeline import ocr_photo  # noqa: E402

SAMPLES = ROOT / "samples"
RECORDED = ROOT / "tests" / "ocr_recorded"


def sample_images(samples: Path = SAMPLES) -> list[Path]:
    """Every sample photo that has an expected record beside it."""
    return sorted(
        p
        for p in samples.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and (samples / f"{p.stem}.expected.json").is_file()
    )


def record(image: Path, out_dir: Path = RECORDED, settings: Settings | None = None) -> Path:
    """OCR ``image`` the way the pipeline does and write ``out_dir/<stem>.json``.

    The file holds :meth:`cardscan.models.OcrResult.to_dict` of the photo's first card
    (every sample shows exactly one card).
    """
    results = ocr_photo(image, settings or Settings())
    if not results:
        raise SystemExit(f"{image}: no card found")
    out = out_dir / f"{image.stem}.json"
    out.write_text(json.dumps(results[0].to_dict(), separators=(",", ":")) + "\n", "utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: record the samples' OCR."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--force", action="store_true", help="re-record existing files too")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="sample folder")
    args = parser.parse_args(argv)
    RECORDED.mkdir(exist_ok=True)
    for image in sample_images(args.samples):
        if not args.force and (RECORDED / f"{image.stem}.json").exists():
            continue
        print(record(image), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
