"""The store's audit log and undo, and a person's corrections (edits, accepted contacts).

Every merge or edit is written to the audit log with the rows it touched before and
after (who made it: ``--user`` or the OS user), so :meth:`AuditPart.undo` can put them
back exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cardscan.book.store.base import canonical, chunks, placeholders, row_order
from cardscan.book.store.events import EventsPart
from cardscan.book.store.records import (
    SINGLE_FIELDS,
    VALUE_KINDS,
    VALUE_NOUNS,
    AuditEntry,
    Change,
    CorrectionRow,
    StoredContact,
    audit_entry_of,
    value_key,
)
from cardscan.book.store.schema import primary_key
from cardscan.errors import StoreError

#: Tables holding a contact's state, and how to select one contact's rows in each.
#: A snapshot of these rows is what an audit entry keeps, and what undo puts back.
CONTACT_SCOPE: tuple[tuple[str, str], ...] = (
    ("contacts", "id IN ({ids})"),
    ("contact_values", "contact_id IN ({ids})"),
    ("match_keys", "contact_id IN ({ids})"),
    ("history", "contact_id IN ({ids})"),
    ("conflicts", "contact_id IN ({ids})"),
    ("attendance", "contact_id IN ({ids})"),
    ("met", "contact_id IN ({ids})"),
    ("notes", "contact_id IN ({ids})"),
    ("tags", "contact_id IN ({ids})"),
    ("reviews", "a_id IN ({ids}) OR b_id IN ({ids})"),
    ("tasks", "contact_id IN ({ids}) OR other_id IN ({ids})"),
    # Schema 3; an audit entry written before it has no rows of these, and undo skips them.
    ("corrections", "contact_id IN ({ids})"),
    ("checked", "contact_id IN ({ids})"),
)

#: Tables holding a stored card's state (a failed photo dismissed, restored or typed in),
#: selected by card id. An audit entry of such a change keeps these rows as well, so undo
#: puts the card back too; entries without them (every other change) leave cards alone.
CARD_SCOPE: tuple[tuple[str, str], ...] = (("cards", "id IN ({ids})"),)


class AuditPart(EventsPart):
    """The audit log, undo, and a person's corrections."""

    @contextmanager
    def audited(
        self,
        action: str,
        ids: Sequence[int],
        summary: str,
        *,
        cards: Sequence[int] = (),
        created: list[int] | None = None,
    ) -> Iterator[list[int]]:
        """Record the changes made inside the block to contacts ``ids`` as one audit entry.

        ``cards``: stored cards the block changes (their rows are kept too, so undo puts
        them back). ``created``: a list the block fills with the contacts it creates;
        they belong to the entry, and undoing it takes them out again.

        Yields a list that receives the audit id once the block has finished.
        """
        out: list[int] = []
        with self.transaction():
            before = self._snapshot(ids, cards)
            yield out
            touched = [*ids, *(created or ())]
            after = self._snapshot(touched, cards)
            out.append(self._audit(action, touched, summary, before, after))

    def _audit(
        self,
        action: str,
        ids: Sequence[int],
        summary: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> int:
        return self._insert(
            "INSERT INTO audit (at, who, action, contacts, summary, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.clock(),
                self.who,
                action,
                json.dumps(list(ids)),
                summary,
                canonical(before),
                canonical(after),
            ),
        )

    def _snapshot(self, ids: Sequence[int], cards: Sequence[int] = ()) -> dict[str, Any]:
        """Every row of every contact-state table that belongs to ``ids``.

        With ``cards``, also those stored cards' rows (:data:`CARD_SCOPE`).
        """
        snap: dict[str, Any] = {}
        scopes = [(CONTACT_SCOPE, ids)] + ([(CARD_SCOPE, cards)] if cards else [])
        for tables, keys in scopes:
            for table, scope in tables:
                # No ids: no rows, but the columns (a contact created in the block).
                where = scope.format(ids=placeholders(len(keys))) if keys else "1 = 0"
                cur = self._q(
                    f"SELECT * FROM {table} WHERE {where}", list(keys) * where.count("IN")
                )
                columns = list(cur.keys())
                rows = [list(r) for r in cur.fetchall()]
                snap[table] = {"columns": columns, "rows": sorted(rows, key=row_order)}
        return snap

    def audit_entries(self, contact_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """The newest audit entries, optionally only those touching one contact."""
        sql = "SELECT id, at, who, action, contacts, summary, undone FROM audit ORDER BY id DESC"
        if contact_id is None:
            rows = self._q(sql + " LIMIT ?", (limit,)).fetchall()
        else:
            rows = self._q(sql).fetchall()
        entries = [audit_entry_of(r) for r in rows]
        if contact_id is not None:
            entries = [e for e in entries if contact_id in e.contacts][:limit]
        return entries

    def audit_entry(self, audit_id: int) -> AuditEntry:
        """One audit entry.

        Raises:
            StoreError: no entry has that id.
        """
        row = self._q(
            "SELECT id, at, who, action, contacts, summary, undone FROM audit WHERE id = ?",
            (audit_id,),
        ).fetchone()
        if row is None:
            raise StoreError(
                f"no merge or edit {audit_id} in {self.location}",
                "the ids are printed when a merge happens and by `cardscan review`",
            )
        return audit_entry_of(row)

    def undo(self, audit_id: int) -> AuditEntry:
        """Put back the rows an audit entry changed, exactly as they were before it.

        Only the change itself is reverted: a note, tag or "met at" link added to the
        contacts since stays. Refused while a later merge of the same contacts stands (it
        decided its fields from what this change left), and when a row the change wrote
        was changed again since (a check-in): undoing would silently drop that later
        change. The message names the later entries to undo first.

        A change of a failed photo (dismissed, restored, typed in) keeps the photo's card
        row too: undoing a type-in takes the contact it made back out (refused when
        something was added to that contact since) and the photo waits again as it was.

        Raises:
            StoreError: no such entry, already undone, or a later change builds on it.
        """
        entry = self.audit_entry(audit_id)
        if entry.undone:
            raise StoreError(
                f"{entry.action} {audit_id} was already undone",
                "nothing to do; `cardscan review` shows the pairs still open",
            )
        with self.transaction():
            before_text, after_text = self._q(
                "SELECT before, after FROM audit WHERE id = ?", (audit_id,)
            ).fetchone()
            before, after = json.loads(before_text), json.loads(after_text)
            plan = [
                (table, self._revert_plan(table, before[table], after[table]))
                for table, _scope in (*CONTACT_SCOPE, *CARD_SCOPE)
                if table in before  # tables added after the entry was written
            ]
            cards = _card_ids(before)
            # A later change of the same photo is found by the card rows it kept (read
            # only for a change of photos: most entries are merges and edits).
            later = [
                (int(r[0]), str(r[1]))
                for r in self._q(
                    "SELECT id, action, contacts"
                    + (", before" if cards else ", NULL")
                    + " FROM audit WHERE id > ? AND undone = 0",
                    (audit_id,),
                )
                if set(json.loads(r[2])) & set(entry.contacts)
                or (cards and cards & _card_ids(json.loads(r[3])))
            ]
            merges = [i for i, action in later if action == "merge"]
            stale = any(stale for _table, (_gone, _made, stale) in plan)
            stale = stale or self._still_used(before, after)
            if merges or stale:
                first = merges or [i for i, _action in later]
                if first:
                    newest = ", ".join(map(str, sorted(first)[::-1]))
                    hint = f"undo the later changes first: {newest}"
                elif cards:
                    hint = (
                        "the photo was scanned again or its contact changed since; "
                        "`cardscan failed` shows the photos waiting"
                    )
                else:
                    hint = (
                        "the contacts were changed since by a roster import; "
                        "decide the pair again with `cardscan review`"
                    )
                what = (
                    f"contacts {', '.join(map(str, entry.contacts))}"
                    if entry.contacts
                    else f"photo {', '.join(map(str, sorted(cards)))}"
                )
                raise StoreError(
                    f"cannot undo {entry.action} {audit_id}: {what} changed after it", hint
                )
            # Rows are taken out and put back with their ids; references between them
            # are checked at commit, when the set is whole again.
            if self.backend == "sqlite":
                self._q("PRAGMA defer_foreign_keys = ON")
            else:
                self._q("SET CONSTRAINTS ALL DEFERRED")
            for table, (_gone, made, _stale) in reversed(plan):
                key = self._primary_key(table, before[table]["columns"])
                self._many(
                    f"DELETE FROM {table} WHERE "
                    + " AND ".join(f"{before[table]['columns'][i]} = ?" for i in key),
                    [[row[i] for i in key] for row in made],
                )
            for table, (gone, _made, _stale) in plan:
                if gone:
                    cols = before[table]["columns"]
                    self._many(
                        f"INSERT INTO {table} ({', '.join(cols)})"
                        f" VALUES ({placeholders(len(cols))})",
                        gone,
                    )
            self._q(
                "UPDATE audit SET undone = 1, undone_at = ?, undone_by = ? WHERE id = ?",
                (self.clock(), self.who, audit_id),
            )
        return self.audit_entry(audit_id)

    def _still_used(self, before: dict[str, Any], after: dict[str, Any]) -> bool:
        """Whether a contact the change created (undo takes it out) gained rows since.

        A note, task or card added to a typed-in contact since would be left pointing at
        nothing; the undo is refused instead.
        """
        columns = before["contacts"]["columns"]
        ident = columns.index("id")
        had = {r[ident] for r in before["contacts"]["rows"]}
        made = sorted({r[ident] for r in after["contacts"]["rows"]} - had)
        if not made:
            return False
        now = self._snapshot(made)
        for table, _scope in CONTACT_SCOPE:
            if table in after:
                left = {canonical(r) for r in after[table]["rows"]}
                if any(canonical(r) not in left for r in now[table]["rows"]):
                    return True
        cards = _card_ids(after)
        for r in self._q(
            f"SELECT id FROM cards WHERE contact_id IN ({placeholders(len(made))})", made
        ):
            if int(r[0]) not in cards:
                return True
        return bool(
            self._one(
                f"SELECT count(*) FROM contacts WHERE merged_into IN ({placeholders(len(made))})",
                made,
            )
        )

    def _revert_plan(
        self, table: str, before: dict[str, Any], after: dict[str, Any]
    ) -> tuple[list[list[Any]], list[list[Any]], bool]:
        """Rows to put back, rows to take out, and whether the change was built on since.

        Built on since: a row the change wrote is no longer as it left it, or a row to
        put back has its key taken by another row.
        """
        old = {canonical(r): r for r in before["rows"]}
        new = {canonical(r): r for r in after["rows"]}
        gone = [r for k, r in old.items() if k not in new]
        made = [r for k, r in new.items() if k not in old]
        columns = before["columns"]
        key = self._primary_key(table, columns)
        where = " AND ".join(f"{columns[i]} = ?" for i in key)

        def current(row: list[Any]) -> str | None:
            found = self._q(
                f"SELECT * FROM {table} WHERE {where}", [row[i] for i in key]
            ).fetchone()
            return None if found is None else canonical(list(found))

        stale = any(current(r) != canonical(r) for r in made)
        taking_out = {tuple(r[i] for i in key) for r in made}
        stale = stale or any(
            tuple(r[i] for i in key) not in taking_out and current(r) is not None for r in gone
        )
        return gone, made, stale

    def _primary_key(self, table: str, columns: Sequence[str]) -> list[int]:
        """Positions in ``columns`` of the table's primary key."""
        return [list(columns).index(name) for name in primary_key(table)]

    def keep_apart(self, review_id: int) -> int:
        """Record that a review's two contacts are different people; returns the audit id.

        Raises:
            StoreError: there is no such review.
        """
        row = self._q("SELECT a_id, b_id FROM reviews WHERE id = ?", (review_id,)).fetchone()
        if row is None:
            raise StoreError(f"no review {review_id} in {self.location}")
        ids = (int(row[0]), int(row[1]))
        summary = f"kept contacts {ids[0]} and {ids[1]} apart (review {review_id})"
        with self.audited("apart", ids, summary) as audit_id:
            self.set_review_status(review_id, "apart")
        return audit_id[0]

    # -- a person's corrections (cardscan edit, the review app) -------------------------
    #
    # What a person typed is the strongest value in the store: it is marked ``user`` (full
    # confidence), and every correction is a row of ``corrections`` (who, when, before,
    # after) inside an audited change, so ``cardscan undo`` reverts it. A merge (a later
    # card, a re-import, a duplicate decided) re-applies the typed fields and gives a
    # value the person replaced or removed back to the merged-away contact.

    def correct(
        self,
        contact_id: int,
        changes: Sequence[Change],
        keys_of: Callable[[StoredContact], Iterable[str]],
        *,
        accept: bool = False,
        summary: str = "",
    ) -> int:
        """Apply a person's changes to a live contact as one audited edit; returns its id.

        ``keys_of`` recomputes the contact's blocking keys (the matcher owns them).
        ``accept`` also marks the contact checked by this person.

        Raises:
            StoreError: no such contact, it was merged into another, or a change names a
                value the contact does not have.
        """
        current = self.contact(contact_id, full=False)
        if current.merged_into is not None:
            raise StoreError(
                f"contact {contact_id} was merged into contact {self.live_id(contact_id)}",
                f"edit contact {self.live_id(contact_id)} instead",
            )
        text = summary or f"edited contact {contact_id} ({current.label})"
        with self.audited("edit", [contact_id], text) as audit_id:
            self.apply_corrections(contact_id, changes, keys_of, accept=accept)
        return audit_id[0]

    def apply_corrections(
        self,
        contact_id: int,
        changes: Sequence[Change],
        keys_of: Callable[[StoredContact], Iterable[str]],
        *,
        accept: bool = False,
    ) -> None:
        """:meth:`correct`'s work without an audit entry of its own.

        For a block already audited: a failed photo typed in is one entry with the
        contact it makes.
        """
        for change in changes:
            self._apply_change(contact_id, change)
        if accept:
            self._q(
                "INSERT INTO checked (contact_id, who, at) VALUES (?, ?, ?)"
                " ON CONFLICT (contact_id) DO UPDATE SET who = excluded.who, at = excluded.at",
                (contact_id, self.who, self.clock()),
            )
        if changes:
            self.set_keys(contact_id, keys_of(self.contact(contact_id, full=False)))

    def _apply_change(self, contact_id: int, change: Change) -> None:
        at = self.clock()
        if change.field in SINGLE_FIELDS:
            before = self._one(f"SELECT {change.field} FROM contacts WHERE id = ?", (contact_id,))
            after = change.after.strip() if change.after and change.after.strip() else None
            if before == after:
                return
            self._q(f"UPDATE contacts SET {change.field} = ? WHERE id = ?", (after, contact_id))
            self._note_correction(contact_id, change.field, before, after, at)
            return
        if change.field not in VALUE_KINDS:
            raise ValueError(f"unknown field {change.field!r}")
        kind = change.field
        noun = VALUE_NOUNS[kind]

        def row_of(key: str) -> tuple[Any, ...] | None:
            found: tuple[Any, ...] | None = self._q(
                "SELECT id, type, ext FROM contact_values"
                " WHERE contact_id = ? AND kind = ? AND value = ?",
                (contact_id, kind, key),
            ).fetchone()
            return found

        old = row_of(change.before) if change.before is not None else None
        if change.before is not None and old is None:
            raise StoreError(
                f"contact {contact_id} has no {noun} {change.before}",
                f"`cardscan contacts {contact_id}` shows its values",
            )
        if change.after is None:  # remove
            assert old is not None
            self._q("DELETE FROM contact_values WHERE id = ?", (old[0],))
            self._note_correction(contact_id, kind, change.before, None, at)
            return
        key = change.key or value_key(kind, change.after)
        mine = row_of(key)
        if old is not None and mine is not None and old[0] != mine[0]:
            # Replaced by a value the contact already has: the two become one row.
            self._q("DELETE FROM contact_values WHERE id = ?", (old[0],))
        target = mine or old
        if target is None:
            self._q(
                "INSERT INTO contact_values (contact_id, kind, value, display, type, ext,"
                " confidence, source, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, 1.0, 'user', ?, ?)",
                (
                    contact_id,
                    kind,
                    key,
                    change.after,
                    change.type or ("work" if kind == "phone" else None),
                    change.ext,
                    at,
                    at,
                ),
            )
        else:
            self._q(
                "UPDATE contact_values SET value = ?, display = ?, type = coalesce(?, type),"
                " ext = coalesce(?, ext), confidence = 1.0, source = 'user', last_seen = ?"
                " WHERE id = ?",
                (key, change.after, change.type, change.ext, at, target[0]),
            )
        if change.before != key or change.type is not None:
            self._note_correction(contact_id, kind, change.before, key, at)

    def _note_correction(
        self, contact_id: int, field: str, before: str | None, after: str | None, at: str
    ) -> None:
        self._q(
            "INSERT INTO corrections (contact_id, field, before, after, who, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (contact_id, field, before, after, self.who, at),
        )

    def corrections_of(self, contact_id: int) -> list[CorrectionRow]:
        """Every correction a person made to a contact (or to one merged into it), oldest first."""
        ids = sorted(self._with_merged([contact_id]))
        return [
            CorrectionRow(*r)
            for r in self._q(
                "SELECT id, contact_id, field, before, after, who, at FROM corrections"
                f" WHERE contact_id IN ({placeholders(len(ids))}) ORDER BY id",
                ids,
            )
        ]

    def typed_fields(self, contact_id: int) -> dict[str, str | None]:
        """The single-valued fields a person set on a contact, with what they typed last."""
        out: dict[str, str | None] = {}
        for r in self._q(
            "SELECT field, after FROM corrections WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        ):
            if r[0] in SINGLE_FIELDS:
                out[str(r[0])] = r[1]
        return out

    def _keep_corrections(self, keep: int, other: int) -> None:
        """After a merge: the person's fields win, and values they took out stay out."""
        self._q("UPDATE corrections SET contact_id = ? WHERE contact_id = ?", (keep, other))
        typed = self.typed_fields(keep)
        if typed:
            row = self._q(
                f"SELECT {', '.join(typed)} FROM contacts WHERE id = ?", (keep,)
            ).fetchone()
            for (field, value), now in zip(typed.items(), row, strict=True):
                if now == value:
                    continue
                self._q(f"UPDATE contacts SET {field} = ? WHERE id = ?", (value, keep))
                if now and value and field in ("name", "title", "company", "address"):
                    self._q(
                        "INSERT INTO conflicts (contact_id, field, kept, other, source, at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (keep, field, value, now, "merge (a person's value kept)", self.clock()),
                    )
        # A value the person replaced or removed, brought back by the merged contact, stays
        # with that contact (not lost, not current); one the person typed stays theirs.
        for kind, before in self._q(
            "SELECT DISTINCT field, before FROM corrections WHERE contact_id = ?"
            " AND before IS NOT NULL AND (after IS NULL OR after != before)",
            (keep,),
        ).fetchall():
            if kind in VALUE_KINDS:
                # Unless the merged contact holds that value itself (it then stays as is).
                self._q(
                    "UPDATE contact_values SET contact_id = :other WHERE contact_id = :keep"
                    " AND kind = :kind AND value = :value AND source != 'user'"
                    " AND NOT EXISTS (SELECT 1 FROM contact_values o WHERE o.contact_id = :other"
                    " AND o.kind = :kind AND o.value = :value)",
                    {"other": other, "keep": keep, "kind": kind, "value": before},
                )

    def checked(self, ids: Iterable[int] | None = None) -> dict[int, tuple[str, str]]:
        """Contacts a person accepted as checked → (who, when)."""
        if ids is None:
            rows = self._q("SELECT contact_id, who, at FROM checked").fetchall()
        else:
            rows = []
            for chunk in chunks(sorted(set(ids)), 900):
                rows += self._q(
                    "SELECT contact_id, who, at FROM checked"
                    f" WHERE contact_id IN ({placeholders(len(chunk))})",
                    chunk,
                ).fetchall()
        return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def corrected_fields(self, ids: Iterable[int]) -> dict[int, set[str]]:
        """Each contact's fields a person set or changed (``name``, ``email``…)."""
        out: dict[int, set[str]] = {}
        for chunk in chunks(sorted(set(ids)), 900):
            for cid, field in self._q(
                "SELECT DISTINCT contact_id, field FROM corrections"
                f" WHERE contact_id IN ({placeholders(len(chunk))})",
                chunk,
            ):
                out.setdefault(int(cid), set()).add(str(field))
        return out


def _card_ids(snapshot: dict[str, Any]) -> set[int]:
    """The stored cards an audit snapshot holds rows of (none for most changes)."""
    found = snapshot.get("cards")
    if not found:
        return set()
    ident = found["columns"].index("id")
    return {int(r[ident]) for r in found["rows"]}
