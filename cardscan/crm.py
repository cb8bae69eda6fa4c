"""The conventions of the CRM files cardscan writes and reads back.

Shared by :mod:`cardscan.outputs.export` (the writer) and :mod:`cardscan.book.importers`
(which reads cardscan's own exports back without loss), so neither wing reaches into
the other.
"""

from __future__ import annotations

#: A cell starting with one of these is run as a formula by Excel, LibreOffice and Google
#: Sheets (OWASP "CSV injection"); tab and CR can smuggle one past a naive check.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Salesforce and Zoho refuse a lead without a company. A card without one still makes a lead,
#: with this placeholder, which is easy to find and fix in the CRM; the importer reads it
#: back as "no company".
UNKNOWN_COMPANY = "[not provided]"

#: The label of the note line that carries the lead source where a layout has no column for
#: it ("Lead source: Business card: Founders Mixer").
LEAD_SOURCE_LABEL = "Lead source"

#: Labels of the note lines carrying values a layout has no column for. A phone's line says
#: its type: "Phone (mobile): +1 4155550199".
VALUE_LABELS: dict[str, str] = {
    "email": "E-mail",
    "phone": "Phone",
    "website": "Website",
    "social": "Social",
}
