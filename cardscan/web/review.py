"""What the app shows: the review queue and one card's fields, from the store's entries.

Pure functions of :class:`~cardscan.book.entries.Entry` records and stored geometry, so
the order of the queue and the reasons a field is flagged are tested without a server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cardscan.book.entries import Entry, failed_photos, select_entries
from cardscan.book.store import Store, StoredValue

#: Single-valued fields, as the card page lists them.
SINGLE = (("name", "Name"), ("title", "Title"), ("company", "Company"), ("address", "Address"))
#: Value kinds a person checks, with their labels.
KINDS = (("email", "E-mail"), ("phone", "Phone"), ("website", "Website"))


@dataclass(frozen=True)
class QueueItem:
    """One thing in the review queue: a contact read from a card, or a failed photo."""

    #: The contact (None for a failed photo).
    contact_id: int | None
    label: str
    company: str
    #: Why it needs a look ("e-mail read at 45%", "no way to reach"); empty: looks fine.
    reasons: tuple[str, ...]
    #: Accepted by a person (a failed photo: dismissed).
    checked: bool
    #: The stored card of a failed photo (None for a contact).
    failed: int | None = None
    #: A failed photo's fix, in words.
    hint: str = ""

    @property
    def key(self) -> str:
        """``c17`` (contact 17) or ``f4`` (failed photo, card 4): unique in a queue."""
        return f"f{self.failed}" if self.failed is not None else f"c{self.contact_id}"

    @property
    def href(self) -> str:
        """The page of this item."""
        return f"/failed/{self.failed}" if self.failed is not None else f"/card/{self.contact_id}"


@dataclass(frozen=True)
class Queue:
    """The queue in the order a person works through it, and how far they are."""

    items: tuple[QueueItem, ...]

    @property
    def checked(self) -> int:
        """How many items a person has accepted (or, a failed photo, dismissed)."""
        return sum(i.checked for i in self.items)

    def after(self, key: str) -> QueueItem | None:
        """The next unchecked item after the one with ``key`` (wrapping round), if any."""
        keys = [i.key for i in self.items]
        start = keys.index(key) + 1 if key in keys else 0
        for item in [*self.items[start:], *self.items[:start]]:
            if not item.checked and item.key != key:
                return item
        return None

    def neighbours(self, key: str) -> tuple[QueueItem | None, QueueItem | None]:
        """The items before and after one in queue order."""
        keys = [i.key for i in self.items]
        if key not in keys:
            return None, None
        at = keys.index(key)
        return (
            self.items[at - 1] if at else None,
            self.items[at + 1] if at + 1 < len(keys) else None,
        )


_NOUNS = {
    "name": "name",
    "title": "title",
    "company": "company",
    "emails": "e-mail",
    "phones": "phone",
    "websites": "website",
    "address": "address",
}


def reasons_for(entry: Entry, threshold: float) -> tuple[str, ...]:
    """Why a contact needs a person's look, most important first (empty: none)."""
    if entry.checked:
        return ()
    c = entry.contact
    out = []
    if not c.name:
        out.append("no name")
    if not c.of_kind("email") and not c.of_kind("phone"):
        out.append("no way to reach")
    if entry.reviews:
        out.append("possible duplicate")
    for name, conf in entry.low_confidence(threshold).items():
        out.append(f"{_NOUNS.get(name, name)} read at {conf:.0%}")
    return tuple(out)


#: Queue order (the issue's): values read below the threshold, no name or no way to reach
#: the person, failed photos, possible duplicates, then the rest; checked ones last.
_LOW, _MISSING, _FAILED, _DUPLICATE, _REST = range(5)


def _rank(item: QueueItem) -> int:
    if item.failed is not None:
        return _FAILED
    ranks = [
        _LOW if " read at " in r else _DUPLICATE if r == "possible duplicate" else _MISSING
        for r in item.reasons
    ]
    return min(ranks, default=_REST)


def failed_items(store: Store, event_id: int | None = None) -> list[QueueItem]:
    """The failed photos waiting for a person (of one event's scans, if given)."""
    return [
        QueueItem(
            None,
            photo.label,
            "",
            (f"failed photo: {photo.error}",),
            photo.dismissed_by is not None,
            failed=photo.card_id,
            hint=photo.hint,
        )
        for photo in failed_photos(store, event_id, dismissed=True)
    ]


def _item(e: Entry, threshold: float) -> QueueItem:
    return QueueItem(
        e.id, e.contact.label, e.contact.company or "", reasons_for(e, threshold), e.checked
    )


