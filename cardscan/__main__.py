"""``python -m cardscan``."""

from __future__ import annotations

from cardscan.cli import main

main()
