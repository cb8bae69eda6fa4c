"""Issue 13, the data side: nothing lost, nothing silently wrong (invented people only)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardscan.book.store import open_store
from cardscan.cli import cli
from cardscan.models import Contact, Field
from cardscan.text import clean_text

#: What must never reach a terminal or an export: C0/C1 controls but tab and line feed,
#: and the bidirectional marks, embeddings, overrides and isolates.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

ESC = "\x1b"
HOSTILE_NAME = (
    f"{ESC}]52;c;Y3VybCBldmlsfHNo{ESC}\\Ivo{ESC}[31m Trask{ESC}[0m"
    f"{ESC}]8;;https://evil.example{ESC}\\\u202e\x00"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, db: Path, *args: str):
    return runner.invoke(cli, [*args, "--db", str(db)])


def test_clean_text_takes_out_escapes_controls_and_bidi_but_keeps_letters() -> None:
    assert clean_text(HOSTILE_NAME) == "Ivo Trask"
    assert clean_text("Zoë\u00a0Ng 王\tx") == "Zoë\u00a0Ng 王 x"
    assert clean_text("a\r\nb", multiline=True) == "a\nb"
    assert clean_text("a\r\nb") == "a b"
    assert clean_text("\x9b31mred\x9d8;;u\x9c") == "red"


def test_hostile_text_from_csv_and_vcard_is_neither_stored_printed_nor_exported(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "c.db"
    csv_file = tmp_path / "crm.csv"
    # A NUL near the start makes the file "not a text file"; further in, it is read.
    csv_file.write_text(
        "Name,Email,Company,Notes\n"
        f'Ona Vell,ona@vell.example,Vell,"{"x" * 5000}"\n'
        f'"{HOSTILE_NAME}",ivo@trask.example,"Kestrel{ESC}[2J Works","line1\u2066\nline2"\n',
        encoding="utf-8",
    )
    vcf = tmp_path / "one.vcf"
    vcf.write_text(
        "BEGIN:VCARD\r\nVERSION:4.0\r\n"
        f"FN:Uma{ESC}]52;c;ZXZpbA=={ESC}\\ Pell\u202d\r\nN:Pell;Uma;;;\r\n"
        f"EMAIL:uma@pell.example\r\nORG:Pell{ESC}[5m Ltd\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    for f in (csv_file, vcf):
        result = invoke(runner, db, "import", str(f))
        assert result.exit_code == 0, result.output
    with open_store(db) as store:
        stored = store.contacts(full=True)
        texts = [str(c) for c in stored]
        # A contact stored before imports were cleaned is still shown and exported safely.
        store.add_contact(Contact(name=Field(f"Old{ESC}[31m Raw\u202e", 1.0)), "legacy")
    assert not any(FORBIDDEN.search(t) for t in texts), texts
    assert {c.name for c in stored} == {"Ona Vell", "Ivo Trask", "Uma Pell"}

    outputs = [invoke(runner, db, "contacts").output]
    outputs += [invoke(runner, db, "contacts", str(i)).output for i in (1, 2, 3, 4)]
    for fmt in ("hubspot", "salesforce", "google", "outlook", "zoho", "pipedrive", "csv"):
        out = tmp_path / f"x.{fmt}.csv"
        assert invoke(runner, db, "export", "--format", fmt, "-o", str(out)).exit_code == 0
        outputs.append(out.read_text(encoding="utf-8").replace("\r\n", "\n"))
    for fmt, ext in (("vcard", "vcf"), ("jsonl", "jsonl")):
        out = tmp_path / f"x.{ext}"
        assert invoke(runner, db, "export", "--format", fmt, "-o", str(out)).exit_code == 0
        outputs.append(out.read_text(encoding="utf-8").replace("\r\n", "\n"))
    for text in outputs:
        assert not FORBIDDEN.search(text), repr(text)
        assert "evil" not in text and "52;c" not in text
    assert "Ivo Trask" in outputs[0] and "Old Raw" in outputs[0]