def build_queue(store: Store, threshold: float, event: str | None = None) -> Queue:
    """Every contact read from a card and every failed photo (of an event, if given).

    Doubtful ones first, in the order of :data:`_LOW`…; checked ones (and dismissed
    photos) last.
    """
    entries = [e for e in select_entries(store, event=event) if e.cards]
    items = [_item(e, threshold) for e in entries]
    items += failed_items(store, store.event(event).id if event else None)
    items.sort(key=lambda i: (i.checked, _rank(i), i.failed or 0, i.contact_id or 0))
    return Queue(tuple(items))


def with_item(queue: Queue, store: Store, contact_id: int, threshold: float) -> Queue:
    """The queue with one contact's item read again (after an edit), in the same place."""
    found = select_entries(store, ids=[contact_id])
    if not found:
        return Queue(tuple(i for i in queue.items if i.contact_id != contact_id))
    item = _item(found[0], threshold)
    return Queue(tuple(item if i.contact_id == contact_id else i for i in queue.items))


@dataclass(frozen=True)
class FieldView:
    """One value on the card page: what it is, how sure, where it came from, its words."""

    kind: str
    label: str
    value: str
    #: The stored key of a multi-valued value (what an edit names as "before").
    key: str = ""
    confidence: float | None = None
    source: str = ""
    flag: str = ""
    type: str | None = None
    #: Boxes of the words it was read from, in % of the card image: (left, top, w, h).
    boxes: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class CardView:
    """Everything the card page shows of one contact."""

    entry: Entry
    fields: tuple[FieldView, ...]
    card_id: int | None
    reasons: tuple[str, ...]
    geometry: dict[str, Any] | None = None
    photos: tuple[str, ...] = field(default=())


def _boxes(
    geometry: dict[str, Any] | None, key: str
) -> tuple[tuple[float, float, float, float], ...]:
    if not geometry:
        return ()
    try:
        width, height = (float(v) for v in geometry["size"])
        words = geometry["words"]
        ids = geometry.get("fields", {}).get(key, [])
        return tuple(
            (
                round(100 * words[i][2] / width, 2),
                round(100 * words[i][3] / height, 2),
                round(100 * words[i][4] / width, 2),
                round(100 * words[i][5] / height, 2),
            )
            for i in ids
            if 0 <= i < len(words)
        )
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError):
        return ()


def source_text(source: str) -> str:
    """Where a value came from, in words: a card, an import, a person."""
    if source == "user":
        return "typed by a person"
    if source.startswith("card "):
        return "read from the card"
    if source.startswith(("import:", "roster:")):
        return "imported (" + source.split(" ", 1)[0].split(":", 1)[1] + ")"
    if source.startswith("checkin"):
        return "check-in desk"
    return source


def card_view(store: Store, entry: Entry, threshold: float) -> CardView:
    """The card page's content for one contact (its newest card)."""
    c = entry.contact
    card = entry.cards[-1] if entry.cards else None
    geometry = store.card_geometry(card.id) if card else None
    conf = (card.record.get("confidence") or {}) if card else {}
    low = entry.low_confidence(threshold)
    typed = store.typed_fields(c.id)
    fields: list[FieldView] = []
    for name, label in SINGLE:
        value = getattr(c, name) or ""
        by_person = name in typed and typed[name] == (value or None)
        confidence = 1.0 if by_person else conf.get(name) if card else None
        flag = ""
        if name in low:
            flag = f"read at {low[name]:.0%}, below {threshold:.0%}"
        elif name == "name" and not value:
            flag = "no name"
        fields.append(
            FieldView(
                name,
                label,
                value,
                confidence=confidence if isinstance(confidence, (int, float)) else None,
                source="typed by a person" if by_person else source_text(c.source) if value else "",
                flag=flag,
                boxes=_boxes(geometry, name),
            )
        )
    for kind, label in KINDS:
        values: Sequence[StoredValue] = c.of_kind(kind)
        for v in values:
            flag = ""
            if v.source != "user" and v.confidence is not None and v.confidence < threshold:
                flag = f"read at {v.confidence:.0%}, below {threshold:.0%}"
            elif kind == "phone" and not v.value.startswith("+"):
                flag = "not a valid number"
            geo_key = f"{kind}:{v.value}" if kind != "website" else f"website:{v.display}"
            fields.append(
                FieldView(
                    kind,
                    label,
                    v.display,
                    key=v.value,
                    confidence=v.confidence,
                    source=source_text(v.source),
                    flag=flag,
                    type=v.type,
                    boxes=_boxes(geometry, geo_key) or _boxes(geometry, f"{kind}:{v.display}"),
                )
            )
        if (
            not values
            and kind in ("email", "phone")
            and not (c.of_kind("email") or c.of_kind("phone"))
        ):
            fields.append(FieldView(kind, label, "", flag="no way to reach"))
    return CardView(
        entry,
        tuple(fields),
        card.id if card else None,
        reasons_for(entry, threshold),
        geometry,
        tuple(dict.fromkeys(cd.path for cd in entry.cards)),
    )
