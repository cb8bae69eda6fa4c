"""The follow-up plan: prompt, personal, a few contacts done well, and introductions.

How good networkers follow up, as the plan encodes it:

- **Promptly and personally.** Everyone whose card you took gets a thank-you within a day,
  drafted from where you met and the note you took, never a sales template.
- **A few done well.** Priority comes from tags (``hot``, ``warm``, ``later``) or
  ``--top N``; only the priority contacts get the coffee or call within a week and the
  quarterly touch after it. Each step comes due on the cadence (configurable, stored with
  the contacts) and marking a task done schedules the next one: a living list.
- **Introductions.** "Introduce A to B" when B meets a need A stated
  (:mod:`cardscan.outputs.intros`), as a task to ask B first.
- **Permission.** ``no-followup`` means no task at all; messages that are not one-to-one
  (an event's recap to its attendees) go only to contacts tagged ``opt-in``. People who
  registered but did not come get one "sorry we missed you".
- **Check first.** Doubtful OCR values and undecided duplicates head the plan, because a
  thank-you to a misread address is lost.

The planner reads :class:`~cardscan.book.entries.Entry` records and the store's tasks; its only
writes are new tasks and task status, made by :func:`refresh_plan` and :func:`complete_task`.
The three outputs (Markdown checklist, tasks CSV, iCalendar VTODOs) are pure functions of
a :class:`Plan`.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

import icalendar

from cardscan.book.entries import Entry, select_entries
from cardscan.book.store import Store, Task
from cardscan.errors import ConfigError, StoreError
from cardscan.models import CardResult, Phone
from cardscan.outputs.export import phone_text, safe_cell, safe_phone_cell
from cardscan.outputs.intros import may_contact, suggest_introductions
from cardscan.text import clean_text

#: The steps of the cadence, in the order a relationship takes them.
STEPS = ("thank-you", "meet", "check-in", "touch")

#: Steps each priority takes: 1 hot, 2 warm, 3 everyone else, 4 later.
TIERS: dict[int, tuple[str, ...]] = {
    1: ("thank-you", "meet", "check-in", "touch"),
    2: ("thank-you", "check-in", "touch"),
    3: ("thank-you", "check-in"),
    4: ("check-in",),
}
PRIORITY_NAMES = {1: "hot", 2: "warm", 3: "normal", 4: "later"}
#: The reason of a task whose contact ``--top N`` raised to priority 1 (a contact tagged
#: ``hot`` already is and keeps "hot", a tag a person gives): the explanation a person
#: reads. The pick itself is the task's ``top`` column; nothing parses this text.
TOP_REASON = "ranked in the top {n} new contacts by --top {n}"


def top_pick(task: Task) -> int | None:
    """The N of the ``--top N`` that made this a priority-1 task, or None.

    Read from the task's ``top`` (stored by :func:`refresh_plan` since schema revision
    0004, which also filled it for the picks an earlier cardscan made).
    """
    return task.top


def priority_label(priority: int, top: int | None = None) -> str:
    """How a task's priority is shown: "hot", "warm" … or "top 3" for a ``--top 3`` pick."""
    return f"top {top}" if top is not None else PRIORITY_NAMES.get(priority, str(priority))


#: Task kinds besides the cadence steps.
INTRO, MISSED, RECAP = "intro", "missed-you", "recap"

#: Tags that allow messages which are not one-to-one (newsletters, recaps, invitations).
OPT_IN_TAGS = ("opt-in", "opted-in", "newsletter", "subscribed")
#: Tags that withdraw it (a CRM's "Email Opt Out", read by ``cardscan import``).
OPT_OUT_TAGS = ("opt-out", "opted-out")

#: A task as ``refresh_plan`` tells it apart: (contact, kind, other person, event).
_TaskKey = tuple[int, str, "int | None", "int | None"]

#: The store setting that holds the cadence, so ``task done`` schedules with the plan's.
CADENCE_SETTING = "followup.cadence"


