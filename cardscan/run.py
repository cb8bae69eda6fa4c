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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from cardscan._version import __version__
from cardscan.config import Settings
from cardscan.errors import InputImageError, OutputError
from cardscan.files import make_private_dirs, why
from cardscan.models import CardResult, card_result_from_record
from cardscan.outputs.export import write_contacts_csv
from cardscan.outputs.followup import scan_checklist
from cardscan.reading.combine import PhotoGroup, pair_photos, results_for
from cardscan.reading.pipeline import read_photos, require_photos
from cardscan.reading.pool import open_regular

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
    """SHA-256 of a file's content, or None if it is not a readable regular file.

    A FIFO or a device (``/dev/zero``) is never read: it could block or never end. Such
    a photo gets None and fails when the pipeline reads it, naming the file.
    """
    digest = hashlib.sha256()
    opened = open_regular(path)
    if opened is None:
        return None
    try:
        with opened as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _path_digest(path: Path) -> str:
    """SHA-256 of a photo's absolute path: the key of a photo whose content cannot be read."""
    return hashlib.sha256(str(Path(path).absolute()).encode("utf-8")).hexdigest()


def atomic_write_text(path: Path, text: str, newline: str | None = None) -> None:
    """Replace ``path`` with ``text`` in one step; the file is private to its owner.

    Raises:
        OutputError: the folder is not writable.
    """
    # The same translation as open(..., newline=newline): None means the platform's.
    ending = os.linesep if newline is None else newline
    atomic_write_bytes(path, (text.replace("\n", ending) if ending else text).encode("utf-8"))


def make_out_dir(path: Path) -> Path:
    """Create an output folder and any missing parents, each private to its owner.

    Raises:
        OutputError: it cannot be created.
    """
    try:
        make_private_dirs(path)
    except OSError as e:
        raise OutputError(
            f"cannot create {e.filename or path}: {why(e)}", "choose another --out folder"
        ) from e
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; the file is private to its owner.

    A reader (or a run killed halfway) sees the old file or the new one, never a mix.

    Raises:
        OutputError: the folder is not writable.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        hint = "free some space on that disk" if why(e) == "disk full" else "choose another folder"
        raise OutputError(f"cannot write {path}: {why(e)}", hint) from e


