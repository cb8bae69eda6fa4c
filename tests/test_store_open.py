"""Opening the contact store: what is refused untouched, what reading commands can still read.

Read-only files and full disks are simulated (the tests also run as root, which may
write anywhere, and without a file system of their own to fill): the store's module sees
``os.open`` refuse to write, or SQLite limited to the pages the store already has, which
fails the way a full disk does (SQLITE_FULL).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardscan.book.store import APPLICATION_ID, open_store
from cardscan.book.store import connect as store_module
from cardscan.cli import cli
from cardscan.errors import ExitCode, StoreError
from cardscan.models import Contact, Field


def _store_with_a_contact(path: Path) -> None:
    with open_store(path) as s:
        s.add_contact(Contact(name=Field("Ada Quill", 0.9)), "test")


def _snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    siblings = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))
    return path.read_bytes(), stat.S_IMODE(path.stat().st_mode), siblings


@pytest.mark.parametrize(
    "setup",
    [
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT); PRAGMA user_version = 3;",
        f"CREATE TABLE t (x); PRAGMA application_id = {APPLICATION_ID + 1};",
        "PRAGMA application_id = 1234; PRAGMA user_version = 7;",
    ],
    ids=["tables-and-user-version-3", "other-application-id", "no-tables-other-id"],
)
def test_another_programs_database_is_refused_before_anything_touches_it(
    tmp_path: Path, setup: str
) -> None:
    path = tmp_path / "photos.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(setup)
    conn.close()
    path.chmod(0o644)
    before = _snapshot(path)
    with pytest.raises(StoreError, match="another program's database") as info:
        open_store(path)
    assert "newer cardscan" not in str(info.value)
    assert _snapshot(path) == before  # same bytes, same mode, no -wal or -shm left
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_a_store_from_a_newer_cardscan_is_still_called_that(tmp_path: Path) -> None:
    path = tmp_path / "contacts.db"
    _store_with_a_contact(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer cardscan"):
        open_store(path)


def test_a_mistyped_db_is_refused_by_reading_commands_and_not_created(tmp_path: Path) -> None:
    runner = CliRunner()
    real = tmp_path / "contacts.db"
    _store_with_a_contact(real)
    typo = tmp_path / "contcats.db"
    for command in (
        ["contacts"],
        ["export", "--format", "csv", "-o", str(tmp_path / "x.csv")],
        ["report", "-o", str(tmp_path / "r.html")],
        ["event", "list"],
        ["task", "list"],
        ["review"],
        ["followup", "--out", str(tmp_path / "plan")],
    ):
        result = runner.invoke(cli, [*command, "--db", str(typo)])
        assert result.exit_code == ExitCode.STORE, (command, result.output)
        assert f"no contact store at {typo}" in result.output, result.output
        assert "Hint:" in result.output
        assert not typo.exists()
    assert not (tmp_path / "x.csv").exists()
    # Commands that add to the store make one.
    made = runner.invoke(cli, ["event", "create", "Gala", "--db", str(typo)])
    assert made.exit_code == 0, made.output
    assert typo.exists()
    with pytest.raises(StoreError, match="no contact store"):
        open_store(tmp_path / "nope.db", create=False)


@pytest.fixture
def read_only_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store whose file and folder may not be written (for root too: os.open refuses)."""
    folder = tmp_path / "ro"
    path = folder / "contacts.db"
    _store_with_a_contact(path)
    real_open = os.open

    def no_writes(file: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(file).startswith(str(folder)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]

    real_connect = sqlite3.connect

    def read_only_connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        # SQLite opens a file it may not write read-only, and fails at the first write.
        if not kwargs.get("uri"):
            database, kwargs["uri"] = f"file:{database}?mode=ro", True
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.os, "open", no_writes)
    monkeypatch.setattr(store_module.sqlite3, "connect", read_only_connect)
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield path
    finally:
        folder.chmod(0o700)
        path.chmod(0o600)


def test_reading_commands_read_a_store_they_may_not_write(
    read_only_store: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    db = ["--db", str(read_only_store)]
    listed = runner.invoke(cli, ["contacts", *db])
    assert listed.exit_code == 0, listed.output
    assert "Ada Quill" in listed.output
    out = tmp_path / "all.csv"
    exported = runner.invoke(cli, ["export", "--format", "csv", "-o", str(out), *db])
    assert exported.exit_code == 0, exported.output
    assert "Ada Quill" in out.read_text()
    for command in (
        ["event", "list"],
        ["task", "list"],
        ["report", "-o", str(tmp_path / "r.html")],
    ):
        done = runner.invoke(cli, [*command, *db])
        assert done.exit_code == 0, (command, done.output)
    # A command that writes says what is wrong: not "not a cardscan contact store".
    refused = runner.invoke(cli, ["event", "create", "Gala", *db])
    assert refused.exit_code == ExitCode.STORE, refused.output
    assert "no write access" in refused.output and str(read_only_store) in refused.output
    assert "not a cardscan contact store" not in refused.output


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store connection may not grow past the pages the file has now: SQLITE_FULL."""
    real_connect = sqlite3.connect

    def full(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(database, *args, **kwargs)  # type: ignore[arg-type]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return conn

    monkeypatch.setattr(store_module.sqlite3, "connect", full)


def test_a_full_disk_is_said_with_the_store_and_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "contacts.db"
    _store_with_a_contact(path)
    rows = "".join(f"Person {i},p{i}@example.org,Firm {i}\n" for i in range(400))
    csv = tmp_path / "people.csv"
    csv.write_text("name,email,company\n" + rows)
    _full_disk(monkeypatch)
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(csv), "--map", "name=name", "--db", str(path)])
    assert result.exit_code == ExitCode.STORE, result.output
    assert "disk full" in result.output and str(path) in result.output, result.output
    assert "rollback" not in result.output and "unexpected" not in result.output
    # Reading still works on the full disk, and the store is as it was.
    listed = runner.invoke(cli, ["contacts", "--db", str(path)])
    assert listed.exit_code == 0 and "Ada Quill" in listed.output, listed.output
    monkeypatch.undo()
    with open_store(path) as s:
        assert s.check() == [] and s.count_contacts() == 1
