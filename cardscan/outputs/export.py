"""Writers for contacts: spreadsheet-safe CSV for each CRM, vCard and JSON Lines.

Two kinds of writer live here. ``write_contacts_csv`` writes the per-scan ``contacts.csv`` (one
row per card read). :func:`export_entries` writes the address book
(:class:`~cardscan.book.entries.Entry` per contact) in the layout a CRM or address book
imports: HubSpot, Salesforce leads, Google Contacts, Outlook, Zoho leads, Pipedrive, vCard,
JSON Lines, or a flat CSV of everything.

Every CSV cell goes through :func:`safe_cell` (or :func:`safe_phone_cell` for phone columns), so
no spreadsheet runs a value as a formula. A value a layout has no column for (a third e-mail,
a second fax) is written into the note/description column as a line such as
``E-mail: jane@acme.example`` or ``Phone (fax): +1 4155550101``, never dropped;
:mod:`cardscan.book.importers` reads those lines back into values.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO, TextIO

from cardscan.book.entries import Entry
from cardscan.book.store import Meeting, StoredValue
from cardscan.crm import FORMULA_PREFIXES, LEAD_SOURCE_LABEL, UNKNOWN_COMPANY, VALUE_LABELS
from cardscan.errors import ConfigError
from cardscan.models import RECORD_KEYS, CardResult, Contact, Field, Phone, PhoneType
from cardscan.outputs.intros import NO_FOLLOWUP_TAGS
from cardscan.text import clean_text, phone_form

if TYPE_CHECKING:  # vobject is loaded only when a vCard is written
    from cardscan.vcard import VCardEntry

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
    Escape sequences, control characters and bidi overrides are taken out
    (:func:`cardscan.text.clean_text`); line breaks stay (a note has several lines).
    """
    text = "" if value is None else clean_text(str(value), multiline=True)
    # Tabs and CRs are gone by now; a formula behind leading blanks still counts.
    return "'" + text if text.lstrip(" \n").startswith(FORMULA_PREFIXES) else text


def contact_row(result: CardResult, threshold: float) -> dict[str, str]:
    """One ``contacts.csv`` row (already made spreadsheet-safe)."""
    record = result.to_record()
    phones: dict[str, list[str]] = {t.value: [] for t in PhoneType}
    for p in result.contact.phones:
        # Written as every export writes it (phone_form): "+1 4155550100 x204", or as printed.
        phone = p.value
        phones[phone.type.value].append(phone_form(phone.e164, phone.raw, phone.extension))
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
    phone_columns = ("work_phone", "mobile_phone", "fax")
    out = {k: safe_phone_cell(v) if k in phone_columns else safe_cell(v) for k, v in row.items()}
    # One number alone is written as in any phone column; several in one cell are one text
    # that a spreadsheet could read as a formula, so safe_cell neutralises it.
    others = [n for n in row["other_phones"].split("; ") if n]
    if len(others) == 1:
        out["other_phones"] = safe_phone_cell(others[0])
    return out


