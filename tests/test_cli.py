"""The command line, in-process: exit codes, hints, records, resume, help text."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardscan import cli as cli_module
from cardscan import run
from cardscan.cli import cli
from cardscan.config import Settings
from cardscan.models import RECORD_KEYS, CardResult, Contact, Field
from cardscan.reading import pipeline


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def no_tesseract_needed(monkeypatch, fake_info) -> None:
    """Bad inputs fail before OCR, so the probe can be faked."""
    monkeypatch.setattr(pipeline, "check_tesseract", lambda *a, **k: fake_info)


@pytest.mark.parametrize("command", [[], ["doctor"], ["extract"], ["scan"]])
def test_every_command_has_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output) > 200


def test_missing_tesseract_exits_3_with_a_hint(runner: CliRunner, tmp_path) -> None:
    pipeline.check_tesseract.cache_clear()
    result = runner.invoke(cli, ["doctor", "--tesseract", str(tmp_path / "nope")])
    assert result.exit_code == 3
    assert "Tesseract was not found" in result.output
    assert "Hint:" in result.output and "tesseract-ocr" in result.output
    assert "Traceback" not in result.output


def test_bad_files_become_failed_records_and_the_batch_goes_on(
    runner: CliRunner, tmp_path, no_tesseract_needed
) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a photo")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01")
    missing = tmp_path / "missing.jpg"
    result = runner.invoke(cli, ["extract", str(empty), str(text), str(truncated), str(missing)])
    assert result.exit_code == 6, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source"] for r in records] == [str(empty), str(text), str(truncated), str(missing)]
    for r in records:
        assert tuple(r) == RECORD_KEYS
        assert r["status"] == "failed"
        assert Path(r["source"]).name in r["error"]
    assert "empty" in records[0]["error"].lower()
    assert "4 photo(s) read: 0 card(s), 4 failed" in result.stderr


def test_directories_skip_non_images_with_a_count(runner: CliRunner, tmp_path, monkeypatch) -> None:
    (tmp_path / "a.jpg").write_bytes(b"x")
    (tmp_path / "readme.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.PNG").write_bytes(b"x")
    (tmp_path / "sub" / "c.pdf").write_bytes(b"x")
    seen: list[str] = []

    def fake(
        paths: Sequence[Path], settings: Settings, on_result=None, pair=False
    ) -> Iterator[CardResult]:
        for p in paths:
            seen.append(Path(p).name)
            yield CardResult(str(p), contact=Contact(name=Field("A B", 0.9)))

    monkeypatch.setattr(cli_module, "scan_batch", fake)
    result = runner.invoke(cli, ["extract", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen == ["a.jpg", "b.PNG"]
    assert "2 non-image file(s) skipped" in result.stderr


def test_extract_resume_keeps_finished_records(runner: CliRunner, tmp_path, monkeypatch) -> None:
    photos = []
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (tmp_path / name).write_bytes(b"x")
        photos.append(str(tmp_path / name))
    out = tmp_path / "cards.jsonl"
    done = CardResult(photos[0], contact=Contact(name=Field("A", 0.9))).to_record()
    failed = {**done, "source": photos[2], "status": "failed", "error": "timeout"}
    torn = '{"source": "' + photos[1][:5]
    out.write_text(json.dumps(done) + "\n" + json.dumps(failed) + "\n" + torn)
    seen: list[str] = []

    def fake(
        paths: Sequence[Path], settings: Settings, on_result=None, pair=False
    ) -> Iterator[CardResult]:
        for p in paths:
            seen.append(str(p))
            yield CardResult(str(p), contact=Contact(name=Field("N", 0.9)))

    monkeypatch.setattr(cli_module, "scan_batch", fake)
    result = runner.invoke(cli, ["extract", *photos, "-o", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert seen == photos[1:]  # the torn and the failed photo are read again
    assert "1 kept from" in result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]  # all whole lines
    assert [(r["source"], r["status"]) for r in records] == [(p, "ok") for p in photos]
    assert out.stat().st_mode & 0o777 == 0o600


def test_extract_resume_reads_a_photo_again_when_one_of_its_cards_failed(
    runner: CliRunner, tmp_path, monkeypatch
) -> None:
    table, single = str(tmp_path / "table.jpg"), str(tmp_path / "one.jpg")
    for p in (table, single):
        Path(p).write_bytes(b"x")
    out = tmp_path / "cards.jsonl"
    ok = CardResult(table, contact=Contact(name=Field("A", 0.9))).to_record()
    lost = {**ok, "card": 1, "status": "failed", "error": "blurred"}
    alone = CardResult(single, contact=Contact(name=Field("B", 0.9))).to_record()
    out.write_text("".join(json.dumps(r) + "\n" for r in (ok, lost, alone)))
    seen: list[str] = []

    def fake(paths, settings, on_result=None, pair=False) -> Iterator[CardResult]:
        for p in paths:
            seen.append(str(p))
            for card in (0, 1):
                yield CardResult(str(p), card=card, contact=Contact(name=Field("N", 0.9)))

    monkeypatch.setattr(cli_module, "scan_batch", fake)
    result = runner.invoke(cli, ["extract", table, single, "-o", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert seen == [table]  # not only its failed card: the card that was read is read again
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((r["source"], r["card"]) for r in records) == [
        (single, 0),
        (table, 0),
        (table, 1),
    ]


def test_resume_needs_an_output_file(runner: CliRunner, tmp_path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"x")
    result = runner.invoke(cli, ["extract", str(tmp_path / "a.jpg"), "--resume"])
    assert result.exit_code == 2
    assert "--resume needs -o" in result.output


@pytest.mark.parametrize("command", ["extract", "scan"])
def test_no_photos_found_exits_4(runner: CliRunner, tmp_path, command) -> None:
    (tmp_path / "notes.txt").write_text("x")
    args = [command, str(tmp_path)] + (
        ["--out", str(tmp_path / "out")] if command == "scan" else []
    )
    result = runner.invoke(cli, args)
    assert result.exit_code == 4
    assert "no photos found" in result.output and "Hint:" in result.output
    assert not (tmp_path / "out").exists()


def test_options_show_their_environment_variables(runner: CliRunner) -> None:
    text = runner.invoke(cli, ["extract", "--help"]).output
    for var in ("CARDSCAN_REGION", "CARDSCAN_LANG", "CARDSCAN_JOBS", "CARDSCAN_TIMEOUT"):
        assert var in text


def test_environment_variables_set_options(runner: CliRunner, tmp_path, monkeypatch) -> None:
    (tmp_path / "a.jpg").write_bytes(b"x")
    seen: list[Settings] = []

    def fake(paths, settings, on_result=None, pair=False):
        seen.append(settings)
        return iter(())

    monkeypatch.setattr(cli_module, "scan_batch", fake)
    env = {"CARDSCAN_REGION": "de", "CARDSCAN_JOBS": "1", "CARDSCAN_TIMEOUT": "9"}
    result = runner.invoke(cli, ["extract", str(tmp_path / "a.jpg")], env=env)
    assert result.exit_code == 0, result.output
    assert (seen[0].region, seen[0].jobs, seen[0].ocr_timeout) == ("DE", 1, 9.0)


def test_scan_writes_outputs_and_prints_a_table(runner: CliRunner, tmp_path, monkeypatch) -> None:
    (tmp_path / "p.jpg").write_bytes(b"x")

    def fake(paths, settings, on_result=None, pair=False):
        for p in paths:
            yield [
                CardResult(
                    str(p), contact=Contact(name=Field("Ana Ruiz", 0.95), title=Field("CTO", 0.2))
                )
            ]

    monkeypatch.setattr(run, "read_photos", lambda *a, **k: enumerate(fake(*a, **k)))
    result = runner.invoke(cli, ["scan", str(tmp_path / "p.jpg"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Ana Ruiz" in result.output and "title" in result.output
    assert (tmp_path / "out" / "contacts.csv").read_text().count("Ana Ruiz") == 1


def test_bad_option_values_are_usage_errors(runner: CliRunner, tmp_path) -> None:
    (tmp_path / "p.jpg").write_bytes(b"x")
    result = runner.invoke(cli, ["extract", str(tmp_path / "p.jpg"), "--region", "USA"])
    assert result.exit_code == 2
    assert "two-letter" in result.output
    result = runner.invoke(cli, ["extract", str(tmp_path / "p.jpg"), "--jobs", "0"])
    assert result.exit_code == 2
    result = runner.invoke(cli, ["extract", str(tmp_path / "p.jpg"), "--region", "ZZ"])
    assert result.exit_code == 2
    assert "region ZZ has no phone numbering plan" in result.output


def test_unexpected_errors_hide_the_traceback_unless_verbose(
    runner: CliRunner, tmp_path, monkeypatch
) -> None:
    def boom(*args, **kwargs):
        raise ValueError("kaput")

    monkeypatch.setattr(cli_module, "require_photos", boom)
    result = runner.invoke(cli, ["extract", str(tmp_path)])
    assert result.exit_code == 1
    assert "unexpected ValueError: kaput" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(cli, ["-v", "extract", str(tmp_path)])
    assert isinstance(result.exception, ValueError)


def test_huge_image_is_refused_before_decoding(
    runner: CliRunner, tmp_path, no_tesseract_needed
) -> None:
    from PIL import Image

    huge = tmp_path / "panorama.png"
    Image.new("1", (16000, 9000)).save(huge)  # 144 Mpx, a few hundred bytes on disk
    result = runner.invoke(cli, ["extract", str(huge)])
    assert result.exit_code == 6
    record = json.loads(result.stdout)
    assert record["status"] == "failed"
    assert "panorama.png" in record["error"] and "16000" in record["error"]


def test_thumbnail_sized_image_is_refused(runner: CliRunner, tmp_path, no_tesseract_needed) -> None:
    from PIL import Image

    thumb = tmp_path / "thumb.png"
    Image.new("RGB", (90, 50), "white").save(thumb)
    result = runner.invoke(cli, ["extract", str(thumb)])
    assert result.exit_code == 6
    error = json.loads(result.stdout)["error"]
    assert "thumb.png" in error and "too small" in error and "original photo" in error
