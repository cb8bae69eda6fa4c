"""``cardscan app``: the local review-and-correct web app (Starlette on uvicorn).

Starlette is a small, well-kept ASGI toolkit (routing, requests, static files) without
an ORM or a form layer we would not use; uvicorn serves it and stops cleanly on Ctrl-C.
Pages are Jinja2 templates with auto-escaping on, so a card's text is always shown as
text; the one script and one style sheet come from this package (no CDN, no network).
:mod:`cardscan.web.guard` keeps every other site and user out.

Handlers are ``async`` on purpose: they then run one at a time on the server's loop, so
the store's single SQLite connection is never used by two threads at once. Only the card
images (decoding and straightening a photo, no store access) go to a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import socket
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cardscan.book.corrections import (
    AS_PRINTED_HINT,
    PHONE_TYPES,
    Edit,
    Typed,
    apply_edit,
    dismiss_failed,
    failed_card,
    photo_region,
    printed_number,
    restore_failed,
    type_in,
    typed_problems,
)
from cardscan.book.entries import Entry, card_placement, select_entries
from cardscan.book.events import CheckIn, check_in, contact_from
from cardscan.book.ingest import Ingester
from cardscan.book.store import Event, Store, local_time, now_iso
from cardscan.config import Settings
from cardscan.errors import CardscanError
from cardscan.models import Contact, Field
from cardscan.outputs.followup import build_plan, complete_task
from cardscan.reading import imaging
from cardscan.web.guard import Guard
from cardscan.web.review import (
    Queue,
    QueueItem,
    build_queue,
    card_view,
    source_text,
    with_item,
)

STATIC = Path(__file__).parent / "static"

#: Straightened card images kept in memory (JPEGs of a few hundred KB each).
IMAGE_CACHE_SIZE = 64


@dataclass
class AppState:
    """What one run of the app holds: the store, its secret, the event, the image cache."""

    store: Store
    token: str
    settings: Settings
    event: Event | None = None
    images: OrderedDict[int, bytes] = field(default_factory=OrderedDict)
    pending: dict[int, asyncio.Future[bytes]] = field(default_factory=dict)
    background: set[asyncio.Future[None]] = field(default_factory=set)
    #: The review queue as last computed, and the store's change mark then.
    queue: Queue | None = None
    queue_mark: tuple[int, int] | None = None
    #: Reads a photo at the check-in desk: ``process_image`` (tests put a stand-in here).
    reader: Callable[[Path, Settings], list[Any]] | None = None


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("cardscan.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "" if v is None else f"{float(v):.0%}"
    env.filters["local"] = lambda v: local_time(v, "%Y-%m-%d %H:%M")
    env.filters["source"] = source_text
    return env


def create_app(state: AppState, hosts: set[str]) -> Starlette:
    """The app for one run; ``hosts`` are the ``Host`` values it answers to."""
    env = _env()
    store = state.store
    threshold = state.settings.review_threshold
    event_name = state.event.name if state.event else None

    def page(name: str, **context: Any) -> HTMLResponse:
        context.setdefault("event", state.event)
        html = env.get_template(name).render(token=state.token, **context)
        return HTMLResponse(html)

    def queue() -> Queue:
        # Kept between requests while the store is unchanged: opening the next card must not
        # read every contact again. An edit updates its own item (see ``edit``); any other
        # change, here or by another cardscan, makes the queue be read again.
        mark = store.change_mark()
        if state.queue is None or state.queue_mark != mark:
            state.queue = build_queue(store, threshold, event_name)
            state.queue_mark = store.change_mark()
        return state.queue

    def one(contact_id: int) -> Entry:
        try:
            live = store.live_id(contact_id)
        except CardscanError as e:
            raise HTTPException(404, e.message) from e
        found = select_entries(store, ids=[live])
        if not found:
            raise HTTPException(404, f"no contact {contact_id}")
        return found[0]

    async def index(request: Request) -> Response:
        q = queue()
        return page("queue.html", queue=q, title="Review queue")

    async def card(request: Request) -> Response:
        contact_id = int(request.path_params["contact_id"])
        entry = one(contact_id)
        if entry.id != contact_id:
            return RedirectResponse(f"/card/{entry.id}", 303)
        q = queue()
        view = card_view(store, entry, threshold)
        before, after = q.neighbours(f"c{entry.id}")
        nxt = q.after(f"c{entry.id}")
        if nxt is not None:
            _warm(state, store, nxt)
        return page(
            "card.html",
            view=view,
            queue=q,
            before=before,
            after=after,
            next_unchecked=nxt,
            phone_types=PHONE_TYPES,
            title=entry.contact.label,
        )

    async def failed(request: Request) -> Response:
        card_id = int(request.path_params["card_id"])
        q = queue()
        key = f"f{card_id}"
        item = next((i for i in q.items if i.key == key), None)
        if item is None:
            # Typed in since (or read by a later scan): its contact's card is the page now.
            owner = store.card_contact(card_id)
            if owner is not None:
                return RedirectResponse(f"/card/{owner}", 303)
            raise HTTPException(404, f"no failed photo {card_id} waiting")
        card = store.card(card_id)
        before, after = q.neighbours(key)
        nxt = q.after(key)
        if nxt is not None:
            _warm(state, store, nxt)
        # Decoded now (then cached for the image request): a photo no decoder reads is
        # said in words on the page rather than asked for and missing.
        try:
            await _image(state, store, card_id)
            shown = True
        except Exception:
            shown = False
        return page(
            "failed.html",
            item=item,
            card=card,
            shown=shown,
            failure=card.record.get("failure") or {},
            dismissed=card.record.get("dismissed"),
            queue=q,
            before=before,
            after=after,
            next_unchecked=nxt,
            title=item.label,
        )

    def _after_change(key: str) -> str | None:
        state.queue = None
        nxt = queue().after(key)
        return None if nxt is None else nxt.href

    async def type_in_card(request: Request) -> Response:
        card_id = int(request.path_params["card_id"])
        body = await _json(request)
        typed = _typed_from(body)
        try:
            region = photo_region(store, failed_card(store, card_id), state.settings.region)
        except CardscanError as e:
            return JSONResponse({"ok": False, "error": e.message}, 422)
        problems = typed_problems(typed, region)
        if problems:
            keep = not typed.as_printed and all(printed_number(t) is not None for t in typed.phones)
            keep = keep and "phone" in problems and len(problems) == 1
            return JSONResponse({"ok": False, "problems": problems, "as_printed": keep}, 422)
        try:
            done = type_in(Ingester(store), card_id, typed, default_region=state.settings.region)
        except CardscanError as e:
            return JSONResponse({"ok": False, "error": e.message}, 422)
        return JSONResponse(
            {
                "ok": True,
                "contact": done.contact_id,
                "audit": done.audit_id,
                "review": done.review_id,
                "next": _after_change(f"f{card_id}"),
            }
        )

    async def dismiss(request: Request) -> Response:
        card_id = int(request.path_params["card_id"])
        back = request.path_params["how"] == "restore"
        try:
            audit_id = (restore_failed if back else dismiss_failed)(store, card_id)
        except CardscanError as e:
            return JSONResponse({"ok": False, "error": e.message}, 409)
        nxt = None if back else _after_change(f"f{card_id}")
        return JSONResponse({"ok": True, "next": nxt, "audit": audit_id})

    async def card_image(request: Request) -> Response:
        card_id = int(request.path_params["card_id"])
        try:
            data = await _image(state, store, card_id)
        except CardscanError as e:
            raise HTTPException(404, e.message) from e
        except Exception as e:  # a photo no decoder can read: the page says so in words
            raise HTTPException(404, f"the photo of card {card_id} cannot be shown") from e
        return Response(data, media_type="image/jpeg", headers={"cache-control": "private"})

    async def edit(request: Request) -> Response:
        contact_id = int(request.path_params["contact_id"])
        body = await _json(request)
        asked = _edit_from(body)
        try:
            audit_id = apply_edit(store, contact_id, asked, state.settings.region)
        except CardscanError as e:
            keep = e.hint == AS_PRINTED_HINT and not asked.as_printed
            return JSONResponse({"ok": False, "error": e.message, "as_printed": keep}, 422)
        current = queue() if state.queue is None else state.queue
        state.queue = with_item(current, store, contact_id, threshold)
        state.queue_mark = store.change_mark()
        reply: dict[str, Any] = {"ok": True, "audit": audit_id}
        if asked.accept:
            nxt = state.queue.after(f"c{contact_id}")
            reply["next"] = None if nxt is None else nxt.href
        return JSONResponse(reply)

    async def duplicates(request: Request) -> Response:
        # Read only: a pair whose two sides became one contact meanwhile is not shown
        # (it is closed by the next decision posted, see ``settle``).
        live = [(r, store.live_id(r.a_id), store.live_id(r.b_id)) for r in store.reviews("open")]
        live = [(r, a, b) for r, a, b in live if a != b]
        wanted = sorted({i for _r, *ab in live for i in ab})
        entries = {e.id: e for e in select_entries(store, ids=wanted)} if wanted else {}
        pairs = [(r, entries[a], entries[b]) for r, a, b in live if a in entries and b in entries]
        recent = [e for e in store.audit_entries(limit=20) if e.action in ("merge", "apart")]
        return page("duplicates.html", pairs=pairs, recent=recent, title="Duplicates")

    async def decide(request: Request) -> Response:
        review_id = int(request.path_params["review_id"])
        how = request.path_params["how"]
        settled = settle(store)
        if review_id in settled:
            return JSONResponse({"ok": True, "audit": None, "settled": True})
        found = [r for r in store.reviews("open") if r.id == review_id]
        if not found:
            return JSONResponse({"ok": False, "error": f"review {review_id} is not open"}, 409)
        review = found[0]
        try:
            if how == "merge":
                left, right = store.live_id(review.a_id), store.live_id(review.b_id)
                audit_id = Ingester(store).merge(left, right, review_id=review.id)
            else:
                audit_id = store.keep_apart(review.id)
        except CardscanError as e:
            return JSONResponse({"ok": False, "error": e.message}, 409)
        return JSONResponse({"ok": True, "audit": audit_id})

    async def undo(request: Request) -> Response:
        audit_id = int(request.path_params["audit_id"])
        try:
            entry = store.undo(audit_id)
        except CardscanError as e:
            return JSONResponse({"ok": False, "error": e.message, "hint": e.hint}, 409)
        return JSONResponse({"ok": True, "summary": entry.summary})

    async def contact(request: Request) -> Response:
        contact_id = int(request.path_params["contact_id"])
        entry = one(contact_id)
        if entry.id != contact_id:
            return RedirectResponse(f"/contact/{entry.id}", 303)
        return page(
            "contact.html",
            entry=entry,
            corrections=store.corrections_of(entry.id),
            tasks=store.tasks(status=None, contact_ids=[entry.id]),
            changes=store.audit_entries(entry.id, limit=20),
            title=entry.contact.label,
        )

    async def notes_tags(request: Request) -> Response:
        contact_id = store.live_id(int(request.path_params["contact_id"]))
        body = await _json(request)
        note = str(body.get("note") or "").strip()
        add = [t.strip() for t in str(body.get("tags") or "").split(",") if t.strip()]
        drop = [t.strip() for t in body.get("remove_tags") or [] if str(t).strip()]
        with store.transaction():
            if note:
                store.add_note(contact_id, note)
            if add:
                store.add_tags(contact_id, add)
            if drop:
                store.remove_tags(contact_id, drop)
        return JSONResponse({"ok": True})

    async def followup(request: Request) -> Response:
        today = date.today()
        entries = select_entries(store)
        plan = build_plan(store, entries, today, threshold)
        due = [t for t in plan.tasks if t.due <= today]
        return page("followup.html", tasks=due, today=today, title="Follow-up")

    async def task(request: Request) -> Response:
        task_id = int(request.path_params["task_id"])
        skip = request.path_params["how"] == "skip"
        try:
            nxt = complete_task(store, task_id, date.today(), skip=skip)
        except CardscanError as e:
            return JSONResponse({"ok": False, "error": e.message}, 409)
        return JSONResponse({"ok": True, "next": None if nxt is None else nxt.due})

    def the_event() -> Event:
        if state.event is None:
            raise HTTPException(404, "start the app with --event EVENT for the check-in desk")
        return state.event

    async def desk(request: Request) -> Response:
        ev = the_event()
        return page("desk.html", stats=store.event_stats(ev.id), title=f"Desk: {ev.name}")

    async def roster(request: Request) -> Response:
        ev = the_event()
        text = request.query_params.get("q", "").strip()
        people = {a.contact_id: a for a in store.attendees(ev.id)}
        ids = [i for i in store.search(text) if i in people] if text else sorted(people)
        out = []
        for c in store.contacts(ids[:50]):
            att = people[c.id]
            emails = c.of_kind("email")
            out.append(
                {
                    "id": c.id,
                    "name": c.label,
                    "company": c.company or "",
                    "email": emails[0].display if emails else "",
                    "arrived": local_time(att.arrived_at) if att.arrived_at else "",
                }
            )
        return JSONResponse({"people": out, "stats": _stats(store, ev)})

    async def checkin(request: Request) -> Response:
        ev = the_event()
        body = await _json(request)
        ingester = Ingester(store)
        try:
            if body.get("id") is not None:
                # Picked from the roster: that person, checked in as `cardscan checkin` does.
                done = check_in(
                    ingester, ev, Contact(), "checkin: desk", now_iso(), known=int(body["id"])
                )
            else:
                name = str(body.get("name") or "").strip() or None
                email = str(body.get("email") or "").strip() or None
                if not (name or email):
                    return JSONResponse({"ok": False, "error": "type a name or an e-mail"}, 422)
                person = contact_from(name, email)
                company = str(body.get("company") or "").strip()
                if company:
                    person = replace(person, company=Field(company, 1.0, "user"))
                done = check_in(ingester, ev, person, "checkin: typed", now_iso())
        except CardscanError as e:
            return JSONResponse({"ok": False, "error": e.message}, 422)
        return JSONResponse({"ok": True, **_said(done), "stats": _stats(store, ev)})

    async def checkin_photo(request: Request) -> Response:
        ev = the_event()
        data = await request.body()
        if not data or len(data) > 30_000_000:
            return JSONResponse({"ok": False, "error": "no photo received"}, 422)
        # Kept beside the store (private to its owner): the card stored refers to its photo.
        folder = Path(store.location).parent / "door-photos"
        folder.mkdir(mode=0o700, exist_ok=True)
        photo = folder / f"door-{hashlib.sha256(data).hexdigest()[:16]}.jpg"
        fd = os.open(photo, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        reader = state.reader or _read_photo
        results = await run_in_threadpool(reader, photo, state.settings)
        ingester = Ingester(store)
        said = []
        for result in results:
            if not result.ok:
                return JSONResponse({"ok": False, "error": result.error}, 422)
            done = check_in(
                ingester,
                ev,
                result.contact,
                "checkin card (desk camera)",
                now_iso(),
                card=(result, hashlib.sha256(data).hexdigest()),
            )
            said.append(_said(done))
        return JSONResponse({"ok": True, "people": said, "stats": _stats(store, ev)})

    async def not_found(request: Request, exc: Exception) -> Response:
        detail = exc.detail if isinstance(exc, HTTPException) else "not found"
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return HTMLResponse(
            env.get_template("error.html").render(
                token=state.token, detail=detail, event=state.event, title="Not found"
            ),
            status,
        )

    routes = [
        Route("/", index),
        Route("/card/{contact_id:int}", card),
        Route("/failed/{card_id:int}", failed),
        Route("/api/failed/{card_id:int}/type", type_in_card, methods=["POST"]),
        Route("/api/failed/{card_id:int}/{how:str}", dismiss, methods=["POST"]),
        Route("/img/card/{card_id:int}.jpg", card_image),
        Route("/api/contact/{contact_id:int}/edit", edit, methods=["POST"]),
        Route("/duplicates", duplicates),
        Route("/api/review/{review_id:int}/{how:str}", decide, methods=["POST"]),
        Route("/api/undo/{audit_id:int}", undo, methods=["POST"]),
        Route("/contact/{contact_id:int}", contact),
        Route("/api/contact/{contact_id:int}/notes", notes_tags, methods=["POST"]),
        Route("/followup", followup),
        Route("/api/task/{task_id:int}/{how:str}", task, methods=["POST"]),
        Route("/desk", desk),
        Route("/api/roster", roster),
        Route("/api/checkin", checkin, methods=["POST"]),
        Route("/api/checkin/photo", checkin_photo, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.add_middleware(Guard, token=state.token, hosts=hosts)
    return app


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "expected a JSON body") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "expected a JSON object")
    return body


def _edit_from(body: dict[str, Any]) -> Edit:
    """An :class:`Edit` from the card page's JSON (one field at a time, or accept)."""
    asked = Edit(accept=bool(body.get("accept")), as_printed=bool(body.get("as_printed")))
    kind = str(body.get("field") or "")
    before = body.get("before")
    after = body.get("after")
    after_text = None if after is None else str(after)
    if kind in ("name", "title", "company", "address"):
        setattr(asked, kind, after_text or "")
        return asked
    if kind not in ("email", "phone", "website"):
        return asked
    # Replaced (before and after), added (after only) or removed (before only); a phone's
    # type may change with it, or alone.
    replaced, added = {
        "email": (asked.emails, asked.add_emails),
        "phone": (asked.phones, asked.add_phones),
        "website": (asked.websites, asked.add_websites),
    }[kind]
    typ = str(body.get("type") or "") if kind == "phone" else ""
    if before and after_text:
        replaced.append((str(before), after_text))
    elif after_text:
        added.append(after_text)
    elif before and not typ:
        asked.remove.append(str(before))
    if typ and (before or after_text):
        asked.phone_types[str(before) if before else str(after_text)] = typ
    return asked


