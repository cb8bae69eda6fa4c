"""Time the straightened card view (the app's card image, the report's card figures).

Usage::

    python scripts/viewbench.py PHOTO_DIR [--limit 12] [--repeat 3]

Finds the cards of up to ``--limit`` photos once (not timed), then times
``imaging.card_view`` at the app's size (1600 px) and the report's (900 px): "one card"
is a card asked for alone (the photo not read before), "each card of a report" the mean
per card when every card is asked for in turn, as a report does, so a photo of several
cards is read once. Prints a Markdown table of medians over ``--repeat`` rounds, in wall
and in CPU milliseconds (this process's, steadier on a busy machine). The photos are read
only; nothing is written.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from cardscan.config import IMAGE_SUFFIXES  # noqa: E402
from cardscan.reading import imaging  # noqa: E402
from cardscan.reading.imaging import view  # noqa: E402


def _forget() -> None:
    """Drop card_view's decoded photos, if it keeps any."""
    clear = getattr(view, "clear_cache", None)
    if clear is not None:
        clear()


def _ms(times: list[tuple[float, float]]) -> str:
    wall = statistics.median(w for w, _c in times) * 1000
    cpu = statistics.median(c for _w, c in times) * 1000
    return f"{wall:.0f} ({cpu:.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", type=Path)
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    paths = sorted(p for p in opts.photos.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    cards: list[tuple[Path, tuple[tuple[float, float], ...] | None]] = []
    for path in paths[: opts.limit]:
        found = imaging.find_cards(imaging.load_image(path, 120_000_000))
        cards += [(path, c.quad) for c in found]
    print(f"`python scripts/viewbench.py PHOTO_DIR --limit {opts.limit} --repeat {opts.repeat}`")
    print()
    print(f"{len(paths[: opts.limit])} photos, {len(cards)} cards")
    print()
    print("| size | one card, ms (CPU ms) | each card of a report, ms (CPU ms) |")
    print("|---|---|---|")
    for side in (1600, 900):
        alone: list[tuple[float, float]] = []
        rounds: list[tuple[float, float]] = []
        for _ in range(opts.repeat):
            for path, quad in cards:
                _forget()
                t, c = time.perf_counter(), time.process_time()
                imaging.card_view(path, quad, 0, side)
                alone.append((time.perf_counter() - t, time.process_time() - c))
            _forget()
            t, c = time.perf_counter(), time.process_time()
            for path, quad in cards:
                imaging.card_view(path, quad, 0, side)
            n = max(1, len(cards))
            rounds.append(((time.perf_counter() - t) / n, (time.process_time() - c) / n))
        print(f"| {side} px | {_ms(alone)} | {_ms(rounds)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
