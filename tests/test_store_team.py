"""A team's shared store: URLs for --db, and several processes writing at once.

The concurrency tests start real processes on one store, on SQLite and on PostgreSQL
(the ``db_url`` fixture): two check-in desks checking in the same people, four scans
reading the same people's cards. Nobody may be doubled and no value lost, and the audit
log says which desk or scanner did what.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import dump, sql

from cardscan.book.ingest import Ingester
from cardscan.book.store import mask, open_store, parse_location
from cardscan.book.store.connect import postgres_engine
from cardscan.cli import cli
from cardscan.errors import StoreError
from cardscan.models import CardResult, Contact, Field

# -- --db: paths and URLs ------------------------------------------------------------------


def test_paths_and_sqlite_urls_are_sqlite_files(tmp_path: Path) -> None:
    assert parse_location("contacts.db").path == Path("contacts.db")
    assert parse_location(str(tmp_path / "c.db")).backend == "sqlite"
    assert parse_location(f"sqlite:///{tmp_path}/c.db").path == tmp_path / "c.db"
    assert parse_location("sqlite:///rel/c.db").path == Path("rel/c.db")
    assert parse_location(r"C:\Users\ada\contacts.db").backend == "sqlite"  # a drive letter


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://team@db.example/cards",
        "postgresql+psycopg://team@db.example:5433/cards",
        "postgres://team@db.example/cards",
    ],
)
def test_postgresql_urls_name_a_server(url: str) -> None:
    where = parse_location(url)
    assert where.backend == "postgresql" and where.url is not None
    assert where.url.database == "cards" and where.url.username == "team"
    assert where.shown.startswith("postgresql://team@db.example")


def test_the_password_is_masked_and_sslmode_passed_on() -> None:
    where = parse_location("postgresql://team:s3cret@db.example/cards?sslmode=require")
    assert where.url is not None and where.url.query["sslmode"] == "require"
    # What the driver (psycopg, then libpq) is handed to connect with.
    engine = postgres_engine(where.url)
    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    engine.dispose()
    assert kwargs["sslmode"] == "require" and kwargs["password"] == "s3cret"
    assert "s3cret" not in where.shown and "***" in where.shown
    assert mask("postgresql://team:s3cret@db.example/cards") == (
        "postgresql://team:***@db.example/cards"
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://team@db.example/cards", "not mysql"),
        ("postgres:/typo/cards", "needs //"),
        ("postgresql://team@db.example", "names no database"),
        ("sqlite:/c.db", "not an SQLite URL"),
    ],
)
def test_unknown_or_mistyped_urls_are_refused_never_made_folders(
    url: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match=says) as info:
        open_store(url)
    assert info.value.hint
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_is_named_masked_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "postgresql://me:s3cret@127.0.0.1:1/cards?connect_timeout=3"
    result = CliRunner().invoke(cli, ["event", "create", "Gala", "--db", url])
    assert result.exit_code == 5, result.output
    assert "cannot reach the PostgreSQL server at postgresql://me:***@127.0.0.1:1/cards" in (
        result.output
    )
    assert "s3cret" not in result.output and "pg_isready" in result.output
    assert list(tmp_path.iterdir()) == []  # no folder named "postgresql:"


def test_a_missing_database_says_createdb(pg_server: object) -> None:
    if isinstance(pg_server, str):
        pytest.skip(pg_server)
    from sqlalchemy.engine import make_url

    url = make_url(pg_server.url).set(database="no_such_cardscan_db")
    with pytest.raises(StoreError, match="has no database 'no_such_cardscan_db'") as info:
        open_store(url.render_as_string(hide_password=False))
    assert "createdb" in (info.value.hint or "")


def test_an_unknown_login_is_named_with_the_fix(pg_server: object) -> None:
    if isinstance(pg_server, str):
        pytest.skip(pg_server)
    from sqlalchemy.engine import make_url

    url = make_url(pg_server.url).set(username="nobody_here", password="s3cret")
    with pytest.raises(StoreError, match=r"refused the login|has no user") as info:
        open_store(url.render_as_string(hide_password=False))
    assert "s3cret" not in str(info.value) and "nobody_here:***@" in str(info.value)
    assert "createuser" in (info.value.hint or "") or ".pgpass" in (info.value.hint or "")


def test_reading_commands_refuse_an_empty_store_on_both_databases(db_url: str) -> None:
    result = CliRunner().invoke(cli, ["contacts", "--db", db_url])
    assert result.exit_code == 5 and "no contact store" in result.output, result.output


def test_another_programs_tables_are_refused(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite files are checked in test_store_open.py")
    with open_store(db_url) as s:
        sql(s, "DROP TABLE alembic_version")
    with pytest.raises(StoreError, match="another program's tables"):
        open_store(db_url)


def test_the_audit_log_names_the_user(db_url: str) -> None:
    runner = CliRunner()
    env = {"CARDSCAN_DB": db_url}
    assert runner.invoke(cli, ["event", "create", "Gala"], env=env).exit_code == 0
    for desk in ("desk-1", "desk-2"):
        done = runner.invoke(
            cli,
            ["--user", desk, "checkin", "Gala", "--name", f"Guest of {desk}"],
            env=env,
        )
        assert done.exit_code == 0, done.output
    with open_store(db_url) as s:
        assert sorted(e.who for e in s.audit_entries()) == ["desk-1", "desk-2"]
        assert {r[0] for r in sql(s, "SELECT who FROM runs")} == {"desk-1", "desk-2"}


# -- several writers at once ---------------------------------------------------------------

_GIVEN = ["Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas"]
_FAMILY = ["Quill", "Lindqvist", "Okafor", "Marchetti", "Varga", "Haddad"]
#: Invented people, each with an e-mail address of their own.
PEOPLE = [
    *[
        (f"{given} {family}", f"{given.lower()}.{family.lower()}@example.com")
        for given, family in zip(_GIVEN[:8], _FAMILY * 2, strict=False)
    ],
    ("Kofi Brandt", "kofi@brandt.example"),
    ("Lena Sato", "lena@sato.example"),
]

CHECKIN = """
import sys, time
from pathlib import Path
from cardscan.book.events import check_in, contact_from
from cardscan.book.ingest import Ingester
from cardscan.book.store import now_iso, open_store