@dataclass(frozen=True)
class Cadence:
    """Days to each step: from the meeting for the first two, from the previous step after."""

    thank_you: int = 1
    meet: int = 7
    check_in: int = 30
    touch: int = 90

    def days(self, step: str) -> int:
        """The delay of one step (``thank-you``, ``meet``, ``check-in``, ``touch``)."""
        return int(getattr(self, step.replace("-", "_")))

    def spec(self) -> str:
        """The cadence as ``--cadence`` takes it: ``thank-you=1,meet=7,check-in=30,touch=90``."""
        return ",".join(f"{s}={self.days(s)}" for s in STEPS)

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """A cadence from ``thank-you=1,meet=7,check-in=30,touch=90`` (any subset; ``2w``).

        Raises:
            ConfigError: an unknown step or a delay that is not a positive number of days.
        """
        values: dict[str, int] = {}
        for item in (x.strip() for x in text.split(",") if x.strip()):
            step, sep, amount = item.partition("=")
            step = step.strip().lower()
            if not sep or step not in STEPS:
                raise ConfigError(
                    f"--cadence item {item!r} is not STEP=DAYS",
                    "steps are " + ", ".join(STEPS) + "; e.g. --cadence thank-you=1,meet=7",
                )
            values[step.replace("-", "_")] = _days(amount.strip(), item)
        return replace(cls(), **values)


def _days(text: str, item: str) -> int:
    unit = {"d": 1, "w": 7, "m": 30}.get(text[-1:].lower(), 0)
    number = text[:-1] if unit else text
    if not number.isdigit() or int(number) < 1:
        raise ConfigError(
            f"--cadence item {item!r}: {text!r} is not a number of days",
            "write days (7), weeks (2w) or months (3m), at least 1",
        )
    return int(number) * (unit or 1)


@dataclass(frozen=True)
class PlannedTask:
    """A task as the plan shows it: the store's task with its people and a draft message."""

    id: int
    kind: str
    title: str
    due: date
    priority: int
    contact: Entry
    other: Entry | None
    event: str | None
    why: str
    draft: str
    #: How to reach the person (an e-mail address, else a phone number), "" if unknown.
    reach: str
    #: The priority as shown: "hot", "warm" … or "top 3" (see :func:`priority_label`).
    label: str = ""


@dataclass(frozen=True)
class Check:
    """Something a person should look at before following up."""

    what: str
    contact_id: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class Plan:
    """The open tasks of a selection, and what needs a human check first."""

    today: date
    tasks: tuple[PlannedTask, ...]
    checks: tuple[Check, ...]
    #: Tasks made by this refresh (ids), so the CLI can say what is new.
    new: frozenset[int] = field(default_factory=frozenset)
    #: Contacts left without any task because they asked for none (``no-followup``).
    held_back: tuple[str, ...] = ()
    #: Tasks done in the last 30 days: the calendar file marks them completed.
    done: tuple[PlannedTask, ...] = ()


# -- who gets what ------------------------------------------------------------------------


def priority_of(entry: Entry) -> int:
    """Priority from tags: ``hot`` 1, ``warm`` 2, ``later`` 4, anything else 3."""
    if entry.has_tag("hot"):
        return 1
    if entry.has_tag("warm"):
        return 2
    if entry.has_tag("later"):
        return 4
    return 3


def opted_in(entry: Entry) -> bool:
    """Whether the contact agreed to messages that are not one-to-one (and did not withdraw)."""
    return entry.has_tag(*OPT_IN_TAGS) and not entry.has_tag(*OPT_OUT_TAGS)


def rank_for_top(entries: Sequence[Entry]) -> list[Entry]:
    """Contacts in the order ``--top N`` picks them: hot, warm, with a note, latest met."""
    return sorted(
        entries,
        key=lambda e: (
            priority_of(e),
            not e.contact.notes,
            # The latest meeting first: a fresh conversation is the one to continue.
            "" if e.last_met is None else _invert(e.last_met.on),
            e.id,
        ),
    )


def _invert(iso: str) -> str:
    return "".join(chr(0x10FFFF - ord(ch)) for ch in iso)


def _as_date(text: str) -> date:
    return date.fromisoformat(text[:10])


def _due(anchor: date, days: int, today: date) -> date:
    """``anchor + days``, but never in the past: a late stack is followed up now."""
    return max(anchor + timedelta(days=days), today)


