"""Cross-checks between fields once every field is read: the card spells things twice.

The company name and the web domain, the person's name and the e-mail's local part are
printed separately, so OCR rarely misreads both the same way. Where the two readings
agree exactly they confirm each other (the calibrated confidences already count that);
where one is a typical OCR slip away from the other ("coraicargo.com" beside "Coral
Cargo"), the domain takes the printed words' spelling; where they nearly agree but no
single slip explains it, both values are held under the review threshold, because one of
them is misread and nothing says which.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from cardscan.models import Contact, Field
from cardscan.reading import validate
from cardscan.reading.parse.lines import _letters
from cardscan.reading.parse.text import (
    _domain_labels,
    _legal_suffix,
    _ocr_distance,
    _transliterate,
)
from cardscan.similarity import edit_similarity

#: Confidence a value keeps at most when another reading on the card nearly contradicts it.
DISPUTED = 0.5


def cross_checked(contact: Contact) -> Contact:
    """``contact`` with domains repaired from the company and disputed values flagged."""
    contact = _domain_from_company(contact)
    return _name_against_email(contact)


def _company_spellings(company: str) -> list[str]:
    """The company's words run together as a domain would spell them: each leading run."""
    suffix = _legal_suffix(company)
    core = company[: len(company) - len(suffix)] if suffix else company
    words = [_letters(w) for w in core.split()]
    words = [w for w in words if w]
    return ["".join(words[:k]) for k in range(1, len(words) + 1)]


def _domain_from_company(contact: Contact) -> Contact:
    if contact.company is None:
        return contact
    spellings = [s for s in _company_spellings(contact.company.value) if len(s) >= 5]
    hosts = [e.value.rpartition("@")[2] for e in contact.emails]
    hosts += [w.value.split("/")[0] for w in contact.websites]
    fixes: dict[str, str] = {}
    disputed: set[str] = set()
    for host in hosts:
        for label in _domain_labels([host]):
            flat = label.replace("-", "")
            if len(flat) < 5 or flat in spellings:
                continue
            near = [s for s in spellings if abs(len(s) - len(flat)) <= 1]
            slips = [s for s in near if _ocr_distance(flat, s) <= 0.5]
            if slips and "-" not in label:
                fixes[label] = slips[-1]
            elif any(edit_similarity(flat, s) >= 0.8 for s in near):
                disputed.add(label)
    if not fixes and not disputed:
        return contact

    def fixed(field: Field[str], email: bool) -> Field[str]:
        value = field.value
        host = value.rpartition("@")[2] if email else value.split("/")[0]
        for old, new in fixes.items():
            if re.search(rf"(^|[.@]){re.escape(old)}\.", host + "."):
                repaired = host.replace(old, new, 1)
                value = value.replace(host, repaired, 1)
                if email and validate.normalize_email(value) is None:
                    return field
                conf = min(field.confidence, 0.85)
                return dataclasses.replace(
                    field, value=value, confidence=conf, source="ocr+company"
                )
        if any(label in host.split(".") for label in disputed):
            return dataclasses.replace(field, confidence=min(field.confidence, DISPUTED))
        return field

    issues = list(contact.issues)
    if disputed:
        issues.append("the web domain nearly spells the company: check both")
    return dataclasses.replace(
        contact,
        emails=tuple(fixed(f, True) for f in contact.emails),
        websites=tuple(fixed(f, False) for f in contact.websites),
        issues=tuple(issues),
    )


def _near_pairs(words: Sequence[str], pieces: Sequence[str]) -> bool:
    """True when a name word and a local-part piece nearly agree, neither matched otherwise.

    A word and a piece agree when one holds the other ("tmoreau" for "Moreau", "jdoe" for
    "Doe"); those pairs say nothing against each other. Of the rest, a pair within 0.75
    edit similarity ("moruta", "morika") means one of the two readings slipped.
    """

    def agree(w: str, p: str) -> bool:
        return len(w) >= 3 and len(p) >= 3 and (w in p or p in w)

    open_words = [w for w in words if len(w) >= 4 and not any(agree(w, p) for p in pieces)]
    open_pieces = [p for p in pieces if len(p) >= 4 and not any(agree(w, p) for w in words)]
    return any(edit_similarity(w, p) >= 0.75 for w in open_words for p in open_pieces)


def _name_against_email(contact: Contact) -> Contact:
    if contact.name is None or not contact.emails:
        return contact
    raw = contact.name.value.split()
    # E-mails write umlauts out ("Blücher" as ``bluecher``): both spellings count.
    words = [_letters(w) for w in raw] + [_letters(_transliterate(w)) for w in raw]
    disputed = []
    for email in contact.emails:
        local = email.value.partition("@")[0].lower()
        pieces = [re.sub(r"\d+", "", p) for p in re.split(r"[._\-+]", local) if p]
        if _near_pairs(words, pieces):
            disputed.append(email.value)
    if not disputed:
        return contact
    name = dataclasses.replace(contact.name, confidence=min(contact.name.confidence, DISPUTED))
    emails = tuple(
        dataclasses.replace(e, confidence=min(e.confidence, DISPUTED)) if e.value in disputed else e
        for e in contact.emails
    )
    issues = (*contact.issues, "the name and the e-mail spell the name differently: check both")
    return dataclasses.replace(contact, name=name, emails=emails, issues=issues)
