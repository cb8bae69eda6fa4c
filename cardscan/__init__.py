"""cardscan: business-card photos in; validated contacts, exports and a follow-up plan out.

Python use mirrors the command line::

    from cardscan import Settings, scan_batch, collect_images
    photos, _ = collect_images(["photos/"])
    for result in scan_batch(photos, Settings(region="US")):
        print(result.to_record())

and the contact store behind ``import``, ``checkin`` and ``scan --event``::

    from cardscan import Ingester, import_contacts, open_store
    store = open_store("contacts.db")
    done = import_contacts(Ingester(store), "hubspot-export.csv")
"""

from __future__ import annotations

from cardscan._version import __version__
from cardscan.book.events import check_in, create_event, event_stats, import_roster
from cardscan.book.importers import read_contacts, read_roster
from cardscan.book.ingest import Ingester, import_contacts
from cardscan.book.store import Store, open_store
from cardscan.config import Settings
from cardscan.errors import CardscanError, ExitCode, StoreError
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType
from cardscan.reading.pipeline import collect_images, process_image, scan_batch
from cardscan.run import ScanSummary, run_scan

__all__ = [
    "CardResult",
    "CardStatus",
    "CardscanError",
    "Contact",
    "ExitCode",
    "Field",
    "Ingester",
    "Phone",
    "PhoneType",
    "ScanSummary",
    "Settings",
    "Store",
    "StoreError",
    "__version__",
    "check_in",
    "collect_images",
    "create_event",
    "event_stats",
    "import_contacts",
    "import_roster",
    "open_store",
    "process_image",
    "read_contacts",
    "read_roster",
    "run_scan",
    "scan_batch",
]
