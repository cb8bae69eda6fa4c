"""Exported CSVs opened in a real spreadsheet (LibreOffice Calc, headless) run no formula.

Each CSV is converted by one ``soffice --headless --convert-to fods`` run (flat OpenDocument
XML, read here with the standard library) in a private profile. A cell LibreOffice evaluated
carries a ``table:formula`` attribute; a number it parsed carries ``office:value-type`` float.
A control file written without :func:`cardscan.outputs.export.safe_cell` proves the check can fail:
its ``=1+1`` comes out as the formula's result, 2.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from test_plan import met
from test_roundtrip import faker_entries, hard_entries
from test_store import contact

from cardscan.book.store import open_store
from cardscan.outputs.export import CSV_FORMATS, export_entries
from cardscan.outputs.followup import refresh_plan, tasks_csv


def _working_soffice() -> str | None:
    """LibreOffice's command when it runs (a half-removed install leaves a dead launcher)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        return None
    try:
        done = subprocess.run([found, "--version"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    # LibreOffice without its spreadsheet (Writer alone, or Calc removed) runs, but
    # converts no CSV: where Calc is installed, its library (libsclo.so, sclo.dll) sits
    # in the launcher's program folder.
    program = Path(found).resolve().parent
    if program.name == "program" and not any(program.glob("*sclo.*")):
        return None
    return found


SOFFICE = _working_soffice()

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) not installed or not working: apt-get install "
    "libreoffice-calc-nogui",
)

_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
#: The control file: what a writer without formula neutralisation would produce.
UNSAFE = 'name,sum,link\r\nEve,=1+1,"=HYPERLINK(""http://evil.example"",""click"")"\r\n'


def _cells(path: Path) -> list[tuple[str | None, str | None, str]]:
    """(value type, formula, shown text) of every non-empty cell of the first sheet."""
    out = []
    for cell in ET.parse(path).iter(f"{{{_NS['table']}}}table-cell"):
        shown = "\n".join("".join(p.itertext()) for p in cell.findall("text:p", _NS))
        kind = cell.get(f"{{{_NS['office']}}}value-type")
        formula = cell.get(f"{{{_NS['table']}}}formula")
        if shown or formula:
            out.append((kind, formula, shown))
    return out


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every CSV export and the control file, opened by LibreOffice in one run."""
    assert SOFFICE is not None
    tmp = tmp_path_factory.mktemp("calc")
    entries = hard_entries() + faker_entries(2)
    sources = []
    for fmt in sorted(CSV_FORMATS):
        buffer = io.BytesIO()
        export_entries(entries, fmt, buffer, bom=True)
        sources.append(tmp / f"{fmt}.csv")
        sources[-1].write_bytes(buffer.getvalue())
    # The follow-up plan's tasks.csv, for a contact whose card reads like formulas.
    with open_store(tmp / "plan.db") as store:
        met(
            store,
            contact(
                "=HYPERLINK(1)", title="@risk", emails=("eve@x.example",), phones=("+33140000000",)
            ),
            note="-2+3",
        )
        sources.append(tmp / "tasks.csv")
        sources[-1].write_text(tasks_csv(refresh_plan(store, date(2026, 11, 20))), encoding="utf-8")
    sources.append(tmp / "unsafe.csv")
    sources[-1].write_bytes(UNSAFE.encode())
    outdir = tmp / "out"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            # UTF-8, comma separated, formulas evaluated as when a user opens the file.
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "fods",
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return {src.stem: outdir / f"{src.stem}.fods" for src in sources}


def test_the_check_can_fail_an_unsafe_csv_evaluates(opened: dict[str, Path]) -> None:
    cells = _cells(opened["unsafe"])
    assert ("float", "of:=1+1", "2") in cells
    assert any(formula and "HYPERLINK" in formula for _, formula, _ in cells)


@pytest.mark.parametrize("fmt", sorted(CSV_FORMATS))
def test_no_exported_cell_is_evaluated(opened: dict[str, Path], fmt: str) -> None:
    cells = _cells(opened[fmt])
    assert cells, "LibreOffice read nothing"
    assert [c for c in cells if c[1]] == []  # no formula anywhere
    shown = [text for _, _, text in cells]
    # The hostile values are shown as the text they are, behind the visible apostrophe.
    assert any(text.startswith("'=HYPERLINK(") for text in shown)
    assert "Élodie" in " ".join(shown)  # UTF-8 (with BOM) read as UTF-8


@pytest.mark.parametrize("fmt", ["hubspot", "salesforce", "zoho", "outlook", "pipedrive"])
def test_phones_stay_text_with_their_plus(opened: dict[str, Path], fmt: str) -> None:
    cells = _cells(opened[fmt])
    phones = [c for c in cells if c[2].startswith("+33 ") or c[2].startswith("+81 ")]
    assert phones, fmt
    assert all(kind == "string" for kind, _, _ in phones)
    assert not any(kind == "float" and len(text) >= 9 for kind, _, text in cells)


def test_no_cell_of_the_task_list_is_evaluated(opened: dict[str, Path]) -> None:
    cells = _cells(opened["tasks"])
    assert [c for c in cells if c[1]] == []
    shown = [text for _, _, text in cells]
    assert "'=HYPERLINK(1)" in shown and "'-2+3" in shown
    assert ("string", None, "+33 140000000") in cells
