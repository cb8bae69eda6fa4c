"""The contact store: private file, migrations, values as rows, merges that undo exactly.

Tests taking ``store`` run on SQLite and on PostgreSQL (the ``db_url`` fixture).
"""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import dump, sql

from cardscan.book.store import Store, head, open_store, value_key
from cardscan.config import default_db_path
from cardscan.errors import ExitCode, StoreError
from cardscan.models import Contact, Field, Phone, PhoneType


def contact(
    name: str | None = None,
    *,
    title: str | None = None,
    company: str | None = None,
    emails: tuple[str, ...] = (),
    phones: tuple[str, ...] = (),
    websites: tuple[str, ...] = (),
    address: str | None = None,
) -> Contact:
    return Contact(
        name=Field(name, 0.9) if name else None,
        title=Field(title, 0.9) if title else None,
        company=Field(company, 0.9) if company else None,
        emails=tuple(Field(e, 0.9) for e in emails),
        phones=tuple(Field(Phone(p, p, PhoneType.MOBILE, True), 0.9) for p in phones),
        websites=tuple(Field(w, 0.9) for w in websites),
        address=Field(address, 0.9) if address else None,
    )


class Clock:
    """A clock the test moves by hand, so "newer" is decided by the test."""

    def __init__(self) -> None:
        self.now = "2026-01-01T09:00:00+00:00"

    def __call__(self) -> str:
        return self.now


@pytest.fixture
def store(db_url: str) -> Store:
    s = open_store(db_url)
    s.clock = Clock()
    yield s
    s.close()


__all__ = ["Clock", "contact", "dump"]


def no_keys(_contact: object) -> frozenset[str]:
    return frozenset()


def test_store_is_private_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "sub" / "contacts.db"
    with open_store(path) as s:
        assert s.schema_version == int(head()) >= 3
        assert sql(s, "PRAGMA journal_mode") == [("wal",)]
        s.add_contact(contact("Ada Quill", emails=("ada@example.org",)), "test")
        for p in (path, Path(f"{path}-wal")):
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with open_store(path) as s:  # reopening keeps the data and does not migrate again
        assert s.count_contacts() == 1


def test_a_store_from_a_newer_cardscan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "contacts.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {int(head()) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer cardscan") as info:
        open_store(path)
    assert info.value.exit_code == ExitCode.STORE == 5
    assert "upgrade" in (info.value.hint or "")


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 500)
    with pytest.raises(StoreError, match="not a cardscan contact store"):
        open_store(path)


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "photos.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="another program's database"):
        open_store(path)
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert tables == ["albums"]


