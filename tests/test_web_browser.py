"""The review app in a real browser (headless Chromium): keyboard only, no outside loads.

Needs the system's Chromium (``apt-get install chromium``) and the ``playwright`` package,
which drives it (no browser is ever downloaded); without them these tests skip.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardscan.book.store import open_store
from cardscan.cli import cli
from cardscan.config import Settings
from cardscan.errors import ExitCode
from cardscan.models import CardResult, CardStatus, Contact, Field, Phone, PhoneType
from cardscan.web.app import AppState

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next(
    (
        p
        for p in (os.environ.get("CARDSCAN_CHROMIUM"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    shutil.which("chromium") or shutil.which("chromium-browser"),
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: What the stand-in reader "reads" on each photo: an invented person per file stem.
PEOPLE = {
    "ada": ("Ada Quill", "Buyer", "Quillworks", "ada@quil1works.com", "+14155550142"),
    "bo": ("Bo Lind", "Owner", "Lind & <i>Sons</i>", "bo@lindsons.example", "+14155550177"),
    "bob": ("Bob Lind", "Owner", "Lind and Sons", "bob@lind.example", "+14155550178"),
}


#: Thirty more invented people ("p00" … "p29"), for a whole event's queue.
GIVEN = ("Avery", "Brook", "Cass", "Dale", "Emery", "Flynn", "Gray", "Harper", "Indy", "Jules")
FAMILY = ("Ostrander", "Pellworth", "Quarrel")
for n in range(30):
    PEOPLE[f"p{n:02d}"] = (
        f"{GIVEN[n % 10]} {FAMILY[n // 10]}",
        "Partner",
        f"{FAMILY[n // 10]} Studio",
        f"{GIVEN[n % 10].lower()}@{FAMILY[n // 10].lower()}.example.com",
        f"+1415555{n + 200:04d}",
    )
#: What the stand-in reader says of a photo it cannot read (as the pipeline words it).
RETAKE = "retake the photo with the card filling most of the frame, in focus and evenly lit"


def read_fake(path: Path) -> CardResult:
    if path.stem.startswith("blank"):
        return CardResult(
            str(path),
            status=CardStatus.FAILED,
            error=f"{path}: no text found on the card — {RETAKE}",
        )
    name, title, company, email, phone = PEOPLE[path.stem.split("-")[0]]
    return CardResult(
        str(path),
        contact=Contact(
            name=Field(name, 0.95),
            title=Field(title, 0.9),
            company=Field(company, 0.9),
            emails=(Field(email, 0.45),),
            phones=(Field(Phone(phone, phone, PhoneType.WORK, True), 0.9),),
            websites=(Field("www." + email.split("@")[1], 0.9),),
        ),
    )


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def photo(folder: Path, stem: str, salt: bytes = b"") -> Path:
    """A generated sample card (invented people) under a new name; ``salt`` changes its bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.jpg"
    target.write_bytes((ROOT / "samples" / "us-classic-01.jpg").read_bytes() + salt)
    return target