def _event_over(day: str | None, today: date, arrivals: Iterable[str | None] = ()) -> bool:
    """Whether an event is over by ``today``: its day is past (the day itself is not).

    An event without a date is over once a day has passed since its last check-in (and
    with no check-in at all nothing says it took place).
    """
    if day is not None:
        return _as_date(day) < today
    last = max((_as_date(a) for a in arrivals if a), default=None)
    return last is not None and last < today


def refresh_plan(
    store: Store,
    today: date,
    *,
    event: str | None = None,
    cadence: Cadence | None = None,
    top: int | None = None,
    threshold: float = 0.6,
) -> Plan:
    """Bring the store's tasks up to date for a selection and return the plan.

    New meetings get their first steps, new needs their introductions, an event's
    registered no-shows their "sorry we missed you" and its opted-in attendees the recap;
    tasks already made are kept as they are (done ones are never made again), and open
    tasks of contacts since tagged ``no-followup`` are skipped.

    Args:
        store: the contact store (tasks are written to it).
        today: the plan's date (due dates are never before it).
        event: only the people of this event (name or id); default every contact.
        cadence: the delays; default the one stored by an earlier run, else :class:`Cadence`.
        top: put the meet/touch effort on only the ``top`` best contacts among the new ones.
        threshold: fields read below this confidence are listed for a check.

    Raises:
        StoreError: the event does not exist.
    """
    if cadence is not None:
        store.set_setting(CADENCE_SETTING, cadence.spec())
    cadence = stored_cadence(store)
    entries = select_entries(store, event=event, ids=None if event else sorted(store.engaged_ids()))
    by_id = {e.id: e for e in entries}
    event_id = store.event(event).id if event else None
    existing = store.tasks(status=None, contact_ids=by_id)
    new: set[int] = set()
    held: list[str] = []
    with store.transaction():
        for t in existing:
            entry = by_id.get(t.contact_id)
            other = by_id.get(t.other_id) if t.other_id is not None else None
            blocked = (entry is not None and not may_contact(entry)) or (
                other is not None and not may_contact(other)
            )
            if t.status == "open" and blocked:
                store.set_task_status(t.id, "skipped")
        # What each contact already has, done or not: (contact, kind, other person, event).
        have: set[_TaskKey] = {(t.contact_id, t.kind, t.other_id, t.event_id) for t in existing}
        # A meeting starts the cadence once: the contact's latest meeting (its event, or
        # "no event") has no step yet. Meeting again at another event starts it again.
        chained = {(t.contact_id, t.event_id) for t in existing if t.kind in STEPS}
        fresh = [
            e
            for e in entries
            if e.last_met is not None
            and (e.id, e.last_met.event.id if e.last_met.event else None) not in chained
        ]
        promoted: set[int] = set()
        if top is not None:
            promoted = {e.id for e in rank_for_top([e for e in fresh if may_contact(e)])[:top]}
        for e in fresh:
            if not may_contact(e):
                held.append(e.contact.label)
                continue
            priority = priority_of(e)
            reason, pick = "", None
            if top is not None:
                if e.id in promoted and priority != 1:
                    reason, pick = TOP_REASON.format(n=top), top
                priority = 1 if e.id in promoted else max(priority, 2)
            met = e.last_met
            assert met is not None  # fresh entries have meetings
            anchor = _as_date(met.on)
            ev = met.event.id if met.event else None
            steps = TIERS[priority]
            first = [s for s in steps if s in ("thank-you", "meet")] or [steps[0]]
            for step in first:
                new.add(
                    store.add_task(
                        e.id,
                        step,
                        _due(anchor, cadence.days(step), today).isoformat(),
                        priority,
                        event_id=ev,
                        reason=reason,
                        top=pick,
                    )
                )
        for intro in suggest_introductions(entries):
            key: _TaskKey = (intro.seeker.id, INTRO, intro.helper.id, None)
            if key in have:
                continue
            have.add(key)
            new.add(
                store.add_task(
                    intro.seeker.id,
                    INTRO,
                    _due(today, 2, today).isoformat(),
                    min(priority_of(intro.seeker), priority_of(intro.helper)),
                    other_id=intro.helper.id,
                    reason=intro.why,
                )
            )
        arrivals: dict[int, list[str | None]] = {}
        for e in entries:
            for evt, att in e.attendance:
                arrivals.setdefault(evt.id, []).append(att.arrived_at)
        for e in entries:
            for evt, att in e.attendance:
                if event_id is not None and evt.id != event_id:
                    continue
                if not _event_over(evt.date, today, arrivals[evt.id]) or not may_contact(e):
                    continue
                # The day after the event at the earliest: "sorry we missed you" waits
                # until it is over.
                anchor = _as_date(evt.date) if evt.date else today
                if att.registered and not att.arrived_at:
                    kind = MISSED
                elif att.arrived_at and opted_in(e):
                    kind = RECAP
                else:
                    continue
                key = (e.id, kind, None, evt.id)
                if key in have:
                    continue
                have.add(key)
                new.add(
                    store.add_task(
                        e.id,
                        kind,
                        _due(anchor, 1, today).isoformat(),
                        priority_of(e),
                        event_id=evt.id,
                    )
                )
    return build_plan(store, entries, today, threshold, new=frozenset(new), held_back=held)


