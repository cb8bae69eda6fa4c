"""The store's commands: scan into the store, import, review, undo, events, check-in.

Card photos here are small text files, "name|email|phone|company|title", read by a
stand-in for the OCR pipeline: the store's behaviour is under test, not Tesseract's.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, sql, stand_in_scanner

from cardscan import run
from cardscan.book.store import open_store
from cardscan.cli import cli
from cardscan.models import CardResult, Contact, Field, Phone, PhoneType
from cardscan.run import JOURNAL_NAME


def read_fake_card(path: str | Path) -> CardResult:
    """The stand-in OCR: a photo file holds name|email|phone|company|title."""
    name, email, phone, company, title = Path(path).read_text(encoding="utf-8").split("|")
    return CardResult(
        str(path),
        contact=Contact(
            name=Field(name, 0.9),
            emails=(Field(email, 0.9),) if email else (),
            phones=(Field(Phone(phone, phone, PhoneType.MOBILE, True), 0.9),) if phone else (),
            company=Field(company, 0.9) if company else None,
            title=Field(title.strip(), 0.9) if title.strip() else None,
        ),
    )


#: The stand-in pipeline of these tests (tests/test_cli_plan.py uses it too).
fake_scan_photos, fake_read_photos = stand_in_scanner(read_fake_card)


def write_card(folder: Path, name: str, fields: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jpg"
    path.write_text(fields, encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "contacts.db"


@pytest.fixture(autouse=True)
def fake_ocr(stand_in_reader) -> None:
    stand_in_reader(read_fake_card)


def invoke(runner: CliRunner, db: Path, *args: str, input: str | None = None):
    result = runner.invoke(cli, [*args, "--db", str(db)], input=input)
    return result


def live(db: Path) -> list:
    with open_store(db) as s:
        return s.contacts(full=True)


@pytest.mark.parametrize(
    "command",
    [
        ["import"],
        ["review"],
        ["undo"],
        ["event"],
        ["event", "create"],
        ["event", "list"],
        ["event", "roster"],
        ["event", "stats"],
        ["checkin"],
        ["contacts"],
    ],
)
def test_every_store_command_has_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    if command[-1] not in ("event",):
        assert "--db" in result.output or command == ["event"]


def test_two_mixers_and_a_crm_export_give_one_contact_per_person(
    runner: CliRunner, db: Path, tmp_path: Path
) -> None:
    first = tmp_path / "mixer1"
    write_card(first, "1", "Ada Quill|ada@northwind.example|+12025550143|Northwind Labs|Analyst")
    write_card(first, "2", "Bo Lindqvist|bo@eastgate.example|+12025550101|Eastgate|Buyer")
    second = tmp_path / "mixer2"
    # Ada again, promoted, with a new mobile; Cy is new.
    write_card(second, "1", "Ada Quill|ada@northwind.example|+12025550188|Northwind Labs|CTO")
    write_card(second, "2", "Cy Okafor|cy@okafor.example||Okafor & Sons|Owner")
    result = invoke(runner, db, "event", "create", "Spring mixer", "--date", "2026-04-02")
    assert result.exit_code == 0, result.output
    result = invoke(
        runner,
        db,
        "scan",
        str(first),
        "--out",
        str(tmp_path / "out1"),
        "--event",
        "Spring mixer",
        "--note",
        "spring",
        "--tag",
        "mixer",
        "--tag",
        "2026",
    )
    assert result.exit_code == 0, result.output
    assert "2 new, 0 merged" in result.output
    result = invoke(runner, db, "scan", str(second), "--out", str(tmp_path / "out2"))
    assert result.exit_code == 0, result.output
    assert "1 new, 1 merged" in result.output
    assert "cardscan undo" in result.output

    crm = tmp_path / "hubspot.csv"
    crm.write_text(
        "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title\n"
        "7,Bo,Lindqvist,bo@eastgate.example,+1 202 555 0199,Eastgate,Head Buyer\n"
        "8,Dee,Marsh,dee@marsh.example,,Marsh Ltd,Partner\n",
        encoding="utf-8",
    )
    result = invoke(runner, db, "import", str(crm))
    assert result.exit_code == 0, result.output
    assert "(hubspot): 2 contact(s): 1 new, 1 merged" in result.output

    people = {c.name: c for c in live(db)}
    assert sorted(people) == ["Ada Quill", "Bo Lindqvist", "Cy Okafor", "Dee Marsh"]
    ada, bo = people["Ada Quill"], people["Bo Lindqvist"]
    assert {v.value for v in ada.of_kind("phone")} == {"+12025550143", "+12025550188"}
    assert ada.title == "CTO" and [h.title for h in ada.history] == ["Analyst"]
    assert ada.tags == ("2026", "mixer") and ada.notes == ("spring",)
    assert {v.value for v in bo.of_kind("phone")} == {"+12025550101", "+12025550199"}
    assert bo.title == "Head Buyer"
    with open_store(db) as s:
        assert s.count_cards() == 4
        stats = s.event_stats(s.event("Spring mixer").id)
        assert stats.cards_scanned == 2

    # The same photos again (and a copy of one under another name): nothing doubles.
    before = len(live(db))
    write_card(tmp_path / "copies", "ada", (first / "1.jpg").read_text())
    for folder in (first, second, tmp_path / "copies"):
        result = invoke(runner, db, "scan", str(folder), "--out", str(tmp_path / "again"))
        assert result.exit_code == 0, result.output
    assert "already in the store" in result.output
    assert len(live(db)) == before
    with open_store(db) as s:
        assert s.count_cards() == 4


def test_two_sides_of_a_card_are_stored_as_one_card(
    runner: CliRunner, db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "sides"
    front = write_card(folder, "ada", "Ada Quill|ada@northwind.example||Northwind Labs|CTO")
    back = write_card(folder, "ada-reverse", "Ada Quill||+12025550143||")
    result = invoke(
        runner, db, "scan", str(front), str(back), "--pair", "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 0, result.output
    assert "1 new, 0 merged" in result.output
    (ada,) = live(db)
    assert {v.value for v in ada.values} == {"ada@northwind.example", "+12025550143"}
    with open_store(db) as s:
        (key,) = [r[0] for r in sql(s, "SELECT sha256 FROM cards")]
    assert key.count("+") == 1  # keyed by both sides' content


def test_review_merges_keeps_apart_and_undo_reverts(
    runner: CliRunner, db: Path, tmp_path: Path
) -> None:
    with open_store(db) as s:
        a = s.add_contact(_c("Robert Fenwick", "Acme Inc", "rf@acme.example"), "crm")
        b = s.add_contact(_c("Bob Fenwick", "Globex", "bob@globex.example"), "card")
        c = s.add_contact(_c("Ada Quill", "Northwind", "ada@nw.example"), "crm")
        d = s.add_contact(_c("Ada Quill", "Southwind", "ada@sw.example"), "card")
        s.queue_review(a, b, 0.9, ["family same +5.0"])
        s.queue_review(c, d, 0.7, ["given same +4.0"])
    result = invoke(runner, db, "review", input="m\na\n")
    assert result.exit_code == 0, result.output
    assert "Robert Fenwick" in result.output and "Bob Fenwick" in result.output
    assert "why: family same +5.0" in result.output
    assert "2 decided, 0 still to review" in result.output
    merge_id = int(result.output.split("cardscan undo ")[1].split(")")[0])
    names = sorted(c.name for c in live(db))
    assert names == ["Ada Quill", "Ada Quill", "Robert Fenwick"]

    assert invoke(runner, db, "review").output.strip() == "Nothing to review."
    result = invoke(runner, db, "undo", str(merge_id))
    assert result.exit_code == 0, result.output
    assert f"undone merge {merge_id}" in result.output
    assert sorted(c.name for c in live(db)) == [
        "Ada Quill",
        "Ada Quill",
        "Bob Fenwick",
        "Robert Fenwick",
    ]
    # The review is open again, and skipping leaves it open.
    result = invoke(runner, db, "review", input="s\n")
    assert "0 decided, 1 still to review" in result.output
    result = invoke(runner, db, "undo", str(merge_id))
    assert result.exit_code == 5
    assert "already undone" in result.output


def test_contacts_lists_finds_and_shows_one_whole(
    runner: CliRunner, db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixer"
    write_card(folder, "1", "Ada Quill|ada@northwind.example|+12025550143|Northwind Labs|Analyst")
    write_card(folder, "2", "Bo Lindqvist|bo@eastgate.example||Eastgate|Buyer")
    assert invoke(runner, db, "event", "create", "Spring mixer").exit_code == 0
    scan = ["scan", str(folder), "--out", str(tmp_path / "o"), "--event", "Spring mixer"]
    assert invoke(runner, db, *scan, "--tag", "spring").exit_code == 0
    again = write_card(tmp_path / "later", "1", "Ada Quill|ada@northwind.example||Northwind|CTO")
    merged = invoke(runner, db, "scan", str(again), "--out", str(tmp_path / "o2"))
    merge_id = int(merged.output.split("cardscan undo ")[1].split(")")[0])

    listing = invoke(runner, db, "contacts")
    assert listing.exit_code == 0, listing.output
    assert "Ada Quill" in listing.output and "Bo Lindqvist" in listing.output
    assert "2 contact(s)" in listing.output

    ada = invoke(runner, db, "contacts", "NORTHWIND")  # one match: shown whole
    assert ada.exit_code == 0, ada.output
    assert "title     CTO" in ada.output
    assert "was Analyst at Northwind Labs" in ada.output
    assert "+12025550143" in ada.output and "ada@northwind.example" in ada.output
    assert "tags      spring" in ada.output and "met at    Spring mixer" in ada.output
    assert f"cardscan undo {merge_id}" in ada.output

    assert "Bo Lindqvist" in invoke(runner, db, "contacts", "--event", "spring MIXER").output
    assert "No contacts matching '%'" in invoke(runner, db, "contacts", "%").output
    missing = invoke(runner, db, "contacts", "999")
    assert missing.exit_code == 5 and "cardscan contacts" in missing.output


def _c(name: str, company: str, email: str) -> Contact:
    return Contact(name=Field(name, 0.9), company=Field(company, 0.9), emails=(Field(email, 0.9),))


def test_event_roster_checkin_and_stats(runner: CliRunner, db: Path, tmp_path: Path) -> None:
    result = invoke(
        runner, db, "event", "create", "Harbour mixer", "--date", "2026-05-14", "--place", "Pier 4"
    )
    assert result.exit_code == 0, result.output
    roster = tmp_path / "attendees.csv"
    roster.write_text(
        "Order #,Order Date,First Name,Last Name,Email,Quantity,Ticket Type,Attendee Status,"
        "Company\n"
        "1001,2026-05-01,Ada,Quill,ada@northwind.example,1,General,Attending,Northwind\n"
        '1002,2026-05-01,Bo,Lindqvist,bo@eastgate.example,1,General,Attending,"Eastgate\n'
        "1003,2026-05-02,Cy,Okafor,cy@okafor.example,1,VIP,Attending,Okafor & Sons\n"
        "1004,2026-05-02,Dee,Marsh,dee@marsh.example,1,General,Attending,Marsh Ltd\n",
        encoding="utf-8",
    )
    result = invoke(runner, db, "event", "roster", "Harbour mixer", str(roster))
    assert result.exit_code == 0, result.output
    assert "line 3: not imported" in result.output
    assert "Harbour mixer: 3 registered" in result.output

    door = tmp_path / "door"
    card = write_card(door, "ada", "Ada Quill|ada@northwind.example|+12025550143|Northwind|CEO")
    result = invoke(runner, db, "checkin", "Harbour mixer", str(card))
    assert result.exit_code == 0, result.output
    assert "Ada Quill: arrived" in result.output
    result = invoke(runner, db, "checkin", "Harbour mixer", str(card))
    assert "Ada Quill: already checked in" in result.output
    result = invoke(runner, db, "checkin", "harbour MIXER", "--email", "cy@okafor.example")
    assert "Cy Okafor: arrived" in result.output
    result = invoke(runner, db, "checkin", "Harbour mixer", "--name", "Fen Harrow")
    assert "Fen Harrow: walk-in" in result.output

    result = invoke(runner, db, "event", "stats", "Harbour mixer")
    assert result.exit_code == 0, result.output
    counts = dict(
        (" ".join(line.split()[:-1]), int(line.split()[-1]))
        for line in result.output.splitlines()[1:]
    )
    assert counts == {
        "registered": 3,
        "arrived": 3,
        "of them walk-ins": 1,
        "no-shows": 1,
        "cards scanned": 1,
    }
    listing = invoke(runner, db, "event", "list").output
    assert "Harbour mixer" in listing and "Pier 4" in listing
    # The list counts arrivals as stats does (walk-ins included) and shows the walk-ins.
    row = next(line for line in listing.splitlines() if "Harbour mixer" in line)
    assert row.split()[-3:] == ["3", "3", "1"]

    assert invoke(runner, db, "checkin", "Harbour mixer").exit_code == 2
    typo = invoke(runner, db, "checkin", "Harbour mixer", str(door / "nope.jpg"))
    assert typo.exit_code == 4 and "no such file" in typo.output
    bad_date = invoke(runner, db, "event", "create", "Gala", "--date", "2026-13-01")
    assert bad_date.exit_code == 2 and "--date" in bad_date.output
    missing = invoke(runner, db, "event", "stats", "Winter gala")
    assert missing.exit_code == 5 and "event create" in missing.output


def test_unusable_store_stops_before_any_photo_is_read(
    runner: CliRunner, tmp_path: Path, monkeypatch
) -> None:
    not_a_store = tmp_path / "contacts.db"
    not_a_store.write_text("not sqlite at all\n" * 100)
    write_card(tmp_path / "p", "1", "Ada Quill|ada@x.example|||")
    read = []
    monkeypatch.setattr(run, "read_photos", lambda *a, **k: read.append(a) or iter(()))
    result = runner.invoke(
        cli, ["scan", str(tmp_path / "p"), "--out", str(tmp_path / "out"), "--db", str(not_a_store)]
    )
    assert result.exit_code == 5, result.output
    assert "not a cardscan contact store" in result.output and "Hint:" in result.output
    assert read == [] and not (tmp_path / "out").exists()
    unknown_event = runner.invoke(
        cli,
        ["scan", str(tmp_path / "p"), "--out", str(tmp_path / "out"), "--event", "Nope"],
    )
    assert unknown_event.exit_code == 5 and read == []


def test_cardscan_db_environment_variable_picks_the_store(
    runner: CliRunner, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "elsewhere" / "team.db"
    monkeypatch.setenv("CARDSCAN_DB", str(target))
    result = runner.invoke(cli, ["event", "create", "Env gala"])
    assert result.exit_code == 0, result.output
    with open_store(target) as s:
        assert [e.name for e in s.events()] == ["Env gala"]


def test_without_db_or_env_the_store_is_in_the_user_data_folder(
    runner: CliRunner, tmp_path: Path, monkeypatch
) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG_DATA_HOME is the Linux/Unix location")
    monkeypatch.delenv("CARDSCAN_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert runner.invoke(cli, ["event", "create", "Default gala"]).exit_code == 0
    assert (tmp_path / "xdg" / "cardscan" / "contacts.db").exists()


def test_import_reports_broken_rows_and_accepts_a_column_map(
    runner: CliRunner, db: Path, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text(
        "Person,Mail,Firm\n"
        "Ada Quill,ada@northwind.example,Northwind\n"
        "Bo Lindqvist,bo@eastgate.example,Eastgate,stray\n",
        encoding="utf-8",
    )
    result = invoke(runner, db, "import", str(odd), "--map", "Person=name,Mail=email,Firm=company")
    assert result.exit_code == 0, result.output
    assert "line 3: not imported" in result.output
    assert [c.name for c in live(db)] == ["Ada Quill"]
    bad = invoke(runner, db, "import", str(odd), "--map", "Person")
    assert bad.exit_code == 2


# --- a real `cardscan scan` process killed mid-batch, then run again ------------------------

DRIVER = """
import os, sys, time
sys.path.insert(0, {tests!r})
from cardscan import run
import test_cli_store as t

