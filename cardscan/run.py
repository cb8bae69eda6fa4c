"""A scan run into an output folder: resumable through a journal, outputs replaced atomically.

Each photo's results are appended to ``DIR/.cardscan-journal.jsonl`` as soon as it is read,
keyed by the photo's content hash. A run that is killed loses at most the photos in flight;
running the same command again reads only what is missing. The user-facing files
(``contacts.jsonl``, ``contacts.csv``, ``followup.md``) are written to a temporary file and
renamed into place, so they are never seen half-written, and they are created readable by
their owner only: they hold personal data.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cardscan.config import Settings
from cardscan.errors import OutputError
from cardscan.export import write_contacts_csv
from cardscan.followup import plan_markdown
from cardscan.models import CardResult, card_result_from_record
from cardscan.pipeline import collect_images, scan_photos

log = logging.getLogger(__name__)

JOURNAL_NAME = ".cardscan-journal.jsonl"


@dataclass(frozen=True)
class ScanSummary:
    """What a scan run did."""

    results: tuple[CardResult, ...]
    photos: int
    #: Photos whose results came from the journal of an earlier, interrupted run.
    reused: int
    #: Non-image files found in the folders given (not read).
    skipped: int
    outputs: tuple[Path, ...]

    @property
    def failed(self) -> int:
        """Photos that could not be read."""
        return sum(1 for r in self.results if not r.ok)

    @property
    def cards(self) -> int:
        """Cards read."""
        return sum(1 for r in self.results if r.ok)


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file's content, or None if it cannot be read (it will fail later)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def atomic_write_text(path: Path, text: str, newline: str | None = None) -> None:
    """Replace ``path`` with ``text`` in one step; the file is private to its owner.

    Raises:
        OutputError: the folder is not writable.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise OutputError(
            f"cannot write {path}: {e.strerror or e}", "choose another --out folder"
        ) from e


class Journal:
    """Append-only record of the photos a run has finished, for resuming."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, list[dict[str, Any]]]:
        """Records per content hash; a torn last line (killed mid-write) is ignored."""
        done: dict[str, list[dict[str, Any]]] = {}
        if not self.path.exists():
            return done
        with self.path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    entry = json.loads(line)
                    done[entry["sha256"]] = entry["records"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    log.warning(
                        "%s line %d is incomplete; that photo will be read again", self.path, number
                    )
        return done

    def reset(self) -> None:
        """Forget earlier runs."""
        self.path.unlink(missing_ok=True)

    def append(self, digest: str, results: Sequence[CardResult]) -> None:
        """Record one finished photo; flushed at once so a kill cannot lose it."""
        entry = {"sha256": digest, "records": [r.to_record() for r in results]}
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        fd = os.open(self.path, flags, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def jsonl_text(results: Iterable[CardResult]) -> str:
    """Records as JSON Lines."""
    return "".join(json.dumps(r.to_record(), ensure_ascii=False) + "\n" for r in results)


def run_scan(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    settings: Settings,
    *,
    fresh: bool = False,
    today: date | None = None,
    on_result: Callable[[CardResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ScanSummary:
    """Read photos into ``out_dir``: contacts.jsonl, contacts.csv and followup.md.

    Args:
        inputs: photos and folders of photos.
        out_dir: created if missing; an earlier run's journal there is resumed.
        settings: the run's settings.
        fresh: ignore what an earlier run in ``out_dir`` already read.
        today: the date the follow-up plan counts from (default: today).
        on_result: called once per card as it is read or reused (progress).
        on_start: called once with the number of photos to read (progress length).
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise OutputError(
            f"cannot create {out}: {e.strerror or e}", "choose another --out folder"
        ) from e
    photos, skipped = collect_images(inputs)
    journal = Journal(out / JOURNAL_NAME)
    if fresh:
        journal.reset()
    done = journal.load()
    digests = {p: file_digest(p) for p in photos}

    by_photo: dict[str, list[CardResult]] = {}
    todo: list[Path] = []
    for p in photos:
        d = digests[p]
        if d is not None and d in done:
            by_photo[str(p)] = [
                card_result_from_record({**rec, "source": str(p)}) for rec in done[d]
            ]
        else:
            todo.append(p)
    if on_start:
        on_start(len(photos))
    if on_result:
        for reused in by_photo.values():
            for r in reused:
                on_result(r)

    for path, batch in zip(todo, scan_photos(todo, settings, on_result), strict=True):
        by_photo[str(path)] = batch
        digest = digests[path]
        # Failed photos are not journaled: a rerun tries them again (a timeout may pass).
        if digest is not None and all(r.ok for r in batch):
            journal.append(digest, batch)

    results = tuple(r for p in photos for r in by_photo.get(str(p), ()))
    csv_buffer = io.StringIO(newline="")
    write_contacts_csv(results, csv_buffer, settings.review_threshold)
    outputs = (out / "contacts.jsonl", out / "contacts.csv", out / "followup.md")
    atomic_write_text(outputs[0], jsonl_text(results))
    atomic_write_text(outputs[1], csv_buffer.getvalue(), newline="")
    atomic_write_text(
        outputs[2], plan_markdown(results, settings.review_threshold, today or date.today())
    )
    return ScanSummary(results, len(photos), len(photos) - len(todo), skipped, outputs)
