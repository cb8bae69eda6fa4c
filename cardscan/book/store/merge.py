"""Merging two contacts into one without losing a value (the store's whole class)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cardscan.book.store.audit import AuditPart
from cardscan.book.store.records import StoredContact, same_text
from cardscan.errors import StoreError


class Store(AuditPart):
    """The contact store. Open with :func:`open_store`; use as a context manager to close.

    Methods that change data open a transaction of their own when called outside
    :meth:`transaction`, so each is atomic; callers group several in one
    ``with store.transaction():`` to make them atomic together. The parts live in
    modules of their own: plumbing (``base``), contacts and cards (``contacts``), events,
    reviews and tasks (``events``), audit log, undo and corrections (``audit``), merging
    (here).
    """

    def merge(
        self,
        keep: int,
        other: int,
        keys_of: Callable[[StoredContact], Iterable[str]],
        *,
        same_company: Callable[[str, str], bool] | None = None,
        same_title: Callable[[str, str], bool] | None = None,
        action: str = "merge",
        summary: str = "",
        review_id: int | None = None,
        explicit_split: bool = False,
    ) -> int:
        """Fold contact ``other`` into ``keep`` without losing a value; returns the audit id.

        - Every email/phone/website/handle of ``other`` that ``keep`` lacks is added;
          a value both hold keeps the earliest first-seen and latest last-seen.
        - A changed title or company: the newer contact's job becomes current and the
          older one is kept as history ("was X at Y"); the same for the address. A value
          one side lacks never replaces the other's: a row without a title leaves the
          title alone, a row without a company the job.
        - A different name, another spelling of the same company (a shorter form, an OCR
          misread) or of the same title is recorded as a conflict, never as history;
          ``keep``'s stays.
        - Notes, tags, attendance and "met at" links move to ``keep``.
        - ``other`` stays in the store with ``merged_into = keep``; rows it shares with
          ``keep`` (a value or note both hold) stay with it rather than being deleted, so
          an undo never has to reuse a freed row id.

        ``keys_of`` computes the merged contact's blocking keys, ``same_company`` says
        whether two company names are one employer ("Acme" and "Acme Inc."), and
        ``same_title`` whether two titles (or addresses) are one but for an OCR slip; the
        matcher owns all three. Without them, values must be equal but for case and punctuation.
        ``review_id`` is the review this merge decides; it is closed as part of the merge,
        so undoing the merge reopens it. ``explicit_split``: ``other``'s given and family
        name were given apart by a person or a CRM, and replace ``keep``'s (a machine's
        guess that may have them swapped).

        Raises:
            StoreError: either contact does not exist, is already merged, or they are one.
        """
        if keep == other:
            raise StoreError(f"cannot merge contact {keep} into itself")
        with self.transaction():
            a, b = self.contact(keep, full=False), self.contact(other, full=False)
            for c in (a, b):
                if c.merged_into is not None:
                    raise StoreError(
                        f"contact {c.id} was already merged into contact {c.merged_into}",
                        f"merge into contact {self.live_id(c.id)} instead",
                    )
            ids = (keep, other)
            before = self._snapshot(ids)
            self._fold_fields(a, b, same_company or same_text, same_title or same_text)
            if explicit_split and b.given_name and b.family_name:
                self._q(
                    "UPDATE contacts SET given_name = ?, family_name = ? WHERE id = ?",
                    (b.given_name, b.family_name, keep),
                )
            self._fold_values(keep, other)
            for table in ("history", "conflicts", "met"):
                self._q(f"UPDATE {table} SET contact_id = ? WHERE contact_id = ?", (keep, other))
            self._q(
                "UPDATE notes SET contact_id = ? WHERE contact_id = ? AND text NOT IN"
                " (SELECT text FROM notes WHERE contact_id = ?)",
                (keep, other, keep),
            )
            self._q(
                "INSERT INTO tags (contact_id, tag)"
                " SELECT ?, tag FROM tags WHERE contact_id = ? ON CONFLICT DO NOTHING",
                (keep, other),
            )
            self._q("DELETE FROM tags WHERE contact_id = ?", (other,))
            self._fold_attendance(keep, other)
            self._keep_corrections(keep, other)
            # Follow-up tasks follow the person; an introduction of the two to each other
            # no longer makes sense once they are one.
            self._q("UPDATE tasks SET contact_id = ? WHERE contact_id = ?", (keep, other))
            self._q("UPDATE tasks SET other_id = ? WHERE other_id = ?", (keep, other))
            self._q(
                "UPDATE tasks SET status = 'skipped', done_at = ? WHERE contact_id = ?"
                " AND other_id = ? AND status = 'open'",
                (self.clock(), keep, keep),
            )
            self._q("DELETE FROM match_keys WHERE contact_id = ?", (other,))
            self._q(
                "UPDATE contacts SET merged_into = ?, seen_at = ? WHERE id = ?",
                (keep, b.seen_at, other),
            )
            self._q(
                "UPDATE contacts SET seen_at = CASE WHEN seen_at >= :seen THEN seen_at"
                " ELSE :seen END WHERE id = :id",
                {"seen": b.seen_at, "id": keep},
            )
            self.set_keys(keep, keys_of(self.contact(keep, full=False)))
            if review_id is not None:
                self.set_review_status(review_id, "merged")
            text = summary or f"merged contact {other} ({b.label}) into {keep} ({a.label})"
            return self._audit(action, ids, text, before, self._snapshot(ids))

    def _fold_fields(
        self,
        a: StoredContact,
        b: StoredContact,
        same_company: Callable[[str, str], bool],
        same_title: Callable[[str, str], bool],
    ) -> None:
        """Single-valued fields of ``b`` into ``a``: fill gaps, keep the old as history."""
        b_newer = b.seen_at >= a.seen_at
        newer, older = (b, a) if b_newer else (a, b)
        same = same_text
        updates: dict[str, str | None] = {}
        past_job: tuple[str | None, str | None] | None = None
        if a.company and b.company and not same_company(a.company, b.company):
            # A new employer: the whole newer job is current, the older one is history.
            updates.update(title=newer.title, company=newer.company)
            past_job = (older.title, older.company)
        else:
            company = a.company or b.company
            updates["company"] = company
            if a.title and b.title and not same_title(a.title, b.title):
                updates["title"] = newer.title
                past_job = (older.title, older.company or company)
            else:
                updates["title"] = a.title or b.title
        address = a.address or b.address
        past_address = None
        # An address within an OCR slip of the other is another spelling (a conflict),
        # not a move.
        if a.address and b.address and not same_title(a.address, b.address):
            address, past_address = newer.address, older.address
        if past_job or past_address:
            title, company = past_job or (None, None)
            self._q(
                "INSERT INTO history (contact_id, title, company, address, until, source)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (a.id, title, company, past_address, newer.seen_at, older.source),
            )
        updates["address"] = address
        spellings = [("name", a.name, b.name)]
        if updates.get("company") == a.company:
            spellings.append(("company", a.company, b.company))
        if updates.get("title") == a.title:
            spellings.append(("title", a.title, b.title))
        if address == a.address:
            spellings.append(("address", a.address, b.address))
        for name, mine, theirs in spellings:
            if mine and theirs and not same(mine, theirs):
                self._q(
                    "INSERT INTO conflicts (contact_id, field, kept, other, source, at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (a.id, name, mine, theirs, b.source, self.clock()),
                )
        if not a.name:
            updates.update(name=b.name, given_name=b.given_name, family_name=b.family_name)
        else:
            updates["given_name"] = a.given_name or b.given_name
            updates["family_name"] = a.family_name or b.family_name
        sets = ", ".join(f"{k} = ?" for k in updates)
        self._q(f"UPDATE contacts SET {sets} WHERE id = ?", (*updates.values(), a.id))

    def _fold_values(self, keep: int, other: int) -> None:
        for kind, value, first, last, typ, conf, row_id in self._q(
            "SELECT kind, value, first_seen, last_seen, type, confidence, id"
            " FROM contact_values WHERE contact_id = ?",
            (other,),
        ).fetchall():
            mine = self._q(
                "SELECT id, type FROM contact_values"
                " WHERE contact_id = ? AND kind = ? AND value = ?",
                (keep, kind, value),
            ).fetchone()
            if mine is None:
                self._q("UPDATE contact_values SET contact_id = ? WHERE id = ?", (keep, row_id))
                continue
            # The same value seen twice: keep's row now spans both sightings; other's row
            # stays with the merged-away contact.
            self._q(
                "UPDATE contact_values"
                " SET first_seen = CASE WHEN first_seen <= :first THEN first_seen ELSE :first END,"
                " last_seen = CASE WHEN last_seen >= :last THEN last_seen ELSE :last END,"
                " confidence = CASE WHEN coalesce(confidence, 0) >= :conf"
                " THEN coalesce(confidence, 0) ELSE :conf END,"
                " type = CASE WHEN type IS NULL OR type = 'other' THEN coalesce(:type, type)"
                " ELSE type END WHERE id = :id",
                {
                    "first": first,
                    "last": last,
                    "conf": float(conf) if conf is not None else 0.0,
                    "type": typ,
                    "id": mine[0],
                },
            )

    def _fold_attendance(self, keep: int, other: int) -> None:
        for row in self._q(
            "SELECT event_id, registered, walk_in, registered_at, arrived_at FROM attendance"
            " WHERE contact_id = ?",
            (other,),
        ).fetchall():
            event_id, registered, walk_in, registered_at, arrived_at = row
            mine = self._q(
                "SELECT registered, walk_in, registered_at, arrived_at FROM attendance"
                " WHERE event_id = ? AND contact_id = ?",
                (event_id, keep),
            ).fetchone()
            if mine is None:
                self._q(
                    "UPDATE attendance SET contact_id = ? WHERE event_id = ? AND contact_id = ?",
                    (keep, event_id, other),
                )
                continue
            reg = bool(mine[0] or registered)
            arrivals = [t for t in (mine[3], arrived_at) if t]
            regs = [t for t in (mine[2], registered_at) if t]
            self._q(
                "UPDATE attendance SET registered = ?, walk_in = ?, registered_at = ?,"
                " arrived_at = ? WHERE event_id = ? AND contact_id = ?",
                (
                    int(reg),
                    0 if reg else int(bool(mine[1] or walk_in)),
                    min(regs) if regs else None,
                    min(arrivals) if arrivals else None,
                    event_id,
                    keep,
                ),
            )
            self._q(
                "DELETE FROM attendance WHERE event_id = ? AND contact_id = ?", (event_id, other)
            )
