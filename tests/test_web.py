"""The review app over HTTP, without a browser: who gets in, and what each action changes."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from webserver import Running, running

from cardscan.book.corrections import Edit, apply_edit
from cardscan.book.ingest import Ingester
from cardscan.book.store import open_store
from cardscan.config import Settings
from cardscan.models import CardResult, Contact, Field, Phone, PhoneType
from cardscan.web.app import AppState
from cardscan.web.guard import CSP


def card(source: str, name: str, email: str, conf: float = 0.9) -> CardResult:
    return CardResult(
        source,
        contact=Contact(
            name=Field(name, 0.95),
            company=Field("Quillworks <b>Ltd</b>", 0.9),
            emails=(Field(email, conf),),
            phones=(Field(Phone("+1 415 555 0142", "+14155550142", PhoneType.WORK, True), 0.9),),
        ),
    )


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "c.db") as s:
        ing = Ingester(s)
        ing.add_card(card("a.jpg", "Ada Quill", "ada@quil1works.com", 0.4), "sha-a")
        ing.add_card(card("b.jpg", "Bo Lind", "bo@quillworks.com"), "sha-b")
        yield s


@pytest.fixture
def client(store):
    with running(AppState(store, "secret-token", Settings())) as app:
        yield app


def get(app: Running, path: str, **kw) -> tuple[int, dict[str, str], str]:
    status, headers, body = app.request("GET", path, **kw)
    return status, headers, body.decode("utf-8")


def post(app: Running, path: str, body: dict | None = None):
    return app.json("POST", path, body or {})


def test_without_the_key_every_page_is_refused(client: Running) -> None:
    for path in ("/", "/card/1", "/duplicates", "/static/app.js", "/?token=wrong"):
        status, headers, _ = get(client, path, cookie=False)
        assert status == 403, path
        assert headers["content-security-policy"] == CSP
    status, _h, _b = client.request("POST", "/api/contact/1/edit", {"accept": True}, cookie=False)
    assert status == 403


def test_the_key_becomes_a_cookie_and_pages_carry_a_strict_policy(client: Running) -> None:
    status, headers, _ = get(client, f"/?token={client.token}", cookie=False)
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and client.token in cookie
    status, headers, text = get(client, "/")
    assert status == 200 and headers["content-security-policy"] == CSP
    assert "default-src 'none'" in CSP and "frame-ancestors 'none'" in CSP
    assert "0 of 2 checked" in text
    # No page refers to anything outside the app.
    for path in ("/", "/card/1", "/duplicates", "/contact/1", "/followup"):
        status, _h, text = get(client, path)
        assert status == 200, path
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path


def test_a_foreign_host_or_origin_is_refused_even_with_the_key(client: Running) -> None:
    assert get(client, "/", headers={"Host": f"evil.example:{client.port}"})[0] == 403
    assert get(client, "/", headers={"Host": "127.0.0.1:1"})[0] == 403
    assert get(client, "/", headers={"Origin": "http://evil.example"})[0] == 403
    status, _h, _b = client.request(
        "POST", "/api/contact/1/edit", {"accept": True}, headers={"Origin": "http://evil.example"}
    )
    assert status == 403
    # A cross-site form carries the cookie but cannot know the header: refused.
    status, _h, _b = client.request(
        "POST",
        "/api/contact/1/edit",
        {"accept": True},
        headers={"X-Cardscan-Token": "guess"},
    )
    assert status == 403
    status, _h, _b = client.request("POST", "/api/contact/1/edit", {"accept": True}, csrf=False)
    assert status == 403


def test_queue_puts_doubtful_cards_first_and_markup_stays_text(client: Running) -> None:
    _s, _h, text = get(client, "/")
    assert text.index("Ada Quill") < text.index("Bo Lind") and "e-mail read at 40%" in text
    _s, _h, page = get(client, "/card/1")
    assert "Quillworks &lt;b&gt;Ltd&lt;/b&gt;" in page and "<b>Ltd</b>" not in page


def test_edit_validates_on_the_server_and_accept_opens_the_next(client: Running, tmp_path) -> None:
    bad = post(
        client,
        "/api/contact/1/edit",
        {"field": "email", "before": "ada@quil1works.com", "after": "ada@"},
    )
    assert not bad["ok"] and "ada@" in bad["error"]
    ok = post(
        client,
        "/api/contact/1/edit",
        {"field": "email", "before": "ada@quil1works.com", "after": "ada@quillworks.com"},
    )
    assert ok["ok"]
    phone = post(
        client,
        "/api/contact/1/edit",
        {"field": "phone", "before": "+14155550142", "type": "mobile"},
    )
    assert phone["ok"]
    accepted = post(client, "/api/contact/1/edit", {"accept": True})
    assert accepted["next"] == "/card/2"
    assert "1 of 2 checked" in get(client, "/")[2]
    with open_store(tmp_path / "c.db") as s:
        c = s.contact(1)
        assert [v.value for v in c.of_kind("email")] == ["ada@quillworks.com"]
        assert c.of_kind("phone")[0].type == "mobile" and 1 in s.checked()


def test_duplicates_merge_and_undo(client: Running, store) -> None:
    review = store.queue_review(1, 2, 0.7, ["same company"])
    assert "same company" in get(client, "/duplicates")[2]
    merged = post(client, f"/api/review/{review}/merge")
    assert merged["ok"] and store.count_contacts() == 1
    assert post(client, f"/api/undo/{merged['audit']}")["ok"]
    assert store.count_contacts() == 2 and store.reviews("open")[0].id == review
    assert post(client, f"/api/review/{review}/apart")["ok"] and store.reviews("open") == []


def test_contact_page_shows_provenance_and_edits_notes_and_tags(client: Running, store) -> None:
    apply_edit(store, 1, Edit(title="Head of Buying"))
    assert post(client, "/api/contact/1/notes", {"note": "met at <script>", "tags": "hot, vip"})[
        "ok"
    ]
    page = get(client, "/contact/1")[2]
    assert "typed by a person" in page and "read from the card" in page
    assert "met at &lt;script&gt;" in page and "vip" in page
    assert post(client, "/api/contact/1/notes", {"remove_tags": ["vip"]})["ok"]
    assert store.contact(1).tags == ("hot",)


def test_desk_needs_an_event_and_checks_people_in(client: Running, store) -> None:
    from cardscan.book.events import create_event

    assert get(client, "/desk")[0] == 404
    ev = create_event(store, "Harbour mixer")
    store.register(ev.id, 2, "roster")
    with running(AppState(store, "other-token", Settings(), ev)) as app:
        found = app.json("GET", "/api/roster?q=lind")
        assert [p["name"] for p in found["people"]] == ["Bo Lind"]
        done = post(app, "/api/checkin", {"id": 2})
        assert done["status"] == "arrived" and done["stats"]["arrived"] == 1
        walk = post(app, "/api/checkin", {"name": "Cy Moss", "email": "cy@moss.example"})
        assert walk["status"] == "walk-in" and walk["stats"]["walk_ins"] == 1
        assert post(app, "/api/checkin", {"id": 2})["status"] == "already"


def test_desk_camera_checks_in_the_person_on_the_photographed_card(store, tmp_path) -> None:
    from cardscan.book.events import create_event

    ev = create_event(store, "Harbour mixer")
    store.register(ev.id, 2, "roster")
    seen: list[Path] = []

    def reader(path: Path, settings: Settings) -> list[CardResult]:
        seen.append(path)
        return [card(str(path), "Bo Lind", "bo@quillworks.com")]

    jpeg = (Path(__file__).resolve().parent.parent / "samples" / "us-classic-01.jpg").read_bytes()
    state = AppState(store, "cam-token", Settings(), ev, reader=reader)
    with running(state) as app:
        status, _h, body = app.request("POST", "/api/checkin/photo", jpeg)
        assert status == 200, body
        reply = json.loads(body)
        assert reply["people"][0]["name"] == "Bo Lind" and reply["people"][0]["status"] == "arrived"
        assert reply["stats"]["arrived"] == 1
    (photo,) = seen
    assert photo.read_bytes() == jpeg and (photo.stat().st_mode & 0o077) == 0
    arrived = store.attendance(ev.id, 2)
    assert arrived is not None and arrived.arrived_at is not None


def test_cardscan_app_prints_its_address_first_and_stops_on_ctrl_c(tmp_path) -> None:
    db = tmp_path / "c.db"
    open_store(db).close()
    with subprocess.Popen(
        [sys.executable, "-m", "cardscan", "app", "--no-browser", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            line = proc.stdout.readline().strip()
            found = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})", line)
            assert found, line
            app = Running(int(found[1]), found[2])
            assert get(app, "/")[0] == 200
            assert get(app, "/", cookie=False)[0] == 403
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
            assert "Traceback" not in proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()


def test_followup_lists_due_tasks_with_drafts_and_marks_them_done(client: Running, store) -> None:
    from datetime import date

    today = date.today().isoformat()
    first = store.add_task(1, "thank-you", today, 1, reason="met at the mixer")
    later = store.add_task(2, "thank-you", "2999-01-01", 2)
    page = get(client, "/followup")[2]
    assert f'data-task="{first}"' in page and f'data-task="{later}"' not in page
    assert "Hi Ada" in page  # the draft
    assert post(client, f"/api/task/{first}/done")["ok"]
    assert store.task(first).status == "done"
    assert f'data-task="{first}"' not in get(client, "/followup")[2]