def store_uid(store: Store) -> str:
    """A random id of this store, made once: calendar UIDs must be unique across stores."""
    uid = store.setting("store.uid")
    if uid is None:
        uid = f"{uuid.uuid4().hex}.cardscan"
        store.set_setting("store.uid", uid)
    return uid


def stored_cadence(store: Store) -> Cadence:
    """The cadence the store's plan uses (the default until one is set)."""
    spec = store.setting(CADENCE_SETTING)
    return Cadence.parse(spec) if spec else Cadence()


def complete_task(store: Store, task_id: int, today: date, *, skip: bool = False) -> Task | None:
    """Mark a task done (or skipped) and schedule the contact's next touch.

    The next step follows the cadence of the task's priority (a contact tagged ``hot`` since
    moves up): after the thank-you and the coffee comes the check-in, then a touch every
    quarter for the contacts who get one. Nothing is scheduled while another step of the
    same contact is still open, after a skipped task, or for a contact now tagged
    ``no-followup``.

    Returns:
        The task scheduled next, if any.

    Raises:
        StoreError: there is no such task, or it is not open.
    """
    task = store.task(task_id)
    if task.status != "open":
        raise StoreError(
            f"task {task_id} is already {task.status}",
            "see the open ones with `cardscan task list`",
        )
    with store.transaction():
        store.set_task_status(task_id, "skipped" if skip else "done")
        if skip or task.kind not in STEPS:
            return None
        # Only the tags matter here: the contact alone, not its meetings, cards and reviews.
        entry = Entry(store.contact(store.live_id(task.contact_id)))
        if not may_contact(entry):
            return None
        if any(t.kind in STEPS for t in store.tasks(status="open", contact_ids=[entry.id])):
            return None
        priority = min(task.priority, priority_of(entry))
        steps = TIERS[priority]
        later = [s for s in steps if STEPS.index(s) > STEPS.index(task.kind)]
        if task.kind == "touch" and "touch" in steps:
            later = ["touch"]  # the quarterly touch repeats for as long as it is kept up
        if not later:
            return None
        step = later[0]
        days = stored_cadence(store).days(step)
        new_id = store.add_task(
            entry.id,
            step,
            (today + timedelta(days=days)).isoformat(),
            priority,
            event_id=task.event_id,
            after_id=task.id,
            # A --top pick stays one ("top 3", not "hot") along its cadence.
            reason=task.reason if top_pick(task) is not None else "",
            top=top_pick(task),
        )
    return store.task(new_id)


# -- the plan as a person reads it -----------------------------------------------------------


