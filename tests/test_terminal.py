"""What a person sees on the terminal: each warning once per run, naming its photos; -q quiet."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from crashers import FAKE_INFO, spanish_card

from cardscan import run
from cardscan.cli import TerminalLog, cli
from cardscan.reading import pipeline


@pytest.fixture
def spanish_photos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("es-a", "en-b", "es-c", "es-d", "en-e"):
        (folder / f"{name}.jpg").write_bytes(name.encode())
    monkeypatch.setattr(pipeline, "check_tesseract", lambda *a, **k: FAKE_INFO)
    monkeypatch.setattr(
        run, "read_photos", functools.partial(pipeline.read_photos, worker=spanish_card)
    )
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_language_warning_is_said_once_naming_every_photo(
    spanish_photos: Path, tmp_path: Path, jobs: str
) -> None:
    # Worker processes' warnings reach the parent too (--jobs 2): said once, not per worker.
    args = ["scan", str(spanish_photos), "--out", str(tmp_path / "out"), "--jobs", jobs]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "looks Spanish" in line]
    assert len(said) == 1, result.output
    assert said[0].startswith("Warning: ")
    for name in ("es-a", "es-c", "es-d"):
        assert f"{name}.jpg" in said[0]
    assert "en-b" not in said[0] and "3 photos" in said[0]


def test_quiet_means_no_warnings(spanish_photos: Path, tmp_path: Path) -> None:
    args = ["scan", str(spanish_photos), "--out", str(tmp_path / "out"), "--jobs", "2", "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output == ""


def test_a_message_is_written_above_a_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    class Bar:
        rendered = 0
        _last_line: str | None = "Reading cards  [###   ]  3/5"

        def render_progress(self) -> None:
            self.rendered += 1

    handler = TerminalLog()
    handler.bar = Bar()
    record = logging.LogRecord("cardscan.x", logging.WARNING, __file__, 1, "look out", None, None)
    handler.emit(record)
    handler.emit(record)  # the same text twice is said once
    err = capsys.readouterr().err
    assert err == "\r\033[KWarning: look out\n"  # the bar's line cleared first
    assert handler.bar.rendered == 1 and handler.bar._last_line is None  # then redrawn
