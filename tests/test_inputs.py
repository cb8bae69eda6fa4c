"""Awkward inputs and outputs: FIFOs, devices, unreadable files and folders, full disks."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from cardscan import cli as cli_module
from cardscan import run
from cardscan.cli import cli
from cardscan.models import CardResult, Contact, Field
from cardscan.reading.pipeline import collect_images

#: ``cardscan`` with the real pipeline, minus Tesseract (the inputs here never reach it).
DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import crashers
from cardscan.reading import pipeline
pipeline.check_tesseract = lambda *a, **k: crashers.FAKE_INFO
from cardscan.cli import main
sys.argv = ["cardscan", *sys.argv[1:]]
main()
"""


def _cardscan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", DRIVER.format(tests=str(ROOT / "tests")), *args],
        capture_output=True,
        text=True,
        timeout=60,  # before the fix: hashing the FIFO waited forever
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_among_the_photos_fails_alone(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    os.mkfifo(folder / "x.jpg")
    (folder / "y.jpg").write_bytes(b"not a photo")
    db = str(tmp_path / "c.db")
    inputs = [str(folder)] + (["/dev/zero"] if Path("/dev/zero").exists() else [])
    done = _cardscan("scan", *inputs, "--out", str(tmp_path / "out"), "--db", db, "--jobs", "1")
    assert done.returncode == 6, done.stderr
    records = [
        json.loads(x) for x in (tmp_path / "out" / "contacts.jsonl").read_text().splitlines()
    ]
    by_source = {r["source"]: r for r in records}
    assert set(by_source) == {str(folder / "x.jpg"), str(folder / "y.jpg"), *inputs[1:]}
    assert "not a regular file" in by_source[str(folder / "x.jpg")]["error"]
    assert all(r["status"] == "failed" for r in records)

    event = _cardscan("event", "create", "Door", "--db", db)
    assert event.returncode == 0, event.stderr
    door = _cardscan("checkin", "Door", str(folder / "x.jpg"), "--db", db, "--jobs", "1")
    assert door.returncode == 6, door.stderr
    assert f"{folder / 'x.jpg'}: could not read the card" in door.stderr


def _fake_batch(seen: list[str]):
    def fake(paths, settings, on_result=None, pair=False):
        for p in paths:
            seen.append(str(p))
            result = CardResult(str(p), contact=Contact(name=Field(Path(p).stem, 0.9)))
            if on_result:
                on_result(result)
            yield result

    return fake


def _fake_read(paths, settings, on_result=None, **_):
    return enumerate([r] for r in _fake_batch([])(paths, settings, on_result))


def test_an_unreadable_photo_named_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, locked = tmp_path / "good.jpg", tmp_path / "locked.jpg"
    good.write_bytes(b"x")
    locked.write_bytes(b"x")
    locked.chmod(0)
    real_access = os.access
    # Root may read anything: say what an ordinary user's os.access says of a 0000 file.
    monkeypatch.setattr(
        os, "access", lambda p, mode, **k: Path(p) != locked and real_access(p, mode, **k)
    )
    seen: list[str] = []
    monkeypatch.setattr(cli_module, "scan_batch", _fake_batch(seen))
    result = CliRunner().invoke(cli, ["extract", str(good), str(locked)])
    assert result.exit_code == 0, result.output  # not 2: Click no longer stops the batch
    assert seen == [str(good), str(locked)]  # read, so its failure is a record naming it
    locked.chmod(0o600)


def test_an_unreadable_folder_is_named_in_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "photos" / "locked").mkdir(parents=True)
    (tmp_path / "photos" / "a.jpg").write_bytes(b"x")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(cli_module, "scan_batch", _fake_batch([]))
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "photos")])
    assert result.exit_code == 0, result.output
    assert f"cannot read the folder {tmp_path / 'photos' / 'locked'}" in result.output


def test_the_same_photo_named_twice_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cards").mkdir()
    photo = tmp_path / "cards" / "a.jpg"
    photo.write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    photos, _ = collect_images([photo, "cards/a.jpg", "./cards", Path("cards/../cards/a.jpg")])
    assert photos == [photo]


def test_folders_made_for_outputs_are_private_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "p.jpg").write_bytes(b"x")
    monkeypatch.setattr(cli_module, "scan_batch", _fake_batch([]))
    monkeypatch.setattr(
        run,
        "read_photos",
        lambda paths, *a, **k: enumerate([r] for r in _fake_batch([])(paths, None)),
    )
    old = os.umask(0)
    try:
        runner = CliRunner()
        out = tmp_path / "a" / "b" / "out"
        assert (
            runner.invoke(cli, ["scan", str(tmp_path / "p.jpg"), "--out", str(out)]).exit_code == 0
        )
        jsonl = tmp_path / "x" / "y" / "cards.jsonl"
        assert (
            runner.invoke(cli, ["extract", str(tmp_path / "p.jpg"), "-o", str(jsonl)]).exit_code
            == 0
        )
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", out, tmp_path / "x", jsonl.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


class _FullDisk:
    """A file on a full disk: every write fails with ENOSPC."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_extract_on_a_full_disk_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "p.jpg").write_bytes(b"x")
    output = tmp_path / "cards.jsonl"
    monkeypatch.setattr(cli_module, "scan_batch", _fake_batch([]))
    monkeypatch.setattr(cli_module, "open_records_file", lambda path, resume: (_FullDisk(), set()))
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "p.jpg"), "-o", str(output)])
    assert result.exit_code == 1, result.output
    assert f"cannot write {output}: disk full" in result.output
    assert "--resume" in result.output and "unexpected" not in result.output


def test_scan_on_a_full_disk_says_so_and_keeps_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.jpg").write_bytes(name.encode())
    monkeypatch.setattr(
        run,
        "read_photos",
        lambda paths, *a, **k: enumerate([r] for r in _fake_batch([])(paths, None)),
    )
    real_write = os.write
    writes: list[int] = []

    def write(fd: int, data: bytes) -> int:
        writes.append(fd)
        if len(writes) > 1:  # the second photo's journal line finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(run.os, "write", write)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"cannot write {out / run.JOURNAL_NAME}: disk full" in result.output
    assert (out / run.JOURNAL_NAME).read_text().count("\n") == 1  # the first photo is kept


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_import_and_roster_refuse_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "people.csv"
    os.mkfifo(fifo)
    db = str(tmp_path / "c.db")
    for command in (["import", str(fifo)], ["event", "roster", "Gala", str(fifo)]):
        done = _cardscan(*command, "--db", db)  # before: waited forever for a writer
        assert done.returncode == 2, done.stderr
        assert f"{fifo} is not a regular file" in done.stderr