def build_plan(
    store: Store,
    entries: Sequence[Entry],
    today: date,
    threshold: float,
    *,
    new: frozenset[int] = frozenset(),
    held_back: Sequence[str] = (),
) -> Plan:
    """The open tasks of ``entries`` (with drafts) and the checks, without changing anything."""
    by_id = {e.id: e for e in entries}
    recent = (today - timedelta(days=30)).isoformat()
    tasks = [
        t
        for t in store.tasks(status=None, contact_ids=by_id)
        if t.status == "open" or (t.status == "done" and (t.done_at or "") >= recent)
    ]
    missing = {t.other_id for t in tasks if t.other_id is not None and t.other_id not in by_id}
    if missing:
        for e in select_entries(store, ids=sorted(missing)):
            by_id.setdefault(e.id, e)
    events = {e.id: e for e in store.events()}

    def shown(tasks: Iterable[Task]) -> list[PlannedTask]:
        out = []
        for t in tasks:
            other = by_id.get(t.other_id) if t.other_id is not None else None
            ev = events.get(t.event_id) if t.event_id is not None else None
            out.append(_planned(t, by_id[t.contact_id], other, ev.name if ev else None, today))
        return sorted(out, key=lambda p: (p.due, p.priority, p.id))

    return Plan(
        today,
        tuple(shown(t for t in tasks if t.status == "open")),
        tuple(checks_for(entries, threshold)),
        new,
        tuple(held_back),
        tuple(shown(t for t in tasks if t.status == "done")),
    )


def checks_for(entries: Sequence[Entry], threshold: float) -> list[Check]:
    """Doubtful values, undecided duplicates and unreachable contacts, most urgent first."""
    out: list[Check] = []
    seen_reviews: set[int] = set()
    for e in entries:
        path = e.cards[-1].path if e.cards else None
        for name, conf in e.low_confidence(threshold).items():
            out.append(
                Check(
                    f"Check the {FIELD_LABELS.get(name, name)} of {_who(e)}: "
                    f"{_value_text(e, name)} (read with confidence {conf:.2f})",
                    e.id,
                    path,
                )
            )
        for r in e.reviews:
            if r.id in seen_reviews:
                continue
            seen_reviews.add(r.id)
            other = r.b_id if r.a_id == e.id else r.a_id
            out.append(
                Check(
                    f"Possible duplicate: contact {r.a_id} and contact {r.b_id} "
                    f"(score {r.score:.2f}; {', '.join(r.reasons)}): decide with `cardscan review`",
                    e.id if other != e.id else None,
                    path,
                )
            )
        if e.meetings and not e.contact.of_kind("email") and not e.contact.of_kind("phone"):
            out.append(Check(f"No e-mail or phone for {_who(e)}: look at the card", e.id, path))
    return out


#: How to name each field in a check item.
FIELD_LABELS = {
    "name": "name",
    "title": "job title",
    "company": "company",
    "emails": "e-mail",
    "phones": "phone",
    "websites": "website",
    "address": "address",
    "social": "social profile",
}


def _value_text(e: Entry, name: str) -> str:
    c = e.contact
    single = {"name": c.name, "title": c.title, "company": c.company, "address": c.address}
    if name in single:
        return f'"{single[name] or ""}"'
    kind = {"emails": "email", "phones": "phone", "websites": "website"}.get(name, "social")
    return ", ".join(f'"{v.display}"' for v in c.of_kind(kind)) or "(none)"


def _who(e: Entry) -> str:
    c = e.contact
    return f"{c.label} ({c.company})" if c.company and c.name else c.label


def _first_name(e: Entry) -> str:
    c = e.contact
    return c.given_name or (c.name.split()[0] if c.name else "there")


def _reach(e: Entry) -> str:
    emails, phones = e.contact.of_kind("email"), e.contact.of_kind("phone")
    if emails:
        return emails[0].display
    mobile = [p for p in phones if p.type == "mobile"]
    # Written as every export writes a phone (phone_text).
    return phone_text((mobile or list(phones))[0]) if phones else ""


def _when(on: str, sent: date) -> str:
    """When a meeting was, as said in a message sent on ``sent``.

    "today", "yesterday", "on Wednesday" within the week, else "on 5 December".
    """
    day = _as_date(on)
    delta = (sent - day).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "yesterday"
    if 1 < delta < 7:
        return f"on {day.strftime('%A')}"
    return f"on {day.day} {day.strftime('%B')}"


def _where(e: Entry, event: str | None) -> str:
    met = e.last_met
    if event:
        return f"at {event}"
    if met is not None and met.event is not None:
        return f"at {met.event.name}"
    return ""


def _note_line(e: Entry) -> list[str]:
    # The user's own shorthand, shown as a reminder to weave in rather than pasted into the
    # message: "wants intro to CPA" reads badly as prose, but it is what makes it personal.
    notes = [n for n in e.contact.notes if n.strip()]
    return [f"[Your note: {n.strip()}]" for n in notes[-2:]]


