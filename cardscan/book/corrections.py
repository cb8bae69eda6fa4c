"""A person's corrections: what ``cardscan edit`` and the review app turn into store changes.

Typed values are checked here (through :mod:`cardscan.reading.validate`) before anything is
written, so a bad e-mail or phone gets a message that says why, and the store receives
only clean :class:`~cardscan.book.store.Change` records; :meth:`Store.correct` applies
them as one audited, undoable edit.
"""

from __future__ import annotations

from collections import Counter
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

    Checked by :func:`cardscan.reading.validate.website_error` (as the reader's websites
    are); returned as typed, without spaces around it.

    Raises:
        CorrectionError: it is not a website (the reason is in the message).
    """
    why = validate.website_error(text)
    if why:
        raise CorrectionError(f"website {text.strip()!r}: {why}", "type the address again")
    return text.strip()


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


@dataclass(frozen=True)
class Region:
    """The country a number typed without +country code is read in, and why that one."""

    code: str | None
    #: Where it came from, in words ("the region the photo was scanned with").
    why: str = ""

    def said(self) -> str:
        """What an error about such a number adds, so the person sees what was assumed."""
        if self.code is None:
            return ""
        return f"read as a number in {self.code}, {self.why}; write +country code for another"


def clean_phone(
    text: str, region: str | Region | None, *, as_printed: bool = False
) -> tuple[str, str, str | None, str]:
    """A typed phone number as (E.164 key, display, extension, type guess).

    A number without +country code is read in ``region`` (a :class:`Region` also says
    why, and the error then names it). ``as_printed``: a number that does not validate
    is kept all the same when it is written with +country code and has a possible
    length (:func:`printed_number`).

    Raises:
        CorrectionError: it is not a valid number (the hint says when it can be kept as
            printed).
    """
    assumed = region if isinstance(region, Region) else Region(region)
    match, why = validate.typed_phone(text, assumed.code)
    if match is None or match.e164 is None:
        kept = printed_number(text)
        if as_printed and kept is not None:
            return kept, text.strip(), None, "work"
        hint = AS_PRINTED_HINT if kept is not None else "type the number again"
        if assumed.said() and not text.strip().startswith("+"):
            why += f" ({assumed.said()})"
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


def changes_for(
    store: Store, contact: StoredContact, edit: Edit, default_region: str | None = None
) -> list[Change]:
    """The store changes an edit asks for, every typed value checked first.

    A phone typed without +country code is read in the country of the contact's other
    numbers, else in ``default_region`` (the user's ``--region``/``CARDSCAN_REGION``).

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
    own = contact_region(contact)
    region = (
        Region(own, "where the contact's other numbers are")
        if own
        else Region(default_region, "your default region (--region or CARDSCAN_REGION)")
    )
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


def apply_edit(
    store: Store, contact_id: int, edit: Edit, default_region: str | None = None
) -> int | None:
    """Check and apply a person's edit to a contact; returns the audit id (None: nothing asked).

    ``default_region``: see :func:`changes_for`.

    Raises:
        CorrectionError: a value is not valid; nothing was changed.
        StoreError: no such contact, or it was merged into another.
    """
    if edit.empty():
        return None
    contact = store.contact(contact_id, full=False)
    changes = changes_for(store, contact, edit, default_region)
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


def typed_problems(typed: Typed, region: str | Region | None) -> dict[str, str]:
    """Each typed field that is not valid → why (empty: all good), checked like an edit.

    ``region``: where a phone typed without +country code is read (see
    :func:`photo_region`).
    """
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


def photo_region(store: Store, card: StoredCard, default: str | None = None) -> Region:
    """Where the numbers typed off a failed photo without +country code are read.

    The region the photo was scanned with (``cardscan scan --region``), when its scan
    had one; else the country most of the photo's event's contacts' numbers are in;
    else ``default`` (the user's ``--region``/``CARDSCAN_REGION``); else none (the
    number must then carry its +country code).
    """
    failure = card.record.get("failure") or {}
    scanned = failure.get("region") or store.card_run_detail(card.id).get("region")
    if isinstance(scanned, str) and validate.is_known_region(scanned.upper()):
        return Region(scanned.upper(), "the region the photo was scanned with")
    event_id = failure.get("event_id")
    if isinstance(event_id, int):
        counts: Counter[str] = Counter()
        for c in store.contacts(store.event_contacts(event_id)):
            for value in c.of_kind("phone"):
                found = validate.number_region(value.value) if value.value[:1] == "+" else None
                if found:
                    counts[found] += 1
        if counts:
            # The most common, ties broken by name: the same answer every time.
            code = min(counts, key=lambda r: (-counts[r], r))
            name = store.event(str(event_id)).name
            return Region(code, f"where most numbers of {name}'s contacts are")
    if default:
        return Region(default.upper(), "your default region (--region or CARDSCAN_REGION)")
    return Region(None)


def type_in(
    ingester: Ingester, card_id: int, typed: Typed, *, default_region: str | None = None
) -> TypedIn:
    """Make a contact from what a person typed off a failed photo, checked as theirs.

    Every value is checked first (nothing is written when one is not valid); a number
    without +country code is read in :func:`photo_region`'s country. The contact is
    linked to the photo's card (so it is that card's contact, and a later scan of the
    photo adds nothing), its values are the person's (``user``, full confidence, never
    replaced by a machine), it counts as checked, and it gets the run's event, note and
    tags. When it looks like a known contact, the pair is queued for review, never merged
    by itself. All of it is one audited change: ``cardscan undo`` with its id takes the
    contact (and its review) out again and the photo waits in the queue as before.

    Raises:
        CorrectionError: a value is not valid, or there is no such failed photo.
    """
    store = ingester.store
    card = failed_card(store, card_id)
    region = photo_region(store, card, default_region)
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
    name = typed.name.strip() or typed.company.strip() or "a contact"
    summary = f"typed in {name} from failed photo {card.id} ({Path(card.path).name})"
    made: list[int] = []
    with (
        ingester.transaction(),
        store.audited("typein", [], summary, cards=[card.id], created=made) as audit_id,
    ):
        created = store.add_contact(Contact(), f"card {card.path} (typed in)")
        made.append(created)
        changes = changes_for(store, store.contact(created, full=False), asked)
        for text in typed.phones:
            key, shown, ext, guess = clean_phone(text, region, as_printed=typed.as_printed)
            changes.append(Change("phone", shown, key=key, ext=ext, type=guess))
        store.apply_corrections(created, changes, keys_of, accept=True)
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
    return TypedIn(created, audit_id[0], review_id)


def dismiss_failed(store: Store, card_id: int) -> int:
    """Set a failed photo aside (who and when are kept); returns the audit id.

    ``cardscan undo`` with that id, or :func:`restore_failed`, brings it back.

    Raises:
        CorrectionError: no such failed photo.
    """
    card = failed_card(store, card_id)
    mark = {"who": store.who, "at": now_iso()}
    summary = f"dismissed failed photo {card.id} ({Path(card.path).name})"
    with store.audited("dismiss", [], summary, cards=[card.id]) as audit_id:
        store.set_card_record(card.id, {**card.record, "dismissed": mark})
    return audit_id[0]


def restore_failed(store: Store, card_id: int) -> int:
    """Put a dismissed failed photo back in the queue; returns the audit id (undoable).

    Raises:
        CorrectionError: no such failed photo.
    """
    card = failed_card(store, card_id)
    if not card.record.get("dismissed"):
        raise CorrectionError(
            f"failed photo {card_id} was not dismissed", "it waits in the review queue"
        )
    record = {k: v for k, v in card.record.items() if k != "dismissed"}
    summary = f"brought failed photo {card.id} ({Path(card.path).name}) back to the queue"
    with store.audited("restore", [], summary, cards=[card.id]) as audit_id:
        store.set_card_record(card.id, record)
    return audit_id[0]