def write_contacts_csv(results: Iterable[CardResult], out: TextIO, threshold: float = 0.6) -> int:
    """Write one row per card to ``out`` (opened with ``newline=""``); returns the row count."""
    writer = csv.DictWriter(out, fieldnames=list(CONTACT_COLUMNS), quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    count = 0
    for result in results:
        writer.writerow(contact_row(result, threshold))
        count += 1
    return count


# --- address-book exports -----------------------------------------------------------------------

#: The formats :func:`export_entries` writes.
EXPORT_FORMATS: tuple[str, ...] = (
    "hubspot",
    "salesforce",
    "google",
    "outlook",
    "zoho",
    "pipedrive",
    "vcard",
    "jsonl",
    "csv",
    "truth",
)

#: Formats written as CSV (the others are vCard and JSON Lines text).
CSV_FORMATS: frozenset[str] = frozenset(EXPORT_FORMATS) - {"vcard", "jsonl", "truth"}

_BOM = "\ufeff".encode()
_PHONE_TYPES = tuple(t.value for t in PhoneType)

# Phone cells. OWASP (CSV Injection) and ASVS 1.2.10 ask for a leading apostrophe before a
# cell starting with "+", but a CRM import stores that apostrophe as part of the number, and
# "+14155550100" bare becomes the number 14155550100 in a spreadsheet (LibreOffice measured).
# A validated number is therefore written "+<country code> <national number>[ x<ext>]": only
# "+", digits, one space and an " x" extension, so it carries no function, reference or DDE
# payload; the space keeps spreadsheets from reading it as a number or formula (LibreOffice
# shows it as text; in Excel's grammar a space between constants is no valid formula), and
# every CRM parses it as an international number. Anything else in a phone column (a number
# that did not validate) goes through safe_cell like every other cell.
_SAFE_PHONE = re.compile(r"\+\d{1,3} \d{4,14}(?: x\d{1,6})?")


def safe_phone_cell(text: str) -> str:
    """A CSV phone cell: a number in :func:`phone_text` form as is, else :func:`safe_cell`."""
    return text if _SAFE_PHONE.fullmatch(text) else safe_cell(text)


def phone_text(value: StoredValue) -> str:
    """A stored phone as written in exports: ``+1 4155550100 x204``, or as printed if invalid.

    See :func:`phone_form`; a stored phone that validated is kept by its E.164 form, one
    that did not by its digits alone.
    """
    e164 = value.value if value.value.startswith("+") else None
    return phone_form(e164, value.display or value.value, value.ext)


def _phone_type(value: StoredValue) -> str:
    return value.type if value.type in _PHONE_TYPES else PhoneType.OTHER.value


def _shown(value: StoredValue) -> str:
    if value.kind == "phone":
        return phone_text(value)
    if value.kind == "email":
        return value.value  # the normalised address: CRMs match contacts on it
    return value.display or value.value


def value_line(value: StoredValue) -> str:
    """The note line for a value a layout has no column for (``Phone (fax): +1 4155550101``)."""
    label = VALUE_LABELS[value.kind]
    if value.kind == "phone":
        label += f" ({_phone_type(value)})"
    return f"{label}: {_shown(value)}"


class _Values:
    """A contact's values, handed out to a layout's columns; the rest become note lines."""

    def __init__(self, entry: Entry) -> None:
        self.left = [v for v in entry.contact.values if v.kind in VALUE_LABELS]

    def take(self, kind: str, types: Sequence[str] = ()) -> str:
        """The next value of ``kind`` (phones: of one of ``types``) as written, or ""."""
        for v in self.left:
            if v.kind == kind and (not types or _phone_type(v) in types):
                self.left.remove(v)
                return _shown(v)
        return ""

    def take_all(self, kind: str) -> list[StoredValue]:
        """Every value of ``kind`` left, in order."""
        taken = [v for v in self.left if v.kind == kind]
        self.left = [v for v in self.left if v.kind != kind]
        return taken

    def lines(self) -> list[str]:
        """The note lines of the values no column took."""
        return [value_line(v) for v in self.left]


def _names(entry: Entry) -> tuple[str, str]:
    """(given, family) names; a name never split by the reader is split at its last space."""
    c = entry.contact
    given, family = c.given_name or "", c.family_name or ""
    if c.name and not (given or family):
        given, _, family = c.name.rpartition(" ")
    return given, family


def _note(entry: Entry, values: _Values, *, lead_source: bool, tags: bool = True) -> str:
    """The note/description text: where met, notes, tags, past jobs, then unplaced values.

    Args:
        entry: the contact.
        values: what the layout's columns left over.
        lead_source: add the lead source line (for layouts without a lead-source column).
        tags: keep the description's "Tags:" line (layouts with a tags column drop it).
    """
    lines = [
        line for line in entry.description().splitlines() if tags or not line.startswith("Tags: ")
    ]
    if lead_source:
        lines.append(f"{LEAD_SOURCE_LABEL}: {entry.lead_source}")
    return "\n".join(lines + values.lines())


def _opt_out(entry: Entry) -> str:
    """Salesforce/Zoho "Email Opt Out": 1 opts out, 0 opts in, blank says nothing.

    1 for an opt-out or do-not-contact tag, 0 for an opt-in one. A person's "do not
    contact" (``no-followup``, ``do-not-contact``) outranks an opt-in: whoever asked not
    to be followed up gets no e-mail from the CRM either.
    """
    if entry.has_tag("opt-out", "opted-out", *NO_FOLLOWUP_TAGS):
        return "1"
    if entry.has_tag("opt-in", "opted-in", "subscribed", "newsletter"):
        return "0"
    return ""


# Each layout: its header (transcribed from the source named above it) and a function giving a
# row (column → text) for one contact. Columns a CRM's wizard does not know are not written.

#: HubSpot contacts import. Source: HubSpot Knowledge Base, "Set up your import files"
#: (knowledge.hubspot.com/crm-setup/set-up-your-import-file: contacts need First name, Last
#: name or Email; headers are matched to property labels) and the default contact property
#: labels (First Name, Last Name, Email, Phone Number, Mobile Phone Number, Fax Number, Job
#: Title, Company Name, Website URL, Street Address, Lifecycle Stage, Lead Status).
#: "Lifecycle Stage" takes "Lead" (a documented value). HubSpot has no writable default
#: lead-source or notes property ("Original Source" is set by HubSpot): "Lead Source" and
#: "Notes" are offered as new custom properties in the import's mapping step.
HUBSPOT_COLUMNS: tuple[str, ...] = (
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Mobile Phone Number",
    "Fax Number",
    "Job Title",
    "Company Name",
    "Website URL",
    "Street Address",
    "Lifecycle Stage",
    "Lead Source",
    "Notes",
)


def _hubspot(entry: Entry) -> dict[str, str]:
    c, v = entry.contact, _Values(entry)
    given, family = _names(entry)
    row = {
        "First Name": given,
        "Last Name": family,
        "Email": v.take("email"),
        "Phone Number": v.take("phone", ("work", "toll-free")),
        "Mobile Phone Number": v.take("phone", ("mobile",)),
        "Fax Number": v.take("phone", ("fax",)),
        "Job Title": c.title or "",
        "Company Name": c.company or "",
        "Website URL": v.take("website"),
        "Street Address": c.address or "",
        "Lifecycle Stage": "Lead",
        "Lead Source": entry.lead_source,
    }
    row["Notes"] = _note(entry, v, lead_source=False)
    return row


#: Salesforce leads. Source: Salesforce Help, "Field Mapping for Importing Leads" (Data
#: Import Wizard: "Label the columns in your import file to match the Salesforce Lead
#: fields"): First Name, Last Name, Title, Company, Email, Phone, Mobile Phone, Fax, Website,
#: Street, Lead Source, Description, Email Opt Out ("1" opts out, "0" wants e-mails). Last
#: Name and Company are required (Lead object reference): see :data:`UNKNOWN_COMPANY`.
SALESFORCE_COLUMNS: tuple[str, ...] = (
    "First Name",
    "Last Name",
    "Title",
    "Company",
    "Email",
    "Phone",
    "Mobile Phone",
    "Fax",
    "Website",
    "Street",
    "Lead Source",
    "Description",
    "Email Opt Out",
)


def _lead(entry: Entry, mobile: str, second_email: str | None = None) -> dict[str, str]:
    """A lead row in the column names Salesforce and Zoho share (``mobile`` differs)."""
    c, v = entry.contact, _Values(entry)
    given, family = _names(entry)
    row = {
        "First Name": given,
        # Required: a contact known only by e-mail or company still needs a last name.
        "Last Name": family or c.label,
        "Title": c.title or "",
        "Company": c.company or UNKNOWN_COMPANY,
        "Email": v.take("email"),
    }
    if second_email:
        row[second_email] = v.take("email")
    row.update(
        {
            "Phone": v.take("phone", ("work", "toll-free")),
            mobile: v.take("phone", ("mobile",)),
            "Fax": v.take("phone", ("fax",)),
            "Website": v.take("website"),
            "Street": c.address or "",
            "Lead Source": entry.lead_source,
            "Email Opt Out": _opt_out(entry),
        }
    )
    row["Description"] = _note(entry, v, lead_source=False)
    return row


def _salesforce(entry: Entry) -> dict[str, str]:
    return _lead(entry, "Mobile Phone")


#: Zoho CRM leads. Source: Zoho CRM Help, "Standard Fields in Leads" (help.zoho.com, Leads
#: module: Last Name and Company mandatory; Title (API name Designation), Email, Secondary
#: Email, Phone, Mobile, Fax, Website, Lead Source, Email Opt Out, Street, Description) and
#: "Import Data" (the first row names the fields; check boxes take 1/0).
ZOHO_COLUMNS: tuple[str, ...] = (
    "First Name",
    "Last Name",
    "Title",
    "Company",
    "Email",
    "Secondary Email",
    "Phone",
    "Mobile",
    "Fax",
    "Website",
    "Street",
    "Lead Source",
    "Description",
    "Email Opt Out",
)


def _zoho(entry: Entry) -> dict[str, str]:
    return _lead(entry, "Mobile", "Secondary Email")


#: Pipedrive people. Source: Pipedrive Knowledge Base, "Import fields" and "Importing:
#: mandatory fields" (a person needs a name; fields are grouped Person / Organization /
#: Note) and the column names of Pipedrive's own people export, which its import maps
#: automatically ("Person - Name", "Person - Email - Work", "Person - Phone - Mobile",
#: "Organization - Name", "Person - Labels", …). A note imported with a person becomes a Note
#: ("Note - Content"); Pipedrive has no importable lead-source field for people, so the lead
#: source is a note line.
PIPEDRIVE_COLUMNS: tuple[str, ...] = (
    "Person - Name",
    "Person - First name",
    "Person - Last name",
    "Person - Job title",
    "Organization - Name",
    "Person - Email - Work",
    "Person - Email - Other",
    "Person - Phone - Work",
    "Person - Phone - Mobile",
    "Person - Phone - Other",
    "Person - Postal address",
    "Person - Labels",
    "Note - Content",
)


def _pipedrive(entry: Entry) -> dict[str, str]:
    c, v = entry.contact, _Values(entry)
    given, family = _names(entry)
    row = {
        "Person - Name": c.name or c.label,
        "Person - First name": given,
        "Person - Last name": family,
        "Person - Job title": c.title or "",
        "Organization - Name": c.company or "",
        "Person - Email - Work": v.take("email"),
        "Person - Email - Other": v.take("email"),
        "Person - Phone - Work": v.take("phone", ("work",)),
        "Person - Phone - Mobile": v.take("phone", ("mobile",)),
        "Person - Phone - Other": v.take("phone", ("other",)),
        "Person - Postal address": c.address or "",
        "Person - Labels": ", ".join(c.tags),
    }
    row["Note - Content"] = _note(entry, v, lead_source=True, tags=False)
    return row


#: Outlook contacts. Source: Microsoft Support, "Create or edit .csv files to import into
#: Outlook" (support.microsoft.com/office/4518d70d-8fe9-46ad-94fa-1494247193c7), its sample
#: CSV's header row. "Title" there is the honorific; the job is "Job Title". Outlook has no
#: lead-source field: it is a line of the notes. Categories are separated by ";".
OUTLOOK_COLUMNS: tuple[str, ...] = (
    "First Name",
    "Middle Name",
    "Last Name",
    "Company",
    "Job Title",
    "Business Street",
    "Business Phone",
    "Business Phone 2",
    "Mobile Phone",
    "Business Fax",
    "Company Main Phone",
    "Other Phone",
    "E-mail Address",
    "E-mail 2 Address",
    "E-mail 3 Address",
    "Web Page",
    "Notes",
    "Categories",
)


def _outlook(entry: Entry) -> dict[str, str]:
    c, v = entry.contact, _Values(entry)
    given, family = _names(entry)
    row = {
        "First Name": given,
        "Middle Name": "",
        "Last Name": family,
        "Company": c.company or "",
        "Job Title": c.title or "",
        "Business Street": c.address or "",
        "Business Phone": v.take("phone", ("work",)),
        "Business Phone 2": v.take("phone", ("work",)),
        "Mobile Phone": v.take("phone", ("mobile",)),
        "Business Fax": v.take("phone", ("fax",)),
        # A toll-free line is the company's, not the person's.
        "Company Main Phone": v.take("phone", ("toll-free",)),
        "Other Phone": v.take("phone", ("other",)),
        "E-mail Address": v.take("email"),
        "E-mail 2 Address": v.take("email"),
        "E-mail 3 Address": v.take("email"),
        "Web Page": v.take("website"),
        "Categories": ";".join(c.tags),
    }
    row["Notes"] = _note(entry, v, lead_source=True, tags=False)
    return row


#: Google Contacts ("Google CSV"). Source: Google Contacts Help, "Import contacts" (a CSV in
#: the layout of a Google CSV export) and the header row of a contacts.google.com export:
#: "First Name, Middle Name, Last Name, …, Organization Name, Organization Title, …, Notes,
#: Labels, E-mail 1 - Label, E-mail 1 - Value, …, Phone 1 - Label, Phone 1 - Value, …,
#: Address 1 - Label, Address 1 - Formatted, …, Website 1 - Label, Website 1 - Value". The
#: numbered columns repeat as often as the fullest contact needs; several labels are joined
#: by " ::: ". Google has no lead-source field: it is a line of the notes.
GOOGLE_COLUMNS: tuple[str, ...] = (
    "First Name",
    "Middle Name",
    "Last Name",
    "Organization Name",
    "Organization Title",
    "Notes",
    "Labels",
)

#: Google's phone labels for cardscan's phone types ("Work Fax" is Google's own).
GOOGLE_PHONE_LABELS = {
    "work": "Work",
    "mobile": "Mobile",
    "fax": "Work Fax",
    "toll-free": "Toll-free",
    "other": "Other",
}


def _google_counts(entries: Sequence[Entry]) -> tuple[int, int, int]:
    def most(*kinds: str) -> int:
        return max(
            (sum(1 for v in e.contact.values if v.kind in kinds) for e in entries), default=0
        )

    return max(most("email"), 1), max(most("phone"), 1), most("website", "social")


def _google_header(entries: Sequence[Entry]) -> list[str]:
    emails, phones, sites = _google_counts(entries)
    header = list(GOOGLE_COLUMNS)
    for n in range(1, emails + 1):
        header += [f"E-mail {n} - Label", f"E-mail {n} - Value"]
    for n in range(1, phones + 1):
        header += [f"Phone {n} - Label", f"Phone {n} - Value"]
    header += ["Address 1 - Label", "Address 1 - Formatted"]
    for n in range(1, sites + 1):
        header += [f"Website {n} - Label", f"Website {n} - Value"]
    return header


def _google(entry: Entry) -> dict[str, str]:
    c, v = entry.contact, _Values(entry)
    given, family = _names(entry)
    row = {
        "First Name": given,
        "Last Name": family,
        "Organization Name": c.company or "",
        "Organization Title": c.title or "",
        "Labels": " ::: ".join(c.tags),
    }
    for n, value in enumerate(v.take_all("email"), start=1):
        row[f"E-mail {n} - Label"], row[f"E-mail {n} - Value"] = "Work", _shown(value)
    for n, value in enumerate(v.take_all("phone"), start=1):
        row[f"Phone {n} - Label"] = GOOGLE_PHONE_LABELS[_phone_type(value)]
        row[f"Phone {n} - Value"] = _shown(value)
    if c.address:
        row["Address 1 - Label"], row["Address 1 - Formatted"] = "Work", c.address
    sites = v.take_all("website") + [s for s in v.take_all("social") if "/" in s.value]
    for n, value in enumerate(sites, start=1):
        row[f"Website {n} - Label"] = "Profile" if value.kind == "social" else "Work"
        row[f"Website {n} - Value"] = "https://" + (value.display or value.value).split("://")[-1]
    row["Notes"] = _note(entry, v, lead_source=True, tags=False)
    return row


#: The flat "everything" CSV, one row per contact. Several values in one cell are joined by
#: "; " (phones as "type: +1 4155550100 x204"); notes and past jobs, which are sentences, one
#: per line.
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "given_name",
    "family_name",
    "title",
    "company",
    "address",
    "emails",
    "phones",
    "websites",
    "social",
    "tags",
    "notes",
    "lead_source",
    "first_met",
    "last_met",
    "events",
    "history",
    "description",
    "source",
    "created_at",
    "seen_at",
)