def cardscan(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.output


class Watch:
    """Every request the page makes, console errors, and CSP violations."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.outside: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.on("request", self._request)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.origin) or url.startswith(("data:", "blob:"))):
            self.outside.append(url)

    def check(self, page) -> None:
        assert self.outside == []
        assert page.evaluate("window.__csp") == []
        assert [e for e in self.errors if "Content Security Policy" in e] == []


@pytest.fixture
def mixer(tmp_path: Path, stand_in_reader):
    stand_in_reader(read_fake)
    db = tmp_path / "contacts.db"
    cardscan(db, "event", "create", "Harbour mixer")
    folder = tmp_path / "photos"
    for stem in ("ada", "bo", "bob"):
        photo(folder, stem, salt=stem.encode())
    cardscan(db, "scan", str(folder), "--out", str(tmp_path / "out"), "--event", "Harbour mixer")
    return db, tmp_path


def hubspot(db: Path, tmp: Path) -> tuple[list[dict[str, str]], str]:
    out = tmp / "hubspot.csv"
    cardscan(db, "export", "--format", "hubspot", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines())), text


def test_a_failed_photo_is_typed_in_with_the_keyboard_and_exported(
    browser, mixer, monkeypatch
) -> None:
    from webserver import running

    db, tmp = mixer
    folder = tmp / "more"
    photo(folder, "blank", salt=b"blank")
    # A failed photo makes the scan exit with "some cards failed": run it without the check.
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            str(folder),
            "--out",
            str(tmp / "out3"),
            "--event",
            "Harbour mixer",
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == ExitCode.SOME_CARDS_FAILED, result.output
    assert "cardscan failed" in result.output
    with open_store(db) as store:
        (failed,) = store.failed_cards()
        with running(AppState(store, "k" * 43, Settings(), store.event("Harbour mixer"))) as app:
            page = browser.new_page()
            watch = Watch(page, f"http://{app.host}/")
            page.goto(app.url)
            assert page.locator("#checked-count").inner_text() == "0 of 4 checked"
            items = page.locator("#items .item")
            keys = items.evaluate_all("(els) => els.map((e) => e.dataset.key)")
            at = keys.index(f"f{failed.id}")
            assert at <= 3  # after the three doubtful e-mails, before the rest
            item = items.nth(at)
            assert "blank.jpg" in item.inner_text() and RETAKE in item.inner_text()
            for _ in range(at):
                page.keyboard.press("j")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert page.url == f"http://{app.host}/failed/{failed.id}"
            assert "no text found on the card" in page.locator("#problem").inner_text()
            assert RETAKE in page.locator("#fix").inner_text()
            page.wait_for_function("document.getElementById('card-img').complete")
            assert page.locator("#card-img").evaluate("(i) => i.naturalWidth") > 0
            page.keyboard.press("i")
            page.keyboard.type("Dee Marsh")
            page.keyboard.press("Tab")
            page.keyboard.type("Marsh & Daughters")
            page.keyboard.press("Tab")
            page.keyboard.type("Buyer")
            page.keyboard.press("Tab")
            page.keyboard.type("dee@marsh")  # not an address: the server says why
            page.keyboard.press("Tab")
            page.keyboard.type("+1 415 555 0190")
            page.keyboard.press("Enter")
            page.locator('[data-for="email"] .error:not([hidden])').wait_for()
            assert page.evaluate("document.activeElement.id") == "t-emails"
            page.keyboard.press("Control+A")
            page.keyboard.type("dee@marsh.example.com")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "/failed/" not in page.url
            watch.check(page)
        (dee,) = store.search("Dee Marsh")
        assert dee in store.checked() and store.failed_cards() == []
        c = store.contact(dee)
        assert [(v.value, v.source) for v in c.of_kind("email")] == [
            ("dee@marsh.example.com", "user")
        ]
        assert [e.name for e in store.met_at(dee)] == ["Harbour mixer"]
    rows, _text = hubspot(db, tmp)
    assert "dee@marsh.example.com" in [r["Email"] for r in rows]


def test_a_website_edited_in_place_reaches_the_export(browser, mixer) -> None:
    from webserver import running

    db, tmp = mixer
    with open_store(db) as store:
        (bo,) = store.search("Bo Lind")
        with running(AppState(store, "k" * 43, Settings())) as app:
            page = browser.new_page()
            watch = Watch(page, f"http://{app.host}/")
            page.goto(app.url)
            page.goto(f"http://{app.host}/card/{bo}")
            at, now = page.locator(".field").evaluate_all(
                "(fs) => [fs.findIndex((f) => f.dataset.kind === 'website'),"
                " fs.findIndex((f) => f.classList.contains('current'))]"
            )
            for _ in range(at - now):
                page.keyboard.press("j")
            page.keyboard.press("e")
            page.keyboard.press("Control+A")
            page.keyboard.type("lind sons")  # not a web address: the server says why
            page.keyboard.press("Enter")
            site = page.locator('.field[data-kind="website"]').first
            site.locator(".error:not([hidden])").wait_for()
            assert "no spaces" in site.locator(".error").inner_text()
            page.keyboard.press("Control+A")
            page.keyboard.type("https://lindandsons.example.org")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert site.locator("input").input_value() == "https://lindandsons.example.org"
            assert "typed by a person" in site.inner_text()
            # And one more, added with W.
            page.keyboard.press("W")
            page.keyboard.type("shop.lindandsons.example.org")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert page.locator('.field[data-kind="website"]').count() == 2
            # An old number the card prints, unknown to the numbering plan: refused once,
            # kept as printed on a second Enter.
            page.keyboard.press("P")
            page.keyboard.type("+1 011 555 0177")
            page.keyboard.press("Enter")
            added = page.locator(".field.adding")
            added.locator(".error:not([hidden])").wait_for()
            assert "keep it as printed" in added.locator(".error").inner_text()
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "+1 011 555 0177" in page.locator(
                '.field[data-kind="phone"] input'
            ).evaluate_all("(xs) => xs.map((x) => x.value)")
            watch.check(page)
        sites = {v.display: v.source for v in store.contact(bo).of_kind("website")}
        assert sites == {
            "https://lindandsons.example.org": "user",
            "shop.lindandsons.example.org": "user",
        }
        assert any("website" in e.summary for e in store.audit_entries(bo) if e.action == "edit")
    rows, text = hubspot(db, tmp)
    assert "www.lindsons.example" not in text
    bo_row = next(r for r in rows if "bo@lindsons.example" in r.values())
    assert "https://lindandsons.example.org" in bo_row.values()


def test_a_whole_event_of_thirty_cards_is_checked_with_the_keyboard_alone(
    browser, tmp_path: Path, stand_in_reader
) -> None:
    from webserver import running

    stand_in_reader(read_fake)
    db = tmp_path / "contacts.db"
    cardscan(db, "event", "create", "Autumn fair")
    folder = tmp_path / "photos"
    for n in range(30):
        photo(folder, f"p{n:02d}", salt=b"%d" % n)
    cardscan(db, "scan", str(folder), "--out", str(tmp_path / "out"), "--event", "Autumn fair")
    with open_store(db) as store:
        with running(AppState(store, "k" * 43, Settings(), store.event("Autumn fair"))) as app:
            page = browser.new_page()
            watch = Watch(page, f"http://{app.host}/")
            page.goto(app.url)
            assert page.locator("#checked-count").inner_text() == "0 of 30 checked"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            seen = set()
            for n in range(30):
                assert "/card/" in page.url
                seen.add(page.url)
                assert page.locator(".progress").first.inner_text().startswith(f"{n} of 30")
                with page.expect_navigation():
                    page.keyboard.press("a")
            assert len(seen) == 30  # every card opened once, in turn
            assert page.url == f"http://{app.host}/"
            assert page.locator("#checked-count").inner_text() == "30 of 30 checked"
            watch.check(page)
        assert len(store.checked()) == 30


def test_fix_a_wrong_email_with_the_keyboard_and_accept(browser, mixer, monkeypatch) -> None:
    from webserver import running

    db, tmp = mixer
    with open_store(db) as store:
        (ada,) = store.search("Ada Quill")
        with running(AppState(store, "k" * 43, Settings(), store.event("Harbour mixer"))) as app:
            page = browser.new_page()
            watch = Watch(page, f"http://{app.host}/")
            page.goto(app.url)
            assert page.url == f"http://{app.host}/"  # the key left the address bar
            assert page.locator("#checked-count").inner_text() == "0 of 3 checked"
            page.keyboard.press("Enter")  # the first card in the queue: Ada's doubtful e-mail
            page.wait_for_url(f"**/card/{ada}")
            email = page.locator('.field[data-kind="email"]')
            # The card opens on its first flagged field: the doubtful e-mail.
            assert email.evaluate("(f) => f.classList.contains('current')")
            # j and k move between fields; each field outlines its words as it is chosen.
            page.keyboard.press("j")
            assert not email.evaluate("(f) => f.classList.contains('current')")
            page.keyboard.press("k")
            assert email.evaluate("(f) => f.classList.contains('current')")
            page.keyboard.press("e")
            page.keyboard.type("ada@quillworks")  # not an address: the server says why
            page.keyboard.press("Enter")
            page.locator(".field .error:not([hidden])").wait_for()
            assert "ada@quillworks" in email.locator(".error").inner_text()
            page.keyboard.press("Control+A")
            page.keyboard.type("ada@quillworks.com")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert (
                page.locator('.field[data-kind="email"] input').input_value()
                == "ada@quillworks.com"
            )
            assert "typed by a person" in page.locator('.field[data-kind="email"]').inner_text()
            with page.expect_navigation():
                page.keyboard.press("a")  # accept, and the next card opens
            assert page.url != f"http://{app.host}/card/{ada}"
            # Markup in a card's text is shown as text.
            page.goto(f"http://{app.host}/card/{store.search('Bo Lind')[0]}")
            assert (
                page.locator('.field[data-kind="company"] input').input_value()
                == "Lind & <i>Sons</i>"
            )
            assert page.locator("main i").count() == 0
            page.keyboard.press("?")
            assert page.locator("#help").is_visible()
            watch.check(page)

    with open_store(db) as store:
        c = store.contact(ada)
        assert [v.value for v in c.of_kind("email")] == ["ada@quillworks.com"]
        assert c.of_kind("email")[0].source == "user"
        assert ada in store.checked()
        edits = [e for e in store.audit_entries(ada) if e.action == "edit"]
        assert edits and "email" in edits[-1].summary
    out = tmp / "hubspot.csv"
    cardscan(db, "export", "--format", "hubspot", "-o", str(out))
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert "ada@quillworks.com" in [r["Email"] for r in rows]
    assert "ada@quil1works.com" not in out.read_text(encoding="utf-8")
    # The same photo again, and another copy of it (other bytes) read with the same slip.
    again = tmp / "again"
    photo(again, "ada")
    photo(again, "ada-copy", salt=b"\0")
    cardscan(db, "scan", str(again), "--out", str(tmp / "out2"), "--fresh")
    with open_store(db) as store:
        live = store.live_id(ada)
        assert [v.value for v in store.contact(live).of_kind("email")] == ["ada@quillworks.com"]


def test_merge_a_duplicate_and_undo_it(browser, mixer) -> None:
    from webserver import running

    db, _tmp = mixer
    with open_store(db) as store:
        (bo,) = store.search("Bo Lind")
        (bob,) = store.search("Bob Lind")
        store.queue_review(bo, bob, 0.71, ["same phone prefix", "similar name"])
        with running(AppState(store, "k" * 43, Settings())) as app:
            page = browser.new_page()
            watch = Watch(page, f"http://{app.host}/")
            page.goto(app.url)
            page.keyboard.press("g")
            with page.expect_navigation():
                page.keyboard.press("d")
            assert page.locator(".pair").count() == 1
            with page.expect_navigation():
                page.keyboard.press("m")
            assert page.locator(".pair").count() == 0
            assert store.count_contacts() == 2 and store.live_id(bob) == bo
            with page.expect_navigation():
                page.keyboard.press("u")
            assert page.locator(".pair").count() == 1
            assert store.count_contacts() == 3 and store.live_id(bob) == bob
            watch.check(page)


def test_check_someone_in_at_the_desk(browser, mixer) -> None:
    from webserver import running

    db, _tmp = mixer
    with open_store(db) as store:
        ev = store.event("Harbour mixer")
        cy = store.add_contact(
            Contact(name=Field("Cy Moss", 1.0), company=Field("Mossbank", 1.0)), "roster:csv r.csv"
        )
        store.register(ev.id, cy, "roster:csv r.csv")
        with running(AppState(store, "k" * 43, Settings(), ev)) as app:
            page = browser.new_page()
            watch = Watch(page, f"http://{app.host}/")
            page.goto(app.url)
            page.keyboard.press("g")
            with page.expect_navigation():
                page.keyboard.press("c")
            page.keyboard.press("/")
            page.keyboard.type("mossb")
            page.locator("#people li", has_text="Cy Moss").wait_for()
            page.keyboard.press("Enter")
            page.locator("#arrivals li", has_text="Cy Moss checked in").wait_for()
            assert page.locator('[data-stat="arrived"]').inner_text() == "1"
            watch.check(page)
        arrived = store.attendance(ev.id, cy)
        assert arrived is not None and arrived.arrived_at is not None


def test_desk_camera_photographs_a_card_and_checks_its_person_in(mixer) -> None:
    from webserver import running

    if CHROMIUM is None:
        pytest.skip("no Chromium: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    db, _tmp = mixer
    photos: list[bytes] = []

    def reader(path: Path, settings: Settings) -> list[CardResult]:
        photos.append(path.read_bytes())
        return [read_fake(path.with_name("bo.jpg"))]

    with open_store(db) as store, sync_api.sync_playwright() as p:
        ev = store.event("Harbour mixer")
        (bo,) = store.search("Bo Lind")
        store.register(ev.id, bo, "roster:csv r.csv")
        # A camera the browser makes up (a test pattern), allowed without asking.
        fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + fake)
        try:
            with running(AppState(store, "k" * 43, Settings(), ev, reader=reader)) as app:
                page = browser.new_page()
                watch = Watch(page, f"http://{app.host}/")
                page.goto(app.url.replace("/?", "/desk?"))
                page.locator("#search").press("Escape")
                page.keyboard.press("v")
                # (Polled from here: wait_for_function evaluates text, which the CSP forbids.)
                for _ in range(100):
                    if page.evaluate("document.getElementById('video').videoWidth") > 0:
                        break
                    page.wait_for_timeout(100)
                page.keyboard.press(" ")
                page.locator("#arrivals li", has_text="Bo Lind checked in").wait_for()
                watch.check(page)
        finally:
            browser.close()
        assert photos and photos[0][:2] == b"\xff\xd8"  # a JPEG from the camera
        arrived = store.attendance(ev.id, bo)
        assert arrived is not None and arrived.arrived_at is not None
