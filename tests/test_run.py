"""A scan run: resume after a kill, atomic private outputs, non-image files skipped."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from cardscan import run
from cardscan.config import Settings
from cardscan.models import CardResult, Contact, Field
from cardscan.run import JOURNAL_NAME, Journal, run_scan


class Killed(Exception):
    pass


def _photos(tmp_path: Path, n: int) -> list[Path]:
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = []
    for i in range(n):
        p = folder / f"card{i}.jpg"
        p.write_bytes(f"photo {i}".encode())  # content decides the journal key
        paths.append(p)
    (folder / "notes.txt").write_text("not a photo")
    (folder / ".hidden.jpg").write_text("skipped quietly")
    return paths


def _fake_batch(calls: list[str], kill_after: int | None = None):
    def fake(
        paths: Sequence[Path], settings: Settings, on_result=None
    ) -> Iterator[list[CardResult]]:
        for n, path in enumerate(paths):
            if kill_after is not None and n == kill_after:
                raise Killed
            calls.append(Path(path).name)
            result = CardResult(
                str(path), contact=Contact(name=Field(f"Person {Path(path).stem}", 0.9))
            )
            if on_result:
                on_result(result)
            yield [result]

    return fake


def test_killed_run_resumes_without_rereading_or_doubling(tmp_path, monkeypatch) -> None:
    _photos(tmp_path, 5)
    out = tmp_path / "out"
    calls: list[str] = []
    monkeypatch.setattr(run, "scan_photos", _fake_batch(calls, kill_after=3))
    with pytest.raises(Killed):
        run_scan([tmp_path / "photos"], out, Settings())
    assert calls == ["card0.jpg", "card1.jpg", "card2.jpg"]
    assert not (out / "contacts.csv").exists()  # nothing half-written

    calls.clear()
    monkeypatch.setattr(run, "scan_photos", _fake_batch(calls))
    summary = run_scan([tmp_path / "photos"], out, Settings())
    assert calls == ["card3.jpg", "card4.jpg"]
    assert summary.reused == 3 and summary.photos == 5 and summary.skipped == 1
    records = [json.loads(x) for x in (out / "contacts.jsonl").read_text().splitlines()]
    assert [r["name"] for r in records] == [f"Person card{i}" for i in range(5)]

    calls.clear()
    run_scan([tmp_path / "photos"], out, Settings(), fresh=True)
    assert len(calls) == 5


def test_outputs_are_private_to_the_owner(tmp_path, monkeypatch) -> None:
    _photos(tmp_path, 1)
    monkeypatch.setattr(run, "scan_photos", _fake_batch([]))
    summary = run_scan([tmp_path / "photos"], tmp_path / "out", Settings())
    for path in [*summary.outputs, tmp_path / "out" / JOURNAL_NAME]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "Person card0" in (tmp_path / "out" / "followup.md").read_text()


def test_journal_ignores_a_torn_last_line(tmp_path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.append("abc", [CardResult("x.jpg", contact=Contact(name=Field("X", 1.0)))])
    with (tmp_path / "j.jsonl").open("a") as f:
        f.write('{"sha256": "def", "records": [{"sou')
    done = journal.load()
    assert list(done) == ["abc"]
    assert done["abc"][0]["name"] == "X"


def test_unwritable_output_is_a_clear_error(tmp_path, monkeypatch) -> None:
    _photos(tmp_path, 1)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(run, "scan_photos", _fake_batch([]))
    with pytest.raises(run.OutputError, match="cannot create"):
        run_scan([tmp_path / "photos"], blocker / "out", Settings())
