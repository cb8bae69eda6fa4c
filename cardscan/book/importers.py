"""Contacts from files people already have: CRM and address-book CSV exports, vCards, rosters.

``read_contacts`` recognises the CSV exports of HubSpot, Salesforce, Google Contacts,
Outlook, Zoho and Pipedrive (and what :mod:`cardscan.outputs.export` writes for each) by
their column headers, takes an explicit column mapping for any other CSV
("Full Name=name,E-mail=email"), and reads vCard 3.0/4.0 files through
:mod:`cardscan.vcard`. ``read_roster`` reads an event's registration list: an Eventbrite
attendee export or a plain CSV of name/email/company.

A broken row never stops an import: it is reported with the line it starts on and the rest
of the file is read. Values are checked like scanned ones (phones to E.164 and e-mail syntax
through :mod:`cardscan.reading.validate`); a value that does not validate is kept out of the contact
and reported as a warning on its line. Every value carries ``Field.source`` "import:<format>".

What :mod:`cardscan.outputs.export` wrote reads back to the same contact: the apostrophe that
neutralised a formula-like cell is taken off again, values a layout had no column for come
back from their note lines ("E-mail: …", "Phone (fax): …"), a "Tags: …" line becomes tags,
and a consent column ("Email Opt Out", "Marketing consent" …) becomes the tag ``opt-in`` or
``opt-out``.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nameparser import HumanName

from cardscan import lexicon
from cardscan.crm import FORMULA_PREFIXES, LEAD_SOURCE_LABEL, UNKNOWN_COMPANY, VALUE_LABELS
from cardscan.errors import CardscanError, ConfigError, ExitCode
from cardscan.models import Contact, Field, Phone, PhoneType
from cardscan.reading.validate import DEFAULT_REGION, find_phones, normalize_email
from cardscan.text import clean_text

#: Confidence of a value typed into a CRM or address book: a person wrote it, but it may be
#: stale or mistyped, so it does not outrank a fresh, clearly read card.
IMPORT_CONFIDENCE = 0.95

#: The fields a column can be mapped to (``--map "Header=field,…"``).
TARGETS: frozenset[str] = frozenset(
    {
        "name",
        "given_name",
        "middle_name",
        "family_name",
        "title",
        "company",
        "department",
        "email",
        "phone",
        "work_phone",
        "mobile",
        "home_phone",
        "fax",
        "website",
        "address",
        "street",
        "city",
        "region",
        "postcode",
        "country",
        "social",
        "note",
        "tags",
        "lead_source",
        "opt_in",
        "opt_out",
        "ticket_type",
        "ignore",
    }
)

# A quoted field may hold line breaks (Google and Outlook notes do); a row spread over more
# lines than this is taken for a stray quote character, reported, and skipped.
_MAX_ROW_LINES = 50


class ImportFileError(CardscanError):
    """A contact or roster file cannot be read at all: missing, empty, or of unknown layout."""

    exit_code = ExitCode.INPUT


@dataclass(frozen=True)
class RowProblem:
    """Something wrong on one line of an imported file (1-based, as an editor shows it)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportedContact:
    """One contact read from a file, with the line it starts on and its notes and tags."""

    contact: Contact
    line: int
    note: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """What one file gave: contacts, and the rows that could not be (fully) used.

    ``format`` is the layout recognised ("hubspot", "salesforce", "google", "outlook",
    "eventbrite", "csv" for a plain or mapped CSV, "vcard"). ``errors`` are rows that were
    not imported; ``warnings`` are rows imported without a value that did not validate;
    ``skipped`` are rows left out on purpose (a refunded Eventbrite ticket).
    """

    path: str
    format: str
    entries: tuple[ImportedContact, ...] = ()
    errors: tuple[RowProblem, ...] = ()
    warnings: tuple[RowProblem, ...] = ()
    skipped: tuple[RowProblem, ...] = ()
    encoding: str = "utf-8"

    @property
    def contacts(self) -> list[Contact]:
        """The contacts, in file order."""
        return [e.contact for e in self.entries]


# --- known layouts ----------------------------------------------------------------------------
# Column names are matched case-insensitively after trimming. Each table says where its
# names come from; only the columns that carry contact details are listed.