class Journal:
    """Append-only record of the photos a run has finished, for resuming.

    Each line holds one photo's records, its content hash and the fingerprint of the
    settings that read it: a rerun with another region, language or cardscan version
    reads the photo again rather than reusing an answer those settings would not give.
    """

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint

    def check_writable(self) -> None:
        """Fail now, before any photo is read, if the journal cannot be written.

        Raises:
            OutputError: the folder or the journal is not writable.
        """
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        except OSError as e:
            raise OutputError(
                f"cannot write in {self.path.parent}: {why(e)}",
                "choose another --out folder, or make this one writable",
            ) from e

    def load(self) -> dict[str, list[dict[str, Any]]]:
        """Records per content hash, for this fingerprint.

        Lines that are torn (a run killed mid-write, even inside a multi-byte character)
        or written with other settings are passed over.
        """
        with self.reader() as read:
            return {digest: read(offset) for digest, offset in self.positions().items()}

    def positions(self) -> dict[str, int]:
        """Where each content hash's records start in the journal, for this fingerprint.

        What a run keeps of the journal while it reads: an offset per photo, not its
        records, so 50,000 photos cost a few megabytes. Lines passed over are as for
        :meth:`load`.
        """
        done: dict[str, int] = {}
        if not self.path.exists():
            return done
        with self.path.open("rb") as f:
            offset = 0
            for number, raw in enumerate(f, 1):
                start, offset = offset, offset + len(raw)
                try:
                    entry = json.loads(raw.decode("utf-8"))
                    if entry.get("settings") == self.fingerprint:
                        list(entry["records"])  # a line without records is not an answer
                        done[entry["sha256"]] = start
                except (
                    UnicodeDecodeError,
                    json.JSONDecodeError,
                    KeyError,
                    TypeError,
                    AttributeError,
                ):
                    log.warning(
                        "%s line %d is incomplete; that photo will be read again", self.path, number
                    )
        return done

    def read_at(self, offset: int) -> list[dict[str, Any]]:
        """The records of the entry at ``offset`` (from :meth:`positions` or :meth:`append`).

        Raises:
            OutputError: the journal cannot be read any more (removed, disk gone).
        """
        with self.reader() as read:
            return read(offset)

    @contextmanager
    def reader(self) -> Iterator[Callable[[int], list[dict[str, Any]]]]:
        """:meth:`read_at` over one open file, for reading many entries in a row.

        Raises:
            OutputError: the journal cannot be read any more (removed, disk gone).
        """

        def failed(e: OSError) -> OutputError:
            return OutputError(f"cannot read {self.path}: {why(e)}", "run the same command again")

        try:
            f = self.path.open("rb")
        except OSError as e:
            raise failed(e) from e

        def read(offset: int) -> list[dict[str, Any]]:
            try:
                f.seek(offset)
                line = f.readline()
            except OSError as e:
                raise failed(e) from e
            return list(json.loads(line.decode("utf-8"))["records"])

        with f:
            yield read

    def reset(self) -> None:
        """Forget earlier runs."""
        self.path.unlink(missing_ok=True)

    def append(self, digest: str, results: Sequence[CardResult]) -> int:
        """Record one finished photo, on disk before the next photo is taken.

        Returns:
            Where its entry starts, for :meth:`read_at`.

        Raises:
            OutputError: the journal cannot be written (disk full, folder removed).
        """
        entry = {
            "sha256": digest,
            "settings": self.fingerprint,
            "records": [r.to_record() for r in results],
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                # After a torn last line, start on a fresh one so this entry stays whole.
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                    size += 1
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            raise OutputError(
                f"cannot write {self.path}: {why(e)} (every photo finished so far is kept)",
                "free some space and run the same command again"
                if why(e) == "disk full"
                else "check the disk and the folder",
            ) from e
        return size


def settings_fingerprint(settings: Settings) -> str:
    """What, besides the photo itself, decides the records a photo gives."""
    return f"cardscan {__version__}; region {settings.region or 'auto'}; lang {settings.lang}"


def open_records_file(path: Path, resume: bool) -> tuple[TextIO, set[str]]:
    """Open a JSON Lines output for ``extract -o``, private to its owner.

    With ``resume``, the whole ``ok`` records already in the file are kept (rewritten
    atomically, so a torn last line or an earlier failure is dropped and read again, with
    every other card of the failed card's photos) and their sources returned, so the
    caller reads only the rest. Otherwise the file starts
    empty.

    Raises:
        OutputError: the file cannot be written.
    """
    kept: list[str] = []
    done: set[str] = set()
    if resume and path.exists():
        records: list[dict[str, object]] = []
        with path.open("rb") as f:
            for raw in f:
                try:
                    record = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    continue
                if isinstance(record, dict):
                    records.append(record)
        # A photo of several cards is read again whole when one of its cards failed:
        # keeping the others would leave the failed card out of the file for good.
        again = {p for r in records if r.get("status") != "ok" for p in _photos_of(r)}
        for record in records:
            if record.get("status") == "ok" and not _photos_of(record) & again:
                kept.append(json.dumps(record, ensure_ascii=False) + "\n")
                done.add(str(record.get("source")))
                if record.get("back"):  # a two-sided card: its back is done too
                    done.add(str(record["back"]))
    try:
        make_private_dirs(path.parent)
    except OSError as e:
        raise OutputError(f"cannot create {e.filename or path.parent}: {why(e)}") from e
    atomic_write_text(path, "".join(kept))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding="utf-8"), done
    except OSError as e:
        raise OutputError(f"cannot write {path}: {why(e)}") from e


