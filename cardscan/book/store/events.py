"""The store's events (rosters, arrivals, "met at"), review queue, tasks and settings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from cardscan.book.store.base import IntegrityError, placeholders
from cardscan.book.store.cards import CardsPart
from cardscan.book.store.records import (
    Attendance,
    Event,
    EventStats,
    Review,
    Task,
    attendance_of_row,
)
from cardscan.errors import StoreError


class _EventExists(Exception):
    """An event of that name (in any case) is there already."""


class EventsPart(CardsPart):
    """Events and attendance, the review queue, follow-up tasks and settings."""

    # -- review queue ----------------------------------------------------------------

    def queue_review(self, a_id: int, b_id: int, score: float, reasons: Sequence[str]) -> int:
        """Queue an uncertain pair for a person to decide; returns the review id.

        A pair already queued (either way round) is not queued twice.
        """
        with self.transaction():
            existing = self._one(
                "SELECT id FROM reviews WHERE (a_id = ? AND b_id = ?) OR (a_id = ? AND b_id = ?)",
                (a_id, b_id, b_id, a_id),
            )
            if existing is not None:
                return int(existing)
            return self._insert(
                "INSERT INTO reviews (a_id, b_id, score, reasons, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (a_id, b_id, score, json.dumps(list(reasons), ensure_ascii=False), self.clock()),
            )

    def reviews(self, status: str = "open") -> list[Review]:
        """Reviews with a status (``open``, ``merged``, ``apart``), oldest first."""
        return [
            Review(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6])
            for r in self._q(
                "SELECT id, a_id, b_id, score, reasons, status, created_at FROM reviews"
                " WHERE status = ? ORDER BY id",
                (status,),
            )
        ]

    def set_review_status(self, review_id: int, status: str) -> None:
        """Close (``merged``/``apart``) or reopen (``open``) a review."""
        with self.transaction():
            self._q(
                "UPDATE reviews SET status = ?, decided_at = ? WHERE id = ?",
                (status, None if status == "open" else self.clock(), review_id),
            )

    # -- events ----------------------------------------------------------------------

    def create_event(self, name: str, date: str | None, place: str | None) -> Event:
        """Create an event; names are unique, ignoring case.

        Raises:
            StoreError: an event with that name exists.
        """
        try:
            with self.transaction():
                if self._one("SELECT id FROM events WHERE lower(name) = lower(?)", (name,)):
                    raise _EventExists
                created = self._insert(
                    "INSERT INTO events (name, date, place, created_at) VALUES (?, ?, ?, ?)",
                    (name, date, place, self.clock()),
                )
        except (IntegrityError, _EventExists) as e:
            raise StoreError(
                f"an event named {name!r} already exists",
                "choose another name (add the date or the place), or use the existing event",
            ) from e
        return self.event(str(created))

    def events(self) -> list[Event]:
        """Every event, newest date first."""
        return [
            Event(*r)
            for r in self._q(
                "SELECT id, name, date, place, created_at FROM events"
                " ORDER BY coalesce(date, created_at) DESC, id DESC"
            )
        ]

    def event(self, ref: str) -> Event:
        """An event by name (ignoring case) or by id.

        Raises:
            StoreError: no such event.
        """
        row = self._q(
            "SELECT id, name, date, place, created_at FROM events WHERE lower(name) = lower(?)",
            (ref,),
        ).fetchone()
        if row is None and ref.isdigit():
            row = self._q(
                "SELECT id, name, date, place, created_at FROM events WHERE id = ?", (int(ref),)
            ).fetchone()
        if row is None:
            raise StoreError(
                f"no event {ref!r} in {self.location}",
                "create it with `cardscan event create NAME`; `cardscan event list` shows them",
            )
        return Event(*row)

    def attendance(self, event_id: int, contact_id: int) -> Attendance | None:
        """One contact's attendance of an event, if any."""
        row = self._q(
            "SELECT event_id, contact_id, registered, walk_in, registered_at, arrived_at, source"
            " FROM attendance WHERE event_id = ? AND contact_id = ?",
            (event_id, contact_id),
        ).fetchone()
        return attendance_of_row(row) if row else None

    def attendees(self, event_id: int) -> list[Attendance]:
        """Everyone registered for or arrived at an event, by contact id."""
        return [
            attendance_of_row(r)
            for r in self._q(
                "SELECT event_id, contact_id, registered, walk_in, registered_at, arrived_at,"
                " source FROM attendance WHERE event_id = ? ORDER BY contact_id",
                (event_id,),
            )
        ]

    def register(self, event_id: int, contact_id: int, source: str) -> bool:
        """Put a contact on an event's roster; False if they were already on it."""
        with self.transaction():
            row = self.attendance(event_id, contact_id)
            if row is not None and row.registered:
                return False
            if row is None:
                self._q(
                    "INSERT INTO attendance (event_id, contact_id, registered, registered_at,"
                    " source) VALUES (?, ?, 1, ?, ?)",
                    (event_id, contact_id, self.clock(), source),
                )
            else:  # a walk-in who registers afterwards is registered after all
                self._q(
                    "UPDATE attendance SET registered = 1, walk_in = 0, registered_at = ?"
                    " WHERE event_id = ? AND contact_id = ?",
                    (self.clock(), event_id, contact_id),
                )
        return True

    def arrive(self, event_id: int, contact_id: int, at: str, source: str) -> Attendance:
        """Mark a contact arrived (a walk-in when not registered); the earliest time counts."""
        with self.transaction():
            row = self.attendance(event_id, contact_id)
            if row is None:
                self._q(
                    "INSERT INTO attendance (event_id, contact_id, walk_in, arrived_at, source)"
                    " VALUES (?, ?, 1, ?, ?)",
                    (event_id, contact_id, at, source),
                )
            elif row.arrived_at is None:
                self._q(
                    "UPDATE attendance SET arrived_at = ? WHERE event_id = ? AND contact_id = ?",
                    (at, event_id, contact_id),
                )
            found = self.attendance(event_id, contact_id)
        assert found is not None
        return found

    def link_met(
        self, event_id: int, contact_id: int, card_id: int, run_id: int | None = None
    ) -> bool:
        """Record that a card was collected at an event ("met at"); False if already linked."""
        with self.transaction():
            added = self._q(
                "INSERT INTO met (event_id, contact_id, card_id, run_id, at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (event_id, contact_id, card_id, run_id, self.clock()),
            ).rowcount
        return added > 0

    def met_at(self, contact_id: int) -> list[Event]:
        """The events where a contact's cards were collected."""
        return [
            Event(*r)
            for r in self._q(
                "SELECT DISTINCT e.id, e.name, e.date, e.place, e.created_at FROM met m"
                " JOIN events e ON e.id = m.event_id WHERE m.contact_id = ? ORDER BY e.id",
                (contact_id,),
            )
        ]

    def event_stats(self, event_id: int) -> EventStats:
        """Registered, arrived, walk-ins, no-shows and cards scanned at one event.

        ``arrived`` counts everyone checked in, walk-ins included (as ``event list`` and the
        report show it); ``walk_ins`` are those of them who had not registered.
        """
        registered, came, arrived, walk_ins = self._q(
            "SELECT coalesce(sum(registered), 0),"
            " coalesce(sum(CASE WHEN registered = 1 AND arrived_at IS NOT NULL"
            " THEN 1 ELSE 0 END), 0),"
            " coalesce(sum(CASE WHEN arrived_at IS NOT NULL THEN 1 ELSE 0 END), 0),"
            " coalesce(sum(walk_in), 0) FROM attendance a JOIN contacts c ON c.id = a.contact_id"
            " WHERE a.event_id = ? AND c.merged_into IS NULL",
            (event_id,),
        ).fetchone()
        cards = int(self._one("SELECT count(*) FROM met WHERE event_id = ?", (event_id,)))
        return EventStats(
            int(registered), int(arrived), int(walk_ins), int(registered) - int(came), cards
        )

    # -- follow-up tasks -----------------------------------------------------------------

    def add_task(
        self,
        contact_id: int,
        kind: str,
        due: str,
        priority: int,
        *,
        other_id: int | None = None,
        event_id: int | None = None,
        reason: str = "",
        after_id: int | None = None,
        top: int | None = None,
    ) -> int:
        """Add an open follow-up task; returns its id (``top``: see :class:`Task`)."""
        with self.transaction():
            return self._insert(
                "INSERT INTO tasks (contact_id, other_id, kind, due, priority, event_id, reason,"
                " created_at, after_id, top) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    contact_id,
                    other_id,
                    kind,
                    due,
                    priority,
                    event_id,
                    reason,
                    self.clock(),
                    after_id,
                    top,
                ),
            )

    def tasks(
        self, *, status: str | None = "open", contact_ids: Iterable[int] | None = None
    ) -> list[Task]:
        """Tasks by status (None: all), optionally of some contacts, by due date then priority."""
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = (
            "SELECT id, contact_id, other_id, kind, due, priority, status, event_id, reason,"
            " created_at, done_at, after_id, top FROM tasks"
        )
        wanted = None if contact_ids is None else sorted(set(contact_ids))
        if wanted is not None and len(wanted) <= 900:
            # A few contacts (``task done``): the index, not a scan of every task.
            where.append(f"contact_id IN ({placeholders(len(wanted))})")
            params += wanted
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = [Task(*r) for r in self._q(sql + " ORDER BY due, priority, id", params)]
        if wanted is not None and len(wanted) > 900:
            chosen = set(wanted)
            rows = [t for t in rows if t.contact_id in chosen]
        return rows

    def task(self, task_id: int) -> Task:
        """One task by id.

        Raises:
            StoreError: there is no such task.
        """
        row = self._q(
            "SELECT id, contact_id, other_id, kind, due, priority, status, event_id, reason,"
            " created_at, done_at, after_id, top FROM tasks WHERE id = ?",
            (task_id,),
        ).fetchone()
        if row is None:
            raise StoreError(
                f"no task {task_id} in {self.location}",
                "the ids are in the first column of followup tasks.csv and `cardscan task list`",
            )
        return Task(*row)

    def set_task_status(self, task_id: int, status: str) -> None:
        """Mark a task done, skipped, or open again (recording when)."""
        with self.transaction():
            done_at = None if status == "open" else self.clock()
            self._q(
                "UPDATE tasks SET status = ?, done_at = ? WHERE id = ?", (status, done_at, task_id)
            )

    def setting(self, key: str) -> str | None:
        """A stored setting (such as the follow-up cadence), or None."""
        row = self._q("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting for later runs."""
        with self.transaction():
            self._q(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