#: Google Contacts "Google CSV" export. Current layout (contacts.google.com, 2020 on):
#: "First Name, Middle Name, Last Name, …, Organization Name, Organization Title, Notes,
#: Labels, E-mail 1 - Label, E-mail 1 - Value, Phone 1 - Label, Phone 1 - Value,
#: Address 1 - Formatted, Website 1 - Value"; the older Gmail layout had "Name, Given Name,
#: Family Name, Group Membership, E-mail 1 - Type, Organization 1 - Name/Title". Numbered
#: columns are handled by ``_GOOGLE_NUMBERED``. Several values in one cell are joined by " ::: ".
GOOGLE: dict[str, str] = {
    "name": "name",
    "first name": "given_name",
    "given name": "given_name",
    "middle name": "middle_name",
    "additional name": "middle_name",
    "last name": "family_name",
    "family name": "family_name",
    "organization name": "company",
    "organization title": "title",
    "organization department": "department",
    "organization 1 - name": "company",
    "organization 1 - title": "title",
    "organization 1 - department": "department",
    "notes": "note",
    "labels": "tags",
    "group membership": "tags",
}
_GOOGLE_NUMBERED = re.compile(
    r"^(e-mail|phone|website|address) (\d+) - (value|label|type|formatted)$", re.IGNORECASE
)

#: Outlook "Comma Separated Values" export (Outlook desktop's Import/Export wizard, and
#: Outlook.com's contacts export). "Title" there is the honorific (Mr., Dr.), not the job.
OUTLOOK: dict[str, str] = {
    "first name": "given_name",
    "middle name": "middle_name",
    "last name": "family_name",
    "title": "ignore",
    "suffix": "ignore",
    "company": "company",
    "department": "department",
    "job title": "title",
    "e-mail address": "email",
    "e-mail 2 address": "email",
    "e-mail 3 address": "email",
    "business phone": "work_phone",
    "business phone 2": "work_phone",
    "company main phone": "work_phone",
    "primary phone": "phone",
    "mobile phone": "mobile",
    "car phone": "mobile",
    "home phone": "home_phone",
    "home phone 2": "home_phone",
    "other phone": "phone",
    "business fax": "fax",
    "web page": "website",
    "business street": "street",
    "business city": "city",
    "business state": "region",
    "business postal code": "postcode",
    "business country/region": "country",
    "business country": "country",
    "notes": "note",
    "categories": "tags",
}

#: HubSpot CRM contacts export (Contacts → Export): "Record ID" (older exports: "Contact
#: ID"), "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
#: "Company Name", "Job Title", "Website URL", "Street Address", "City", "State/Region",
#: "Postal Code", "Country/Region", "Contact owner", "Lifecycle Stage", "Create Date".
HUBSPOT: dict[str, str] = {
    "first name": "given_name",
    "last name": "family_name",
    "email": "email",
    "additional email addresses": "email",
    "phone number": "work_phone",
    "mobile phone number": "mobile",
    "fax number": "fax",
    "company name": "company",
    "job title": "title",
    "website url": "website",
    "linkedin url": "social",
    "street address": "street",
    "city": "city",
    "state/region": "region",
    "postal code": "postcode",
    "zip": "postcode",
    "country/region": "country",
    "notes": "note",
    "message": "note",
    "lead source": "lead_source",
}

#: Salesforce contacts, by API name (Data Loader / Data Export: "FirstName", "LastName",
#: "Title", "Email", "Phone", "MobilePhone", "Fax", "Account.Name", "MailingStreet", …,
#: "Description") and by field label (report exports and the Import Wizard's labels:
#: "First Name", "Last Name", "Account Name", "Mobile", "Business Phone", "Mailing Street",
#: "Contact Description"). Lead exports name the employer "Company"; the Data Import Wizard's
#: lead labels ("Field Mapping for Importing Leads": "Mobile Phone", "Street", "State/Province",
#: "Postal Code", "Lead Source", "Email Opt Out") and the Lead API names are here too.
SALESFORCE: dict[str, str] = {
    "name": "name",
    "full name": "name",
    "contact full name": "name",
    "firstname": "given_name",
    "first name": "given_name",
    "lastname": "family_name",
    "last name": "family_name",
    "title": "title",
    "email": "email",
    "phone": "work_phone",
    "business phone": "work_phone",
    "mobilephone": "mobile",
    "mobile": "mobile",
    "homephone": "home_phone",
    "home phone": "home_phone",
    "otherphone": "phone",
    "other phone": "phone",
    "fax": "fax",
    "business fax": "fax",
    "account.name": "company",
    "accountname": "company",
    "account name": "company",
    "company": "company",
    "department": "department",
    "website": "website",
    "mailingstreet": "street",
    "mailing street": "street",
    "mailingcity": "city",
    "mailing city": "city",
    "mailingstate": "region",
    "mailing state/province": "region",
    "mailingpostalcode": "postcode",
    "mailing zip/postal code": "postcode",
    "mailingcountry": "country",
    "mailing country": "country",
    "description": "note",
    "contact description": "note",
    "mobile phone": "mobile",
    "street": "street",
    "city": "city",
    "state": "region",
    "state/province": "region",
    "postalcode": "postcode",
    "postal code": "postcode",
    "zip/postal code": "postcode",
    "country": "country",
    "lead source": "lead_source",
    "leadsource": "lead_source",
    "email opt out": "opt_out",
    "hasoptedoutofemail": "opt_out",
}

