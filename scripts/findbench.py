"""Measure the card finder on a folder of photos: cards found, fallbacks, time per photo.

Usage::

    python scripts/findbench.py DIR [DIR...] [--out /tmp/crops] [--limit N]

For each photo: its ``kind`` and ``group`` (from the folder's truth, read as
``scripts/bench.py`` reads it, when there is one), its size, how many cards
:func:`cardscan.reading.imaging.find_cards` returned, how each was found (``edge``: an
outline with edge support; ``text``: a crop around the print; ``whole``: the whole-photo
fallback), the best score and the time the finder took. Then a summary per group and
kind. With ``--out``, each card found is written there as a JPEG (long side 1000 px) and
each photo with the outlines drawn on it, to be looked at.

The folders are read, never copied: nothing of them goes into the repository.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))
if str(_REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(_REPO / "scripts"))  # siblings.py, when a test loads this by path

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from siblings import load_sibling  # noqa: E402

from cardscan.config import IMAGE_SUFFIXES, Settings  # noqa: E402
from cardscan.errors import CardscanError  # noqa: E402
from cardscan.reading import imaging  # noqa: E402


@functools.cache
def _load_bench() -> Any:
    """scripts/bench.py as a module: its truth loading is the one every script uses."""
    return load_sibling("bench", "cardscan_bench")


def _truth(folder: Path) -> dict[str, tuple[str, str]]:
    """(kind, source) of each photo of ``folder`` that has a truth, as the bench reads it."""
    bench = _load_bench()
    return {t.image.name: (t.kind or "photo", t.source_label) for t in bench.load_truths(folder)}


def _how(card: imaging.Card) -> str:
    if card.quad is None:
        return "whole"
    return "text" if card.score <= getattr(imaging, "TEXT_CROP_SCORE", -1.0) else "edge"


def _save(out: Path, stem: str, photo: np.ndarray, cards: list[imaging.Card]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for i, card in enumerate(cards):
        img: np.ndarray = card.image
        s = 1000 / max(img.shape[:2])
        if s < 1:
            img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(out / f"{stem}.card{i}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    s = 1000 / max(photo.shape[:2])
    view = cv2.resize(photo, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    for i, card in enumerate(cards):
        if card.quad is None:
            continue
        pts = np.round(np.asarray(card.quad) * s).astype(np.int32)
        colour = (0, 200, 0) if _how(card) == "edge" else (0, 140, 255)
        cv2.polylines(view, [pts], True, colour, 3)
        cv2.putText(view, str(i), tuple(int(v) for v in pts[0]), 0, 1.2, colour, 3)
    cv2.imwrite(str(out / f"{stem}.photo.jpg"), view, [cv2.IMWRITE_JPEG_QUALITY, 80])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, help="folder for crops and outlined photos (not the repo)")
    ap.add_argument("--limit", type=int, default=0, help="at most this many photos per folder")
    args = ap.parse_args(argv)
    settings = Settings()
    imaging.limit_threads()
    rows = []
    print("| photo | kind | group | size | cards | how | best score | finder CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for folder in args.dirs:
        truth = _truth(folder)
        photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for path in photos[: args.limit or None]:
            kind, group = truth.get(path.name, ("photo", folder.name))
            try:
                photo = imaging.load_image(path, settings.max_pixels, imaging.MIN_SIDE)
            except CardscanError as e:
                print(f"| {path.name} | {kind} | {group} | error: {e} |", flush=True)
                continue
            # CPU time: other processes on a shared machine do not inflate it.
            start = time.process_time()
            cards = imaging.find_cards(photo)
            took = time.process_time() - start
            how = ",".join(_how(c) for c in cards)
            best = max(c.score for c in cards)
            size = f"{photo.shape[1]}×{photo.shape[0]}"
            print(
                f"| {path.name} | {kind} | {group} | {size} | {len(cards)} | {how} "
                f"| {best:.2f} | {took:.2f} |",
                flush=True,
            )
            rows.append((f"{folder.name}/{group}", kind, cards, took))
            if args.out:
                _save(args.out / folder.name, path.stem, photo, cards)
    print("\n| set | kind | photos | cards | edge | text crop | whole photo | CPU s/photo (max) |")
    print("|---|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, str], list[tuple[list[imaging.Card], float]]] = defaultdict(list)
    for key, kind, cards, took in rows:
        groups[(key, kind)].append((cards, took))
        groups[("all", "all")].append((cards, took))
    for (key, kind), items in sorted(groups.items()):
        hows = [_how(c) for cards, _ in items for c in cards]
        times = [t for _, t in items]
        print(
            f"| {key} | {kind} | {len(items)} | {len(hows)} | {hows.count('edge')} "
            f"| {hows.count('text')} | {hows.count('whole')} "
            f"| {np.mean(times):.2f} ({max(times):.2f}) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
