"""A person's corrections: what ``cardscan edit`` and the review app turn into store changes.

Typed values are checked here (through :mod:`cardscan.reading.validate`) before anything is
written, so a bad e-mail or phone gets a message that says why, and the store receives
only clean :class:`~cardscan.book.store.Change` records; :meth:`Store.correct` applies
them as one audited, undoable edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cardscan.book.ingest import Ingester, keys_of
from cardscan.book.match import Decision, decide
from cardscan.book.store import (
    VALUE_KINDS,
    Change,
    Store,
    StoredCard,
    StoredContact,
    now_iso,
    value_key,
)
from cardscan.errors import ConfigError
from cardscan.models import Contact, PhoneType
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
    websites: list[tuple[str, str]] = field(default_factory=list)
    add_websites: list[str] = field(default_factory=list)
    #: values (e-mails, phones, websites, handles) to take off
    remove: list[str] = field(default_factory=list)
    accept: bool = False
    #: Keep typed phone numbers that do not validate as printed (see :func:`clean_phone`).
    as_printed: bool = False

    def empty(self) -> bool:
        """Whether nothing was asked."""
        return not (
            any(v is not None for v in (self.name, self.title, self.company, self.address))
            or self.emails
            or self.add_emails
            or self.phones
            or self.add_phones
            or self.phone_types
            or self.websites
            or self.add_websites
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


def clean_website(text: str) -> str:
    """A website as a person typed it (``example.com``, ``https://www.example.com/team``).

    Checked as the reader's websites are: a host name of letters, digits and hyphens with a
    top-level domain that exists (:func:`cardscan.reading.validate.tld_exists`), an optional
    path; no spaces, no e-mail address. Returned as typed, without spaces around it.

    Raises:
        CorrectionError: it is not a website (the reason is in the message).
    """
    typed = text.strip()

    def bad(why: str) -> CorrectionError:
        return CorrectionError(f"website {typed!r}: {why}", "type the address again")

    if not typed:
        raise bad("it is empty")
    if any(ch.isspace() for ch in typed):
        raise bad("a web address has no spaces")
    if "@" in typed:
        raise bad("that is an e-mail address; add it as an e-mail")
    rest = typed
    for scheme in ("https://", "http://"):
        if rest.lower().startswith(scheme):
            rest = rest[len(scheme) :]
    if "://" in rest:
        raise bad("only http:// and https:// addresses")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rstrip(".").lower()
    if ":" in host:
        host, _colon, port = host.partition(":")
        if not port.isdigit():
            raise bad(f"{port!r} is not a port number")
    labels = host.split(".")
    if len(labels) < 2 or not all(labels):
        raise bad("write the whole domain, e.g. example.com")
    for label in labels:
        try:
            ascii_label = label if label.isascii() else label.encode("idna").decode("ascii")
        except UnicodeError:
            raise bad(f"{label!r} is not a valid part of a domain") from None
        if len(ascii_label) > 63 or ascii_label.startswith("-") or ascii_label.endswith("-"):
            raise bad(f"{label!r} is not a valid part of a domain")
        if not all(ch.isalnum() or ch == "-" for ch in ascii_label):
            raise bad(f"{label!r} is not a valid part of a domain")
    if not validate.tld_exists(host):
        raise bad(f"the domain ending .{labels[-1]} does not exist")
    return typed


def contact_region(contact: StoredContact) -> str | None:
    """The country a contact's numbers are in (for a number typed without one)."""
    for value in contact.of_kind("phone"):
        if value.value.startswith("+"):
            region = validate.number_region(value.value)
            if region:
                return region
    return None


#: How a refused number can still be kept (the app shows it; ``cardscan edit --as-printed``).
AS_PRINTED_HINT = (
    "if the card prints it so (an old number, since renumbered), keep it as printed: "
    "press Enter again in the app, or add --as-printed to cardscan edit"
)


def printed_number(text: str) -> str | None:
    """The E.164 form of a number typed with +country code that has a possible length.

    For a number the card prints but the numbering plan no longer knows (a range since
    renumbered): the reader keeps such numbers in E.164 form, flagged, and so may a person.
    """
    typed = text.strip()
    digits = "".join(ch for ch in typed if ch.isdigit())
    if not typed.startswith("+") or not digits:
        return None
    e164 = "+" + digits
    return e164 if validate.is_possible(e164) else None


def clean_phone(
    text: str, region: str | None, *, as_printed: bool = False
) -> tuple[str, str, str | None, str]:
    """A typed phone number as (E.164 key, display, extension, type guess).

    ``as_printed``: a number that does not validate is kept all the same when it is
    written with +country code and has a possible length (:func:`printed_number`).

    Raises:
        CorrectionError: it is not a valid number (the hint says when it can be kept as
            printed).
    """
    match, why = validate.typed_phone(text, region)
    if match is None or match.e164 is None:
        kept = printed_number(text)
        if as_printed and kept is not None:
            return kept, text.strip(), None, "work"
        hint = AS_PRINTED_HINT if kept is not None else "type the number again"
        raise CorrectionError(f"phone {text.strip()!r}: {why}", hint)
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
        key, shown, ext, _guess = clean_phone(new, region, as_printed=edit.as_printed)
        typ = edit.phone_types.get(old)
        changes.append(Change("phone", shown, before=before, key=key, ext=ext, type=typ))
    for new in edit.add_phones:
        key, shown, ext, guess = clean_phone(new, region, as_printed=edit.as_printed)
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
    for old, new in edit.websites:
        before = find_value(contact, old, ("website",)).split(":", 1)[1]
        site = clean_website(new)
        changes.append(Change("website", site, before=before, key=value_key("website", site)))
    for new in edit.add_websites:
        site = clean_website(new)
        changes.append(Change("website", site, key=value_key("website", site)))
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


# -- failed photos: typed in by a person, or dismissed -------------------------------------


@dataclass
class Typed:
    """A card a person typed in from its photo (the reader could not read it)."""

    name: str = ""
    company: str = ""
    title: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    #: Keep phone numbers that do not validate as printed (see :func:`clean_phone`).
    as_printed: bool = False


@dataclass(frozen=True)
class TypedIn:
    """What typing a failed photo in made: the contact, its edit's audit id, a review."""

    contact_id: int
    audit_id: int
    #: A pair queued for ``cardscan review`` when the typed person looks like a known one.
    review_id: int | None = None


def typed_problems(typed: Typed, region: str | None) -> dict[str, str]:
    """Each typed field that is not valid → why (empty: all good), checked like an edit."""
    problems: dict[str, str] = {}
    if not any(
        (typed.name.strip(), typed.company.strip(), typed.emails, typed.phones, typed.websites)
    ):
        problems["name"] = "type at least a name, a company or a way to reach them"
    for kind, texts, check in (
        ("email", typed.emails, clean_email),
        ("phone", typed.phones, lambda t: clean_phone(t, region, as_printed=typed.as_printed)),
        ("website", typed.websites, clean_website),
    ):
        for text in texts:
            try:
                check(text)
            except CorrectionError as e:
                problems.setdefault(kind, e.message)
    return problems


def failed_card(store: Store, card_id: int) -> StoredCard:
    """A stored failed photo that has not been typed in yet.

    Raises:
        CorrectionError: no such failed photo (typed in already, read since, or never).
    """
    for found in store.failed_cards():
        if found.id == card_id:
            return found
    raise CorrectionError(
        f"no failed photo {card_id} waiting in the store",
        "it was typed in or read since; `cardscan failed` lists the ones waiting",
    )


def type_in(
    ingester: Ingester, card_id: int, typed: Typed, *, region: str | None = None
) -> TypedIn:
    """Make a contact from what a person typed off a failed photo, checked as theirs.

    Every value is checked first (nothing is written when one is not valid). The contact
    is linked to the photo's card (so it is that card's contact, and a later scan of the
    photo adds nothing), its values are the person's (``user``, full confidence, never
    replaced by a machine), it counts as checked, and it gets the run's event, note and
    tags. When it looks like a known contact, the pair is queued for review, never merged
    by itself. ``cardscan undo`` with the audit id takes the typed values back off.

    Raises:
        CorrectionError: a value is not valid, or there is no such failed photo.
    """
    store = ingester.store
    card = failed_card(store, card_id)
    problems = typed_problems(typed, region)
    if problems:
        raise CorrectionError("; ".join(problems.values()), "type the value again")
    failure = card.record.get("failure") or {}
    asked = Edit(
        name=typed.name.strip() or None,
        title=typed.title.strip() or None,
        company=typed.company.strip() or None,
        add_emails=list(typed.emails),
        add_websites=list(typed.websites),
        accept=True,
    )
    with ingester.transaction():
        created = store.add_contact(Contact(), f"card {card.path} (typed in)")
        changes = changes_for(store, store.contact(created, full=False), asked)
        for text in typed.phones:
            key, shown, ext, guess = clean_phone(text, region, as_printed=typed.as_printed)
            changes.append(Change("phone", shown, key=key, ext=ext, type=guess))
        name = typed.name.strip() or typed.company.strip() or "a contact"
        audit_id = store.correct(
            created,
            changes,
            keys_of,
            accept=True,
            summary=f"typed in {name} from failed photo {Path(card.path).name}",
        )
        store.set_card_contact(card.id, created)
        event_id = failure.get("event_id")
        if isinstance(event_id, int):
            store.link_met(event_id, created, card.id, None)
        if failure.get("note"):
            store.add_note(created, str(failure["note"]), event_id, None)
        if failure.get("tags"):
            store.add_tags(created, [str(t) for t in failure["tags"]])
        review_id = None
        scored = [
            (i, sc)
            for i, sc in ingester.scored(store.contact(created, full=False).to_contact())
            if i != created and decide(sc) is not Decision.NEW
        ]
        if scored:
            matched, score = scored[0]
            review_id = store.queue_review(matched, created, score.score, score.reasons)
    return TypedIn(created, audit_id, review_id)


def dismiss_failed(store: Store, card_id: int) -> None:
    """Set a failed photo aside (who and when are kept); :func:`restore_failed` undoes it.

    Raises:
        CorrectionError: no such failed photo.
    """
    card = failed_card(store, card_id)
    mark = {"who": store.who, "at": now_iso()}
    store.set_card_record(card.id, {**card.record, "dismissed": mark})


def restore_failed(store: Store, card_id: int) -> None:
    """Put a dismissed failed photo back in the queue.

    Raises:
        CorrectionError: no such failed photo.
    """
    card = failed_card(store, card_id)
    record = {k: v for k, v in card.record.items() if k != "dismissed"}
    store.set_card_record(card.id, record)