def _everything(entry: Entry) -> dict[str, str]:
    c = entry.contact

    def joined(kind: str) -> str:
        return "; ".join(_shown(v) for v in c.of_kind(kind))

    def met(m: Meeting | None) -> str:
        if m is None:
            return ""
        return f"{m.on} {m.event.name}" if m.event is not None else m.on

    events = [m.event.name for m in entry.meetings if m.event is not None]
    events += [event.name for event, _ in entry.attendance]
    return {
        "id": str(c.id),
        "name": c.name or "",
        "given_name": c.given_name or "",
        "family_name": c.family_name or "",
        "title": c.title or "",
        "company": c.company or "",
        "address": c.address or "",
        "emails": joined("email"),
        "phones": "; ".join(f"{_phone_type(v)}: {phone_text(v)}" for v in c.of_kind("phone")),
        "websites": joined("website"),
        "social": joined("social"),
        "tags": "; ".join(c.tags),
        "notes": "\n".join(c.notes),
        "lead_source": entry.lead_source,
        "first_met": met(entry.first_met),
        "last_met": met(entry.last_met),
        "events": "; ".join(dict.fromkeys(events)),
        "history": "\n".join(job.describe() for job in c.history),
        "description": entry.description(),
        "source": c.source,
        "created_at": c.created_at,
        "seen_at": c.seen_at,
    }