def _planned(t: Task, e: Entry, other: Entry | None, event: str | None, today: date) -> PlannedTask:
    who = _who(e)
    first = _first_name(e)
    met = e.last_met
    # Only an event says when you talked; a scan date without one is when you typed it in.
    # The time is worded as of the day the message goes out: the task's due date (or
    # today, for a task already late).
    sent = max(_as_date(t.due), today)
    when = _when(met.on, sent) if met and met.event else ""
    where = _where(e, event)
    context = " ".join(x for x in (where, when) if x)
    sign = ["", "Best,"]
    if t.kind == "thank-you":
        title = f"Send {who} a personal thank-you"
        body = [
            f"Hi {first},",
            "",
            f"Thank you for the conversation {context} — it was good to meet you."
            if context
            else "Thank you for the conversation — it was good to meet you.",
            *_note_line(e),
        ]
        if t.priority == 1:
            body.append("Would you have time for a coffee or a short call next week?")
        why = e.met_text() or "you took their card"
    elif t.kind == "meet":
        title = f"Meet {who} for a coffee or a call"
        body = [
            f"Hi {first},",
            "",
            f"I keep thinking about our conversation {context}.".replace("  ", " "),
            *_note_line(e),
            "Could we find 30 minutes for a coffee or a call? Here are two times that suit me: …",
        ]
        why = (
            f"{e.met_text() or 'met'}"
            if top_pick(t) is not None
            else f"priority {PRIORITY_NAMES[t.priority]} contact; {e.met_text() or 'met'}"
        )
    elif t.kind == "check-in":
        title = f"Check in with {who}"
        company = f" at {e.contact.company}" if e.contact.company else ""
        body = [
            f"Hi {first},",
            "",
            f"It has been a while since we met {context}.".replace("  ", " "),
            f"How are things going{company}?",
            *_note_line(e),
        ]
        why = "a month after the last touch: keep the connection warm"
    elif t.kind == "touch":
        title = f"Quarterly touch: {who}"
        body = [
            f"Hi {first},",
            "",
            "I came across something that made me think of you: …",
            *_note_line(e),
        ]
        why = "keep meeting the people who matter, a few times a year"
    elif t.kind == INTRO and other is not None:
        title = f"Introduce {e.contact.label} to {other.contact.label}"
        need = t.reason
        body = [
            f"Hi {_first_name(other)},",
            "",
            f"I met {e.contact.label}"
            + (f" ({e.contact.title})" if e.contact.title else "")
            + (f" {context}" if context else "")
            + ", who is looking for help you could give.",
            "Would you be open to an introduction? If yes, I will connect you both by e-mail.",
        ]
        why = need + ". Ask them first; introduce only if both agree."
    elif t.kind == MISSED:
        title = f"Sorry we missed you at {event or 'the event'}: {who}"
        body = [
            f"Hi {first},",
            "",
            f"We were sorry to miss you at {event or 'the event'}.",
            "Here is what we talked about, in case it is useful: …",
            "I hope to see you at the next one.",
        ]
        why = "registered but did not check in"
    elif t.kind == RECAP:
        title = f"Send {who} the recap of {event or 'the event'}"
        body = [
            f"Hi {first},",
            "",
            f"Thank you for coming to {event or 'the event'}. The slides and photos are here: …",
        ]
        why = "checked in and opted in to event news"
    else:  # a task kind from a newer cardscan, or an introduction whose partner is gone
        title = f"{t.kind}: {who}"
        body = [f"Hi {first},"]
        why = t.reason
    if t.reason and t.kind not in (INTRO,):
        why = f"{why}; {t.reason}"
    return PlannedTask(
        id=t.id,
        kind=t.kind,
        title=title,
        due=_as_date(t.due),
        priority=t.priority,
        contact=e,
        other=other,
        event=event,
        why=why,
        draft="\n".join([*body, *sign]),
        reach=_reach(other if t.kind == INTRO and other is not None else e),
        label=priority_label(t.priority, top_pick(t)),
    )


