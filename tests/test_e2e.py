"""End to end with the real Tesseract: every sample photo read into its expected record."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, load_script

from cardscan.cli import cli
from cardscan.config import Settings
from cardscan.models import RECORD_KEYS
from cardscan.reading.pipeline import process_image

bench = load_script("bench")
PHOTOS = load_script("record_ocr").sample_images(SAMPLES)

pytestmark = pytest.mark.tesseract


def _plain(text: str | None) -> str:
    """Compare without accents: the bundled English model reads "ñ" as "n", "è" as "é"."""
    decomposed = unicodedata.normalize("NFKD", bench.normalize_text(text or ""))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _expected(photo: Path) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / f"{photo.stem}.expected.json").read_text("utf-8")))


def test_every_sample_has_an_expected_record() -> None:
    assert len(PHOTOS) >= 24
    for photo in PHOTOS:
        assert (SAMPLES / f"{photo.stem}.expected.json").is_file(), photo


@pytest.mark.parametrize("photo", PHOTOS, ids=[p.name for p in PHOTOS])
def test_sample_is_read_into_its_expected_record(photo: Path) -> None:
    [result] = process_image(photo, Settings())
    got, want = result.to_record(), _expected(photo)
    assert got["status"] == "ok", got["error"]
    assert tuple(got) == RECORD_KEYS
    assert bench.normalize_name(_plain(got["name"])) == bench.normalize_name(_plain(want["name"]))
    for field in ("title", "company"):
        assert _plain(got[field]) == _plain(want[field]), field
    assert sorted(got["emails"]) == sorted(want["emails"])
    assert sorted((p["e164"], p["type"]) for p in got["phones"]) == sorted(
        (p["e164"], p["type"]) for p in want["phones"]
    )
    assert {bench.normalize_website(w) for w in got["websites"]} == {
        bench.normalize_website(w) for w in want["websites"]
    }
    assert set(got["confidence"]) >= {"name", "emails"}
    assert all(0 <= v <= 1 for v in got["confidence"].values())


def test_scan_command_on_samples_writes_every_output(tmp_path: Path) -> None:
    photos = [str(p) for p in PHOTOS[:3]]
    (tmp_path / "notes.txt").write_text("not a card")
    result = CliRunner().invoke(
        cli,
        ["scan", *photos, str(tmp_path / "notes.txt"), "--out", str(tmp_path / "out"), "-j", "2"],
    )
    assert result.exit_code == 6, result.output  # the text file fails, the cards do not
    records = [
        json.loads(x) for x in (tmp_path / "out" / "contacts.jsonl").read_text().splitlines()
    ]
    assert [r["status"] for r in records] == ["ok", "ok", "ok", "failed"]
    assert "notes.txt" in records[3]["error"]
    plan = (tmp_path / "out" / "followup.md").read_text()
    for r in records[:3]:
        assert r["name"] in plan
    assert "3 card(s) read, 1 failed" in result.output


def test_extract_into_a_closed_pipe_stops_quietly() -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "cardscan", "extract", *map(str, PHOTOS[:4]), "-j", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.read(20)  # like `| head -c 20`: take a little, then hang up
    proc.stdout.close()
    _, err = proc.communicate(timeout=300)
    assert b"Traceback" not in err and b"Error" not in err, err.decode()
    assert proc.returncode == 1
