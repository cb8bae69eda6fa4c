"""README stays in step with the code: record keys, commands, exit codes."""

from __future__ import annotations

import re

from conftest import ROOT

from cardscan.cli import cli
from cardscan.errors import ExitCode
from cardscan.models import RECORD_KEYS
from cardscan.outputs.export import CONTACT_COLUMNS
from cardscan.outputs.followup import TASK_COLUMNS, Cadence

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands() -> None:
    first_block = README.split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_readme_documents_every_record_key_in_order() -> None:
    record = README.split("### The record", 1)[1].split("\n### ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \|", record, re.M)
    keys = [k for pair in documented for k in pair if k]
    assert keys == list(RECORD_KEYS)


def test_readme_lists_every_command_and_csv_column() -> None:
    for name in cli.commands:
        assert f"cardscan {name}" in README, name
    assert ", ".join(CONTACT_COLUMNS) in re.sub(r"\s+", " ", README)
    assert ", ".join(TASK_COLUMNS) in re.sub(r"\s+", " ", README)
    assert f"--cadence {Cadence().spec()}" in README


def test_readme_exit_codes_match_the_enum() -> None:
    table = dict(re.findall(r"^\| (\d+) \| ([^|]+) \|", README, re.M))
    used = {
        ExitCode.OK,
        ExitCode.ERROR,
        ExitCode.USAGE,
        ExitCode.MISSING_DEPENDENCY,
        ExitCode.INPUT,
        ExitCode.STORE,
        ExitCode.SOME_CARDS_FAILED,
        ExitCode.CTRL_C,
    }
    assert {int(code) for code in table} == {int(c) for c in used}
