"""Events: rosters in, check-in at the door, counts after.

An event's roster is a list of contacts (deduplicated like any other: a roster line for
someone already known is merged into them). At the door a card photo, a name or an
e-mail finds the registered person and records their arrival time; anyone else is added
as a walk-in. Every arrival is an audited edit, so a wrong check-in can be undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cardscan.book.importers import TICKET_TAG, RowProblem, read_roster
from cardscan.book.ingest import Ingester, Outcome, Tally, import_entries
from cardscan.book.match import Decision, fold
from cardscan.book.store import Event, EventStats, Store
from cardscan.errors import StoreError
from cardscan.models import CardResult, Contact, Field


@dataclass(frozen=True)
class RosterImport:
    """What importing a registration list did."""

    event: Event
    #: People put on the roster by this import (already registered ones not counted).
    registered: int
    already: int
    tally: Tally
    #: Rows not imported, by line number.
    errors: tuple[RowProblem, ...]
    #: Rows left out on purpose (a refunded or cancelled ticket).
    skipped: tuple[RowProblem, ...]
    #: The tags ticket types became ("ticket:VIP"), each once, in file order.
    ticket_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckIn:
    """The result of checking one person in."""

    contact_id: int
    label: str
    #: ``arrived`` (registered, now here), ``already`` (checked in before) or ``walk-in``.
    status: str
    arrived_at: str
    #: The match with the roster was not certain: the pair waits in ``cardscan review``.
    uncertain: bool = False
    outcome: Outcome | None = None


def create_event(
    store: Store, name: str, date: str | None = None, place: str | None = None
) -> Event:
    """Create an event (names are unique, ignoring case).

    Raises:
        StoreError: an event with that name exists, or the name is empty.
    """
    name = name.strip()
    if not name:
        raise StoreError("an event needs a name", "cardscan event create 'Spring mixer' --date …")
    return store.create_event(name, date, place)


def import_roster(
    ingester: Ingester,
    event: Event,
    path: str | Path,
    *,
    region: str | None = None,
    run_id: int | None = None,
) -> RosterImport:
    """Register everyone in a registration list (Eventbrite export or name/email/company CSV).

    Each row becomes a contact (merged with a known one when it matches) and is put on
    the event's roster. Broken rows are reported by line number; the rest are imported.

    Raises:
        ImportFileError: the file cannot be read or has no name or e-mail column.
    """
    result = read_roster(path, region=region)
    store = ingester.store
    tally = Tally()
    registered = already = 0
    source = f"roster:{result.format} {Path(path).name}"
    with ingester.transaction():
        for outcome in import_entries(ingester, result, source, run_id=run_id):
            tally = tally.add(outcome)
            if store.register(event.id, outcome.contact_id, source):
                registered += 1
            else:
                already += 1
    tickets = (t for e in result.entries for t in e.tags if t.startswith(TICKET_TAG))
    return RosterImport(
        event,
        registered,
        already,
        tally,
        result.errors,
        result.skipped,
        tuple(dict.fromkeys(tickets)),
    )


def check_in(
    ingester: Ingester,
    event: Event,
    contact: Contact,
    source: str,
    at: str,
    *,
    card: tuple[CardResult, str] | None = None,
    run_id: int | None = None,
    known: int | None = None,
) -> CheckIn:
    """Check in the person ``contact`` describes: a registered attendee, or a walk-in.

    ``card`` is the card result and its photo's content hash when the person was
    identified by a card photo; the card is stored and linked to the event, and a photo
    checked in before adds nothing new. ``known``: the stored contact the person is
    (picked from the roster at the desk); ``contact`` is then not looked up.
    """
    store = ingester.store
    with ingester.transaction():
        # Read under the write lock: another desk may have just checked this person in.
        attendees = store.attendees(event.id)
        registered = {a.contact_id for a in attendees if a.registered}
        # A walk-in who already came (at this desk or another) is found again like a
        # registered attendee, not added a second time.
        expected = registered | {a.contact_id for a in attendees if a.arrived_at}
        outcome: Outcome | None
        person: int | None = (
            store.live_id(known) if known is not None else _exact_attendee(store, expected, contact)
        )
        uncertain = False
        if card is not None:
            result, sha256 = card
            outcome = ingester.add_card(
                result,
                sha256,
                run_id=run_id,
                prefer=registered,
                # Linked before any merge, so undoing the merge keeps the card's link.
                attach=lambda contact_id, card_id: store.link_met(
                    event.id, contact_id, card_id, run_id
                ),
            )
            if outcome is None:
                raise StoreError(f"{result.source}: the card could not be read: {result.error}")
        elif person is None:
            outcome = ingester.add(contact, source, prefer=registered)
        else:
            outcome = None
        if person is None:
            assert outcome is not None
            person = outcome.contact_id
            if (
                person not in registered
                and outcome.decision is Decision.REVIEW
                and outcome.matched in registered
            ):
                person, uncertain = outcome.matched, True
        assert person is not None
        before = store.attendance(event.id, person)
        stored = store.contact(person, full=False)
        if before is not None and before.arrived_at is not None:
            status = "already"
        else:
            status = "arrived" if person in registered else "walk-in"
            with store.audited("checkin", [person], f"{stored.label} arrived at {event.name}"):
                store.arrive(event.id, person, at, source)
        found = store.attendance(event.id, person)
    assert found is not None and found.arrived_at is not None
    return CheckIn(person, stored.label, status, found.arrived_at, uncertain, outcome)


def _exact_attendee(store: Store, registered: set[int], contact: Contact) -> int | None:
    """An expected attendee (``registered``) with the contact's e-mail, or else its exact name.

    Raises:
        StoreError: two registered people have that name and nothing else tells them apart.
    """
    for email in contact.emails:
        hits = store.find_by_value("email", email.value) & registered
        if len(hits) == 1:
            return hits.pop()
    if contact.name is None or contact.emails or contact.phones:
        return None
    wanted = fold(contact.name.value)
    hits = {c.id for c in store.contacts(registered) if c.name and fold(c.name) == wanted}
    if len(hits) > 1:
        raise StoreError(
            f"{len(hits)} people named {contact.name.value!r} are registered",
            "check in with --email instead",
        )
    return hits.pop() if hits else None


def contact_from(name: str | None, email: str | None) -> Contact:
    """A contact from the ``--name``/``--email`` typed at the door."""
    return Contact(
        name=Field(name.strip(), 1.0, "typed") if name and name.strip() else None,
        emails=(Field(email.strip(), 1.0, "typed"),) if email and email.strip() else (),
    )


def event_stats(store: Store, event: Event) -> EventStats:
    """Registered, arrived, walk-ins, no-shows and cards scanned for an event."""
    return store.event_stats(event.id)
