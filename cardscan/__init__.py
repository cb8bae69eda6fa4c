"""cardscan: business-card photos in; validated contacts, exports and a follow-up plan out.

Python use mirrors the command line::

    from cardscan import Settings, scan_batch, collect_images
    photos, _ = collect_images(["photos/"])
    for result in scan_batch(photos, Settings(region="US")):
        print(result.to_record())
"""

from __future__ import annotations

from cardscan._version import __version__
from cardscan.config import Settings
from cardscan.errors import CardscanError, ExitCode
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType
from cardscan.pipeline import collect_images, process_image, scan_batch
from cardscan.run import ScanSummary, run_scan

__all__ = [
    "CardResult",
    "CardStatus",
    "CardscanError",
    "Contact",
    "ExitCode",
    "Field",
    "Phone",
    "PhoneType",
    "ScanSummary",
    "Settings",
    "__version__",
    "collect_images",
    "process_image",
    "run_scan",
    "scan_batch",
]
