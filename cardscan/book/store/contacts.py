"""The store's contacts: their values and blocking keys, cards, notes, tags, and reads."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from cardscan.book.store.base import Params, StoreBase, chunks, placeholders
from cardscan.book.store.connect import store_error
from cardscan.book.store.records import (
    Attendance,
    Conflict,
    Event,
    MatchRow,
    Meeting,
    PastJob,
    StoredCard,
    StoredContact,
    StoredValue,
    attendance_of_row,
    value_key,
)
from cardscan.errors import StoreError
from cardscan.models import Contact

#: The columns of a ``contact_values`` row as :func:`_value_rows` gives them.
VALUE_COLUMNS = (
    "contact_id",
    "kind",
    "value",
    "display",
    "type",
    "ext",
    "confidence",
    "source",
    "first_seen",
    "last_seen",
)


class ContactsPart(StoreBase):
    """Contacts, their values and keys, cards and what exports read."""

    # -- contacts --------------------------------------------------------------------

    def add_contact(
        self, contact: Contact, source: str, keys: Iterable[str] = (), seen_at: str | None = None
    ) -> int:
        """Store a new contact with its values and blocking keys; returns its id."""
        at = seen_at or self.clock()
        with self.transaction():
            contact_id = self._insert(
                "INSERT INTO contacts (name, given_name, family_name, title, company, address,"
                " source, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_contact_fields(contact), source, self.clock(), at),
            )
            self._add_values(contact_id, contact, source, at)
            self._file_keys(contact_id, keys)
        return contact_id

    def _add_values(self, contact_id: int, contact: Contact, source: str, at: str) -> None:
        self._insert_rows(
            "contact_values",
            VALUE_COLUMNS,
            _value_rows(contact_id, contact, source, at),
        )

    def set_keys(self, contact_id: int, keys: Iterable[str]) -> None:
        """Replace a contact's blocking keys (what :meth:`candidates` looks up)."""
        with self.transaction():
            self._q("DELETE FROM match_keys WHERE contact_id = ?", (contact_id,))
            self._file_keys(contact_id, keys)

    def _file_keys(self, contact_id: int, keys: Iterable[str]) -> None:
        self._insert_rows(
            "match_keys", ("key", "contact_id"), [(k, contact_id) for k in sorted(set(keys))]
        )

    def _insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Insert rows in one statement (a multi-row ``VALUES``), skipping ones already there.

        One round trip for a contact's keys or values, where ``executemany`` makes one per
        row on SQLite and a pipeline of them on PostgreSQL: the per-card path makes these.
        """
        mark = f"({placeholders(len(columns))})"
        for chunk in chunks(rows, max(1, 900 // len(columns))):
            self._q(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
                f" {', '.join([mark] * len(chunk))} ON CONFLICT DO NOTHING",
                [v for row in chunk for v in row],
            )

    def candidates(
        self, keys: Iterable[str], *, max_block: int | None = None, always: tuple[str, ...] = ()
    ) -> set[int]:
        """Live contacts sharing at least one blocking key with ``keys`` (never a full scan).

        A key filed for more than ``max_block`` contacts (a very common name) is passed
        over, as it says little and costs most; keys starting with a prefix in ``always``
        (e-mail, phone) never are.

        One statement, whatever the number of keys: the per-card hot path of ``cardscan
        scan`` (``scripts/matchbench.py --store``). Both databases walk the primary key
        ``(key, contact_id)`` for it: each capped key is probed once for a row past
        ``max_block`` (``LIMIT 1 OFFSET max_block``, so a name shared by 10,000 contacts
        costs no more to pass over than one shared by ``max_block + 1``), and its block is
        read only when there is none.
        """
        found = _candidate_sql(self.backend, keys, max_block, always)
        if found is None:
            return set()
        # Merged contacts lose their keys, so every id found here is live.
        return {int(r[0]) for r in self._q(*found)}

    def candidate_rows(
        self, keys: Iterable[str], *, max_block: int | None = None, always: tuple[str, ...] = ()
    ) -> list[MatchRow]:
        """:meth:`match_rows` of the :meth:`candidates` of ``keys``, in one statement.

        The per-card look-up of ``cardscan scan``: one round trip to the database finds
        the candidates and reads what the matcher needs of them.
        """
        found = _candidate_sql(self.backend, keys, max_block, always)
        if found is None:
            return []
        sql, params = found
        return _match_rows(
            self._q(
                f"WITH found AS ({sql}) SELECT c.id, c.name, c.given_name, c.family_name,"
                " c.company, c.title, v.kind, v.value, v.type FROM found f"
                " JOIN contacts c ON c.id = f.contact_id"
                " LEFT JOIN contact_values v ON v.contact_id = c.id ORDER BY c.id, v.id",
                params,
            )
        )

    def load_contacts(
        self, contacts: Iterable[tuple[Contact, Iterable[str]]], source: str, *, batch: int = 5000
    ) -> list[int]:
        """Store many contacts with their blocking keys as they are, in one transaction.

        The bulk path of an archive import (a store being rebuilt, a benchmark's stored
        side): rows go in by the thousand (``COPY`` on PostgreSQL, ``executemany`` on
        SQLite) rather than three statements per contact. Nothing is matched, merged or
        audited; returns the new ids in order. Killed halfway, the store keeps none of them.
        """
        ids: list[int] = []
        with self.transaction():
            pending: list[tuple[Contact, Iterable[str]]] = []
            for item in contacts:
                pending.append(item)
                if len(pending) >= batch:
                    ids += self._load_batch(pending, source)
                    pending = []
            if pending:
                ids += self._load_batch(pending, source)
        return ids

    def _new_ids(self, n: int) -> list[int]:
        """``n`` contact ids no other writer will take (called under the write lock)."""
        if self.backend == "postgresql":
            rows = self._q(
                "SELECT nextval(pg_get_serial_sequence('contacts', 'id'))"
                " FROM generate_series(1, ?)",
                (n,),
            )
            return [int(r[0]) for r in rows]
        # SQLite: INTEGER PRIMARY KEY hands out max(id) + 1 itself; the lock is held.
        top = int(self._one("SELECT coalesce(max(id), 0) FROM contacts"))
        return list(range(top + 1, top + 1 + n))

    def _load_batch(self, items: Sequence[tuple[Contact, Iterable[str]]], source: str) -> list[int]:
        at = self.clock()
        ids = self._new_ids(len(items))
        contacts, values, keys = [], [], []
        for contact_id, (contact, contact_keys) in zip(ids, items, strict=True):
            contacts.append((contact_id, *_contact_fields(contact), source, at, at))
            values += _value_rows(contact_id, contact, source, at)
            keys += [(k, contact_id) for k in sorted(set(contact_keys))]
        self._bulk(
            "contacts",
            (
                "id",
                "name",
                "given_name",
                "family_name",
                "title",
                "company",
                "address",
                "source",
                "created_at",
                "seen_at",
            ),
            contacts,
        )
        self._bulk("contact_values", VALUE_COLUMNS, values)
        self._bulk("match_keys", ("key", "contact_id"), keys)
        return ids

    def _bulk(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Append rows to a table fast, inside the open transaction (no conflict allowed)."""
        if not rows:
            return
        names = ", ".join(columns)
        try:
            if self.backend == "postgresql":
                with (
                    self._dbapi.cursor() as cur,
                    cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                self._dbapi.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({placeholders(len(columns))})", rows
                )
        except Exception as e:  # the driver's own error: SQLAlchemy is bypassed here
            if type(e).__module__.split(".")[0] in {"sqlite3", "psycopg"}:
                raise store_error(self.location, e) from e
            raise

    def live_id(self, contact_id: int) -> int:
        """The contact that ``contact_id`` lives on in, following merges.

        Raises:
            StoreError: there is no such contact.
        """
        seen = set()
        current: int | None = contact_id
        while current is not None and current not in seen:
            seen.add(current)
            row = self._q("SELECT merged_into FROM contacts WHERE id = ?", (current,)).fetchone()
            if row is None:
                raise StoreError(
                    f"no contact {contact_id} in {self.location}",
                    "`cardscan contacts` lists them",
                )
            if row[0] is None:
                return current
            current = int(row[0])
        raise StoreError(f"contact {contact_id} is merged in a loop in {self.location}")

    def contact(self, contact_id: int, *, full: bool = True) -> StoredContact:
        """One contact by id (merged or not).

        Raises:
            StoreError: there is no such contact.
        """
        found = self.contacts([contact_id], full=full)
        if not found:
            raise StoreError(f"no contact {contact_id} in {self.location}")
        return found[0]

    def contacts(
        self, ids: Iterable[int] | None = None, *, full: bool = False
    ) -> list[StoredContact]:
        """Contacts by id, in id order; ``None`` means every live contact.

        ``full`` also loads history, conflicts, notes and tags (matching needs only the
        values, so it skips them).
        """
        if ids is None:
            where, params = "merged_into IS NULL", []
        else:
            params = sorted(set(ids))
            if not params:
                return []
            where = f"id IN ({placeholders(len(params))})"
        out = []
        # SQLite allows 32766 parameters; chunking keeps huge id lists under that.
        for chunk in chunks(params, 900) if params else [[]]:
            clause = where if ids is None else f"id IN ({placeholders(len(chunk))})"
            rows = self._q(
                "SELECT id, name, given_name, family_name, title, company, address, source,"
                f" created_at, seen_at, merged_into FROM contacts WHERE {clause} ORDER BY id",
                chunk,
            ).fetchall()
            if not rows:
                continue
            cids = [r[0] for r in rows]
            marks = placeholders(len(cids))
            values: dict[int, list[StoredValue]] = {c: [] for c in cids}
            for r in self._q(
                "SELECT contact_id, id, kind, value, display, type, ext, confidence, source,"
                f" first_seen, last_seen FROM contact_values WHERE contact_id IN ({marks})"
                " ORDER BY id",
                cids,
            ):
                values[r[0]].append(StoredValue(*r[1:]))
            extra: dict[str, dict[int, list[Any]]] = {
                k: {c: [] for c in cids} for k in ("history", "conflicts", "notes", "tags")
            }
            if full:
                for r in self._q(
                    "SELECT contact_id, title, company, address, until, source FROM history"
                    f" WHERE contact_id IN ({marks}) ORDER BY until, id",
                    cids,
                ):
                    extra["history"][r[0]].append(PastJob(*r[1:]))
                for r in self._q(
                    "SELECT contact_id, field, kept, other, source, at FROM conflicts"
                    f" WHERE contact_id IN ({marks}) ORDER BY id",
                    cids,
                ):
                    extra["conflicts"][r[0]].append(Conflict(*r[1:]))
                for r in self._q(
                    f"SELECT contact_id, text FROM notes WHERE contact_id IN ({marks}) ORDER BY id",
                    cids,
                ):
                    extra["notes"][r[0]].append(r[1])
                for r in self._q(
                    f"SELECT contact_id, tag FROM tags WHERE contact_id IN ({marks}) ORDER BY tag",
                    cids,
                ):
                    extra["tags"][r[0]].append(r[1])
            for r in rows:
                out.append(
                    StoredContact(
                        r[0],
                        r[1],
                        r[2],
                        r[3],
                        r[4],
                        r[5],
                        r[6],
                        r[7],
                        r[8],
                        r[9],
                        r[10],
                        values=tuple(values[r[0]]),
                        history=tuple(extra["history"][r[0]]),
                        conflicts=tuple(extra["conflicts"][r[0]]),
                        notes=tuple(extra["notes"][r[0]]),
                        tags=tuple(extra["tags"][r[0]]),
                    )
                )
        return out

    def match_rows(self, ids: Iterable[int]) -> list[MatchRow]:
        """What the matcher needs of some contacts, read lean: the per-card hot path.

        :meth:`contacts` builds full records (every value's source and dates); matching
        a card reads dozens of candidates and needs only names, job and values, in one
        statement (contacts joined with their values).
        """
        wanted = sorted(set(ids))
        out = []
        for chunk in chunks(wanted, 900):
            out += _match_rows(
                self._q(
                    "SELECT c.id, c.name, c.given_name, c.family_name, c.company, c.title,"
                    " v.kind, v.value, v.type FROM contacts c"
                    " LEFT JOIN contact_values v ON v.contact_id = c.id"
                    f" WHERE c.id IN ({placeholders(len(chunk))}) ORDER BY c.id, v.id",
                    chunk,
                )
            )
        return out

    def search(self, text: str) -> list[int]:
        """Live contacts whose name, title, company or a value contains ``text`` (any case).

        Both sides are lower-cased by the database (SQLite's LIKE ignores case, PostgreSQL's
        does not), so the two fold letters alike.
        """
        escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        rows = self._q(
            "SELECT id FROM contacts WHERE merged_into IS NULL"
            " AND (lower(name) LIKE lower(:like) ESCAPE '\\'"
            " OR lower(title) LIKE lower(:like) ESCAPE '\\'"
            " OR lower(company) LIKE lower(:like) ESCAPE '\\')"
            " UNION SELECT c.id FROM contact_values v JOIN contacts c ON c.id = v.contact_id"
            " WHERE c.merged_into IS NULL AND (lower(v.value) LIKE lower(:like) ESCAPE '\\'"
            " OR lower(v.display) LIKE lower(:like) ESCAPE '\\') ORDER BY 1",
            {"like": like},
        )
        return [int(r[0]) for r in rows]

    def event_contacts(self, event_id: int) -> list[int]:
        """Live contacts registered for, arrived at or met at an event."""
        rows = self._q(
            "SELECT contact_id FROM attendance WHERE event_id = :event"
            " UNION SELECT contact_id FROM met WHERE event_id = :event",
            {"event": event_id},
        )
        return [c.id for c in self.contacts(int(r[0]) for r in rows) if c.merged_into is None]

    def merged_from(self, contact_id: int) -> list[int]:
        """The contacts merged straight into ``contact_id``, oldest first."""
        rows = self._q("SELECT id FROM contacts WHERE merged_into = ? ORDER BY id", (contact_id,))
        return [int(r[0]) for r in rows]

    def count_contacts(self) -> int:
        """How many live (not merged away) contacts the store holds."""
        return int(self._one("SELECT count(*) FROM contacts WHERE merged_into IS NULL"))

    def find_by_value(self, kind: str, text: str) -> set[int]:
        """Live contacts holding a value (an email, a phone in E.164…), compared normalised."""
        key = text if kind == "phone" and text.startswith("+") else value_key(kind, text)
        rows = self._q(
            "SELECT DISTINCT c.id FROM contact_values v JOIN contacts c ON c.id = v.contact_id"
            " WHERE v.kind = ? AND v.value = ? AND c.merged_into IS NULL",
            (kind, key),
        )
        return {int(r[0]) for r in rows}

    def add_note(
        self,
        contact_id: int,
        text: str,
        event_id: int | None = None,
        run_id: int | None = None,
    ) -> bool:
        """Attach a note, unless the contact already has that very note; True if added."""
        with self.transaction():
            if self._one(
                "SELECT 1 FROM notes WHERE contact_id = ? AND text = ?", (contact_id, text)
            ):
                return False
            self._q(
                "INSERT INTO notes (contact_id, text, at, event_id, run_id) VALUES (?, ?, ?, ?, ?)",
                (contact_id, text, self.clock(), event_id, run_id),
            )
        return True

    def add_tags(self, contact_id: int, tags: Iterable[str]) -> None:
        """Tag a contact (tags it already has are left as they are)."""
        with self.transaction():
            self._many(
                "INSERT INTO tags (contact_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(contact_id, t) for t in tags],
            )

    # -- what the exports, the follow-up plan and the report read ----------------------

    def _with_merged(self, ids: Iterable[int]) -> dict[int, int]:
        """``ids`` and every contact merged into one of them (directly or not) → that id.

        A card keeps the contact it was first read into; after a merge it belongs to the
        contact that one lives on in.
        """
        wanted = {int(i): int(i) for i in ids}
        for child, root in self._merged_roots().items():
            if root in wanted:
                wanted[child] = root
        return wanted

    def _merged_roots(self) -> dict[int, int]:
        """Every merged-away contact → the live contact it lives on in (one query)."""
        parent = {
            int(r[0]): int(r[1])
            for r in self._q("SELECT id, merged_into FROM contacts WHERE merged_into IS NOT NULL")
        }
        roots = {}
        for child in parent:
            seen, node = {child}, parent[child]
            while node in parent and node not in seen:
                seen.add(node)
                node = parent[node]
            roots[int(child)] = int(node)
        return roots

    def meetings(self, ids: Iterable[int]) -> dict[int, list[Meeting]]:
        """Where and when each contact's cards were collected, oldest first.

        A card scanned with ``--event`` is a meeting at that event (on the event's date when
        it has one); a card scanned without one is a meeting on the day it was scanned.
        """
        owner = self._with_merged(ids)
        out: dict[int, list[Meeting]] = {}
        for chunk in chunks(sorted(owner), 900):
            marks = placeholders(len(chunk))
            for row in self._q(
                "SELECT c.contact_id, c.id, c.path, c.seen_at, e.id, e.name, e.date, e.place,"
                " e.created_at FROM cards c LEFT JOIN met m ON m.card_id = c.id"
                f" LEFT JOIN events e ON e.id = m.event_id WHERE c.contact_id IN ({marks})"
                " ORDER BY c.seen_at, c.id",
                chunk,
            ):
                event = Event(*row[4:]) if row[4] is not None else None
                on = (event.date if event and event.date else row[3])[:10]
                out.setdefault(owner[int(row[0])], []).append(Meeting(event, on, row[1], row[2]))
        for found in out.values():
            found.sort(key=lambda m: (m.on, m.card_id or 0))
        return out

    def cards_of(self, ids: Iterable[int]) -> dict[int, list[StoredCard]]:
        """The card images read into each contact, with the record read from each."""
        owner = self._with_merged(ids)
        out: dict[int, list[StoredCard]] = {}
        for chunk in chunks(sorted(owner), 900):
            for row in self._q(
                "SELECT contact_id, id, path, card, seen_at, record FROM cards"
                f" WHERE contact_id IN ({placeholders(len(chunk))}) ORDER BY seen_at, id",
                chunk,
            ):
                try:
                    record = json.loads(row[5])
                except ValueError:  # written by this module, but never let one row stop a run
                    record = {}
                out.setdefault(owner[int(row[0])], []).append(
                    StoredCard(row[1], row[2], row[3], row[4], record)
                )
        for found in out.values():
            found.sort(key=lambda c: (c.seen_at, c.id))
        return out

    def attendance_of(self, ids: Iterable[int]) -> dict[int, list[tuple[Event, Attendance]]]:
        """Each contact's registrations and arrivals, with their events."""
        out: dict[int, list[tuple[Event, Attendance]]] = {}
        for chunk in chunks(sorted(set(ids)), 900):
            for row in self._q(
                "SELECT e.id, e.name, e.date, e.place, e.created_at, a.event_id, a.contact_id,"
                " a.registered, a.walk_in, a.registered_at, a.arrived_at, a.source"
                " FROM attendance a JOIN events e ON e.id = a.event_id"
                f" WHERE a.contact_id IN ({placeholders(len(chunk))}) ORDER BY e.id",
                chunk,
            ):
                out.setdefault(int(row[6]), []).append(
                    (Event(*row[:5]), attendance_of_row(row[5:]))
                )
        return out

    def contact_ids(
        self,
        *,
        event_id: int | None = None,
        since: str | None = None,
        tag: str | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[int]:
        """Live contacts, narrowed to an event's people, those seen since a date, a tag, ids."""
        where: list[str] = ["c.merged_into IS NULL"]
        params: list[Any] = []
        if ids is not None:
            wanted = sorted(set(ids))
            if len(wanted) > 900:  # SQLite's bound-parameter limit: narrow afterwards
                keep = set(wanted)
                found = self.contact_ids(event_id=event_id, since=since, tag=tag)
                return [c for c in found if c in keep]
            where.append(f"c.id IN ({placeholders(len(wanted))})")
            params += wanted
        if event_id is not None:
            where.append(
                "c.id IN (SELECT contact_id FROM attendance WHERE event_id = ?"
                " UNION SELECT contact_id FROM met WHERE event_id = ?)"
            )
            params += [event_id, event_id]
        if since is not None:
            where.append("c.seen_at >= ?")
            params.append(since)
        if tag is not None:
            where.append("c.id IN (SELECT contact_id FROM tags WHERE lower(tag) = lower(?))")
            params.append(tag)
        rows = self._q(
            f"SELECT c.id FROM contacts c WHERE {' AND '.join(where)} ORDER BY c.id", params
        )
        return [int(r[0]) for r in rows]

    def engaged_ids(self) -> set[int]:
        """Contacts the follow-up plan concerns: met (a card), on an event's list, or with a task.

        A store filled from a CRM export holds many people you did not just meet; reading
        only these keeps planning fast however large the store grows.
        """
        rows = self._q(
            "SELECT contact_id FROM cards WHERE contact_id IS NOT NULL"
            " UNION SELECT contact_id FROM attendance UNION SELECT contact_id FROM tasks"
            " UNION SELECT other_id FROM tasks WHERE other_id IS NOT NULL"
        )
        roots = self._merged_roots()
        return {roots.get(int(r[0]), int(r[0])) for r in rows}

    def remove_tags(self, contact_id: int, tags: Iterable[str]) -> int:
        """Take tags off a contact; returns how many it had."""
        with self.transaction():
            removed = 0
            for tag in tags:
                removed += self._q(
                    "DELETE FROM tags WHERE contact_id = ? AND tag = ?", (contact_id, tag)
                ).rowcount
        return removed


def _contact_fields(contact: Contact) -> tuple[str | None, ...]:
    """A contact's row in ``contacts``: name, given and family name, title, company, address."""
    return (
        contact.name.value if contact.name else None,
        contact.given_name,
        contact.family_name,
        contact.title.value if contact.title else None,
        contact.company.value if contact.company else None,
        contact.address.value if contact.address else None,
    )


def _value_rows(contact_id: int, contact: Contact, source: str, at: str) -> list[tuple[Any, ...]]:
    """A contact's ``contact_values`` rows, one per kind and normalised value."""
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    for kind, fields in (
        ("email", contact.emails),
        ("website", contact.websites),
        ("social", contact.social),
    ):
        for f in fields:
            if f.value.strip():
                key = value_key(kind, f.value)
                rows.setdefault(
                    (kind, key),
                    (contact_id, kind, key, f.value, None, None, f.confidence, source, at, at),
                )
    for p in contact.phones:
        phone = p.value
        # A number that did not validate is kept by its digits alone: a "+" it was
        # typed with must not make it look like an E.164 number to matching and exports.
        key = phone.e164 or value_key("phone", phone.raw).lstrip("+")
        if key:
            rows.setdefault(
                ("phone", key),
                (
                    contact_id,
                    "phone",
                    key,
                    phone.raw or key,
                    phone.type.value,
                    phone.extension,
                    p.confidence,
                    source,
                    at,
                    at,
                ),
            )
    return list(rows.values())


#: :func:`_candidate_sql` on PostgreSQL: one text for every card, so the server plans it
#: once (psycopg prepares a statement run five times) instead of once per card.
_PG_CANDIDATES = (
    "SELECT DISTINCT contact_id FROM match_keys WHERE key = ANY(CAST(:strong AS TEXT[]))"
    " UNION SELECT m.contact_id FROM unnest(CAST(:capped AS TEXT[])) AS w(k)"
    " JOIN match_keys m ON m.key = w.k WHERE NOT EXISTS"
    " (SELECT 1 FROM match_keys b WHERE b.key = w.k LIMIT 1 OFFSET :cap)"
)


def _candidate_sql(
    backend: str, keys: Iterable[str], max_block: int | None, always: tuple[str, ...]
) -> tuple[str, Params] | None:
    """The statement (and its values) listing the ``contact_id`` of :meth:`candidates`.

    None when there is no key to look up. PostgreSQL gets the keys as two arrays (one
    statement text, planned once); SQLite, which has no arrays, a ``VALUES`` list.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return None
    strong = wanted if max_block is None else [k for k in wanted if k.startswith(always)]
    capped = [k for k in wanted if k not in set(strong)]
    if backend == "postgresql":
        return _PG_CANDIDATES, {"strong": strong, "capped": capped, "cap": max_block or 0}
    parts: list[str] = []
    params: list[Any] = []
    if strong:
        parts.append(
            f"SELECT DISTINCT contact_id FROM match_keys WHERE key IN ({placeholders(len(strong))})"
        )
        params += strong
    if capped:
        rows = ", ".join(["(?)"] * len(capped))
        parts.append(
            "SELECT DISTINCT m.contact_id FROM match_keys m WHERE m.key IN"
            f" (SELECT w.column1 FROM (VALUES {rows}) AS w WHERE NOT EXISTS"
            " (SELECT 1 FROM match_keys b WHERE b.key = w.column1 LIMIT 1 OFFSET ?))"
        )
        params += [*capped, max_block]
    return " UNION ".join(parts), params


def _match_rows(rows: Iterable[Sequence[Any]]) -> list[MatchRow]:
    """MatchRows from rows of a contact's columns then one value's (ordered by contact)."""
    heads: dict[int, tuple[Any, ...]] = {}
    values: dict[int, list[tuple[str, str, str | None]]] = {}
    for r in rows:
        if r[0] not in heads:
            heads[r[0]] = tuple(r[:6])
            values[r[0]] = []
        if r[6] is not None:
            values[r[0]].append((r[6], r[7], r[8]))
    return [
        MatchRow(h[0], h[1], h[2], h[3], h[4], h[5], tuple(values[cid])) for cid, h in heads.items()
    ]
