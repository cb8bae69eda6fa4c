"""Writers for contacts: spreadsheet-safe CSV. Pure functions over results and a text stream."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from cardscan.models import RECORD_KEYS, CardResult, PhoneType

#: A cell starting with one of these is run as a formula by Excel, LibreOffice and Google
#: Sheets (OWASP "CSV injection"); tab and CR can smuggle one past a naive check.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Columns of ``contacts.csv``, one row per card.
CONTACT_COLUMNS: tuple[str, ...] = (
    # The record's identity and single-valued fields first, in the record's order.
    *RECORD_KEYS[: RECORD_KEYS.index("company") + 1],
    "email",
    "other_emails",
    "work_phone",
    "mobile_phone",
    "fax",
    "other_phones",
    "website",
    "other_websites",
    "address",
    "social",
    "needs_check",
    "min_confidence",
)


def safe_cell(value: object) -> str:
    """Text for a CSV cell that no spreadsheet will evaluate as a formula.

    A leading apostrophe makes spreadsheets show the value as text and is not displayed.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def contact_row(result: CardResult, threshold: float) -> dict[str, str]:
    """One ``contacts.csv`` row (already made spreadsheet-safe)."""
    record = result.to_record()
    phones: dict[str, list[str]] = {t.value: [] for t in PhoneType}
    for p in result.contact.phones:
        number = p.value.number
        # "x204" is how spreadsheets, CRMs and phonenumbers itself write an extension.
        if p.value.extension and p.value.e164:
            number += f" x{p.value.extension}"
        phones[p.value.type.value].append(number)
    emails, websites = record["emails"], record["websites"]
    conf = record["confidence"]
    row = {
        "source": record["source"],
        "back": record["back"],
        "card": record["card"],
        "status": record["status"],
        "error": record["error"],
        "name": record["name"],
        "given_name": record["given_name"],
        "family_name": record["family_name"],
        "title": record["title"],
        "company": record["company"],
        "email": emails[0] if emails else "",
        "other_emails": "; ".join(emails[1:]),
        "work_phone": phones["work"][0] if phones["work"] else "",
        "mobile_phone": phones["mobile"][0] if phones["mobile"] else "",
        "fax": phones["fax"][0] if phones["fax"] else "",
        "other_phones": "; ".join(
            phones["work"][1:]
            + phones["mobile"][1:]
            + phones["fax"][1:]
            + phones["toll-free"]
            + phones["other"]
        ),
        "website": websites[0] if websites else "",
        "other_websites": "; ".join(websites[1:]),
        "address": record["address"],
        "social": "; ".join(record["social"]),
        "needs_check": "; ".join(result.contact.needs_check(threshold)),
        "min_confidence": f"{min(conf.values()):.2f}" if conf else "",
    }
    return {k: safe_cell(v) for k, v in row.items()}


def write_contacts_csv(results: Iterable[CardResult], out: TextIO, threshold: float = 0.6) -> int:
    """Write one row per card to ``out`` (opened with ``newline=""``); returns the row count."""
    writer = csv.DictWriter(out, fieldnames=list(CONTACT_COLUMNS), quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    count = 0
    for result in results:
        writer.writerow(contact_row(result, threshold))
        count += 1
    return count