def test_a_damaged_store_is_reported_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "contacts.db"
    with open_store(path) as s:
        for i in range(300):
            s.add_contact(contact(f"Person {i}", emails=(f"p{i}@example.org",)), "t")
    data = bytearray(path.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * 8192  # overwrite pages after the first
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged") as info, open_store(path) as s:
        s.contacts()
        s.check()
    assert "backup" in (info.value.hint or "")


def test_a_store_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "contacts.db"
    open_store(path).close()
    path.chmod(0o644)
    open_store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_folders_made_for_the_store_are_private(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "contacts.db"
    open_store(path).close()
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_folder_that_is_not_writable_gives_a_hint(tmp_path: Path, monkeypatch) -> None:
    def refuse(*_args: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("cardscan.book.store.connect.os.open", refuse)
    with pytest.raises(StoreError, match="no write access") as info:
        open_store(tmp_path / "contacts.db")
    assert "may not write" in (info.value.hint or "")


def test_two_processes_creating_one_store_at_once_both_succeed(db_url: str) -> None:
    path = db_url
    script = f"from cardscan.book.store import open_store; open_store({str(path)!r}).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE) for _ in range(4)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    with open_store(path) as s:
        assert s.schema_version == int(head())


def test_sqlite_urls_work(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/u.db") as s:
        assert s.location == str(tmp_path / "u.db")


def test_default_path_follows_xdg_data_home(monkeypatch, tmp_path: Path) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG applies to Linux and other Unix only")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "cardscan" / "contacts.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "cardscan" / "contacts.db"


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("email", "Ada@Example.ORG ", "ada@example.org"),
        ("website", "https://www.example.org/", "example.org"),
        ("phone", "+1 (202) 555-0143", "+12025550143"),
    ],
)
def test_values_that_differ_only_in_form_share_a_key(kind: str, a: str, b: str) -> None:
    assert value_key(kind, a) == value_key(kind, b)


def test_each_value_is_a_row_with_kind_type_source_and_dates(store: Store) -> None:
    cid = store.add_contact(
        contact(
            "Ada Quill",
            emails=("ada@example.org", "ADA@example.org"),
            phones=("+12025550143",),
            websites=("www.example.org",),
        ),
        "card a.jpg",
    )
    c = store.contact(cid)
    assert [(v.kind, v.value, v.type, v.source) for v in c.values] == [
        ("email", "ada@example.org", None, "card a.jpg"),
        ("website", "example.org", None, "card a.jpg"),
        ("phone", "+12025550143", "mobile", "card a.jpg"),
    ]
    assert all(v.first_seen == v.last_seen == store.clock() for v in c.values)
    assert store.find_by_value("email", "Ada@Example.org") == {cid}
    back = c.to_contact()
    assert [p.value.e164 for p in back.phones] == ["+12025550143"]
    assert back.name is not None and back.name.value == "Ada Quill"


def test_candidates_come_from_keys_and_skip_huge_name_blocks(store: Store) -> None:
    ids = [
        store.add_contact(contact(f"P{i}"), "t", keys={"n:common", f"e:p{i}@x.org"})
        for i in range(5)
    ]
    assert store.candidates({"e:p3@x.org"}) == {ids[3]}
    assert store.candidates({"n:common"}) == set(ids)
    assert store.candidates({"n:common"}, max_block=4, always=("e:",)) == set()
    assert store.candidates({"n:common", "e:p1@x.org"}, max_block=4, always=("e:",)) == {ids[1]}
    assert store.candidates({"n:rare"}) == set()


def test_merge_keeps_every_value_and_the_old_job_as_history(store: Store) -> None:
    clock = store.clock
    old = store.add_contact(
        contact(
            "Ada Quill",
            title="Analyst",
            company="Brightwater Ltd",
            emails=("ada@brightwater.example",),
            phones=("+12025550143",),
        ),
        "import:hubspot crm.csv",
    )
    store.add_tags(old, ["crm"])
    clock.now = "2026-03-01T10:00:00+00:00"
    new = store.add_contact(
        contact(
            "Ada  Quill",
            title="Head of Research",
            company="Northwind Labs",
            emails=("ada@northwind.example", "ADA@brightwater.example"),
            phones=("+12025550143", "+12025550199"),
        ),
        "card mixer/1.jpg",
    )
    store.add_tags(new, ["mixer"])
    store.add_note(new, "talked about tide tables")
    merge_id = store.merge(old, new, no_keys)

    merged = store.contact(old)
    assert (merged.title, merged.company) == ("Head of Research", "Northwind Labs")
    assert [h.describe() for h in merged.history] == [
        "was Analyst at Brightwater Ltd (until 2026-03-01)"
    ]
    emails = {v.value: v for v in merged.of_kind("email")}
    assert set(emails) == {"ada@brightwater.example", "ada@northwind.example"}
    # The address seen on both keeps its first sighting and gains the second.
    both = emails["ada@brightwater.example"]
    assert (both.first_seen, both.last_seen) == ("2026-01-01T09:00:00+00:00", clock.now)
    assert {v.value for v in merged.of_kind("phone")} == {"+12025550143", "+12025550199"}
    assert merged.tags == ("crm", "mixer")
    assert merged.notes == ("talked about tide tables",)
    assert merged.conflicts == ()  # "Ada  Quill" is the same name spaced differently
    assert store.contact(new).merged_into == old
    assert store.live_id(new) == old
    assert store.count_contacts() == 1
    entry = store.audit_entry(merge_id)
    assert entry.action == "merge" and entry.contacts == (old, new) and entry.who == store.who


def test_an_older_card_does_not_overwrite_a_newer_job(store: Store) -> None:
    store.clock.now = "2026-05-01T00:00:00+00:00"
    keep = store.add_contact(contact("Ada Quill", title="Director", company="Northwind"), "crm")
    older = store.add_contact(
        contact("Ada Quill", title="Analyst", company="Northwind"),
        "card old.jpg",
        seen_at="2024-02-02T00:00:00+00:00",
    )
    store.merge(keep, older, no_keys)
    merged = store.contact(keep)
    assert merged.title == "Director"
    assert [(h.title, h.company, h.source) for h in merged.history] == [
        ("Analyst", "Northwind", "card old.jpg")
    ]


def test_a_different_name_is_recorded_as_a_conflict(store: Store) -> None:
    a = store.add_contact(contact("Robert Fenwick", emails=("rf@example.org",)), "crm")
    b = store.add_contact(contact("Bob Fenwick", emails=("rf@example.org",)), "card b.jpg")
    store.merge(a, b, no_keys)
    merged = store.contact(a)
    assert merged.name == "Robert Fenwick"
    assert [(c.field, c.kept, c.other, c.source) for c in merged.conflicts] == [
        ("name", "Robert Fenwick", "Bob Fenwick", "card b.jpg")
    ]


def test_undo_puts_every_row_back_exactly(store: Store) -> None:
    event = store.create_event("Harbour mixer", "2026-02-02", "Pier 4")
    a = store.add_contact(
        contact("Ada Quill", company="Brightwater", emails=("a@x.example",)), "crm", keys={"k:a"}
    )
    b = store.add_contact(
        contact("Ada Quill", company="Northwind", emails=("a@x.example", "ada@nw.example")),
        "card",
        keys={"k:b"},
    )
    store.register(event.id, a, "roster")
    store.arrive(event.id, b, "2026-02-02T18:00:00+00:00", "door")
    store.add_tags(b, ["vip"])
    review = store.queue_review(a, b, 0.7, ["name same +8.0"])
    before = dump(store)

    merge_id = store.merge(a, b, lambda c: {"k:merged"}, review_id=review)
    assert store.reviews("open") == []
    attendance = store.attendance(event.id, a)
    assert attendance is not None and attendance.registered and attendance.arrived_at
    assert store.attendance(event.id, b) is None
    assert store.candidates({"k:merged"}) == {a}

    undone = store.undo(merge_id)
    assert undone.undone
    after = dump(store)
    assert after.pop("audit") != before.pop("audit")  # the log keeps the merge and its undo
    assert after == before
    with pytest.raises(StoreError, match="already undone"):
        store.undo(merge_id)


def test_undo_is_refused_while_a_later_change_builds_on_it(store: Store) -> None:
    a = store.add_contact(contact("Ada Quill"), "t")
    b = store.add_contact(contact("Ada Quill", title="Analyst"), "t")
    c = store.add_contact(contact("Ada Quill", company="Northwind"), "t")
    first = store.merge(a, b, no_keys)  # gives a its title
    second = store.merge(a, c, no_keys)  # changes the row the first merge wrote
    with pytest.raises(StoreError, match=f"cannot undo merge {first}") as info:
        store.undo(first)
    assert str(second) in (info.value.hint or "")
    store.undo(second)
    store.undo(first)
    assert store.count_contacts() == 3


def test_undo_keeps_what_was_added_to_the_contacts_since(store: Store) -> None:
    event = store.create_event("Harbour mixer", None, None)
    a = store.add_contact(contact("Ada Quill", emails=("ada@x.example",)), "crm")
    b = store.add_contact(contact("Ada Quill", title="CTO", emails=("ada@x.example",)), "card")
    card = store.add_card("a" * 64, 0, "b.jpg", b, {})
    merge_id = store.merge(a, b, no_keys)
    store.add_tags(a, ["hot"])
    store.add_note(a, "call back in May")
    store.link_met(event.id, a, card)

    store.undo(merge_id)
    back, kept = store.contact(b), store.contact(a)
    assert back.merged_into is None and back.title == "CTO"
    assert kept.title is None and kept.tags == ("hot",) and kept.notes == ("call back in May",)
    assert [e.name for e in store.met_at(a)] == ["Harbour mixer"]
    assert store.check() == []


def test_a_later_merge_into_the_same_contact_must_be_undone_first(store: Store) -> None:
    # The second merge leaves the first one's rows alone, but chose a's name because the
    # first merge had given a one: undoing the first alone would leave a nameless contact.
    a = store.add_contact(contact(None, emails=("ada@x.example",)), "t")
    b = store.add_contact(contact("Ada Quill", emails=("ada@x.example",)), "t")
    c = store.add_contact(contact("Ada Quill", emails=("ada@x.example",)), "t")
    first = store.merge(a, b, no_keys)
    second = store.merge(a, c, no_keys)
    with pytest.raises(StoreError, match=f"cannot undo merge {first}") as info:
        store.undo(first)
    assert info.value.hint == f"undo the later changes first: {second}"
    store.undo(second)
    store.undo(first)
    assert store.contact(a).name is None and store.count_contacts() == 3


def test_undo_refuses_to_overwrite_a_row_whose_id_was_taken(store: Store) -> None:
    a = store.add_contact(contact("Ada Quill"), "t")
    b = store.add_contact(contact("Ada Quill"), "t")
    store.add_tags(b, ["vip"])
    merge_id = store.merge(a, b, no_keys)  # moves the tag: b's tag row is gone
    sql(store, "INSERT INTO tags (contact_id, tag) VALUES (:b, 'vip')", b=b)
    with pytest.raises(StoreError, match="changed after it"):
        store.undo(merge_id)


def test_keeping_a_pair_apart_is_audited_and_undoable(store: Store) -> None:
    a, b = (store.add_contact(contact(f"Person {i}"), "t") for i in "ab")
    review = store.queue_review(a, b, 0.6, [])
    assert store.queue_review(b, a, 0.6, []) == review  # never queued twice
    audit_id = store.keep_apart(review)
    assert [r.id for r in store.reviews("apart")] == [review] and store.reviews("open") == []
    store.undo(audit_id)
    assert [r.id for r in store.reviews("open")] == [review]


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    before = dump(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.add_contact(contact("Ada Quill"), "t")
        raise RuntimeError("boom")
    assert dump(store) == before
    with store.transaction():
        kept = store.add_contact(contact("Kept"), "t")
        with pytest.raises(RuntimeError), store.transaction():
            store.add_contact(contact("Dropped"), "t")
            raise RuntimeError("inner")
    assert [c.id for c in store.contacts()] == [kept]


def test_a_process_killed_inside_a_transaction_leaves_the_store_as_it_was(db_url: str) -> None:
    path = db_url
    with open_store(path) as s:
        s.add_contact(contact("Before"), "t")
    script = textwrap.dedent(
        f"""
        import os
        from cardscan.models import Contact, Field
        from cardscan.book.store import open_store
        s = open_store({str(path)!r})
        with s.transaction():
            for i in range(200):
                s.add_contact(Contact(name=Field(f"Half {{i}}", 1.0)), "t")
            os._exit(9)  # killed before the commit
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == 9, proc.stderr
    with open_store(path) as s:
        assert [c.name for c in s.contacts()] == ["Before"]
        assert s.check() == []


def test_events_roster_arrival_and_stats(store: Store) -> None:
    event = store.create_event("Harbour mixer", "2026-02-02", "Pier 4")
    with pytest.raises(StoreError, match="already exists"):
        store.create_event("harbour MIXER", None, None)
    assert store.event(str(event.id)) == store.event("HARBOUR mixer") == event
    with pytest.raises(StoreError, match="no event"):
        store.event("Unknown gala")
    people = [store.add_contact(contact(f"Guest {i}"), "roster") for i in range(4)]
    for p in people[:3]:
        assert store.register(event.id, p, "roster")
    assert not store.register(event.id, people[0], "roster")
    store.arrive(event.id, people[0], "2026-02-02T18:00:00+00:00", "door")
    again = store.arrive(event.id, people[0], "2026-02-02T19:00:00+00:00", "door")
    assert again.arrived_at == "2026-02-02T18:00:00+00:00"  # the first arrival counts
    walk_in = store.arrive(event.id, people[3], "2026-02-02T18:30:00+00:00", "door")
    assert walk_in.walk_in and not walk_in.registered
    card = store.add_card("f" * 64, 0, "door.jpg", people[3], {"name": "Guest 3"})
    assert store.link_met(event.id, people[3], card)
    assert not store.link_met(event.id, people[3], card)
    stats = store.event_stats(event.id)
    assert (
        stats.registered,
        stats.arrived,
        stats.walk_ins,
        stats.no_shows,
        stats.cards_scanned,
    ) == (
        3,
        2,  # the registered arrival and the walk-in
        1,
        2,
        1,
    )


def test_an_interrupt_inside_a_statement_rolls_back_and_is_reported_as_itself(db_url: str) -> None:
    """Ctrl-C or SIGTERM landing inside a statement: the interrupt comes out, not a
    "roll back first" error, nothing of the transaction is kept, and the store still works."""
    import sqlalchemy

    with open_store(db_url) as s:
        fired = []

        def interrupt(conn, cursor, statement, *args):
            if "INSERT INTO contact_values" in statement and not fired:
                fired.append(statement)
                raise KeyboardInterrupt

        sqlalchemy.event.listen(s._conn, "before_cursor_execute", interrupt)
        with pytest.raises(KeyboardInterrupt):
            s.add_contact(contact("Ines Varga", emails=("ines@varga.example",)), "card")
        assert fired
        assert s.count_contacts() == 0
        s.add_contact(contact("Ines Varga", emails=("ines@varga.example",)), "card")
        assert s.count_contacts() == 1