def _several(value: Any, separators: str) -> list[str]:
    """A form's list field: a JSON list, or one text with values split at ``separators``."""
    texts = [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
    out = []
    for text in texts:
        for sep in separators:
            text = text.replace(sep, "\n")
        out += [t.strip() for t in text.split("\n") if t.strip()]
    return out


def _typed_from(body: dict[str, Any]) -> Typed:
    """A :class:`Typed` card from the failed-photo page's form."""
    return Typed(
        name=str(body.get("name") or "").strip(),
        company=str(body.get("company") or "").strip(),
        title=str(body.get("title") or "").strip(),
        # Several e-mails or websites: separated by commas, semicolons or spaces; phones
        # (which have spaces and may have commas) by semicolons only.
        emails=_several(body.get("emails"), ",; "),
        phones=_several(body.get("phones"), ";"),
        websites=_several(body.get("websites"), ",; "),
        as_printed=bool(body.get("as_printed")),
    )


def _warm(state: AppState, store: Store, item: QueueItem) -> None:
    """Start straightening the next card's image now, so opening it is instant."""
    if item.failed is not None:
        card_id: int | None = item.failed
    else:
        assert item.contact_id is not None
        cards = store.cards_of([item.contact_id]).get(item.contact_id)
        card_id = cards[-1].id if cards else None
    if card_id is not None and card_id not in state.images and card_id not in state.pending:
        job = asyncio.ensure_future(_quiet(_image(state, store, card_id)))
        state.background.add(job)
        job.add_done_callback(state.background.discard)


async def _quiet(job: Any) -> None:
    try:
        await job
    except Exception:  # a warm-up failure shows when the image itself is asked for
        return


async def _image(state: AppState, store: Store, card_id: int) -> bytes:
    """The straightened card (cached), made in a worker thread from the stored photo."""
    if card_id in state.images:
        state.images.move_to_end(card_id)
        return state.images[card_id]
    if card_id in state.pending:
        return await asyncio.shield(state.pending[card_id])
    place = card_placement(store, card_id)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bytes] = loop.create_future()
    state.pending[card_id] = future
    try:
        data, _w, _h = await run_in_threadpool(
            imaging.card_view,
            place.path,
            place.quad,
            place.rotation,
            1600,
            state.settings.max_pixels,
        )
    except BaseException as e:
        future.set_exception(e)
        future.exception()  # retrieved: no "never retrieved" warning when nobody waits
        raise
    finally:
        state.pending.pop(card_id, None)
    future.set_result(data)
    state.images[card_id] = data
    while len(state.images) > IMAGE_CACHE_SIZE:
        state.images.popitem(last=False)
    return data


