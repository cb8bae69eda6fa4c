"""A person's corrections: what ``cardscan edit`` and the review app turn into store changes.

Typed values are checked here (through :mod:`cardscan.reading.validate`) before anything is
written, so a bad e-mail or phone gets a message that says why, and the store receives
only clean :class:`~cardscan.book.store.Change` records; :meth:`Store.correct` applies
them as one audited, undoable edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cardscan.book.ingest import keys_of
from cardscan.book.store import VALUE_KINDS, Change, Store, StoredContact, value_key
from cardscan.errors import ConfigError
from cardscan.models import PhoneType
from cardscan.reading import parse, validate

#: Phone types a person can choose.
PHONE_TYPES = tuple(t.value for t in PhoneType)


class CorrectionError(ConfigError):
    """A value a person typed is not valid (the message says why and for which field)."""


@dataclass
class Edit:
    """What a person asked to change on one contact, before it is checked."""

    name: str | None = None
    title: str | None = None
    company: str | None = None
    address: str | None = None
    #: (old, new) pairs: the old value as stored or shown, the new one as typed.
    emails: list[tuple[str, str]] = field(default_factory=list)
    add_emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    add_phones: list[str] = field(default_factory=list)
    #: phone (as stored or shown) → type
    phone_types: dict[str, str] = field(default_factory=dict)
    #: values (e-mails, phones, websites, handles) to take off
    remove: list[str] = field(default_factory=list)
    accept: bool = False

    def empty(self) -> bool:
        """Whether nothing was asked."""
        return not (
            any(v is not None for v in (self.name, self.title, self.company, self.address))
            or self.emails
            or self.add_emails
            or self.phones
            or self.add_phones
            or self.phone_types
            or self.remove
            or self.accept
        )


def clean_email(text: str) -> str:
    """An e-mail address as a person typed it, normalised.

    Raises:
        CorrectionError: it is not a valid address (the reason is in the message).
    """
    found = validate.normalize_email(text.strip())
    if found is None:
        why = validate.email_error(text.strip()) or "not valid"
        raise CorrectionError(f"e-mail {text.strip()!r}: {why}", "type the address again")
    return found


def contact_region(contact: StoredContact) -> str | None:
    """The country a contact's numbers are in (for a number typed without one)."""
    for value in contact.of_kind("phone"):
        if value.value.startswith("+"):
            region = validate.number_region(value.value)
            if region:
                return region
    return None


def clean_phone(text: str, region: str | None) -> tuple[str, str, str | None, str]:
    """A typed phone number as (E.164 key, display, extension, type guess).

    Raises:
        CorrectionError: it is not a valid number.
    """
    match, why = validate.typed_phone(text, region)
    if match is None or match.e164 is None:
        raise CorrectionError(f"phone {text.strip()!r}: {why}", "type the number again")
    guess = "mobile" if match.mobile else "toll-free" if match.toll_free else "work"
    return match.e164, text.strip(), match.extension, guess


def find_value(contact: StoredContact, text: str, kinds: Iterable[str] = VALUE_KINDS) -> str:
    """The stored kind:key of a value named as stored or as shown (any case or spacing).

    Raises:
        CorrectionError: the contact has no such value.
    """
    wanted = text.strip()
    for v in contact.values:
        if v.kind not in kinds:
            continue
        if wanted in (v.value, v.display) or value_key(v.kind, wanted) == value_key(
            v.kind, v.value
        ):
            return f"{v.kind}:{v.value}"
    raise CorrectionError(
        f"contact {contact.id} has no value {wanted!r}",
        f"`cardscan contacts {contact.id}` shows its values",
    )


def changes_for(store: Store, contact: StoredContact, edit: Edit) -> list[Change]:
    """The store changes an edit asks for, every typed value checked first.

    Raises:
        CorrectionError: a value is not valid or names a value the contact lacks.
    """
    changes: list[Change] = []
    if edit.name is not None:
        given, family = parse.name_parts(edit.name) if edit.name.strip() else (None, None)
        changes += [
            Change("name", edit.name.strip() or None),
            Change("given_name", given),
            Change("family_name", family),
        ]
    for name in ("title", "company", "address"):
        text = getattr(edit, name)
        if text is not None:
            changes.append(Change(name, text.strip() or None))
    for old, new in edit.emails:
        before = find_value(contact, old, ("email",)).split(":", 1)[1]
        address = clean_email(new)
        changes.append(Change("email", address, before=before, key=address))
    for new in edit.add_emails:
        address = clean_email(new)
        changes.append(Change("email", address, key=address))
    region = contact_region(contact)
    for old, new in edit.phones:
        before = find_value(contact, old, ("phone",)).split(":", 1)[1]
        key, shown, ext, _guess = clean_phone(new, region)
        typ = edit.phone_types.get(old)
        changes.append(Change("phone", shown, before=before, key=key, ext=ext, type=typ))
    for new in edit.add_phones:
        key, shown, ext, guess = clean_phone(new, region)
        typ = edit.phone_types.get(new, guess)
        changes.append(Change("phone", shown, key=key, ext=ext, type=typ))
    replaced = {old for old, _new in edit.phones} | set(edit.add_phones)
    for phone, typ in edit.phone_types.items():
        if typ not in PHONE_TYPES:
            raise CorrectionError(
                f"phone type {typ!r} is not one of {', '.join(PHONE_TYPES)}", None
            )
        if phone in replaced:
            continue
        key = find_value(contact, phone, ("phone",)).split(":", 1)[1]
        shown = next(v.display for v in contact.of_kind("phone") if v.value == key)
        changes.append(Change("phone", shown, before=key, key=key, type=typ))
    for text in edit.remove:
        kind, key = find_value(contact, text).split(":", 1)
        changes.append(Change(kind, None, before=key))
    return changes


def apply_edit(store: Store, contact_id: int, edit: Edit) -> int | None:
    """Check and apply a person's edit to a contact; returns the audit id (None: nothing asked).

    Raises:
        CorrectionError: a value is not valid; nothing was changed.
        StoreError: no such contact, or it was merged into another.
    """
    if edit.empty():
        return None
    contact = store.contact(contact_id, full=False)
    changes = changes_for(store, contact, edit)
    what = [c.field for c in changes if c.field not in ("given_name", "family_name")]
    summary = f"edited contact {contact_id} ({contact.label})"
    if what:
        summary += ": " + ", ".join(dict.fromkeys(what))
    if edit.accept:
        summary += (" and " if what else ": ") + "checked"
    return store.correct(contact_id, changes, keys_of, accept=edit.accept, summary=summary)
