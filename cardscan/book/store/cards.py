"""The store's cards: each card image read, failed photos, and where a card lies in its photo.

Cards are keyed by their photo's content hash; a failed photo waiting for a person is a
card row without a contact.
"""

from __future__ import annotations

import json
from typing import Any

from cardscan.book.store.contacts import ContactsPart
from cardscan.book.store.records import CardSeen, StoredCard
from cardscan.errors import StoreError


class CardsPart(ContactsPart):
    """Cards, failed photos and card geometry."""

    # -- cards -----------------------------------------------------------------------

    def card_seen(self, sha256: str, card: int) -> CardSeen | None:
        """The stored card for a photo's content hash and card index, if it was read before."""
        row = self._q(
            "SELECT id, sha256, card, path, contact_id FROM cards WHERE sha256 = ? AND card = ?",
            (sha256, card),
        ).fetchone()
        return CardSeen(*row) if row else None

    def add_card(
        self,
        sha256: str,
        card: int,
        path: str,
        contact_id: int | None,
        record: dict[str, Any],
        run_id: int | None = None,
    ) -> int:
        """Record a card image read into a contact; returns the card id."""
        with self.transaction():
            return self._insert(
                "INSERT INTO cards (sha256, card, path, seen_at, run_id, contact_id, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sha256,
                    card,
                    path,
                    self.clock(),
                    run_id,
                    contact_id,
                    json.dumps(record, ensure_ascii=False),
                ),
            )

    def set_card_contact(self, card_id: int, contact_id: int | None) -> None:
        """Record which contact a card was read into."""
        with self.transaction():
            self._q("UPDATE cards SET contact_id = ? WHERE id = ?", (contact_id, card_id))

    def count_cards(self) -> int:
        """How many card images the store has read (failed photos waiting are not counted)."""
        return int(self._one("SELECT count(*) FROM cards WHERE contact_id IS NOT NULL"))

    # -- failed photos (the review queue shows them; cards rows without a contact) ----------

    def record_failed_card(
        self, sha256: str, card: int, path: str, record: dict[str, Any], run_id: int | None
    ) -> int | None:
        """Keep a photo that could not be read as a card without a contact; returns its id.

        Read again and failed again: the row is brought up to date (a dismissal stays).
        None when that card was read into a contact before (nothing to show).
        """
        with self.transaction():
            row = self._q(
                "SELECT id, contact_id, record FROM cards WHERE sha256 = ? AND card = ?",
                (sha256, card),
            ).fetchone()
            if row is None:
                return self.add_card(sha256, card, path, None, record, run_id)
            if row[1] is not None:
                return None
            old = json.loads(row[2] or "{}")
            if isinstance(old, dict) and old.get("dismissed"):
                record = {**record, "dismissed": old["dismissed"]}
            self._q(
                "UPDATE cards SET path = ?, record = ?, run_id = ?, seen_at = ? WHERE id = ?",
                (path, json.dumps(record, ensure_ascii=False), run_id, self.clock(), row[0]),
            )
            return int(row[0])

    def failed_cards(self) -> list[StoredCard]:
        """Photos that could not be read and were not typed in yet, oldest first."""
        out = []
        for row in self._q(
            "SELECT id, path, card, seen_at, record FROM cards WHERE contact_id IS NULL"
            " ORDER BY seen_at, id"
        ):
            try:
                record = json.loads(row[4])
            except ValueError:
                record = {}
            out.append(StoredCard(row[0], row[1], row[2], row[3], record))
        return out

    def drop_failed_cards(self, sha256: str, path: str) -> int:
        """Forget failures of a photo now read (same content, or same file); returns how many."""
        with self.transaction():
            cur = self._q(
                "DELETE FROM cards WHERE contact_id IS NULL AND (sha256 = ? OR path = ?)",
                (sha256, path),
            )
        return cur.rowcount

    def card_contact(self, card_id: int) -> int | None:
        """The live contact a card was read (or typed) into; None: none (a failed photo)."""
        found = self._one("SELECT contact_id FROM cards WHERE id = ?", (card_id,))
        return None if found is None else self.live_id(int(found))

    def set_card_record(self, card_id: int, record: dict[str, Any]) -> None:
        """Replace a card's stored record (a failed photo dismissed, or brought back)."""
        with self.transaction():
            self._q(
                "UPDATE cards SET record = ? WHERE id = ?",
                (json.dumps(record, ensure_ascii=False), card_id),
            )

    def card_run_detail(self, card_id: int) -> dict[str, Any]:
        """What the run that stored a card recorded of itself (its inputs, event, region).

        Empty when the card belongs to no run, or the run recorded nothing readable.
        """
        text = self._one(
            "SELECT r.detail FROM cards c JOIN runs r ON r.id = c.run_id WHERE c.id = ?",
            (card_id,),
        )
        try:
            found = json.loads(text) if text else {}
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    # -- card geometry (the straightened card and its word boxes) -------------------------

    def set_card_geometry(self, card_id: int, geometry: dict[str, Any]) -> None:
        """Keep where a card lies in its photo (corners, rotation, word boxes)."""
        with self.transaction():
            self._q(
                "INSERT INTO card_geometry (card_id, geometry) VALUES (?, ?)"
                " ON CONFLICT (card_id) DO UPDATE SET geometry = excluded.geometry",
                (card_id, json.dumps(geometry, ensure_ascii=False)),
            )

    def card_geometry(self, card_id: int) -> dict[str, Any] | None:
        """A card's stored geometry, or None (cards read before schema 3 have none)."""
        text = self._one("SELECT geometry FROM card_geometry WHERE card_id = ?", (card_id,))
        if text is None:
            return None
        try:
            found = json.loads(text)
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    def card(self, card_id: int) -> StoredCard:
        """One stored card by id.

        Raises:
            StoreError: there is no such card.
        """
        row = self._q(
            "SELECT id, path, card, seen_at, record FROM cards WHERE id = ?", (card_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no card {card_id} in {self.location}")
        try:
            record = json.loads(row[4])
        except ValueError:
            record = {}
        return StoredCard(row[0], row[1], row[2], row[3], record)