_LAYOUTS: dict[str, tuple[tuple[str, ...], Callable[[Entry], dict[str, str]], frozenset[str]]] = {
    # format: (header, row function, phone columns)
    "hubspot": (
        HUBSPOT_COLUMNS,
        _hubspot,
        frozenset({"Phone Number", "Mobile Phone Number", "Fax Number"}),
    ),
    "salesforce": (SALESFORCE_COLUMNS, _salesforce, frozenset({"Phone", "Mobile Phone", "Fax"})),
    "zoho": (ZOHO_COLUMNS, _zoho, frozenset({"Phone", "Mobile", "Fax"})),
    "pipedrive": (
        PIPEDRIVE_COLUMNS,
        _pipedrive,
        frozenset(c for c in PIPEDRIVE_COLUMNS if c.startswith("Person - Phone")),
    ),
    "outlook": (
        OUTLOOK_COLUMNS,
        _outlook,
        frozenset(c for c in OUTLOOK_COLUMNS if c.endswith(("Phone", "Phone 2", "Fax"))),
    ),
    "google": (GOOGLE_COLUMNS, _google, frozenset()),
    "csv": (CSV_COLUMNS, _everything, frozenset()),
}


def csv_header(fmt: str, entries: Sequence[Entry] = ()) -> list[str]:
    """The header row ``fmt`` writes (Google's numbered columns depend on ``entries``)."""
    if fmt == "google":
        return _google_header(entries)
    return list(_LAYOUTS[fmt][0])


