"""The review report: one self-contained HTML page to look over scanned contacts.

Each contact's card photo sits beside the fields read from it; values read with low
confidence are marked, possible duplicates and event check-ins are badged, and the
follow-up plan's first checks and tasks come first. The page loads nothing from the
network: photos are embedded as ``data:`` thumbnails, the style is inline, and a
Content-Security-Policy forbids any other load, so the file can be mailed or archived
and opened anywhere without leaking that it was opened.

:func:`render_report` is pure (entries and plan in, HTML text out); photos come through a
``thumbnails`` callable, :func:`photo_thumbnails` in use and a stub in tests.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

from cardscan.book.entries import card_placement
from cardscan.book.store import local_time
from cardscan.errors import InputImageError
from cardscan.outputs.followup import PRIORITY_NAMES
from cardscan.reading import imaging

if TYPE_CHECKING:
    from cardscan.book.entries import Entry, FailedPhoto
    from cardscan.book.store import Attendance, Event, Review, Store, StoredValue
    from cardscan.outputs.followup import Check, Plan, PlannedTask

__all__ = ["photo_thumbnails", "render_report", "straightened_cards"]

#: Field table rows: (field name as in Entry.low_confidence, label).
_LABELS = {
    "name": "Name",
    "title": "Title",
    "company": "Company",
    "emails": "Email",
    "phones": "Phone",
    "websites": "Website",
    "address": "Address",
    "social": "Social",
    "notes": "Notes",
    "tags": "Tags",
    "met": "Met",
    "history": "Earlier",
    "conflicts": "Other readings",
}

# The only script: it reports, once the page has loaded, how many photos the browser
# decoded and how many loads the Content-Security-Policy blocked. The page is complete
# without it; the browser test reads its result from the DOM. It is allowed by its hash,
# so a script smuggled into OCR text would still be refused even if escaping failed.
_SCRIPT = (
    "(function(){var blocked=0;"
    "document.addEventListener('securitypolicyviolation',function(){blocked++;"
    "var s=document.getElementById('render-status');"
    "if(s){s.setAttribute('data-blocked',String(blocked));}});"
    "window.addEventListener('load',function(){"
    "var imgs=document.querySelectorAll('img'),ok=0,i;"
    "for(i=0;i<imgs.length;i++){if(imgs[i].complete&&imgs[i].naturalWidth>0){ok++;}}"
    "var s=document.getElementById('render-status');if(!s){return;}"
    "s.setAttribute('data-images',String(imgs.length));"
    "s.setAttribute('data-decoded',String(ok));"
    "s.setAttribute('data-blocked',String(blocked));"
    "s.textContent=ok+' of '+imgs.length+' photos displayed; '+blocked+"
    "' network loads blocked.';s.hidden=false;});})();"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()

#: No load but the page's own style, its one script and embedded images: OCR text is
#: untrusted, and a report opened from a mail must not tell anyone it was opened.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)

_CSS = """
:root { --ink: #1d232b; --muted: #5b6570; --line: #d5dae0; --warn: #fff1b8;
  --warn-edge: #b58100; --ok: #dff3e4; --bad: #fde2e1; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 1.5rem; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { font-size: 1.25rem; margin: 0 0 .4rem; }
h3 { font-size: 1rem; margin: 0; }
a { color: #0b57a4; }
.muted, .meta { color: var(--muted); }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; list-style: none; }
.counts li { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .7rem; }
.counts b { font-size: 1.15rem; }
section.plan, section.contact { border-top: 2px solid var(--line); padding: 1rem 0; }
.task { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem;
  margin: .5rem 0; }
.task pre, .draft { white-space: pre-wrap; font: inherit; background: #f6f7f9;
  padding: .5rem; margin: .4rem 0 0; }
.prio { font-weight: 600; text-transform: uppercase; font-size: .8rem; }
.prio-1 { color: #a4161a; } .prio-2 { color: #b35c00; }
.card { display: flex; gap: 1.25rem; align-items: flex-start; flex-wrap: wrap; }
.photos { flex: 0 0 420px; display: flex; flex-direction: column; gap: .5rem; }
.photos figure { margin: 0; }
.photos img { max-width: 320px; max-height: 320px; border: 1px solid var(--line);
  display: block; }
.photos figure.straight img { max-width: 420px; max-height: none; width: 100%; }
.photos figcaption { font-size: .8rem; color: var(--muted); word-break: break-all; }
.nophoto { width: 320px; min-height: 120px; border: 2px dashed var(--line);
  display: flex; align-items: center; justify-content: center; text-align: center;
  color: var(--muted); padding: .5rem; }
table.fields { flex: 1 1 420px; border-collapse: collapse; }
.fields th { text-align: left; vertical-align: top; width: 8.5rem; padding: .25rem .5rem;
  color: var(--muted); font-weight: 600; }
.fields td { padding: .25rem .5rem; vertical-align: top; white-space: pre-line; }
.fields tr { border-bottom: 1px solid var(--line); }
tr.low { background: var(--warn); border-left: 4px solid var(--warn-edge); }
.flag { display: inline-block; font-weight: 600; color: #6b4a00; margin-left: .4rem;
  font-size: .85rem; white-space: nowrap; }
.badges { display: flex; flex-wrap: wrap; gap: .35rem; margin: .2rem 0 .6rem;
  padding: 0; list-style: none; }
.badge { border-radius: 999px; padding: .1rem .6rem; font-size: .85rem;
  border: 1px solid var(--line); }
.badge.dup { background: var(--bad); border-color: #e0a3a0; }
.badge.in { background: var(--ok); border-color: #9fd0ab; }
.badge.away { background: #eef0f3; }
.badge.check { background: var(--warn); border-color: var(--warn-edge); }
.tag { background: #eef0f3; border-radius: 4px; padding: 0 .35rem; margin-right: .25rem; }
ul.plain { margin: 0; padding-left: 1.1rem; }
section#failed { border-top: 2px solid var(--line); padding: 1rem 0; }
article.failed { display: flex; gap: 1.25rem; flex-wrap: wrap; margin: .75rem 0; }
article.failed .error { background: var(--bad); padding: .3rem .5rem; margin: .4rem 0; }
footer { border-top: 2px solid var(--line); margin-top: 1rem; padding-top: .5rem;
  font-size: .85rem; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section.contact, .task { break-inside: avoid; }
  .photos img { max-width: 7cm; }
  a { color: inherit; text-decoration: none; }
  tr.low, .badge { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def _e(text: object) -> str:
    """HTML-escaped text, quotes included, so it is safe in content and attributes alike."""
    return html.escape(str(text), quote=True)


def _anchor(contact_id: int) -> str:
    return f"contact-{contact_id}"


def photo_thumbnails(
    max_side: int = 480, *, quality: int = 80, max_pixels: int = 120_000_000
) -> Callable[[str], str | None]:
    """A ``thumbnails`` callable for :func:`render_report` that reads the photos from disk.

    Each photo is read once however many cards it holds. A photo that is gone or
    unreadable gives None, and the report says so instead of failing.

    Args:
        max_side: Longest side of each thumbnail in pixels.
        quality: JPEG quality of the thumbnails.
        max_pixels: Photos with more pixels than this are not opened.

    Returns:
        A function from a photo's path to a ``data:image/jpeg;base64,...`` URI or None.
    """
    cache: dict[str, str | None] = {}

    def thumbnail(path: str) -> str | None:
        if path not in cache:
            try:
                data = imaging.thumbnail_jpeg(path, max_side, quality, max_pixels)
            except InputImageError:
                cache[path] = None
            else:
                cache[path] = "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
        return cache[path]

    return thumbnail


def straightened_cards(
    store: Store, max_side: int = 900, *, max_pixels: int = 120_000_000
) -> Callable[[int], str | None]:
    """A ``straightened`` callable for :func:`render_report`: each card cut out of its photo.

    The card is straightened and turned upright from the corners and rotation the scan
    stored, so its print is legible at the report's size (the whole photo shrunk is not).
    Cards read before the store kept geometry, and photos gone or unreadable, give None.
    """

    def view(card_id: int) -> str | None:
        try:
            place = card_placement(store, card_id)
            if not place.known:
                return None
            data, _w, _h = imaging.card_view(
                place.path, place.quad, place.rotation, max_side, max_pixels
            )
        except (InputImageError, ValueError):
            return None
        return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")

    return view


def render_report(
    entries: Sequence[Entry],
    plan: Plan | None,
    *,
    title: str,
    threshold: float,
    generated: datetime | date | str,
    thumbnails: Callable[[str], str | None] | None = None,
    straightened: Callable[[int], str | None] | None = None,
    first_tasks: int = 15,
    event: str | None = None,
    failed: Sequence[FailedPhoto] = (),
) -> str:
    """The review report as one self-contained HTML page.

    Args:
        entries: The contacts to show, in the order shown (from ``book.select_entries``).
        plan: The follow-up plan whose checks and first tasks lead the page, or None.
        title: The page's title and heading.
        threshold: Field confidences below this are marked for checking.
        generated: When the report was made, shown in the header.
        thumbnails: Photo path → ``data:image/...`` URI, or None when the photo is
            missing or unreadable (see :func:`photo_thumbnails`); without it no photo
            is embedded.
        straightened: Card id → the card cut out of its photo, straightened and upright
            (a ``data:image/...`` URI; see :func:`straightened_cards`), shown above the
            photo so its print can be read; None where there is none.
        first_tasks: How many of the plan's tasks to list.
        event: The event the report is for (name or id, as ``--event`` takes it): its
            check-in counts head the page and only its status is badged. Without it,
            every event the contacts are registered for is counted.
        failed: Photos the scan could not read (from ``book.entries.failed_photos``):
            listed under the contacts with what went wrong and the fix, so none is
            forgotten.

    Returns:
        The HTML text (UTF-8, no external references).
    """
    shown = {e.id: e for e in entries}
    events = _events(entries, event)
    tasks_by_contact: dict[int, list[PlannedTask]] = {}
    if plan is not None:
        for task in plan.tasks:
            tasks_by_contact.setdefault(task.contact.id, []).append(task)
    when = (
        generated.isoformat(sep=" ", timespec="minutes")
        if isinstance(generated, datetime)
        else str(generated)
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{_SCRIPT}</script>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Generated {_e(when)}. Values read with less than '
        f"{threshold:.0%} confidence are marked ⚠ check.</p>",
        _counts(entries, events, threshold, len(failed)),
        "</header>",
    ]
    if plan is not None:
        parts.append(_checks(plan.checks, shown))
        parts.append(_tasks(plan.tasks, first_tasks, shown))
    parts.append('<main id="contacts">')
    if not entries:
        parts.append('<p class="muted">No contacts in this selection.</p>')
    for entry in entries:
        parts.append(
            _contact(
                entry,
                shown,
                events,
                threshold,
                thumbnails,
                tasks_by_contact.get(entry.id, []),
                straightened,
            )
        )
    parts.append("</main>")
    if failed:
        parts.append(_failed(failed, thumbnails))
    parts += [
        "<footer>",
        f"<p>cardscan review report · {len(entries)} contacts · generated {_e(when)}.</p>",
        '<p id="render-status" hidden></p>',
        "</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def _events(entries: Sequence[Entry], event: str | None) -> list[Event]:
    """The events whose check-ins the report counts and badges, by id."""
    seen: dict[int, Event] = {}
    for entry in entries:
        for ev, _att in entry.attendance:
            seen.setdefault(ev.id, ev)
        for m in entry.meetings:
            if m.event is not None:
                seen.setdefault(m.event.id, m.event)
    if event is None:
        return sorted(seen.values(), key=lambda ev: ev.id)
    wanted = event.strip().casefold()
    return [ev for ev in seen.values() if wanted in (str(ev.id), ev.name.strip().casefold())]


def _counts(
    entries: Sequence[Entry], events: list[Event], threshold: float, failed: int = 0
) -> str:
    cards = sum(len(e.cards) for e in entries)
    checks = sum(1 for e in entries if e.low_confidence(threshold))
    reviews = {r.id for e in entries for r in e.reviews if r.status == "open"}
    items = [
        (len(entries), "contacts"),
        (cards, "cards"),
        (checks, "needing a check"),
        (len(reviews), "open duplicate reviews"),
    ]
    if failed:
        items.append((failed, "photos not read"))
    out = ['<ul class="counts" id="counts">']
    out += [f"<li><b>{n}</b> {_e(what)}</li>" for n, what in items]
    for ev in events:
        rows = [att for e in entries for evt, att in e.attendance if evt.id == ev.id]
        registered = sum(1 for a in rows if a.registered)
        arrived = sum(1 for a in rows if a.arrived_at)
        walk_ins = sum(1 for a in rows if a.walk_in)
        no_shows = sum(1 for a in rows if a.registered and not a.arrived_at)
        when = f" ({ev.date})" if ev.date else ""
        out.append(
            f'<li class="event" data-event="{ev.id}">{_e(ev.name)}{_e(when)}: '
            f"<b>{arrived}</b> checked in · <b>{registered}</b> registered · "
            f"<b>{walk_ins}</b> walk-ins · <b>{no_shows}</b> no-show</li>"
        )
    out.append("</ul>")
    return "\n".join(out)


def _who(contact_id: int | None, shown: dict[int, Entry]) -> str:
    """A link to a contact's section, or plain ``#N`` when it is not in the report."""
    if contact_id is None:
        return ""
    entry = shown.get(contact_id)
    if entry is None:
        return f"#{contact_id} (not in this report)"
    return f'<a href="#{_anchor(contact_id)}">#{contact_id} {_e(entry.contact.label)}</a>'


def _checks(checks: Sequence[Check], shown: dict[int, Entry]) -> str:
    out = ['<section class="plan" id="checks">', "<h2>Check these first</h2>"]
    if not checks:
        out.append('<p class="muted">Nothing to check.</p>')
    else:
        out.append('<ul class="plain">')
        for check in checks:
            # The check's wording already names the person; the link only leads there.
            bits = [_e(check.what)]
            if check.path:
                bits.append(f"<code>{_e(check.path)}</code>")
            if check.contact_id in shown:
                bits.append(f'<a href="#{_anchor(check.contact_id)}">see #{check.contact_id}</a>')
            out.append(f"<li>{' — '.join(bits)}</li>")
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def _tasks(tasks: Sequence[PlannedTask], first: int, shown: dict[int, Entry]) -> str:
    out = ['<section class="plan" id="tasks">', "<h2>Next tasks</h2>"]
    if not tasks:
        out.append('<p class="muted">No follow-up tasks.</p>')
    elif len(tasks) > first:
        out.append(f'<p class="muted">The first {first} of {len(tasks)} tasks.</p>')
    for task in tasks[:first]:
        prio = task.label or PRIORITY_NAMES.get(task.priority, str(task.priority))
        who = _who(task.contact.id, shown)
        if task.other is not None:
            who += " and " + _who(task.other.id, shown)
        reach = f" · {_e(task.reach)}" if task.reach else ""
        out += [
            f'<article class="task" data-task="{task.id}">',
            f'<h3><span class="prio prio-{task.priority}">{_e(prio)}</span> '
            f"due {_e(task.due.isoformat())} · {_e(task.title)}</h3>",
            f'<p class="meta">{_e(task.kind)} · {who}{reach}</p>',
            f"<p>{_e(task.why)}</p>" if task.why else "",
        ]
        if task.draft:
            out.append(
                f'<details><summary>Draft</summary><pre class="draft">{_e(task.draft)}</pre>'
                "</details>"
            )
        out.append("</article>")
    out.append("</section>")
    return "\n".join(p for p in out if p)


def _contact(
    entry: Entry,
    shown: dict[int, Entry],
    events: list[Event],
    threshold: float,
    thumbnails: Callable[[str], str | None] | None,
    tasks: list[PlannedTask],
    straightened: Callable[[int], str | None] | None = None,
) -> str:
    c = entry.contact
    low = entry.low_confidence(threshold)
    sub = " · ".join(_e(x) for x in (c.title, c.company) if x)
    out = [
        f'<section class="contact" id="{_anchor(entry.id)}" data-contact="{entry.id}">',
        f"<h2>#{entry.id} <bdi>{_e(c.label)}</bdi></h2>",
    ]
    if sub:
        out.append(f'<p class="meta"><bdi>{sub}</bdi></p>')
    badges = _badges(entry, shown, events, low)
    if badges:
        out.append(f'<ul class="badges">{"".join(badges)}</ul>')
    out.append('<div class="card">')
    out.append(_photos(entry, thumbnails, straightened))
    out.append(_fields(entry, low))
    out.append("</div>")
    if tasks:
        out.append('<ul class="plain followups">')
        for t in tasks:
            prio = t.label or PRIORITY_NAMES.get(t.priority, str(t.priority))
            out.append(
                f"<li>Follow-up: {_e(t.title)} (due {_e(t.due.isoformat())}, {_e(prio)})</li>"
            )
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def _badges(
    entry: Entry, shown: dict[int, Entry], events: list[Event], low: dict[str, float]
) -> list[str]:
    out = []
    if low:
        n = len(low)
        out.append(f'<li class="badge check">⚠ {n} field{"s" if n != 1 else ""} to check</li>')
    for review in entry.reviews:
        if review.status == "open":
            out.append(_duplicate_badge(entry.id, review, shown))
    wanted = {ev.id for ev in events}
    for ev, att in entry.attendance:
        if ev.id in wanted:
            out.append(_attendance_badge(ev, att, len(wanted) > 1))
    return out


def _duplicate_badge(me: int, review: Review, shown: dict[int, Entry]) -> str:
    other = review.b_id if review.a_id == me else review.a_id
    reasons = ", ".join(review.reasons)
    why = f"score {review.score:.2f}" + (f": {reasons}" if reasons else "")
    return (
        f'<li class="badge dup" data-review="{review.id}">possible duplicate of '
        f"{_who(other, shown)} ({_e(why)})</li>"
    )


def _attendance_badge(ev: Event, att: Attendance, name_it: bool) -> str:
    where = f"{_e(ev.name)}: " if name_it else ""
    if att.arrived_at:
        what = f"checked in at {_e(local_time(att.arrived_at))}"
        if att.walk_in:
            what += " · walk-in"
        return f'<li class="badge in" title="{_e(att.arrived_at)}">✓ {where}{what}</li>'
    if att.registered:
        return f'<li class="badge away">{where}registered, not arrived</li>'
    return f'<li class="badge in">{where}walk-in</li>'


def _photos(
    entry: Entry,
    thumbnails: Callable[[str], str | None] | None,
    straightened: Callable[[int], str | None] | None = None,
) -> str:
    out = ['<div class="photos">']
    if not entry.cards:
        out.append('<div class="nophoto">No card photo (added without a scan)</div>')
    for card in entry.cards:
        uri = straightened(card.id) if straightened is not None else None
        if uri is not None and uri.startswith("data:image/"):
            out.append(
                f'<figure class="straight"><img src="{_e(uri)}" alt="The card of '
                f'{_e(entry.contact.label)}, straightened"><figcaption>card {card.card + 1}, '
                "straightened</figcaption></figure>"
            )
    paths: dict[str, list[str]] = {}
    for card in entry.cards:
        side = " (back)" if card.record.get("back") else ""
        paths.setdefault(card.path, []).append(f"card {card.card + 1}{side}")
    for path, which in paths.items():
        name = PurePath(path).name or path
        caption = f"{_e(name)} · {_e(', '.join(which))}"
        uri = thumbnails(path) if thumbnails is not None else None
        # Only embedded images: a thumbnails callable handing back a URL would make the
        # page load it (the CSP would refuse it, but the page should not even ask).
        if uri is not None and uri.startswith("data:image/"):
            img = (
                f'<img src="{_e(uri)}" alt="Card photo of {_e(entry.contact.label)}" '
                'loading="eager">'
            )
        elif thumbnails is None:
            img = '<div class="nophoto">Photo not included in this report</div>'
        else:
            img = '<div class="nophoto missing">Photo missing or unreadable</div>'
        out.append(f'<figure>{img}<figcaption title="{_e(path)}">{caption}</figcaption></figure>')
    out.append("</div>")
    return "\n".join(out)


def _failed(failed: Sequence[FailedPhoto], thumbnails: Callable[[str], str | None] | None) -> str:
    """The photos the scan could not read: each with its error, the fix and the photo."""
    out = [
        '<section id="failed">',
        f"<h2>Photos not read ({len(failed)})</h2>",
        '<p class="muted">Type them in with <code>cardscan app</code>, or scan them again '
        "after the fix; <code>cardscan failed --dismiss ID</code> sets one aside.</p>",
    ]
    for photo in failed:
        uri = thumbnails(photo.path) if thumbnails is not None else None
        if uri is not None and uri.startswith("data:image/"):
            img = f'<img src="{_e(uri)}" alt="Photo {_e(photo.label)}" loading="eager">'
        else:
            img = '<div class="nophoto missing">Photo missing or unreadable</div>'
        fix = f'<p class="fix">Fix: {_e(photo.hint)}</p>' if photo.hint else ""
        out.append(
            f'<article class="failed" data-card="{photo.card_id}"><div class="photos">'
            f'<figure>{img}<figcaption title="{_e(photo.path)}">{_e(photo.label)}'
            f"</figcaption></figure></div><div><h3>{_e(photo.label)} "
            f'<span class="muted">#{photo.card_id}</span></h3>'
            f'<p class="error">{_e(photo.error)}</p>{fix}</div></article>'
        )
    out.append("</section>")
    return "\n".join(out)


def _values(values: Sequence[StoredValue]) -> list[str]:
    out = []
    for v in values:
        text = _e(v.display or v.value)
        extra = [v.type] if v.kind == "phone" and v.type else []
        if v.ext:
            extra.append(f"ext. {v.ext}")
        if extra:
            text += f' <span class="muted">({_e(", ".join(extra))})</span>'
        out.append(f"<bdi>{text}</bdi>")
    return out


def _fields(entry: Entry, low: dict[str, float]) -> str:
    c = entry.contact
    rows: list[tuple[str, list[str]]] = [
        ("name", [f"<bdi>{_e(c.name)}</bdi>"] if c.name else []),
        ("title", [f"<bdi>{_e(c.title)}</bdi>"] if c.title else []),
        ("company", [f"<bdi>{_e(c.company)}</bdi>"] if c.company else []),
        ("emails", _values(c.of_kind("email"))),
        ("phones", _values(c.of_kind("phone"))),
        ("websites", _values(c.of_kind("website"))),
        ("address", [f"<bdi>{_e(c.address)}</bdi>"] if c.address else []),
        ("social", _values(c.of_kind("social"))),
        ("notes", [f"<bdi>{_e(n)}</bdi>" for n in c.notes]),
        ("tags", [" ".join(f'<span class="tag">{_e(t)}</span>' for t in c.tags)] if c.tags else []),
        ("met", [_e(entry.met_text())] if entry.met_text() else []),
        ("history", [_e(job.describe()) for job in c.history]),
        (
            "conflicts",
            [f"{_e(x.field)}: <bdi>{_e(x.other)}</bdi> ({_e(x.source)})" for x in c.conflicts],
        ),
    ]
    out = ['<table class="fields">']
    for name, cells in rows:
        conf = low.get(name)
        if not cells and conf is None:
            continue
        value = "<br>".join(cells) if cells else '<span class="muted">—</span>'
        if conf is None:
            out.append(f'<tr data-field="{name}"><th>{_LABELS[name]}</th><td>{value}</td></tr>')
            continue
        flag = (
            f'<span class="flag" title="read with {conf:.0%} confidence">'
            f"⚠ check ({conf:.0%})</span>"
        )
        out.append(
            f'<tr class="low" data-field="{name}" data-confidence="{conf:.2f}">'
            f"<th>{_LABELS[name]}</th><td>{value}{flag}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)
