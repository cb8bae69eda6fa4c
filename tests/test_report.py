"""The review report: a self-contained, escaped HTML page, checked parsed and in Chromium."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from cardscan.book.entries import Entry, select_entries
from cardscan.book.store import (
    Attendance,
    Event,
    Review,
    StoredCard,
    StoredContact,
    StoredValue,
    open_store,
)
from cardscan.errors import InputImageError
from cardscan.models import Contact, Field, Phone, PhoneType
from cardscan.outputs.followup import Check, Plan, PlannedTask, build_plan
from cardscan.outputs.report import photo_thumbnails, render_report
from cardscan.reading import imaging

NOW = "2026-11-18T09:00:00+00:00"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check-in times are shown in the reader's time zone: the tests read them in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


DAY = date(2026, 11, 19)
EVENT = Event(7, "Harbour Founders Night", "2026-11-18", "Porto", NOW)
OTHER_EVENT = Event(8, "Spring Expo", "2026-04-02", None, NOW)

# ----------------------------------------------------------------------- a tiny DOM


VOID = {"meta", "img", "br", "link", "input", "hr", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if (tag is None or c.tag == tag) and (
                    cls is None or cls in c.attrs.get("class", "").split()
                ):
                    out.append(c)
                out += c.all(tag, cls)
        return out

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.all() if n.attrs.get("id") == ident]
        assert len(found) == 1, (ident, len(found))
        return found[0]


class DomBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.cur = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_endtag(self, tag: str) -> None:
        n: Node | None = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        assert n is not None and n.parent is not None, f"stray </{tag}>"
        self.cur = n.parent

    def handle_data(self, data: str) -> None:
        self.cur.children.append(data)


def parse(text: str) -> Node:
    builder = DomBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# ----------------------------------------------------------------------- builders


def value(kind: str, display: str, *, type_: str | None = None, ext: str | None = None):
    return StoredValue(0, kind, display.lower(), display, type_, ext, 0.9, "card", NOW, NOW)


def entry(
    cid: int,
    name: str | None,
    *,
    title: str | None = None,
    company: str | None = None,
    values: tuple[StoredValue, ...] = (),
    address: str | None = None,
    notes: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    confidence: dict[str, float] | None = None,
    photos: tuple[tuple[str, int], ...] = (),
    reviews: tuple[Review, ...] = (),
    attendance: tuple[tuple[Event, Attendance], ...] = (),
) -> Entry:
    contact = StoredContact(
        cid, name, None, None, title, company, address, "card", NOW, NOW, None,
        values=values, notes=notes, tags=tags,
    )  # fmt: skip
    cards = tuple(
        StoredCard(cid * 10 + i, path, card, NOW, {"confidence": confidence or {}, "card": card})
        for i, (path, card) in enumerate(photos)
    )
    return Entry(contact, (), attendance, cards, reviews)


def attendance(cid: int, *, registered: bool, walk_in: bool, arrived: str | None) -> Attendance:
    return Attendance(EVENT.id, cid, registered, walk_in, NOW if registered else None, arrived, "t")


def render(entries, plan=None, **kw) -> str:
    kw.setdefault("title", "Review")
    kw.setdefault("threshold", 0.6)
    kw.setdefault("generated", datetime(2026, 11, 19, 8, 30))
    return render_report(entries, plan, **kw)


def write_photo(path: Path, bgr: tuple[int, int, int], size=(300, 500)) -> Path:
    """A card-sized photo of one colour with a dark bar (so it is not a flat image)."""
    img = np.full((*size, 3), bgr, np.uint8)
    img[size[0] // 3 : size[0] // 3 + 20, 40:-40] = 20
    assert cv2.imwrite(str(path), img)
    return path


def fake_thumbs(uris: dict[str, str | None]):
    calls: list[str] = []

    def thumbs(path: str) -> str | None:
        calls.append(path)
        return uris.get(path)

    thumbs.calls = calls  # type: ignore[attr-defined]
    return thumbs


# ----------------------------------------------------------------------- thumbnail_jpeg


def test_thumbnail_jpeg_is_small_upright_and_keeps_the_picture(tmp_path):
    # A wide photo stored sideways with EXIF "rotate 90° clockwise" (orientation 6).
    wide = np.zeros((400, 1200, 3), np.uint8)
    wide[:, :600] = (255, 0, 0)  # left half red (RGB)
    wide[:, 600:] = (0, 0, 255)  # right half blue
    path = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(wide).save(path, quality=95, exif=exif)

    data = imaging.thumbnail_jpeg(path, max_side=240)

    assert data[:3] == b"\xff\xd8\xff"
    thumb = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    h, w = thumb.shape[:2]
    assert (h, w) == (240, 80)  # upright: EXIF applied, as load_image does
    upright = imaging.load_image(path, 10**8)
    assert upright.shape[:2] == (1200, 400)
    # Same picture as load_image's upright version, scaled: red on top, blue below.
    assert thumb[20, 40, 2] > 200 > thumb[20, 40, 0]
    assert thumb[-20, 40, 0] > 200 > thumb[-20, 40, 2]


def test_thumbnail_jpeg_of_png_and_of_a_photo_smaller_than_the_box(tmp_path):
    path = tmp_path / "small.png"
    cv2.imwrite(str(path), np.full((60, 90, 3), 128, np.uint8))
    thumb = cv2.imdecode(np.frombuffer(imaging.thumbnail_jpeg(path), np.uint8), 1)
    assert thumb.shape[:2] == (60, 90)  # not enlarged


@pytest.mark.parametrize("kind", ["missing", "garbage", "empty", "directory", "too-large"])
def test_thumbnail_jpeg_fails_as_load_image_does(tmp_path, kind):
    path = tmp_path / f"{kind}.jpg"
    if kind == "garbage":
        path.write_bytes(b"not a jpeg at all" * 10)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "directory":
        path.mkdir()
    elif kind == "too-large":
        write_photo(path, (10, 200, 10))
    limit = 1000 if kind == "too-large" else 10**8
    with pytest.raises(InputImageError) as expected:
        imaging.load_image(path, limit)
    with pytest.raises(InputImageError) as got:
        imaging.thumbnail_jpeg(path, max_pixels=limit)
    assert str(got.value) == str(expected.value)


def test_photo_thumbnails_reads_each_photo_once(tmp_path, monkeypatch):
    path = write_photo(tmp_path / "two-cards.jpg", (0, 160, 0))
    made = []
    real = imaging.thumbnail_jpeg

    def counting(*args, **kwargs):
        made.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(imaging, "thumbnail_jpeg", counting)
    thumbs = photo_thumbnails(max_side=100)
    first, second = thumbs(str(path)), thumbs(str(path))
    assert first == second and first is not None
    assert made == [str(path)]
    assert thumbs(str(tmp_path / "gone.jpg")) is None
    assert thumbs(str(tmp_path / "gone.jpg")) is None
    assert len(made) == 2


# ----------------------------------------------------------------------- the page


def test_low_confidence_values_are_marked_in_words_not_colour_alone():
    e = entry(
        1,
        "Ines Calloway",
        company="Brightwater Tiles",
        values=(value("email", "ines@brightwater.example"),),
        confidence={"name": 0.95, "company": 0.52, "emails": 0.31, "phones": 0.2},
        photos=(("a.jpg", 0),),
    )
    rows = {tr.attrs["data-field"]: tr for tr in parse(render([e], threshold=0.6)).all("tr")}
    low = {f for f, tr in rows.items() if "low" in tr.attrs.get("class", "").split()}
    # phones: doubtful on the card but no phone kept; still shown so the person can look.
    assert low == {"company", "emails", "phones"}
    assert "⚠ check (52%)" in rows["company"].text()
    assert "⚠ check (31%)" in rows["emails"].text()
    assert "—" in rows["phones"].text()
    assert "⚠" not in rows["name"].text()
    # The threshold is the caller's: at 0.4 only the e-mail stays doubtful.
    rows = {tr.attrs["data-field"]: tr for tr in parse(render([e], threshold=0.4)).all("tr")}
    assert [f for f, tr in rows.items() if tr.attrs.get("class") == "low"] == ["emails", "phones"]


def test_header_counts_contacts_cards_checks_reviews_and_attendance():
    review = Review(5, 1, 2, 0.8, ("same phone",), "open", NOW)
    entries = [
        entry(
            1, "Ada", confidence={"name": 0.3}, photos=(("a.jpg", 0), ("a-back.jpg", 0)),
            reviews=(review,),
            attendance=((EVENT, attendance(1, registered=True, walk_in=False, arrived=NOW)),),
        ),
        entry(
            2, "Ada L.", photos=(("b.jpg", 0),), reviews=(review,),
            attendance=((EVENT, attendance(2, registered=True, walk_in=False, arrived=None)),),
        ),
        entry(
            3, "Bo", attendance=(
                (EVENT, attendance(3, registered=False, walk_in=True, arrived=NOW)),
                (OTHER_EVENT, Attendance(8, 3, True, False, NOW, None, "t")),
            ),
        ),
    ]  # fmt: skip
    counts = parse(render(entries, event="harbour founders night")).by_id("counts")
    text = " ".join(counts.text().split())
    assert "3 contacts" in text
    assert "3 cards" in text
    assert "1 needing a check" in text
    assert "1 open duplicate reviews" in text
    assert "2 checked in · 2 registered · 1 walk-ins · 1 no-show" in text
    assert "Spring Expo" not in text
    # Without --event every event of the selection is counted, each on its own.
    counts = parse(render(entries)).by_id("counts")
    assert [li.attrs["data-event"] for li in counts.all("li", "event")] == ["7", "8"]


def test_check_in_badges_say_when_and_how_someone_came():
    entries = [
        entry(1, "Ada", attendance=((EVENT, attendance(1, registered=True, walk_in=False,
              arrived="2026-11-18T19:42:10+00:00")),)),
        entry(2, "Bo", attendance=((EVENT, attendance(2, registered=True, walk_in=False,
              arrived=None)),)),
        entry(3, "Cy", attendance=((EVENT, attendance(3, registered=False, walk_in=True,
              arrived="2026-11-18T20:05:00Z")),)),
    ]  # fmt: skip
    page = parse(render(entries, event=str(EVENT.id)))
    badge = {
        n: " ".join(page.by_id(f"contact-{n}").all("ul", "badges")[0].text().split())
        for n in (1, 2, 3)
    }
    assert badge[1] == "✓ checked in at 19:42"
    assert badge[2] == "registered, not arrived"
    assert badge[3] == "✓ checked in at 20:05 · walk-in"
    # Another event's report badges none of this.
    page = parse(render(entries, event="Spring Expo"))
    assert not page.all("ul", "badges")


def test_duplicate_badges_link_both_ways_and_never_to_a_missing_section():
    inside = Review(1, 1, 2, 0.83, ("same e-mail", "similar name"), "open", NOW)
    outside = Review(2, 2, 99, 0.71, ("same phone",), "open", NOW)
    decided = Review(3, 1, 2, 0.9, (), "kept-apart", NOW)
    entries = [
        entry(1, "Ada Quill", reviews=(inside, decided)),
        entry(2, "A. Quill", reviews=(inside, outside)),
    ]
    page = parse(render(entries))
    ids = {n.attrs["id"] for n in page.all() if "id" in n.attrs}
    for a in page.all("a"):
        assert a.attrs["href"].startswith("#") and a.attrs["href"][1:] in ids, a.attrs
    dup1 = page.by_id("contact-1").all("li", "dup")
    dup2 = page.by_id("contact-2").all("li", "dup")
    assert len(dup1) == 1  # the decided review is not a badge
    assert [a.attrs["href"] for a in dup1[0].all("a")] == ["#contact-2"]
    assert "score 0.83: same e-mail, similar name" in dup1[0].text()
    assert [a.attrs["href"] for b in dup2 for a in b.all("a")] == ["#contact-1"]
    assert "#99 (not in this report)" in dup2[1].text()


def test_untrusted_text_is_shown_as_text(tmp_path):
    hostile = "<script>alert(1)</script>"
    breakout = '"><img src=x onerror=alert(2)>'
    e = entry(
        1,
        hostile,
        title=breakout,
        company="</style><a href='https://evil.example/'>x</a>",
        values=(value("email", "a@b.example\"onmouseover=alert(3)"),
                value("phone", "+1 555 0100", type_="<b>mobile</b>", ext="<i>12</i>")),
        notes=("<iframe src=//evil.example></iframe>",),
        tags=("<svg onload=alert(4)>",),
        photos=(("<img src=x>.jpg", 0),),
    )  # fmt: skip
    task = PlannedTask(
        1, "thank-you", f"Thank {hostile}", date(2026, 11, 19), 1, e, None, None,
        breakout, f"Hi {hostile},\n{breakout}", "a@b.example",
    )  # fmt: skip
    plan = Plan(date(2026, 11, 19), (task,), (Check(f"Check {breakout}", 1, "<x>.jpg"),))
    text = render([e], plan, title=f"Event {hostile}", thumbnails=lambda p: None)
    page = parse(text)

    assert [n.tag for n in page.all() if n.tag in {"script", "iframe", "svg", "style"}] == [
        "style",
        "script",
    ]
    assert all(n.tag != "img" for n in page.all())  # the one photo is missing
    assert [a.attrs["href"] for a in page.all("a")] == ["#contact-1", "#contact-1"]
    assert all(not k.startswith("on") for n in page.all() for k in n.attrs)
    section = page.by_id("contact-1")
    assert section.all("h2")[0].text() == f"#1 {hostile}"
    assert breakout in section.text()
    assert 'a@b.example"onmouseover=alert(3)' in section.text()
    assert "+1 555 0100 (<b>mobile</b>, ext. <i>12</i>)" in section.text()
    (tags,) = [tr for tr in section.all("tr") if tr.attrs["data-field"] == "tags"]
    assert tags.all("span", "tag")[0].text() == "<svg onload=alert(4)>"
    assert page.all("title")[0].text() == f"Event {hostile}"
    assert f"Hi {hostile},\n{breakout}" in page.by_id("tasks").text()


def test_page_references_nothing_outside_itself_and_csp_allows_only_its_script():
    e = entry(1, "Ada", values=(value("website", "https://ada.example"),),
              photos=(("a.jpg", 0),))  # fmt: skip
    jpeg = "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff").decode()
    text = render([e], thumbnails=lambda p: jpeg)
    page = parse(text)
    for n in page.all():
        for k, v in n.attrs.items():
            if k in {"src", "href", "action", "srcset", "poster", "data"}:
                assert v.startswith(("data:image/", "#")), (n.tag, k, v)
        assert n.tag not in {"link", "iframe", "object", "embed", "base"}
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    (csp,) = [
        m.attrs["content"]
        for m in page.all("meta")
        if m.attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    rules = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["img-src"] == "data:"
    (script,) = page.all("script")
    digest = base64.b64encode(hashlib.sha256(script.text().encode()).digest()).decode()
    assert rules["script-src"] == f"'sha256-{digest}'"
    # The website is text on the page, not a link the reader might follow by accident.
    assert "https://ada.example" in page.by_id("contact-1").text()


def test_photos_embedded_once_per_photo_missing_ones_say_so(tmp_path):
    shared = str(write_photo(tmp_path / "table.jpg", (30, 30, 200)))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really")
    entries = [
        entry(1, "Ada", photos=((shared, 0),)),
        entry(2, "Bo", photos=((shared, 1), (str(tmp_path / "gone.jpg"), 0))),
        entry(3, "Cy", photos=((str(broken), 0),)),
        entry(4, "Di (imported)"),
    ]
    page = parse(render(entries, thumbnails=photo_thumbnails(max_side=200)))
    imgs = {
        n: [i.attrs["src"] for i in page.by_id(f"contact-{n}").all("img")] for n in (1, 2, 3, 4)
    }
    assert imgs[1] == imgs[2] and len(imgs[1]) == 1
    assert imgs[3] == imgs[4] == []
    head, b64 = imgs[1][0].split(",", 1)
    assert head == "data:image/jpeg;base64"
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)
    assert max(decoded.shape[:2]) == 200
    assert decoded[5, 5, 2] > 150 > decoded[5, 5, 0]  # the photo's red, not any JPEG
    captions = [f.text() for f in page.by_id("contact-2").all("figcaption")]
    assert captions == ["table.jpg · card 2", "gone.jpg · card 1"]
    assert [d.text() for d in page.by_id("contact-2").all("div", "missing")] == [
        "Photo missing or unreadable"
    ]
    assert page.by_id("contact-3").all("div", "missing")
    assert "No card photo" in page.by_id("contact-4").text()
    # A thumbnails function handing back a URL does not make the page fetch it.
    page = parse(render(entries[:1], thumbnails=lambda p: "https://photos.example/a.jpg"))
    assert not page.all("img") and page.by_id("contact-1").all("div", "missing")
    # Without a thumbnails function the page says the photos were left out, not lost.
    page = parse(render(entries))
    assert not page.all("img") and not page.all("div", "missing")
    assert "Photo not included" in page.by_id("contact-1").text()


def test_plan_checks_first_then_the_first_tasks_with_drafts_folded():
    people = [entry(n, f"Person {n}") for n in range(1, 4)]
    tasks = tuple(
        PlannedTask(
            100 + i, "thank-you", f"Thank Person {i % 3 + 1}", DAY + timedelta(days=i),
            i % 4 + 1, people[i % 3], people[0] if i == 1 else None, EVENT.name,
            f"met at {EVENT.name}", f"Dear Person {i % 3 + 1},\nthanks.", "",
        )
        for i in range(20)
    )  # fmt: skip
    plan = Plan(date(2026, 11, 19), tasks, (Check("Check the e-mail of Person 2", 2, "b.jpg"),))
    page = parse(render(people, plan, first_tasks=3))
    order = [n.attrs["id"] for n in page.all("section")]
    assert order == ["checks", "tasks", "contact-1", "contact-2", "contact-3"]
    check = page.by_id("checks").all("li")[0]
    assert [a.attrs["href"] for a in check.all("a")] == ["#contact-2"]
    assert "b.jpg" in check.text()
    shown = page.by_id("tasks").all("article")
    assert [a.attrs["data-task"] for a in shown] == ["100", "101", "102"]
    assert "The first 3 of 20 tasks." in page.by_id("tasks").text()
    first = " ".join(shown[0].all("h3")[0].text().split())
    assert first == "hot due 2026-11-19 · Thank Person 1"
    assert shown[1].all("span", "prio")[0].text() == "warm"
    assert "#1 Person 1" in shown[1].text()  # the introduction's second person
    (details,) = shown[0].all("details")
    assert "open" not in details.attrs
    assert details.all("pre")[0].text() == "Dear Person 1,\nthanks."
    # Each contact lists its own tasks (all, not only the first three).
    assert len(page.by_id("contact-1").all("ul", "followups")[0].all("li")) == 7
    # No plan, no plan sections.
    assert [n.attrs["id"] for n in parse(render(people)).all("section")] == [
        "contact-1",
        "contact-2",
        "contact-3",
    ]


def test_report_from_a_real_store(tmp_path):
    photo = str(write_photo(tmp_path / "card.jpg", (200, 60, 60)))
    with open_store(tmp_path / "c.db") as store:
        ada = store.add_contact(
            Contact(
                name=Field("Ada Quill", 0.9),
                company=Field("Quill & Sons", 0.4),
                emails=(Field("ada@quill.example", 0.9),),
                phones=(Field(Phone("+351 912 345 678", "+351912345678", PhoneType.MOBILE,
                                    True, "12"), 0.9),),
            ),
            "card",
        )  # fmt: skip
        bo = store.add_contact(Contact(name=Field("Ada Quil", 0.9)), "card")
        card = store.add_card("f" * 64, 0, photo, ada, {"confidence": {"company": 0.4}})
        ev = store.create_event("Harbour Founders Night", "2026-11-18", "Porto")
        store.link_met(ev.id, ada, card)
        store.register(ev.id, ada, "test")
        store.arrive(ev.id, ada, "2026-11-18T18:31:00+00:00", "test")
        store.queue_review(ada, bo, 0.77, ["similar name"])
        entries = select_entries(store)
        plan = build_plan(store, entries, date(2026, 11, 19), 0.6)
    text = render(entries, plan, thumbnails=photo_thumbnails())
    page = parse(text)
    a = page.by_id(f"contact-{ada}")
    assert [tr.attrs["data-field"] for tr in a.all("tr", "low")] == ["company"]
    assert "Quill &amp; Sons" in text and "Quill & Sons" in a.text()
    assert "+351 912 345 678 (mobile, ext. 12)" in a.text()
    assert "✓ checked in at 18:31" in a.text()
    assert f"#contact-{bo}" in [x.attrs["href"] for x in a.all("a")]
    assert "Met at Harbour Founders Night (Porto) on 2026-11-18" in a.text()
    assert len(a.all("img")) == 1
    assert plan.checks and len(page.by_id("checks").all("li")) == len(plan.checks)


# ----------------------------------------------------------------------- in a real browser

BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    override = os.environ.get("CARDSCAN_CHROMIUM")
    if override:
        # A browser named on purpose must be there: a typo should fail, not skip quietly.
        found = shutil.which(override)
        assert found, f"CARDSCAN_CHROMIUM={override!r} is not an executable"
        return found
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium(binary: str, tmp_path: Path, page: Path, *extra: str) -> str:
    profile = tmp_path / f"profile-{page.stem}"
    result = subprocess.run(
        [binary, *BROWSER_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        # Its own HOME, so the browser writes nothing into the user's (or CI's) profile.
        env={**os.environ, "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.browser
def test_report_in_headless_chromium(tmp_path):
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium found: apt-get install chromium (CI's .ci/run installs it)")
    magenta = str(write_photo(tmp_path / "magenta.jpg", (255, 0, 255), size=(600, 1000)))
    green = str(write_photo(tmp_path / "green.jpg", (0, 200, 0)))
    hostile = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
    entries = [
        entry(1, hostile, confidence={"name": 0.2}, photos=((magenta, 0),)),
        entry(2, "Bo", photos=((green, 0), (str(tmp_path / "gone.jpg"), 0))),
    ]
    html_text = render(entries, title="Browser check", thumbnails=photo_thumbnails())
    page = tmp_path / "report.html"
    page.write_text(html_text, encoding="utf-8")
    # The same page as if escaping had failed: the CSP alone must stop these loads.
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        html_text.replace(
            "</main>",
            '<img src="http://127.0.0.1:9/beacon.png"><script>document.title="pwned"</script>'
            '<link rel="stylesheet" href="https://127.0.0.1:9/x.css"></main>',
        ),
        encoding="utf-8",
    )
    shot = tmp_path / "shot.png"
    started = time.monotonic()

    dom = parse(chromium(binary, tmp_path, page, "--dump-dom"))
    status = dom.by_id("render-status")
    # The inline script ran (so the CSP hash is right) and every embedded photo decoded.
    assert status.attrs.get("data-images") == "2", status.attrs
    assert status.attrs.get("data-decoded") == "2"
    assert status.attrs.get("data-blocked") == "0"
    assert "hidden" not in status.attrs
    assert dom.all("title")[0].text() == "Browser check"
    assert hostile in dom.by_id("contact-1").all("h2")[0].text()
    assert not [i for i in dom.all("img") if not i.attrs["src"].startswith("data:image/")]

    dom = parse(chromium(binary, tmp_path, leaky, "--dump-dom"))
    status = dom.by_id("render-status")
    assert int(status.attrs.get("data-blocked", "0")) >= 3, status.attrs
    assert status.attrs.get("data-decoded") == "2"  # the beacon never loaded
    assert dom.all("title")[0].text() == "Browser check"  # the injected script never ran

    chromium(binary, tmp_path, page, f"--screenshot={shot}", "--window-size=1200,2000")
    pixels = cv2.imread(str(shot), cv2.IMREAD_COLOR)
    assert pixels is not None and pixels.shape[:2] == (2000, 1200)
    assert pixels.std() > 10  # not a blank page
    b, g, r = (pixels[:, :, i].astype(int) for i in range(3))
    magenta_px = int(np.count_nonzero((b > 200) & (r > 200) & (g < 60)))
    assert magenta_px > 200 * 100  # the first card's photo is on screen, shown at size
    assert time.monotonic() - started < 30