def export_rows(fmt: str, entries: Sequence[Entry]) -> list[dict[str, str]]:
    """The CSV rows of ``fmt`` for ``entries``, every cell spreadsheet-safe.

    Raises:
        ConfigError: ``fmt`` is not a CSV format.
    """
    if fmt not in _LAYOUTS:
        raise ConfigError(
            f"{fmt!r} is not a CSV export format", "use one of: " + ", ".join(sorted(_LAYOUTS))
        )
    _, make, phones = _LAYOUTS[fmt]
    header = csv_header(fmt, entries)
    rows = []
    for entry in entries:
        raw = make(entry)
        rows.append(
            {
                col: (
                    safe_phone_cell(raw.get(col, ""))
                    if col in phones or (fmt == "google" and col.endswith(" - Value"))
                    else safe_cell(raw.get(col, ""))
                )
                for col in header
            }
        )
    return rows


def entry_record(entry: Entry) -> dict[str, object]:
    """Everything known of a contact as JSON-ready data (one line of the ``jsonl`` export)."""
    c = entry.contact
    record: dict[str, object] = dataclasses.asdict(c)
    record["lead_source"] = entry.lead_source
    record["description"] = entry.description()
    record["meetings"] = [dataclasses.asdict(m) for m in entry.meetings]
    record["attendance"] = [
        {"event": dataclasses.asdict(event), **dataclasses.asdict(att)}
        for event, att in entry.attendance
    ]
    record["cards"] = [dataclasses.asdict(card) for card in entry.cards]
    record["reviews"] = [dataclasses.asdict(r) for r in entry.reviews]
    return record