# A slow desk: a moment passes between finding nobody and adding the person, so a
# second writer that did not wait for the first would add them again.
from cardscan.book.store import Store
_add_contact = Store.add_contact
def _slow_add_contact(self, *args, **kwargs):
    time.sleep(0.03)
    return _add_contact(self, *args, **kwargs)
Store.add_contact = _slow_add_contact

url, desk, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
people = {people!r}
store = open_store(url, user=desk)
event = store.event("Gala")
ingester = Ingester(store)
while not go.exists():
    time.sleep(0.005)
for name, email in people:
    check_in(ingester, event, contact_from(name, email), "door", now_iso())
store.close()
"""

SCAN = """
import hashlib, sys, time
from pathlib import Path
from cardscan.book.ingest import Ingester
from cardscan.book.store import open_store
from cardscan.models import CardResult, Contact, Field

# A slow desk: a moment passes between finding nobody and adding the person, so a
# second writer that did not wait for the first would add them again.
from cardscan.book.store import Store
_add_contact = Store.add_contact
def _slow_add_contact(self, *args, **kwargs):
    time.sleep(0.03)
    return _add_contact(self, *args, **kwargs)
Store.add_contact = _slow_add_contact

url, n, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
people = {people!r}
store = open_store(url, user=f"scanner-{{n}}")
ingester = Ingester(store)
while not go.exists():
    time.sleep(0.005)
for name, email in people:
    # The same photo in every scanner (stored once), and a card of this scanner's own
    # with a website only it saw.
    for sha, site in ((name, None), (f"{{name}}/{{n}}", f"{{email.split('@')[0]}}-{{n}}.example")):
        contact = Contact(
            name=Field(name, 0.95, "card"),
            emails=(Field(email, 0.95, "card"),),
            websites=(Field(site, 0.9, "card"),) if site else (),
        )
        result = CardResult(f"photos/{{sha}}.jpg", card=0, contact=contact)
        ingester.add_card(result, hashlib.sha256(sha.encode()).hexdigest())