#: Zoho CRM leads and contacts: the standard field labels ("Standard Fields in Leads": Last
#: Name, Company, Title (API name and older label "Designation"), Email, Secondary Email,
#: Phone, Mobile, Fax, Website, Lead Source, Street, City, State, Zip Code, Country,
#: Description, Twitter, Email Opt Out).
ZOHO: dict[str, str] = {
    "first name": "given_name",
    "last name": "family_name",
    "full name": "name",
    "title": "title",
    "designation": "title",
    "company": "company",
    "account name": "company",
    "email": "email",
    "secondary email": "email",
    "phone": "work_phone",
    "mobile": "mobile",
    "home phone": "home_phone",
    "other phone": "phone",
    "fax": "fax",
    "website": "website",
    "web site": "website",
    "twitter": "twitter",
    "street": "street",
    "mailing street": "street",
    "city": "city",
    "mailing city": "city",
    "state": "region",
    "mailing state": "region",
    "zip code": "postcode",
    "mailing zip": "postcode",
    "country": "country",
    "mailing country": "country",
    "description": "note",
    "lead source": "lead_source",
    "email opt out": "opt_out",
}

#: Pipedrive people: the column names of its people export ("Person - Name", "Person - Email -
#: Work", "Person - Phone - Mobile", "Person - Organization", "Person - Labels", …), which its
#: import also maps, and the Organization and Note fields of a spreadsheet import.
PIPEDRIVE: dict[str, str] = {
    "person - name": "name",
    "person - first name": "given_name",
    "person - last name": "family_name",
    "person - job title": "title",
    "person - organization": "company",
    "organization - name": "company",
    "person - email": "email",
    "person - email - work": "email",
    "person - email - home": "email",
    "person - email - other": "email",
    "person - phone": "phone",
    "person - phone - work": "work_phone",
    "person - phone - mobile": "mobile",
    "person - phone - home": "home_phone",
    "person - phone - other": "phone",
    "person - postal address": "address",
    "person - labels": "tags",
    "person - label": "tags",
    "person - notes": "note",
    "note - content": "note",
    "person - marketing status": "opt_in",
}

#: Consent and lead-source columns, whatever the layout: a truthy "Email Opt Out" becomes the
#: tag ``opt-out``, a truthy opt-in or consent column the tag ``opt-in`` (the follow-up plan
#: sends group messages only to those).
CONSENT: dict[str, str] = {
    "email opt out": "opt_out",
    "email opt-out": "opt_out",
    "hasoptedoutofemail": "opt_out",
    "unsubscribed": "opt_out",
    "email opt-in": "opt_in",
    "email opt in": "opt_in",
    "email consent": "opt_in",
    "marketing consent": "opt_in",
    "marketing opt-in": "opt_in",
    "marketing status": "opt_in",
    "newsletter": "opt_in",
    "subscribed": "opt_in",
    "consent": "opt_in",
    "lead source": "lead_source",
}
#: Cell values that mean yes in a consent column (Salesforce and Zoho write 1/0 or true/false,
#: Pipedrive's marketing status "Subscribed").
_TRUTHY = frozenset({"1", "true", "yes", "y", "x", "on", "checked", "subscribed", "opted in"})

#: Eventbrite attendee report ("Order #, Order Date, First Name, Last Name, Email,
#: Quantity, Ticket Type, Attendee #, …, Attendee Status", then the order form's optional
#: questions such as "Company", "Job Title", "Cell Phone", "Work Phone", "Website").
EVENTBRITE: dict[str, str] = {
    "first name": "given_name",
    "last name": "family_name",
    "email": "email",
    "company": "company",
    "job title": "title",
    "cell phone": "mobile",
    "work phone": "work_phone",
    "home phone": "home_phone",
    "website": "website",
    # Kept as the tag "ticket:<type>" (VIP, Speaker …): a tag says it was a ticket type.
    "ticket type": "ticket_type",
    "work address 1": "street",
    "work city": "city",
    "work state": "region",
    "work zip": "postcode",
    "work country": "country",
}
#: An Eventbrite ticket type becomes the tag ``ticket:<type>`` ("ticket:VIP").
TICKET_TAG = "ticket:"
_EVENTBRITE_NOT_COMING = ("refunded", "cancelled", "canceled", "transferred", "not attending")