# -- the three outputs ------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Keep OCR text from being read as Markdown (links, emphasis, headings).

    Escape sequences, control characters and bidi overrides are taken out first: the
    checklist is read in a terminal too.
    """
    out = clean_text(text, multiline=True)
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def _due_heading(day: date, today: date) -> str:
    if day < today:
        return f"Overdue (was due {day.isoformat()})"
    if day == today:
        return f"Today, {day.isoformat()}"
    if day == today + timedelta(days=1):
        return f"Tomorrow, {day.isoformat()}"
    return f"{day.strftime('%A')} {day.isoformat()}"


def plan_markdown(plan: Plan, *, title: str = "Follow-up plan") -> str:
    """The plan as a Markdown checklist: checks first, then tasks by due date, then priority."""
    lines = [f"# {_escape(title)} — {plan.today.isoformat()}", ""]
    lines.append(
        f"{len(plan.tasks)} open task(s), {len(plan.new)} new; "
        f"{len(plan.checks)} thing(s) to check first. "
        "Mark a task done with `cardscan task done ID`; the next touch is then scheduled."
    )
    lines.append("")
    if plan.checks:
        lines += ["## Check these first", ""]
        for c in plan.checks:
            where = f" (`{c.path}`)" if c.path else ""
            lines.append(f"- [ ] {_escape(c.what)}{where}")
        lines.append("")
    if not plan.tasks:
        lines += ["Nothing to follow up yet.", ""]
    current: date | None = None
    for t in plan.tasks:
        if t.due != current:
            current = t.due
            lines += [f"## {_due_heading(t.due, plan.today)}", ""]
        reach = f" — {_escape(t.reach)}" if t.reach else ""
        lines.append(f"- [ ] **{_escape(t.title)}**{reach} · {t.label} · task {t.id}")
        lines.append(f"  - Why: {_escape(t.why)}")
        lines.append("  - Draft:")
        lines += [f"    > {_escape(line)}" if line else "    >" for line in t.draft.splitlines()]
    if plan.held_back:
        lines += ["", "## No follow-up (asked not to be contacted)", ""]
        lines += [f"- {_escape(who)}" for who in plan.held_back]
    lines.append("")
    return "\n".join(lines)


#: Columns of ``tasks.csv``: what task tools and CRMs map on import.
TASK_COLUMNS = (
    "id",
    "title",
    "due",
    "priority",
    "kind",
    "contact",
    "email",
    "phone",
    "company",
    "notes",
    "event",
    "why",
    "draft",
)


def tasks_csv(plan: Plan) -> str:
    """The tasks as CSV (UTF-8 text, CRLF rows, every cell spreadsheet-safe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TASK_COLUMNS)
    for t in plan.tasks:
        person = t.other if t.kind == INTRO and t.other is not None else t.contact
        c = person.contact
        emails, phones = c.of_kind("email"), c.of_kind("phone")
        row: Mapping[str, object] = {
            "id": t.id,
            "title": t.title,
            "due": t.due.isoformat(),
            "priority": t.label,
            "kind": t.kind,
            "contact": c.label,
            "email": emails[0].display if emails else "",
            "phone": safe_phone_cell(phone_text(phones[0])) if phones else "",
            "company": c.company or "",
            "notes": "\n".join(t.contact.contact.notes),
            "event": t.event or "",
            "why": t.why,
            "draft": t.draft,
        }
        writer.writerow([row[k] if k == "phone" else safe_cell(row[k]) for k in TASK_COLUMNS])
    return buffer.getvalue()


#: ``PRIORITY`` of a VTODO (RFC 5545 3.8.1.9: 1 highest, 9 lowest, 0 undefined).
ICAL_PRIORITY = {1: 1, 2: 3, 3: 5, 4: 9}


