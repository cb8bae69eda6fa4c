"""What a real ``cardscan scan`` run left behind: its live processes and its journal.

Shared by tests/test_interrupt.py and scripts/interruptbench.py (which puts tests/ on
``sys.path``, as scripts/appbench.py does for tests/webserver.py). It lives with the tests,
not in the package, because only code that drives cardscan from outside needs it; Linux
only, since it reads ``/proc``.
"""

from __future__ import annotations

from pathlib import Path

from cardscan.run import JOURNAL_NAME


def alive_in_session(sid: int, proc: Path = Path("/proc")) -> list[str]:
    """Processes of session ``sid`` still running, as ``"PID COMMAND LINE"``.

    Zombies are left out: they are dead, only not yet reaped. A run started with
    ``start_new_session=True`` has its own pid as session id, and every process it makes
    (workers, multiprocessing's forkserver, a worker's child) keeps it.
    """
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name in stat is in parentheses and may hold spaces or ")".
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue  # it ended while we looked
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(f"{entry.name} {cmdline[:120]}")
    return found


def journaled(out: Path) -> int:
    """Photos the run journaled in ``out``: one line each, the ones a rerun takes as done."""
    path = out / JOURNAL_NAME
    return path.read_bytes().count(b"\n") if path.exists() else 0