#: Common names for a plain CSV's columns (any spreadsheet of people).
PLAIN: dict[str, str] = {
    "name": "name",
    "full name": "name",
    "fullname": "name",
    "contact name": "name",
    "attendee": "name",
    "attendee name": "name",
    "first name": "given_name",
    "firstname": "given_name",
    "first": "given_name",
    "given name": "given_name",
    "last name": "family_name",
    "lastname": "family_name",
    "last": "family_name",
    "surname": "family_name",
    "family name": "family_name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "mail": "email",
    "phone": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "tel": "phone",
    "work phone": "work_phone",
    "business phone": "work_phone",
    "mobile": "mobile",
    "mobile phone": "mobile",
    "cell": "mobile",
    "cell phone": "mobile",
    "fax": "fax",
    "company": "company",
    "company name": "company",
    "organization": "company",
    "organisation": "company",
    "employer": "company",
    "title": "title",
    "job title": "title",
    "position": "title",
    "role": "title",
    "website": "website",
    "web": "website",
    "url": "website",
    "address": "address",
    "linkedin": "social",
    "note": "note",
    "notes": "note",
    "comment": "note",
    "comments": "note",
    "tags": "tags",
    "tag": "tags",
}


def parse_mapping(spec: str) -> dict[str, str]:
    """A ``--map`` value ("Full Name=name,E-mail=email") as a column → field dict.

    Raises:
        ConfigError: an item without "=", or a field name cardscan does not know.
    """
    out: dict[str, str] = {}
    for item in (x for x in spec.split(",") if x.strip()):
        header, sep, target = item.rpartition("=")
        if not sep or not header.strip():
            raise ConfigError(
                f"--map item {item.strip()!r} is not COLUMN=FIELD",
                'write it as "Full Name=name,E-mail=email"',
            )
        target = target.strip().lower().replace("-", "_")
        if target not in TARGETS:
            raise ConfigError(
                f"--map field {target!r} is not one cardscan knows",
                "use one of: " + ", ".join(sorted(TARGETS)),
            )
        out[header.strip()] = target
    return out


# --- reading the file ---------------------------------------------------------------------------


