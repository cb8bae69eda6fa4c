"""The address book as the exports, the follow-up plan and the report see it.

:func:`select_entries` reads the store once for a selection of contacts (an event's
people, those seen since a date, a tag) and gives one :class:`Entry` per contact: the
contact with its notes and tags, where and when it was met, its event registrations, the
cards it was read from, and its open duplicate reviews. Writers are pure functions of
entries, so they are tested without a store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cardscan.book.store import (
    Attendance,
    Event,
    Meeting,
    Review,
    Store,
    StoredCard,
    StoredContact,
)
from cardscan.errors import ConfigError

#: Fields a card record carries confidences for, in the order a person checks them.
CHECKED_FIELDS = ("name", "title", "company", "emails", "phones", "websites", "address")


#: The record's name for the field a person's correction of a value kind changes.
_FIELD_OF_KIND = {"email": "emails", "phone": "phones", "website": "websites", "social": "social"}


@dataclass(frozen=True)
class Entry:
    """One contact and everything the plan and the exports say about it."""

    contact: StoredContact
    meetings: tuple[Meeting, ...] = ()
    attendance: tuple[tuple[Event, Attendance], ...] = ()
    cards: tuple[StoredCard, ...] = ()
    reviews: tuple[Review, ...] = ()
    #: A person accepted this contact as checked (``cardscan edit --accept``, the app).
    checked: bool = False
    #: Fields a person set or changed (``name``, ``title``, ``email``, ``phone``…).
    corrected: frozenset[str] = frozenset()

    @property
    def id(self) -> int:
        """The contact's id in the store."""
        return self.contact.id

    @property
    def first_met(self) -> Meeting | None:
        """The first time this person's card was collected, if ever."""
        return self.meetings[0] if self.meetings else None

    @property
    def last_met(self) -> Meeting | None:
        """The latest time this person's card was collected, if ever."""
        return self.meetings[-1] if self.meetings else None

    @property
    def tags(self) -> tuple[str, ...]:
        """The contact's tags, lower-cased for comparisons."""
        return tuple(t.lower() for t in self.contact.tags)

    def has_tag(self, *tags: str) -> bool:
        """Whether the contact carries any of ``tags`` (case-insensitive)."""
        mine = set(self.tags)
        return any(t.lower() in mine for t in tags)

    @property
    def lead_source(self) -> str:
        """Where the contact came from, in the words a CRM's "lead source" field takes."""
        met = self.last_met
        if met is not None and met.event is not None:
            return f"Business card: {met.event.name}"
        if met is not None:
            return "Business card"
        for event, att in self.attendance:
            if att.registered:
                return f"Event registration: {event.name}"
        source = self.contact.source
        return f"Import ({source.split(':', 1)[1]})" if source.startswith("import:") else "cardscan"

    def met_text(self) -> str:
        """``Met at Founders Mixer (Lisbon) on 2026-11-18``, or "" if never met."""
        parts = []
        for m in self.meetings:
            if m.event is not None:
                place = f" ({m.event.place})" if m.event.place else ""
                parts.append(f"Met at {m.event.name}{place} on {m.on}")
            else:
                parts.append(f"Card scanned on {m.on}")
        return "; ".join(dict.fromkeys(parts))

    def description(self) -> str:
        """The text for a CRM's note/description field: where met, notes, tags, past jobs."""
        lines = []
        if met := self.met_text():
            lines.append(met + ".")
        for event, att in self.attendance:
            if att.arrived_at:
                lines.append(f"Checked in at {event.name}.")
            elif att.registered:
                lines.append(f"Registered for {event.name}.")
        lines += list(self.contact.notes)
        if self.contact.tags:
            lines.append("Tags: " + ", ".join(self.contact.tags))
        lines += [job.describe() for job in self.contact.history]
        return "\n".join(lines)

    def low_confidence(self, threshold: float) -> dict[str, float]:
        """Fields read below ``threshold`` on this contact's newest card (field → confidence).

        Values imported from a CRM or confirmed by a person are not re-checked: only what
        OCR read can be doubtful.
        """
        if not self.cards or self.checked:
            return {}
        # What a person typed is sure; the card's confidence no longer says anything of it.
        typed = {_FIELD_OF_KIND.get(f, f) for f in self.corrected}
        conf = self.cards[-1].record.get("confidence") or {}
        current = {
            "name": self.contact.name,
            "title": self.contact.title,
            "company": self.contact.company,
            "address": self.contact.address,
        }
        out = {}
        for name in CHECKED_FIELDS:
            value = conf.get(name)
            if not isinstance(value, (int, float)) or value >= threshold or name in typed:
                continue
            # A field since replaced by a surer source (an import, a person's edit) is fine.
            if name in current and current[name] is None:
                continue
            out[name] = float(value)
        return out