store.close()
"""


def _race(script: str, args: list[list[str]], tmp_path: Path) -> None:
    """Run one process per argument list, released at the same moment; all must succeed."""
    go = tmp_path / "go"
    code = textwrap.dedent(script.format(people=PEOPLE))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, *a, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for a in args
    ]
    time.sleep(1.5)  # every process has imported and opened the store
    go.touch()
    for proc in procs:
        _out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()[-3000:]


def test_two_desks_checking_in_the_same_people_make_one_contact_and_one_arrival(
    db_url: str, tmp_path: Path
) -> None:
    with open_store(db_url) as s:
        s.create_event("Gala", None, None)
    _race(CHECKIN, [[db_url, "desk-1"], [db_url, "desk-2"]], tmp_path)
    with open_store(db_url) as s:
        live = s.contacts()
        assert sorted(c.name for c in live) == sorted(name for name, _ in PEOPLE)
        attendees = s.attendees(s.event("Gala").id)
        assert sorted(a.contact_id for a in attendees) == sorted(c.id for c in live)
        assert all(a.arrived_at and a.walk_in for a in attendees)
        # One check-in entry per person, by the desk that came first; the other desk
        # found the person already arrived.
        checkins = [e for e in s.audit_entries(limit=1000) if e.action == "checkin"]
        assert len(checkins) == len(PEOPLE)
        assert {e.who for e in s.audit_entries(limit=1000)} <= {"desk-1", "desk-2"}


def test_four_scans_into_one_store_double_nobody_and_lose_no_value(
    db_url: str, tmp_path: Path
) -> None:
    open_store(db_url).close()
    _race(SCAN, [[db_url, str(n)] for n in range(4)], tmp_path)
    with open_store(db_url) as s:
        live = s.contacts()
        assert sorted(c.name for c in live) == sorted(name for name, _ in PEOPLE)
        emails = dict(PEOPLE)
        for c in live:
            assert c.name is not None
            local = emails[c.name].split("@")[0]
            assert {v.value for v in c.of_kind("email")} == {emails[c.name]}
            assert {v.value for v in c.of_kind("website")} == {
                f"{local}-{n}.example" for n in range(4)
            }, c.name
        assert s.count_cards() == len(PEOPLE) * 5  # one shared photo + four own, each once
        assert s.reviews() == []
        assert {e.who for e in s.audit_entries(limit=1000)} <= {f"scanner-{n}" for n in range(4)}


# -- moving a store --------------------------------------------------------------------------


def test_store_copy_moves_every_row_with_its_id_and_undo_still_works(
    db_url: str, tmp_path: Path
) -> None:
    from test_store_migrate import ROWS, released_store

    source = tmp_path / "laptop.db"
    released_store(source, 3, ROWS)  # a store as the released cardscan wrote it
    with open_store(source) as s:
        expected = dump(s)
    result = CliRunner().invoke(cli, ["--user", "ada", "store", "copy", str(source), db_url])
    assert result.exit_code == 0, result.output
    assert "copied 3 contacts, 2 cards, 1 events, 2 tasks and 1 audit entries" in result.output
    with open_store(db_url, user="ada") as s:
        assert dump(s) == expected
        merge_id = Ingester(s).merge(1, 3)  # new rows take new ids after the copied ones
        assert merge_id == 2
        s.undo(merge_id)
        assert dump(s) | {"audit": []} == expected | {"audit": []}
    again = CliRunner().invoke(cli, ["store", "copy", str(source), db_url])
    assert again.exit_code == 5 and "is not empty" in again.output


def test_a_writer_kept_waiting_too_long_says_the_store_is_busy(db_url: str) -> None:
    from test_store import contact

    with open_store(db_url) as first, open_store(db_url) as second:
        wait = (
            "PRAGMA busy_timeout = 200" if first.backend == "sqlite" else "SET lock_timeout = 200"
        )
        sql(second, wait)
        with first.transaction():
            first.add_contact(contact("Ada Quill"), "desk 1")
            assert second.count_contacts() == 0  # readers do not wait
            with pytest.raises(StoreError, match="is busy") as info:
                second.add_contact(contact("Bo Lind"), "desk 2")
        assert "run the command again" in (info.value.hint or "")
        second.add_contact(contact("Bo Lind"), "desk 2")
        assert first.count_contacts() == 2


def test_the_review_app_works_on_a_shared_store(db_url: str) -> None:
    """The app's pages, an edit and an accept, with a second process changing the store."""
    from webserver import running

    from cardscan.config import Settings
    from cardscan.web.app import AppState

    with open_store(db_url) as s:
        ingester = Ingester(s)
        for name, email in PEOPLE[:2]:
            contact = Contact(name=Field(name, 0.9), emails=(Field(email, 0.6),))
            ingester.add_card(CardResult(f"{email}.jpg", contact=contact), email)
        with running(AppState(s, "secret-token", Settings())) as app:
            assert "0 of 2 checked" in app.request("GET", "/")[2].decode()
            fixed = PEOPLE[0][1].replace("@", ".fixed@")
            edit = {"field": "email", "before": PEOPLE[0][1], "after": fixed}
            assert app.json("POST", "/api/contact/1/edit", edit)["ok"]
            assert app.json("POST", "/api/contact/1/edit", {"accept": True})["next"] == "/card/2"
            # Another desk scans a card; the app sees it on its next page.
            with open_store(db_url, user="desk-2") as other:
                kofi = Contact(
                    name=Field("Kofi Brandt", 0.9), emails=(Field("kofi@b.example", 0.9),)
                )
                Ingester(other).add_card(CardResult("kofi.jpg", contact=kofi), "sha-kofi")
            assert "1 of 3 checked" in app.request("GET", "/")[2].decode()
    with open_store(db_url) as s:
        assert [v.value for v in s.contact(1).of_kind("email")] == [fixed]
        assert 1 in s.checked()
