"""After the mixer, from the command line: tag, note, plan, tick off, plan again.

Photos are the stand-in text cards of test_cli_store (the store and the plan are under
test here, not OCR).
"""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from test_cli_store import fake_read_photos, fake_scan_photos, write_card

from cardscan import cli as cli_module
from cardscan import run
from cardscan.book.store import open_store
from cardscan.cli import cli
from cardscan.errors import ExitCode


@pytest.fixture(autouse=True)
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "read_photos", fake_read_photos)
    monkeypatch.setattr(cli_module, "scan_photos", fake_scan_photos)


@pytest.fixture
def mixer(tmp_path: Path) -> tuple[CliRunner, Path]:
    """A store holding three cards scanned at "Harbour mixer" (2026-11-18)."""
    runner = CliRunner()
    db = tmp_path / "contacts.db"
    photos = tmp_path / "photos"
    write_card(photos, "1", "Ada Quill|ada@northwind.example|+12025550143|Northwind Labs|Founder")
    write_card(photos, "2", "Bo Lind|bo@eastgate.example|+12025550101|Eastgate CPA|Partner, CPA")
    write_card(photos, "3", "Cy Moss|cy@moss.example||Moss Media|Producer")
    for args in (
        ["event", "create", "Harbour mixer", "--date", "2026-11-18"],
        ["scan", str(photos), "--out", str(tmp_path / "out"), "--event", "Harbour mixer"],
    ):
        result = runner.invoke(cli, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
    return runner, db


def ids(db: Path) -> dict[str, int]:
    with open_store(db) as s:
        return {c.label: c.id for c in s.contacts()}


def run_ok(runner: CliRunner, db: Path, *args: str) -> str:
    result = runner.invoke(cli, [*args, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.output


def test_after_the_mixer(mixer: tuple[CliRunner, Path], tmp_path: Path) -> None:
    runner, db = mixer
    people = ids(db)
    ada, bo, cy = people["Ada Quill"], people["Bo Lind"], people["Cy Moss"]
    assert "hot" in run_ok(runner, db, "tag", str(ada), "hot", "needs:accountant")
    run_ok(runner, db, "tag", str(cy), "no-followup")
    assert "note added" in run_ok(runner, db, "note", str(ada), "raising a seed round")

    out = tmp_path / "plan"
    said = run_ok(runner, db, "followup", "--out", str(out), "--today", "2026-11-19")
    assert "4 open task(s), 4 new" in said
    for name in ("followup.md", "tasks.csv", "followup.ics"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    md = (out / "followup.md").read_text(encoding="utf-8")
    assert "Introduce Ada Quill to Bo Lind" in md and "Your note: raising a seed round" in md
    assert "Cy Moss" in md.split("## No follow-up")[1]
    rows = list(csv.DictReader(io.StringIO((out / "tasks.csv").read_text(encoding="utf-8"))))
    assert sorted(r["kind"] for r in rows) == ["intro", "meet", "thank-you", "thank-you"]
    assert all(r["event"] == "Harbour mixer" for r in rows if r["kind"] != "intro")
    cal = icalendar.Calendar.from_ical((out / "followup.ics").read_bytes())
    assert len(list(cal.walk("VTODO"))) == 4

    thanks = next(r for r in rows if r["kind"] == "thank-you" and r["contact"] == "Bo Lind")
    # Text in every spreadsheet, dialable as is: no apostrophe, no bare "+digits" number.
    assert thanks["phone"] == "+1 2025550101"
    said = run_ok(runner, db, "task", "done", thanks["id"], "--on", "2026-11-19")
    assert "next: check-in due 2026-12-19" in said
    listed = run_ok(runner, db, "task", "list")
    assert thanks["id"] not in listed.split() and "check-in" in listed
    assert "[done]" in run_ok(runner, db, "task", "list", "--all")

    again = run_ok(runner, db, "followup", "--out", str(out), "--today", "2026-11-20")
    assert "4 open task(s), 0 new" in again
    with open_store(db) as s:
        assert {t.kind for t in s.tasks() if t.contact_id == bo} == {"check-in"}


def test_plan_errors_say_what_to_do(mixer: tuple[CliRunner, Path], tmp_path: Path) -> None:
    runner, db = mixer
    out = str(tmp_path / "plan")
    bad = runner.invoke(cli, ["followup", "--out", out, "--cadence", "coffee=3", "--db", str(db)])
    assert bad.exit_code == ExitCode.USAGE and "thank-you, meet, check-in, touch" in bad.output
    missing = runner.invoke(cli, ["task", "done", "999", "--db", str(db)])
    assert missing.exit_code == ExitCode.STORE and "cardscan task list" in missing.output
    assert "Traceback" not in missing.output
    no_event = runner.invoke(cli, ["followup", "--out", out, "--event", "Nope", "--db", str(db)])
    assert no_event.exit_code == ExitCode.STORE
    blocked = runner.invoke(cli, ["followup", "--out", "/proc/nope", "--db", str(db)])
    assert blocked.exit_code == ExitCode.ERROR and "choose another --out" in blocked.output


@pytest.mark.parametrize(
    "command", [["followup"], ["task"], ["task", "list"], ["task", "done"], ["tag"], ["note"]]
)
def test_plan_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_report_shows_the_cards_and_the_plan(mixer: tuple[CliRunner, Path], tmp_path: Path) -> None:
    runner, db = mixer
    run_ok(runner, db, "followup", "--out", str(tmp_path / "plan"), "--today", "2026-11-19")
    page = tmp_path / "report.html"
    said = run_ok(runner, db, "report", "--event", "Harbour mixer", "-o", str(page))
    assert "3 contact(s), 3 card photo(s)" in said
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    text = page.read_text(encoding="utf-8")
    assert "Cards from Harbour mixer" in text and "Send Ada Quill" in text
    # The stand-in "photos" are text files: each shows as unreadable, and the page is written.
    assert text.count("Photo missing or unreadable") == 3
    assert "http://" not in text and "https://" not in text


@pytest.mark.parametrize("fmt", ["hubspot", "salesforce", "google", "outlook", "zoho", "pipedrive"])
def test_export_then_import_gives_the_same_people(
    mixer: tuple[CliRunner, Path], tmp_path: Path, fmt: str
) -> None:
    runner, db = mixer
    run_ok(runner, db, "note", str(ids(db)["Ada Quill"]), "=HYPERLINK(1)")
    out = tmp_path / f"{fmt}.csv"
    said = run_ok(runner, db, "export", "--format", fmt, "--event", "Harbour mixer", "-o", str(out))
    assert f"3 contact(s) as {fmt}" in said
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.db"
    said = run_ok(runner, fresh, "import", str(out))
    assert f"({fmt})" in said
    with open_store(db) as a, open_store(fresh) as b:

        def people(s):  # type: ignore[no-untyped-def]
            return sorted(
                (c.name, c.company, tuple(v.value for v in c.of_kind("email")), c.notes)
                for c in s.contacts(full=True)
            )

        before, after = people(a), people(b)
    assert [p[:3] for p in after] == [p[:3] for p in before]
    ada = next(p for p in after if p[0] == "Ada Quill")
    assert any("=HYPERLINK(1)" in n for n in ada[3])


def test_export_selects_and_refuses_what_it_cannot_do(
    mixer: tuple[CliRunner, Path], tmp_path: Path
) -> None:
    runner, db = mixer
    run_ok(runner, db, "tag", str(ids(db)["Bo Lind"]), "hot")
    vcf = tmp_path / "hot.vcf"
    assert "1 contact(s) as vcard" in run_ok(
        runner, db, "export", "--format", "vcard", "--tag", "hot", "-o", str(vcf)
    )
    assert vcf.read_text(encoding="utf-8").count("BEGIN:VCARD") == 1
    later = run_ok(
        runner, db, "export", "--format", "csv", "--since", "2099-01-01", "-o", str(tmp_path / "x")
    )
    assert "0 contact(s)" in later
    for args, hint in (
        (["--format", "vcard", "--bom"], "byte-order mark"),
        (["--format", "csv", "--since", "soon"], "YYYY-MM-DD"),
        (["--format", "excel"], "hubspot"),
    ):
        result = runner.invoke(cli, ["export", *args, "-o", str(tmp_path / "y"), "--db", str(db)])
        assert result.exit_code == ExitCode.USAGE, result.output
        assert hint in result.output and "Traceback" not in result.output
    assert not (tmp_path / "y").exists()


def test_a_top_pick_reads_top_n_in_every_output(
    mixer: tuple[CliRunner, Path], tmp_path: Path
) -> None:
    runner, db = mixer
    people = ids(db)
    run_ok(runner, db, "note", str(people["Bo Lind"]), "wants an intro to a printer")
    out = tmp_path / "plan"
    run_ok(runner, db, "followup", "--out", str(out), "--today", "2026-11-19", "--top", "2")
    with open_store(db) as s:
        tops = sorted((t.top, t.kind) for t in s.tasks() if t.top is not None)
        others = {t.top for t in s.tasks() if t.top is None}
    # Two picks, each with the thank-you and the coffee; the third person is not one.
    assert tops == [(2, "meet"), (2, "meet"), (2, "thank-you"), (2, "thank-you")]
    assert others == {None}
    rows = list(csv.DictReader(io.StringIO((out / "tasks.csv").read_text(encoding="utf-8"))))
    tops = {r["contact"] for r in rows if r["priority"] == "top 2"}
    assert len(tops) == 2 and "Bo Lind" in tops
    assert {r["priority"] for r in rows if r["contact"] not in tops} == {"normal"}
    assert "· top 2 ·" in (out / "followup.md").read_text(encoding="utf-8")
    assert "top 2" in run_ok(runner, db, "task", "list")
    run_ok(runner, db, "report", "-o", str(tmp_path / "report.html"))
    assert "top 2" in (tmp_path / "report.html").read_text(encoding="utf-8")