delay = float(os.environ.get("FAKE_DELAY", "0"))
exit_after = int(os.environ.get("EXIT_IN_STORE_AFTER", "0"))

def slow(paths, settings, on_result=None, **kw):
    for p in paths:
        time.sleep(delay)
        r = t.read_fake_card(p)
        if on_result:
            on_result(r)
        yield [r]

run.read_photos = lambda *a, **k: enumerate(slow(*a, **k))
if exit_after:
    # Die inside the store's transaction for a photo that is already journaled.
    from cardscan.book.store import Store
    real = Store.add_card
    calls = []
    def dying(self, *a, **k):
        calls.append(1)
        if len(calls) == exit_after:
            os._exit(137)
        return real(self, *a, **k)
    Store.add_card = dying

from cardscan.cli import main
sys.argv = ["cardscan", *sys.argv[1:]]
main()
"""


def _people(folder: Path, n: int = 30) -> dict[str, set[str]]:
    """n people; every third one has a second card (another photo) with a new phone."""
    expected: dict[str, set[str]] = {}
    given = ["Ada", "Bo", "Cy", "Dee", "Eli", "Fen", "Gus", "Hal", "Ivo", "Jo"]
    family = ["Quill", "Lindqvist", "Okafor"]
    photo = 0
    for i in range(n):
        name = f"{given[i % 10]} {family[i // 10]}"
        email = f"{name.lower().replace(' ', '.')}@example{i}.org"
        phones = [f"+1202555{1000 + i:04d}"] + ([f"+1303555{1000 + i:04d}"] if i % 3 == 0 else [])
        for phone in phones:
            write_card(folder, f"{photo:03d}", f"{name}|{email}|{phone}|Firm {i}|")
            photo += 1
        expected[name] = {email, *phones}
    return expected


def _scan(folder: Path, out: Path, db: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            DRIVER.format(tests=str(ROOT / "tests")),
            "scan",
            str(folder),
            "--out",
            str(out),
            "--db",
            str(db),
            "--jobs",
            "1",
            "-q",
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _journaled(out: Path) -> int:
    path = out / JOURNAL_NAME
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _check_store(db: Path, expected: dict[str, set[str]], photos: int) -> None:
    with open_store(db) as s:
        assert s.check() == []
        people = s.contacts()
        assert sorted(c.name for c in people) == sorted(expected)  # nobody lost or doubled
        for c in people:
            assert {v.value for v in c.values} == expected[c.name], c.name
        assert s.count_cards() == photos
        cards = sql(s, "SELECT count(DISTINCT sha256 || card) FROM cards")[0]
        assert cards[0] == photos


def test_scan_killed_mid_batch_resumes_with_nothing_lost_or_doubled(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    expected = _people(folder)
    photos = len(list(folder.iterdir()))
    out, db = tmp_path / "out", tmp_path / "contacts.db"
    rng = random.Random(11)
    kills = 0
    # SIGKILL at random moments while photos are being read and stored.
    for _attempt in range(3):
        proc = _scan(folder, out, db, {"FAKE_DELAY": "0.03"})
        target = _journaled(out) + rng.randint(2, 6)
        deadline = time.monotonic() + 60
        while _journaled(out) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.001, 0.02))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=60)
        assert 0 < _journaled(out) < photos + 1
    assert kills >= 2, "the runs finished before they could be killed"
    # And a death inside the store's transaction, after the photo was journaled.
    proc = _scan(folder, out, db, {"EXIT_IN_STORE_AFTER": "1"})
    proc.communicate(timeout=60)
    assert proc.returncode == 137
    with open_store(db) as s:
        stored_before = s.count_cards()
    assert stored_before < _journaled(out)  # a photo journaled, not yet in the store

    proc = _scan(folder, out, db, {})
    _out, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr.decode()
    _check_store(db, expected, photos)
    records = [json.loads(x) for x in (out / "contacts.jsonl").read_text().splitlines()]
    assert len(records) == photos

    # Once more from the start: still nothing doubled.
    proc = _scan(folder, out, db, {})
    proc.communicate(timeout=60)
    _check_store(db, expected, photos)