def _photos_of(record: Mapping[str, object]) -> set[str]:
    """The photos a JSON record was read from: its source, and its back if it has one."""
    return {str(record[k]) for k in ("source", "back") if record.get(k)}


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
    pair: bool = False,
    on_card: Callable[[str, Sequence[CardResult]], None] | None = None,
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
        pair: photos are front, back, front, back… (``--pair``); sides named
            ``x_front.jpg``/``x_back.jpg`` are paired without it.
        on_card: called with a content key and the results of each physical card (one
            photo, or front and back) as soon as its photos are read and journaled, and
            for cards reused from the journal: the contact store's way in (see
            ``cardscan.book.ingest``). The key is the photo's SHA-256 (front+back for two sides).
    """
    # Inputs are checked before the output folder is touched: a mistyped path must not
    # replace an earlier run's files with a list of failures.
    missing = [str(i) for i in inputs if not Path(i).exists()]
    if missing:
        raise InputImageError(
            f"no such file or folder: {', '.join(missing)}", "check the path; nothing was written"
        )
    photos, skipped = require_photos(inputs)
    groups = pair_photos(photos, pair)  # checked before anything is written
    out = make_out_dir(Path(out_dir))
    journal = Journal(out / JOURNAL_NAME, settings_fingerprint(settings))
    if fresh:
        journal.reset()
    journal.check_writable()
    #: Where each photo already read starts in the journal: offsets, not records, so the
    #: run's memory does not grow with the photos (records are read back when needed).
    done = journal.positions()
    digests = {p: file_digest(p) for p in photos}
    todo = [p for p in photos if digests[p] is None or digests[p] not in done]
    if on_start:
        on_start(len(photos))
    #: Photos read in this run that are not journaled: failed ones (a rerun tries them
    #: again: a timeout may pass) and unreadable ones. Small: an error each.
    unjournaled: dict[str, list[CardResult]] = {}
    #: A side read in this run, held only until the other side of its card is read.
    waiting: dict[str, list[CardResult]] = {}

    def cards_of(
        photo: Path, read: Callable[[int], list[dict[str, Any]]] = journal.read_at
    ) -> list[CardResult] | None:
        key = str(photo)
        if key in waiting:
            return waiting[key]
        if key in unjournaled:
            return unjournaled[key]
        digest = digests[photo]
        if digest is None or digest not in done:
            return None
        records = read(done[digest])
        return [card_result_from_record({**rec, "source": key}) for rec in records]

    if on_result:
        for p in photos:
            for r in cards_of(p) or []:
                on_result(r)
    group_of = {g.front: g for g in groups} | {g.back: g for g in groups if g.back}

    def hand_over(group: PhotoGroup) -> None:
        # The store sees a card once every side of it is read; a photo journaled but not
        # yet stored when a run was killed is handed over again from the journal.
        sides = [group.front] if group.back is None else [group.front, group.back]
        read: dict[str, list[CardResult]] = {}
        for p in sides:
            cards = cards_of(p)
            if cards is None:
                return
            read[str(p)] = cards
        keys = [digests[p] for p in sides]
        if None in keys and not any(r.ok for cards in read.values() for r in cards):
            # A photo that cannot be opened has no content hash: its failure is kept under
            # its path's, so the review queue still shows it.
            keys = [k or "path:" + _path_digest(p) for p, k in zip(sides, keys, strict=True)]
        if on_card and None not in keys:
            on_card("+".join(k for k in keys if k), results_for([group], read))
        for p in sides:
            waiting.pop(str(p), None)

    for group in groups:
        hand_over(group)
    # Photos come out as they finish, not in input order: each is journaled and stored at
    # once, so an interrupted run keeps every photo finished, and memory stays flat.
    for index, batch in read_photos(todo, settings, on_result):
        path = todo[index]
        digest = digests[path]
        if digest is not None and all(r.ok for r in batch):
            done[digest] = journal.append(digest, batch)
            waiting[str(path)] = batch
        else:
            unjournaled[str(path)] = batch
        hand_over(group_of[path])

    # The output files, in input order, from the journal (each photo's entry read back
    # where it was written: the journal is not parsed again whole).
    with journal.reader() as read:
        by_photo = {str(p): cards_of(p, read) or [] for p in photos}
    results = tuple(results_for(groups, by_photo))
    csv_buffer = io.StringIO(newline="")
    write_contacts_csv(results, csv_buffer, settings.review_threshold)
    outputs = (out / "contacts.jsonl", out / "contacts.csv", out / "followup.md")
    atomic_write_text(outputs[0], jsonl_text(results))
    atomic_write_text(outputs[1], csv_buffer.getvalue(), newline="")
    atomic_write_text(
        outputs[2], scan_checklist(results, settings.review_threshold, today or date.today())
    )
    return ScanSummary(results, len(photos), len(photos) - len(todo), skipped, outputs)