def parse_since(text: str | None) -> str | None:
    """``--since`` as the ISO date the store compares with.

    Raises:
        ConfigError: the text is not a date.
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2026-11-01"
        ) from None


def select_entries(
    store: Store,
    *,
    event: str | None = None,
    since: str | None = None,
    tag: str | None = None,
    ids: Sequence[int] | None = None,
) -> list[Entry]:
    """The live contacts of a selection, each with its meetings, cards and reviews.

    Args:
        store: the contact store.
        event: an event's name or id: only the people registered for, arrived at or met at it.
        since: an ISO date: only contacts first seen or seen again on or after it.
        tag: only contacts with this tag.
        ids: only these contacts (the others still narrow them).

    Raises:
        StoreError: the event does not exist.
    """
    event_id = store.event(event).id if event else None
    chosen = store.contact_ids(event_id=event_id, since=since, tag=tag)
    if ids is not None:
        wanted = set(ids)
        chosen = [c for c in chosen if c in wanted]
    contacts = store.contacts(chosen, full=True)
    meetings = store.meetings(chosen)
    attendance = store.attendance_of(chosen)
    cards = store.cards_of(chosen)
    checked = store.checked(chosen)
    corrected = store.corrected_fields(chosen)
    reviews: dict[int, list[Review]] = {}
    for review in store.reviews("open"):
        for cid in (review.a_id, review.b_id):
            reviews.setdefault(cid, []).append(review)
    return [
        Entry(
            c,
            tuple(meetings.get(c.id, ())),
            tuple(attendance.get(c.id, ())),
            tuple(cards.get(c.id, ())),
            tuple(reviews.get(c.id, ())),
            checked=c.id in checked,
            corrected=frozenset(corrected.get(c.id, ())),
        )
        for c in contacts
    ]


@dataclass(frozen=True)
class CardPlacement:
    """Where a stored card lies in its photo: what a straightened view of it is cut from."""

    path: str
    #: The card's corners in the photo; None where the whole photo was read as the card.
    quad: Sequence[Sequence[float]] | None
    #: Quarter turns that make the card upright.
    rotation: int
    #: False for a card read before the store kept geometry (corners and rotation unknown).
    known: bool


def card_placement(store: Store, card_id: int) -> CardPlacement:
    """The photo, corners and rotation the scan stored for a card (the report, the app)."""
    geometry = store.card_geometry(card_id)
    found = geometry or {}
    return CardPlacement(
        store.card(card_id).path,
        found.get("quad"),
        int(found.get("rotation") or 0),
        known=geometry is not None,
    )


@dataclass(frozen=True)
class FailedPhoto:
    """A photo a scan could not read, waiting for a person (see ``Store.failed_cards``)."""

    card_id: int
    path: str
    #: Which card of the photo (0 for the first or only one).
    card: int
    seen_at: str
    error: str
    #: The fix, as the error's hint gave it ("" when there was none).
    hint: str
    #: Who set it aside, or None while it waits in the review queue.
    dismissed_by: str | None

    @property
    def label(self) -> str:
        """The file's name, with the card's number when the photo held several."""
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        return name + (f" (card {self.card + 1})" if self.card else "")


def failed_photos(
    store: Store, event_id: int | None = None, *, dismissed: bool = False
) -> list[FailedPhoto]:
    """The failed photos of the store (of one event's scans, if given), oldest first.

    Dismissed ones only with ``dismissed=True``.
    """
    out = []
    for card in store.failed_cards():
        failure = card.record.get("failure") or {}
        if event_id is not None and failure.get("event_id") != event_id:
            continue
        who = card.record.get("dismissed")
        if who and not dismissed:
            continue
        out.append(
            FailedPhoto(
                card.id,
                card.path,
                card.card,
                card.seen_at,
                str(failure.get("error") or card.record.get("error") or "could not be read"),
                str(failure.get("hint") or ""),
                str(who.get("who") or "someone") if isinstance(who, dict) else None,
            )
        )
    return out