def _read_text(path: Path, if_empty: str) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (BOM or not), UTF-16, else Windows-1252.

    Windows-1252 is the "ANSI" code page Outlook desktop writes its exports in.

    Raises:
        ImportFileError: the file is missing, unreadable, not text, or empty (hint:
            ``if_empty``).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file", "check the path") from None
    except OSError as e:
        raise ImportFileError(f"{path}: cannot be read ({e.strerror})", "check the path") from e
    if not data.strip():
        raise ImportFileError(f"{path}: the file is empty", if_empty)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        # Text exports never hold NUL bytes; a spreadsheet (.xlsx), an image or an archive does.
        raise ImportFileError(
            f"{path}: not a text file (a CSV export or a vCard was expected)",
            "export the contacts as CSV or vCard; a spreadsheet must be saved as CSV first",
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (Excel in most of Europe) or tab, as the header line shows."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel
    # A header line without quotes cannot show how quotes are escaped, and the sniffer then
    # guesses no doubling; every CRM export and Excel double them (RFC 4180).
    dialect.doublequote = True
    return dialect


def _rows(
    text: str, dialect: type[csv.Dialect] | csv.Dialect
) -> Iterator[tuple[int, list[str] | str]]:
    """(line, fields) per row, or (line, reason) for a row that cannot be split.

    Rows are cut by hand rather than by one ``csv.reader`` over the file, so that a stray
    quote only loses its own row instead of swallowing the rest of the file.
    """
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        start = i
        buf = lines[i]
        i += 1
        while buf.count('"') % 2 and i < len(lines) and i - start < _MAX_ROW_LINES:
            buf += lines[i]
            i += 1
        if not buf.strip():
            continue
        if buf.count('"') % 2:
            yield start + 1, 'a quote (") is opened and never closed'
            i = start + 1
            continue
        try:
            row = next(csv.reader(io.StringIO(buf), dialect, strict=True))
        except (csv.Error, StopIteration) as e:
            if i - start > 1:  # two rows glued by stray quotes: report the first, retry the rest
                i = start + 1
            yield start + 1, f"cannot be split into columns ({e})"
            continue
        yield start + 1, row


def _norm(header: str) -> str:
    return " ".join(header.strip().lower().split())


def detect_format(headers: Sequence[str]) -> str | None:
    """The export a CSV header row comes from, or None for an unknown layout."""
    h = {_norm(x) for x in headers}
    if "order #" in h and ({"attendee status", "ticket type", "attendee #"} & h):
        return "eventbrite"
    if any(_GOOGLE_NUMBERED.match(x) for x in h) and (
        {"organization name", "organization 1 - name", "given name", "labels", "group membership"}
        & h
        or {"first name", "last name"} <= h
    ):
        return "google"
    if "e-mail address" in h and (
        {"business phone", "mobile phone", "job title", "e-mail type"} & h
    ):
        return "outlook"
    if any(x.startswith(("person - ", "organization - ")) for x in h):
        return "pipedrive"
    if {"secondary email", "zip code", "skype id", "designation"} & h and (
        {"last name", "company", "email"} & h
    ):
        return "zoho"
    if (
        {"lead source", "email opt out", "lead status"} & h
        and "company" in h
        and ({"mobile phone", "street", "postal code", "state/province", "description"} & h)
    ):
        return "salesforce"
    if {"firstname", "lastname"} & h or {"accountid", "mobilephone", "mailingstreet"} & h:
        return "salesforce"
    if "account name" in h and ({"first name", "last name", "contact id", "mailing street"} & h):
        return "salesforce"
    if ({"record id", "contact id"} & h and {"email", "first name"} & h) or (
        {"lifecycle stage", "contact owner", "hubspot score"} & h
    ):
        return "hubspot"
    return None


_TABLES: dict[str, Mapping[str, str]] = {
    "google": GOOGLE,
    "outlook": OUTLOOK,
    "hubspot": HUBSPOT,
    "salesforce": SALESFORCE,
    "eventbrite": EVENTBRITE,
    "zoho": ZOHO,
    "pipedrive": PIPEDRIVE,
    "csv": PLAIN,
}


@dataclass
class _Columns:
    """Where each field's values sit in a row: field → column indexes; Google's typed pairs."""

    fields: dict[str, list[int]] = field(default_factory=dict)
    #: (value column, label column or -1, kind) for Google's numbered "X n - Value" columns.
    typed: list[tuple[int, int, str]] = field(default_factory=list)
    status: int = -1


def _columns(
    headers: Sequence[str], table: Mapping[str, str], mapping: Mapping[str, str]
) -> _Columns:
    cols = _Columns()
    explicit = {_norm(k): v for k, v in mapping.items()}
    labels: dict[tuple[str, str], int] = {}
    values: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(headers):
        h = _norm(raw)
        target = explicit.get(h) or table.get(h) or CONSENT.get(h)
        if h == "attendee status":
            cols.status = i
        if target is None and table is GOOGLE and (m := _GOOGLE_NUMBERED.match(h)):
            kind, n, part = m.group(1), m.group(2), m.group(3)
            if part in ("label", "type"):
                labels[(kind, n)] = i
            elif kind != "address" or part == "formatted":
                values[(kind, n)] = i
            continue
        if target and target != "ignore":
            cols.fields.setdefault(target, []).append(i)
    cols.typed = [(i, labels.get(key, -1), key[0]) for key, i in values.items()]
    return cols


def _cell(row: Sequence[str], i: int) -> str:
    # Escape sequences, control characters and bidi overrides never reach the store.
    text = clean_text(row[i], multiline=True).strip() if 0 <= i < len(row) else ""
    # The apostrophe an export put before a formula-like value is not part of it.
    if text.startswith("'") and text[1:2] and text[1] in "".join(FORMULA_PREFIXES):
        return text[1:]
    return text


#: A note line an export wrote for a value it had no column for, or for the tags.
_NOTE_LABELS = "|".join(re.escape(x) for x in [*VALUE_LABELS.values(), "Tags"])
_NOTE_VALUE = re.compile(
    rf"^(?P<label>{_NOTE_LABELS})"
    rf"(?: \((?P<type>{'|'.join(re.escape(t.value) for t in PhoneType)})\))?: (?P<text>\S.*)$"
)
_LABEL_KINDS = {label: kind for kind, label in VALUE_LABELS.items()} | {"Tags": "tags"}


def _social_host(profile: str) -> str | None:
    """The canonical host of a profile URL on a known social network ("linkedin.com")."""
    host = profile.split("/", 1)[0].lower()
    return lexicon.SOCIAL_HOSTS.get(host) if "/" in profile.strip("/") else None


def _phone_type(target: str, label: str = "") -> PhoneType:
    label = label.lower()
    if target == "fax" or "fax" in label:
        return PhoneType.FAX
    if target == "mobile" or any(w in label for w in ("mobile", "cell", "iphone")):
        return PhoneType.MOBILE
    if "toll" in label:
        return PhoneType.TOLL_FREE
    if target == "work_phone" or "work" in label or "business" in label:
        return PhoneType.WORK
    return PhoneType.OTHER


class _RowBuilder:
    """Gathers one row's values into a Contact, noting values that do not validate."""

    def __init__(self, source: str, region: str) -> None:
        self.source = source
        self.region = region
        self.values: dict[str, list[str]] = {}
        self.emails: list[Field[str]] = []
        self.phones: list[Field[Phone]] = []
        self.websites: list[Field[str]] = []
        self.social: list[Field[str]] = []
        self.problems: list[str] = []
        self.absorbed = False

    def field(self, value: str) -> Field[str]:
        return Field(value, IMPORT_CONFIDENCE, self.source, raw=value)

    def add(self, target: str, cell: str, label: str = "") -> None:
        if target not in ("note", "address", "street"):
            cell = cell.replace("\n", " ")  # a name or a number is one line
        # Google joins several values in one cell with " ::: "; other CRMs use ";".
        if " ::: " in cell:
            parts = cell.split(" ::: ")
        elif target == "tags":
            parts = re.split(r"[;,]", cell)
        elif target == "email":
            parts = cell.split(";")
        else:
            parts = [cell]
        parts = [p.strip() for p in parts if p.strip()]
        for part in parts:
            if target == "email":
                self.add_email(part)
            elif target in ("phone", "work_phone", "mobile", "home_phone", "fax"):
                self.add_phone(part, _phone_type(target, label))
            elif target == "website":
                site = re.sub(r"^https?://", "", part).rstrip("/")
                if _social_host(site):
                    self.add_social(site)
                else:
                    self.websites.append(self.field(site))
            elif target == "social":
                self.add_social(part)
            elif target == "twitter":
                self.add_social(part, "x.com")
            else:
                self.values.setdefault(target, []).append(part)

    def add_social(self, text: str, network_host: str | None = None) -> None:
        profile = re.sub(r"^https?://", "", text.strip()).rstrip("/")
        host = _social_host(profile)
        if host:
            profile = host + profile[profile.index("/") :]
        elif network_host and re.fullmatch(r"@?[\w.\-]{1,60}", profile):
            # Zoho's "Twitter" column holds a bare handle.
            profile = f"{network_host}/{profile.removeprefix('@')}"
        if profile and profile not in (f.value for f in self.social):
            self.social.append(self.field(profile))

    def add_email(self, text: str) -> None:
        normal = normalize_email(text)
        if normal is None:
            self.problems.append(f"e-mail {text!r} is not valid; left out")
        elif normal not in (f.value for f in self.emails):
            self.emails.append(Field(normal, IMPORT_CONFIDENCE, self.source, raw=text))

    def add_phone(self, text: str, kind: PhoneType) -> None:
        found = find_phones(text, self.region)
        match = next((m for m in found if m.valid), found[0] if found else None)
        if match is None or not match.valid:
            # Kept as printed: a number without its country code may be right, but it cannot
            # be matched or dialled reliably, so say so.
            where = "" if text.lstrip().startswith("+") else f" for region {self.region}"
            self.problems.append(f"phone {text!r} is not a valid number{where}")
            phone = Phone(text, None, kind, False)
        else:
            if any(f.value.e164 == match.e164 for f in self.phones):
                return
            # As the vCard reader does: a work or unlabelled line that is toll-free is that.
            if kind in (PhoneType.WORK, PhoneType.OTHER) and match.toll_free:
                kind = PhoneType.TOLL_FREE
            phone = Phone(text, match.e164, kind, True, match.extension)
        self.phones.append(Field(phone, IMPORT_CONFIDENCE, self.source, raw=text))

    def one(self, target: str) -> str | None:
        vs = self.values.get(target)
        return " ".join(vs) if vs else None

    def absorb_note(self) -> None:
        """Take the value and "Tags:" lines an export wrote into the note back out of it."""
        if self.absorbed:
            return
        self.absorbed = True
        kept_notes = []
        for note in self.values.pop("note", []):
            kept = []
            for line in note.splitlines():
                m = _NOTE_VALUE.match(line.strip())
                kind = None if m is None else _LABEL_KINDS.get(m.group("label"))
                if m is None or kind is None:
                    kept.append(line)
                elif kind == "tags":
                    tags = (t.strip() for t in m.group("text").split(","))
                    self.values.setdefault("tags", []).extend(t for t in tags if t)
                elif kind == "phone":
                    self.add_phone(m.group("text"), PhoneType(m.group("type") or "other"))
                else:
                    self.add(kind, m.group("text"))
            if text := "\n".join(kept).strip("\n"):
                kept_notes.append(text)
        if kept_notes:
            self.values["note"] = kept_notes

    def contact(self) -> Contact:
        self.absorb_note()
        given, middle, family = (
            self.one("given_name"),
            self.one("middle_name"),
            self.one("family_name"),
        )
        name = self.one("name")
        explicit = bool(given or family)
        if name and not (given or family):
            human = HumanName(name)
            given, family = human.first or None, human.last or None
        if not name and (given or family):
            name = " ".join(x for x in (given, middle, family) if x)
        address = self.one("address") or ", ".join(
            x
            for x in (self.one(k) for k in ("street", "city", "region", "postcode", "country"))
            if x
        )
        title = self.one("title")
        return Contact(
            name=self.field(name) if name else None,
            given_name=given,
            family_name=family,
            title=self.field(title) if title else None,
            company=self.field(c) if (c := self.one("company")) and c != UNKNOWN_COMPANY else None,
            emails=tuple(self.emails),
            phones=tuple(self.phones),
            websites=tuple(self.websites),
            address=self.field(address) if address else None,
            social=tuple(self.social),
            issues=tuple(self.problems),
            name_split_explicit=explicit,
        )

    def note(self) -> str | None:
        self.absorb_note()
        lines = "\n".join(self.values.get("note", [])).splitlines()
        # A lead-source column becomes the same note line an export writes where it has none.
        for source in self.values.get("lead_source", []):
            line = f"{LEAD_SOURCE_LABEL}: {source}"
            if line not in lines:
                lines.append(line)
        return "\n".join(lines) or None

    def tags(self) -> tuple[str, ...]:
        self.absorb_note()
        # Google's system groups ("* myContacts", "* starred") are not the user's tags.
        tags = [t for t in self.values.get("tags", []) if not t.startswith("* ")]
        tags += [f"{TICKET_TAG}{t}" for t in self.values.get("ticket_type", [])]
        if any(v.lower() in _TRUTHY for v in self.values.get("opt_in", [])):
            tags.append("opt-in")
        if any(v.lower() in _TRUTHY for v in self.values.get("opt_out", [])):
            tags.append("opt-out")
        return tuple(dict.fromkeys(tags))


def _import_csv(
    path: Path,
    text: str,
    encoding: str,
    mapping: Mapping[str, str] | None,
    *,
    roster: bool,
    region: str,
) -> ImportResult:
    dialect = _dialect(text)
    rows = _rows(text, dialect)
    header_line, headers = next(((n, r) for n, r in rows if isinstance(r, list)), (0, []))
    if not headers:
        raise ImportFileError(f"{path}: no header row", "the first line must name the columns")
    fmt = detect_format(headers) or "csv"
    if roster and fmt != "eventbrite":
        fmt = "csv"  # a roster is a list of people: read it with the plain column names
    present = {_norm(h) for h in headers}
    absent = [k for k in (mapping or {}) if _norm(k) not in present]
    if absent:
        raise ConfigError(
            f"--map names column(s) {', '.join(map(repr, absent))} that {path.name} does not have",
            f"its columns are: {', '.join(h for h in headers if h.strip())[:300]}",
        )
    cols = _columns(headers, _TABLES[fmt], mapping or {})
    if not (cols.fields.keys() & {"name", "given_name", "family_name", "email"}) and not any(
        kind == "e-mail" for _, _, kind in cols.typed
    ):
        raise ImportFileError(
            f"{path}: no column holds a name or an e-mail address "
            f"(columns: {', '.join(h for h in headers if h.strip())[:200]})",
            'name the columns with --map, e.g. --map "Full Name=name,E-mail=email"',
        )
    source = f"import:{fmt}"
    entries: list[ImportedContact] = []
    errors: list[RowProblem] = []
    warnings: list[RowProblem] = []
    skipped: list[RowProblem] = []
    for line, row in rows:
        if line <= header_line:
            continue
        if isinstance(row, str):
            errors.append(RowProblem(line, row))
            continue
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(headers) and any(c.strip() for c in row[len(headers) :]):
            errors.append(
                RowProblem(
                    line,
                    f"{len(row)} values for {len(headers)} columns "
                    "(an unquoted comma inside a value?)",
                )
            )
            continue
        status = _cell(row, cols.status).lower()
        if fmt == "eventbrite" and status in _EVENTBRITE_NOT_COMING:
            skipped.append(RowProblem(line, f"attendee status {status!r}"))
            continue
        b = _RowBuilder(source, region)
        for target, idxs in cols.fields.items():
            for i in idxs:
                if cell := _cell(row, i):
                    b.add(target, cell)
        for vi, li, kind in cols.typed:
            if cell := _cell(row, vi):
                target = {"e-mail": "email", "phone": "phone", "website": "website"}.get(
                    kind, "address"
                )
                b.add(target, cell, _cell(row, li))
        contact = b.contact()
        if contact.name is None and not contact.emails:
            reason = "no name and no valid e-mail address"
            errors.append(
                RowProblem(line, reason + (f" ({'; '.join(b.problems)})" if b.problems else ""))
            )
            continue
        if roster and not contact.emails and b.problems:
            errors.append(RowProblem(line, "; ".join(b.problems)))
            continue
        warnings.extend(RowProblem(line, p) for p in b.problems)
        entries.append(ImportedContact(contact, line, b.note(), b.tags()))
    return ImportResult(
        str(path), fmt, tuple(entries), tuple(errors), tuple(warnings), tuple(skipped), encoding
    )


def _import_vcard(path: Path, text: str, encoding: str) -> ImportResult:
    # Imported by name, and only for vCard files: vcard.py (which loads vobject) is written
    # alongside this module and may not be there yet.
    try:
        vcard = importlib.import_module("cardscan.vcard")
    except ImportError as e:
        raise ImportFileError(
            f"{path}: this cardscan cannot read vCard files yet ({e})",
            "export the contacts as CSV (Google Contacts or Outlook format) and import that",
        ) from e
    parsed = vcard.read_vcards(text, source="import:vcard")
    entries = tuple(
        ImportedContact(e.contact, e.line, e.note or None, tuple(e.categories))
        for e in parsed.entries
    )
    errors = tuple(RowProblem(err.line, err.message) for err in parsed.errors)
    return ImportResult(str(path), "vcard", entries, errors, encoding=encoding)


def _is_vcard(path: Path, text: str) -> bool:
    return path.suffix.lower() in (".vcf", ".vcard") or text.lstrip()[:11].upper() == "BEGIN:VCARD"


def read_contacts(
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    *,
    region: str | None = None,
) -> ImportResult:
    """Contacts from a CRM/address-book CSV export or a vCard file.

    Args:
        path: the file. ``.vcf``/``.vcard`` (or text starting ``BEGIN:VCARD``) is read as
            vCard; anything else as CSV (comma, semicolon or tab separated).
        mapping: column header → field (see :data:`TARGETS` and :func:`parse_mapping`); it
            overrides the recognised layout's own columns, and is what a CSV of unknown
            layout needs when its headers are not the usual ones.
        region: ISO country for phone numbers written without a country code.

    Returns:
        The contacts with their lines, notes and tags, and the rows that failed.

    Raises:
        ImportFileError: the file is missing, empty, or has no column for names or e-mails.
    """
    p = Path(path)
    text, encoding = _read_text(p, "export the contacts again")
    if _is_vcard(p, text):
        return _import_vcard(p, text, encoding)
    return _import_csv(p, text, encoding, mapping, roster=False, region=region or DEFAULT_REGION)


def read_roster(path: str | Path, *, region: str | None = None) -> ImportResult:
    """An event's registration list: an Eventbrite attendee export or a plain CSV.

    A plain CSV needs a name or e-mail column ("Name", "First Name"/"Last Name", "Email",
    "Company" …, see :data:`PLAIN`). Rows without a name and a usable e-mail address, rows
    with more values than columns and rows with unbalanced quotes are reported by line and
    the rest imported; refunded or cancelled Eventbrite tickets are listed in ``skipped``.

    Raises:
        ImportFileError: the file is missing, empty, or has no column for names or e-mails.
    """
    p = Path(path)
    text, encoding = _read_text(p, "export the attendee list again")
    return _import_csv(p, text, encoding, None, roster=True, region=region or DEFAULT_REGION)