def _read_photo(path: Path, settings: Settings) -> list[Any]:
    from cardscan.reading.pipeline import process_image

    return process_image(path, settings)


def settle(store: Store) -> set[int]:
    """Close the open reviews whose two contacts were merged meanwhile; returns their ids.

    A later card, an import or another decision can make both sides of a pair one
    contact; the pair is then decided. Done when a decision is posted (a page view
    writes nothing), before it, so the decision's own audit entry is not built on.
    """
    done = set()
    with store.transaction():
        for review in store.reviews("open"):
            if store.live_id(review.a_id) == store.live_id(review.b_id):
                store.set_review_status(review.id, "merged")
                done.add(review.id)
    return done


def _said(done: CheckIn) -> dict[str, Any]:
    return {
        "id": done.contact_id,
        "name": done.label,
        "status": done.status,
        "at": local_time(done.arrived_at),
        "uncertain": done.uncertain,
    }


def _stats(store: Store, ev: Event) -> dict[str, int]:
    s = store.event_stats(ev.id)
    return {
        "registered": s.registered,
        "arrived": s.arrived,
        "walk_ins": s.walk_ins,
        "no_shows": s.no_shows,
    }


def free_socket(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (``port`` 0: any free port).

    Raises:
        OSError: the port is taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def hosts_for(port: int) -> set[str]:
    """The ``Host`` values the app answers to on ``port``."""
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


def new_token() -> str:
    """A fresh secret for one run."""
    return secrets.token_urlsafe(32)


def serve(
    state: AppState,
    sock: socket.socket,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the app on ``sock`` until Ctrl-C (uvicorn's graceful shutdown)."""
    import uvicorn

    port = int(sock.getsockname()[1])
    app = create_app(state, hosts_for(port))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", server_header=False
    )
    server = uvicorn.Server(config)
    url = f"http://127.0.0.1:{port}/?token={state.token}"
    if on_ready is not None:
        on_ready(url)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn has shut down gracefully and re-raises the signal; for a server, Ctrl-C
        # is the normal way to stop, not a failure.
        pass
    finally:
        sock.close()
        sys.stdout.flush()