def tasks_ics(plan: Plan, *, store_id: str = "cardscan") -> bytes:
    """The tasks as an iCalendar file: one VTODO per task, due at 17:00, an alarm at 09:00.

    UIDs are stable (``cardscan-task-ID@store_id``), so importing the file again updates
    the tasks instead of duplicating them; ``done`` tasks are written as COMPLETED so the
    calendar ticks them off too.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", "-//cardscan//follow-up plan//EN")
    cal.add("version", "2.0")
    stamp = datetime.combine(plan.today, time(0, 0)).astimezone()
    for t, completed in [*((t, False) for t in plan.tasks), *((t, True) for t in plan.done)]:
        todo = icalendar.Todo()
        todo.add("uid", f"cardscan-task-{t.id}@{store_id}")
        todo.add("dtstamp", stamp)
        todo.add("summary", clean_text(t.title))
        # Floating local times: "due by the end of the working day, wherever you are".
        todo.add("due", datetime.combine(t.due, time(17, 0)))
        todo.add("priority", ICAL_PRIORITY.get(t.priority, 0))
        todo.add("status", "COMPLETED" if completed else "NEEDS-ACTION")
        reach = f"Reach: {t.reach}\n" if t.reach else ""
        todo.add("description", clean_text(f"{reach}Why: {t.why}\n\n{t.draft}", multiline=True))
        todo.add("categories", ["cardscan", t.kind])
        if t.event:
            todo.add("location", t.event)
        if not completed:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", clean_text(t.title))
            # Relative to DUE (17:00): the morning of the day the task is due.
            alarm.add("trigger", timedelta(hours=-8), parameters={"RELATED": "END"})
            todo.add_component(alarm)
        cal.add_component(todo)
    return cal.to_ical()


def _result_who(result: CardResult) -> str:
    c = result.contact
    who = c.name.value if c.name else "(no name read)"
    if c.company:
        who += f", {c.company.value}"
    return who


def _result_field_text(result: CardResult, name: str) -> str:
    """The value(s) of a field of a freshly read card, as shown in a check item."""
    c = result.contact
    single = getattr(c, name, None) if name in ("name", "title", "company", "address") else None
    if single is not None:
        return f'"{single.value}"'
    values = getattr(c, name, ())
    shown = [f.value.number if isinstance(f.value, Phone) else str(f.value) for f in values]
    return ", ".join(f'"{s}"' for s in shown)


def _person_key(result: CardResult) -> str:
    """Who a card is of, for not thanking one person twice: e-mail, else phone, else name."""
    c = result.contact
    if c.emails:
        return "e:" + c.emails[0].value.lower()
    if c.phones:
        return "p:" + c.phones[0].value.number
    name = " ".join((c.name.value if c.name else "").lower().split())
    return "n:" + name if name else f"r:{result.source}#{result.card}"


def scan_checklist(results: Sequence[CardResult], review_threshold: float, today: date) -> str:
    """The checklist for one scanned batch, as Markdown (``followup.md`` beside contacts.csv).

    The living plan over the whole store is :func:`refresh_plan`; this one needs no store.

    Unreadable photos and doubtful values come first, then one thank-you per contact,
    due the next day: prompt follow-up is what gets remembered.
    """
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    lines = [f"# Follow-up plan — {today.isoformat()}", ""]
    lines.append(f"{len(ok)} contact(s) read, {len(failed)} photo(s) could not be read.")
    lines.append("")

    checks: list[str] = []
    for r in failed:
        checks.append(f"- [ ] Re-take or type in `{r.source}`: {_escape(r.error or 'unreadable')}")
    for r in ok:
        for name, value in r.contact.needs_check(review_threshold).items():
            checks.append(
                f"- [ ] Check the {FIELD_LABELS.get(name, name)} of {_escape(_result_who(r))}: "
                f"{_escape(_result_field_text(r, name))} (confidence {value:.2f}, `{r.source}`)"
            )
        if not r.contact.emails and not r.contact.phones:
            checks.append(
                f"- [ ] No e-mail or phone read for {_escape(_result_who(r))}: look at `{r.source}`"
            )
    if checks:
        lines += ["## Check these first", "", *checks, ""]

    due = today + timedelta(days=1)
    lines += [f"## Follow up by {due.isoformat()}", ""]
    if not ok:
        lines.append("Nothing to follow up yet.")
    thanked: set[str] = set()
    for r in ok:
        c = r.contact
        # One thank-you per person, however many of their cards the batch holds.
        person = _person_key(r)
        if person in thanked:
            continue
        thanked.add(person)
        how = c.emails[0].value if c.emails else None
        if how is None and c.phones:
            how = c.phones[0].value.number
        reach = f" — {_escape(how)}" if how else ""
        lines.append(f"- [ ] Send {_escape(_result_who(r))} a personal thank-you{reach}")
    lines.append("")
    return "\n".join(lines)