def _cleaned(data: object) -> object:
    """JSON-ready data with every string passed through :func:`clean_text` (line breaks kept)."""
    if isinstance(data, str):
        return clean_text(data, multiline=True)
    if isinstance(data, dict):
        return {k: _cleaned(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_cleaned(v) for v in data]
    return data


def vcard_entry(entry: Entry) -> VCardEntry:
    """The :class:`cardscan.vcard.VCardEntry` :func:`export_entries` writes for a contact."""
    from cardscan.vcard import VCardEntry

    c = entry.contact
    v = _Values(entry)
    # The vCard has a property for every value: only the description and lead source are notes.
    v.left = []
    return VCardEntry(
        contact=_vcard_contact(c.to_contact(), c.of_kind("phone")),
        note=_note(entry, v, lead_source=True, tags=False) or None,
        categories=tuple(c.tags),
        uid=f"urn:uuid:{_uuid(c.id, c.created_at)}",
    )


def _vcard_contact(contact: Contact, phones: Sequence[StoredValue]) -> Contact:
    """``contact`` with its phones rebuilt from the store, each type one of :class:`PhoneType`."""
    fixed = tuple(
        Field(
            Phone(
                raw=phone_text(v),
                e164=v.value if v.value.startswith("+") else None,
                type=PhoneType(_phone_type(v)),
                valid=v.value.startswith("+"),
                extension=v.ext,
            ),
            v.confidence if v.confidence is not None else 1.0,
            v.source,
        )
        for v in phones
    )
    return dataclasses.replace(contact, phones=fixed)


def _uuid(contact_id: int, created_at: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cardscan:contact:{contact_id}:{created_at}"))


def truth_rows(entries: Sequence[Entry]) -> list[dict[str, object]]:
    """Checked contacts as the benchmark's truth lines (``scripts/bench.py --truth``).

    One line per photo a person checked: the photo's absolute path as ``file`` and the
    contact's values as they stand after the person's corrections. A photo holding several
    cards is left out (the truth format has one card per photo), and so are contacts not
    accepted as checked: their values are still the reader's own guesses.
    """
    rows: list[dict[str, object]] = []
    for entry in entries:
        if not entry.checked:
            continue
        c = entry.contact
        phones = c.of_kind("phone")
        for card in entry.cards:
            if card.card != 0 or card.record.get("back"):
                continue
            rows.append(
                {
                    "file": card.path,
                    "name": c.name,
                    "title": c.title,
                    "company": c.company,
                    "emails": [v.value for v in c.of_kind("email")],
                    "phones": [v.value for v in phones if v.value.startswith("+")],
                    "phone_types": [v.type for v in phones if v.value.startswith("+")],
                    "websites": [value_host(v.value) for v in c.of_kind("website")],
                    "address": c.address,
                    "notes": f"checked in cardscan (contact {c.id})",
                }
            )
    return rows


def value_host(website: str) -> str:
    """A website as the truth format writes it: lower case, no scheme, no ``www.``, no path."""
    host = website.lower().split("://", 1)[-1].removeprefix("www.")
    return host.split("/", 1)[0]


def export_entries(
    entries: Sequence[Entry],
    fmt: str,
    out: BinaryIO,
    *,
    bom: bool = False,
    vcard_version: str = "4.0",
) -> int:
    """Write ``entries`` to ``out`` in ``fmt`` (one of :data:`EXPORT_FORMATS`); return the count.

    CSV formats are UTF-8 with CRLF row ends (RFC 4180, what Excel expects), quoted where a
    value holds a comma, quote or line break, every cell spreadsheet-safe. ``vcard`` is one
    vCard per contact (CRLF, long lines folded); ``jsonl`` one JSON object per line (LF).

    Args:
        entries: the contacts (:func:`cardscan.book.entries.select_entries`).
        fmt: the format.
        out: a binary stream; the caller writes it to a temporary file and renames it.
        bom: start a CSV with the UTF-8 byte-order mark, which Excel on Windows needs to
            read UTF-8 accents and CJK right. Refused for vcard and jsonl, whose readers
            take a BOM for part of the first line.
        vcard_version: "4.0" or "3.0" (for ``vcard``).

    Raises:
        ConfigError: an unknown format or vCard version, or ``bom`` for a non-CSV format.
    """
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(
            f"unknown export format {fmt!r}", "use one of: " + ", ".join(EXPORT_FORMATS)
        )
    if bom and fmt not in CSV_FORMATS:
        raise ConfigError(
            f"--bom applies to CSV exports, not {fmt}",
            "leave --bom out: vCard and JSON Lines readers expect no byte-order mark",
        )
    if fmt == "vcard":
        from cardscan.vcard import VCARD_VERSIONS, write_vcards

        if vcard_version not in VCARD_VERSIONS:
            raise ConfigError(
                f"vCard version {vcard_version!r} is not supported",
                "use --vcard-version 4.0 (current address books) or 3.0 (older clients)",
            )
        text = write_vcards([vcard_entry(e) for e in entries], vcard_version)
        out.write(text.encode("utf-8"))
        return len(entries)
    if fmt == "truth":
        rows = truth_rows(entries)
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        return len(rows)
    if fmt == "jsonl":
        for entry in entries:
            record = _cleaned(entry_record(entry))
            line = json.dumps(record, ensure_ascii=False, sort_keys=True)
            out.write(line.encode("utf-8") + b"\n")
        return len(entries)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer,
        fieldnames=csv_header(fmt, entries),
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    writer.writeheader()
    writer.writerows(export_rows(fmt, entries))
    out.write((_BOM if bom else b"") + buffer.getvalue().encode("utf-8"))
    return len(entries)
