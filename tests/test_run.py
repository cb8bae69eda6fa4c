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
    ) -> Iterator[tuple[int, list[CardResult]]]:
        for n, path in enumerate(paths):
            if kill_after is not None and n == kill_after:
                raise Killed
            calls.append(Path(path).name)
            result = CardResult(
                str(path), contact=Contact(name=Field(f"Person {Path(path).stem}", 0.9))
            )
            if on_result:
                on_result(result)
            yield n, [result]

    return fake


def test_killed_run_resumes_without_rereading_or_doubling(tmp_path, monkeypatch) -> None:
    _photos(tmp_path, 5)
    out = tmp_path / "out"
    calls: list[str] = []
    monkeypatch.setattr(run, "read_photos", _fake_batch(calls, kill_after=3))
    with pytest.raises(Killed):
        run_scan([tmp_path / "photos"], out, Settings())
    assert calls == ["card0.jpg", "card1.jpg", "card2.jpg"]
    assert not (out / "contacts.csv").exists()  # nothing half-written

    calls.clear()
    monkeypatch.setattr(run, "read_photos", _fake_batch(calls))
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
    monkeypatch.setattr(run, "read_photos", _fake_batch([]))
    summary = run_scan([tmp_path / "photos"], tmp_path / "out", Settings())
    for path in [*summary.outputs, tmp_path / "out" / JOURNAL_NAME]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "Person card0" in (tmp_path / "out" / "followup.md").read_text()


def _card(name: str) -> list[CardResult]:
    return [CardResult("x.jpg", contact=Contact(name=Field(name, 1.0)))]


@pytest.mark.parametrize(
    "torn",
    [b'{"sha256": "def", "records": [{"sou', '{"sha256": "def", "name": "Mü'.encode()[:-1]],
    ids=["mid-json", "mid-character"],
)
def test_journal_survives_a_torn_last_line(tmp_path, torn: bytes) -> None:
    journal = Journal(tmp_path / "j.jsonl", "fp")
    journal.append("abc", _card("Müller"))
    with (tmp_path / "j.jsonl").open("ab") as f:
        f.write(torn)
    assert list(journal.load()) == ["abc"]
    journal.append("ghi", _card("Zoë"))  # starts on a fresh line, not glued to the fragment
    done = journal.load()
    assert list(done) == ["abc", "ghi"]
    assert done["ghi"][0]["name"] == "Zoë"


def test_journal_only_reuses_answers_given_with_the_same_settings(tmp_path) -> None:
    Journal(tmp_path / "j.jsonl", run.settings_fingerprint(Settings())).append("abc", _card("X"))
    same = Journal(tmp_path / "j.jsonl", run.settings_fingerprint(Settings()))
    other = Journal(tmp_path / "j.jsonl", run.settings_fingerprint(Settings(region="FR")))
    assert list(same.load()) == ["abc"]
    assert other.load() == {}


def test_rerun_with_another_region_reads_the_photos_again(tmp_path, monkeypatch) -> None:
    _photos(tmp_path, 2)
    calls: list[str] = []
    monkeypatch.setattr(run, "read_photos", _fake_batch(calls))
    run_scan([tmp_path / "photos"], tmp_path / "out", Settings())
    run_scan([tmp_path / "photos"], tmp_path / "out", Settings())
    assert len(calls) == 2
    run_scan([tmp_path / "photos"], tmp_path / "out", Settings(region="FR"))
    assert len(calls) == 4


def test_unwritable_output_folder_fails_before_any_photo_is_read(tmp_path, monkeypatch) -> None:
    _photos(tmp_path, 1)
    calls: list[str] = []
    monkeypatch.setattr(run, "read_photos", _fake_batch(calls))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(run.os, "open", refuse)
    with pytest.raises(run.OutputError, match="cannot write in"):
        run_scan([tmp_path / "photos"], tmp_path / "out", Settings())
    assert calls == []


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_a_wrong_input_leaves_earlier_outputs_alone(tmp_path, monkeypatch, kind) -> None:
    _photos(tmp_path, 2)
    monkeypatch.setattr(run, "read_photos", _fake_batch([]))
    run_scan([tmp_path / "photos"], tmp_path / "out", Settings())
    before = (tmp_path / "out" / "contacts.csv").read_text()
    wrong = tmp_path / "phtoos"
    if kind == "empty":
        wrong.mkdir()
        (wrong / "notes.txt").write_text("x")
    with pytest.raises(
        run.InputImageError, match="no such file" if kind == "missing" else "no photos"
    ):
        run_scan([wrong], tmp_path / "out", Settings())
    assert (tmp_path / "out" / "contacts.csv").read_text() == before


def test_unwritable_output_is_a_clear_error(tmp_path, monkeypatch) -> None:
    _photos(tmp_path, 1)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(run, "read_photos", _fake_batch([]))
    with pytest.raises(run.OutputError, match="cannot create"):
        run_scan([tmp_path / "photos"], blocker / "out", Settings())
